import { convert, convertCell, py } from './helpers';

describe('converting converted code again', () => {
  test('a note on an elif condition goes on the if line once, and torch written in full is imported with its note', async () => {
    const once = await convert(py`
      import torch.nn as nn
      for m in ms:
          if isinstance(m, nn.Linear):
              pass
          elif isinstance(m, nn.LSTM):
              pass
    `);
    expect(once).toBe(py`
      import flax.linen as nn
      import torch  # switcheroo: kept, torch is still used
      for m in ms:
          if isinstance(m, nn.Dense):  # switcheroo: nn.LSTM as a class: it has no single Flax class to test
              pass
          elif isinstance(m, torch.nn.LSTM):
              pass
    `);
    expect(await convert(once)).toBe(once);
  });

  test('the cell keeps its partial flag the second time', async () => {
    const once = await convertCell(py`
      import torch
      y = torch.fft.rfft(p)
    `);
    const twice = await convertCell(once.source);
    expect(twice.source).toBe(once.source);
    expect(twice.flags.partial).toBe(true);
  });
});
