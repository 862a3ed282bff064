import { convert, convertCell, py } from '../helpers';

describe('plugins/div.ts', () => {
  test('torch.div is true division, for ints too; rounding modes map to floor_divide and a truncation', async () => {
    const out = await convert(py`
      import torch
      a = torch.zeros(5, dtype=torch.int32)
      b = torch.ones(5)
      c = torch.div(a, 2)
      d = torch.div(a, 2, rounding_mode='floor')
      e = torch.div(a, -2, rounding_mode='trunc')
      h = b.div(2, rounding_mode=None)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      a = jnp.zeros(5, dtype=jnp.int32)
      b = jnp.ones(5)
      c = jnp.true_divide(a, 2)
      d = jnp.floor_divide(a, 2)
      e = jnp.trunc(jnp.true_divide(a, -2)).astype(jnp.result_type(a, -2))
      h = jnp.true_divide(b, 2)
    `);
  });

  test('method form and torch.divide', async () => {
    const out = await convert(py`
      import torch
      a = torch.ones(5)
      b = torch.ones(5)
      f = a.div(b)
      g = torch.divide(b, 3)
      k = a.divide(b, rounding_mode="floor")
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      a = jnp.ones(5)
      b = jnp.ones(5)
      f = jnp.true_divide(a, b)
      g = jnp.true_divide(b, 3)
      k = jnp.floor_divide(a, b)
    `);
  });

  test('Python operators are already right and stay as written', async () => {
    const out = await convert(py`
      import torch
      a = torch.ones(5)
      j = a // 2
      m = a / 2
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      a = jnp.ones(5)
      j = a // 2
      m = a / 2
    `);
  });

  test('a rounding mode held in a variable is left as is, reported', async () => {
    const cell = await convertCell(py`
      import torch
      a = torch.ones(5)
      mode = 'floor'
      i = torch.div(a, 2, rounding_mode=mode)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      import torch  # switcheroo: kept, torch is still used
      a = jnp.ones(5)
      mode = 'floor'
      i = torch.div(a, 2, rounding_mode=mode)  # switcheroo: torch.div is not converted in this form; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.div']);
  });
});
