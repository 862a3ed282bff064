import { convert, convertCell, py } from '../helpers';

const HEADER = py`
  import torch
  import torch.nn.functional as F
  x = torch.zeros(2, 3, 8, 8)
`;

describe('plugins/pad.ts', () => {
  test('pairs run from the last dim backwards; leading dims get (0, 0)', async () => {
    const out = await convert(
      HEADER +
        py`
      a = F.pad(x, (1, 1))
      b = F.pad(x, (1, 2, 3, 4))
    `
    );
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((2, 3, 8, 8))
      a = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 1)])
      b = jnp.pad(x, [(0, 0)] * (x.ndim - 2) + [(3, 4), (1, 2)])
    `);
  });

  test('modes map to numpy names; value becomes constant_values; a list spec works like a tuple', async () => {
    const out = await convert(
      HEADER +
        py`
      b = F.pad(x, (1, 2, 3, 4), mode='reflect')
      c = F.pad(x, [0, 1, 0, 1], value=-1.0)
      d = F.pad(x, (2, 2, 2, 2), 'replicate')
      e = F.pad(x, (1, 1), mode='circular')
      f = F.pad(x, (1, 1), mode='constant', value=0.5)
    `
    );
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((2, 3, 8, 8))
      b = jnp.pad(x, [(0, 0)] * (x.ndim - 2) + [(3, 4), (1, 2)], mode='reflect')
      c = jnp.pad(x, [(0, 0)] * (x.ndim - 2) + [(0, 1), (0, 1)], constant_values=-1.0)
      d = jnp.pad(x, [(0, 0)] * (x.ndim - 2) + [(2, 2), (2, 2)], mode='edge')
      e = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 1)], mode='wrap')
      f = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 1)], constant_values=0.5)
    `);
  });

  test('a compound input is parenthesised where its ndim is read', async () => {
    const out = await convert(
      HEADER +
        py`
      g = F.pad(x + 1, (0, 1))
    `
    );
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((2, 3, 8, 8))
      g = jnp.pad(x + 1, [(0, 0)] * ((x + 1).ndim - 1) + [(0, 1)])
    `);
  });

  test('a pad spec held in a variable cannot be reversed statically: left as is, reported', async () => {
    const cell = await convertCell(
      HEADER +
        py`
      p = (1, 1)
      f = F.pad(x, p)
    `
    );
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      import torch.nn.functional as F  # switcheroo: kept, torch is still used
      x = jnp.zeros((2, 3, 8, 8))
      p = (1, 1)
      f = F.pad(x, p)  # switcheroo: torch.nn.functional.pad is not converted in this form; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.nn.functional.pad']);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line])).toEqual([
      ['warning', 'unsupported-api', 5]
    ]);
  });

  test('mode and value given positionally', async () => {
    const out = await convert(
      HEADER +
        py`
      f = F.pad(x, (1, 1), 'constant', 0.5)
    `
    );
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((2, 3, 8, 8))
      f = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 1)], constant_values=0.5)
    `);
  });
});
