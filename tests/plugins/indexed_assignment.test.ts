import { convert, convertCell, py } from '../helpers';

describe('plugins/indexed_assignment.ts', () => {
  test('assignment and augmented assignment through an index become .at updates', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(4, 3)
      m = x > 0
      x[0] = 5
      x[:, 1] += 2
      x[m] -= 1
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((4, 3))
      m = x > 0
      x = x.at[0].set(5)
      x = x.at[:, 1].add(2)
      x = x.at[m].add(-1)
    `);
  });

  test('an in-place op on an indexed tensor sets that slice, with a note on aliases', async () => {
    const cell = await convertCell(py`
      import torch
      x = torch.zeros(4, 3)
      x[0].add_(1)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((4, 3))
      x = x.at[0].set(x[0] + 1)
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      [
        'info',
        'in-place',
        3,
        'x[0] is updated out of place; arrays that alias it keep the old value'
      ]
    ]);
  });

  test('indexed assignment on a list stays as is', async () => {
    const cell = await convertCell(py`
      import torch
      x = torch.zeros(2)
      lst = [0, 0]
      lst[0] = 1
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros(2)
      lst = [0, 0]
      lst[0] = 1
    `);
    expect(cell.diagnostics).toEqual([]);
  });
});
