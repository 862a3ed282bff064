import { convert, convertCell, py } from '../helpers';

describe('plugins/layers_misc.ts', () => {
  test('Embedding becomes Embed; padding_idx is reported since Flax does not zero that row', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      emb = nn.Embedding(1000, 64)
      emb2 = nn.Embedding(1000, 64, padding_idx=0)
      emb3 = nn.Embedding(num_embeddings=10, embedding_dim=3)
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn
      emb = nn.Embed(num_embeddings=1000, features=64)
      emb2 = nn.Embed(num_embeddings=1000, features=64)
      emb3 = nn.Embed(num_embeddings=10, features=3)
    `);
    expect(cell.diagnostics).toEqual([
      {
        level: 'info',
        message:
          'padding_idx: torch zeroes that row and its gradient; Flax does not (port weights to match)',
        line: 3,
        code: 'semantics'
      }
    ]);
  });

  test("F.linear uses torch's [out, in] weight: x @ w.T (+ b)", async () => {
    const out = await convert(py`
      import torch.nn.functional as F
      y = F.linear(x, w)
      z = F.linear(x + 1, w, b)
      z2 = F.linear(x, w, bias=None)
    `);
    expect(out).toBe(py`
      y = x @ w.T
      z = (x + 1) @ w.T + b
      z2 = x @ w.T
    `);
  });

  test('Conv constructors write padding explicitly (torch default 0 is VALID) and rename stride/groups/dilation/bias', async () => {
    const out = await convert(py`
      import torch.nn as nn
      conv = nn.Conv2d(1, 32, kernel_size=5, stride=1, padding=2)
      conv1 = nn.Conv1d(16, 33, 3, stride=2)
      conv2 = nn.Conv2d(16, 16, 3, padding='same', groups=4, dilation=2, bias=False)
      conv3 = nn.Conv2d(3, 8, (3, 5), padding=(1, 2))
    `);
    expect(out).toBe(py`
      import flax.linen as nn
      conv = nn.Conv(features=32, kernel_size=(5, 5), strides=(1, 1), padding=((2, 2), (2, 2)))
      conv1 = nn.Conv(features=33, kernel_size=3, strides=2, padding='VALID')
      conv2 = nn.Conv(features=16, kernel_size=(3, 3), padding='SAME', feature_group_count=4, kernel_dilation=(2, 2), use_bias=False)
      conv3 = nn.Conv(features=8, kernel_size=(3, 5), padding=((1, 1), (2, 2)))
    `);
  });

  test('Embedding with max_norm has no Flax equivalent: left as is, reported', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      emb = nn.Embedding(100, 16, max_norm=1.0)
    `);
    expect(cell.source).toBe(py`
      import torch  # switcheroo: kept, torch is still used
      emb = torch.nn.Embedding(100, 16, max_norm=1.0)  # switcheroo: torch.nn.Embedding(max_norm=...) is not converted; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.nn.Embedding(max_norm=...)']);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line])).toEqual([
      ['warning', 'unsupported-api', 2]
    ]);
  });
});
