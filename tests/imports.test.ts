import { convert, convertCell, convertCode, py } from './helpers';

describe('imports are fixed up once the notebook is converted', () => {
  test('output imports are added once, in a fixed order, only when used', async () => {
    const src = py`
      import torch
      import torch.nn as nn
      import torch.nn.functional as F
      a = torch.zeros(2)
      b = F.relu(a)
      c = torch.ones(3)
    `;
    expect(await convert(src)).toBe(py`
      import jax
      import jax.numpy as jnp
      a = jnp.zeros(2)
      b = jax.nn.relu(a)
      c = jnp.ones(3)
    `);
  });

  test('a torch import still used is kept, and the leftover use is reported', async () => {
    const src = py`
      import torch
      x = torch.zeros(2)
      y = torch.fft.rfft(x)
    `;
    const cell = await convertCell(src);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      import torch  # switcheroo: kept, torch is still used
      x = jnp.zeros(2)
      y = torch.fft.rfft(x)  # switcheroo: torch.fft.rfft has no JAX/Flax mapping; left as is
    `);
    expect(cell.unsupported).toEqual(['torch.fft.rfft']);
    expect(cell.residualTorch).toContain('torch.fft.rfft');
    expect(cell.flags.partial).toBe(true);
  });

  test('imports are added where the notebook imported torch, not in the cell that uses them', async () => {
    const result = await convertCode([
      'import torch\nimport numpy as np\n',
      'x = torch.zeros(2)\n'
    ]);
    expect(result.cells[0].source).toBe('import jax.numpy as jnp\nimport numpy as np\n');
    expect(result.cells[1].source).toBe('x = jnp.zeros(2)\n');
  });

  test('an import the notebook already has is not added again', async () => {
    expect(await convert('import jax.numpy as jnp\nimport torch\nx = torch.zeros(2)\n')).toBe(
      'import jax.numpy as jnp\nx = jnp.zeros(2)\n'
    );
  });

  test('from-imports keep only the names still used', async () => {
    const src = 'from torch import nn, fft\nlayer = nn.Linear(2, 3)\ny = fft.rfft(x)\n';
    expect(await convert(src, { comments: false })).toBe(
      'import flax.linen as nn\nfrom torch import fft\nlayer = nn.Dense(features=3)\ny = fft.rfft(x)\n'
    );
  });

  test('an indented torch import keeps its indentation for the new imports', async () => {
    const src = 'try:\n    import torch\nexcept ImportError:\n    pass\nx = torch.zeros(2)\n';
    expect(await convert(src)).toBe(
      'try:\n    import jax.numpy as jnp\nexcept ImportError:\n    pass\nx = jnp.zeros(2)\n'
    );
  });
});
