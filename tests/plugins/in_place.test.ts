import { convert, convertCell, py } from '../helpers';

describe('plugins/in_place.ts', () => {
  test('in-place arithmetic on a name becomes an assignment of the out-of-place result', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(4, 3)
      y = torch.ones(4, 3)
      x.add_(y)
      x.add_(y, alpha=0.5)
      x.sub_(1)
      x.sub_(y, alpha=2)
      x.mul_(2)
      x.div_(y)
      x.pow_(2)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((4, 3))
      y = jnp.ones((4, 3))
      x = x + y
      x = x + 0.5 * y
      x = x - 1
      x = x - 2 * y
      x = x * 2
      x = x / y
      x = x ** 2
    `);
  });

  test('zero_, fill_, clamp_, copy_ and unary in-place ops', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(4, 3)
      y = torch.ones(4, 3)
      x.zero_()
      x.fill_(3.0)
      x.clamp_(0, 1)
      x.clamp_(max=6)
      x.copy_(y)
      x.neg_()
      x.relu_()
      x.abs_()
      x.sqrt_()
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      x = jnp.zeros((4, 3))
      y = jnp.ones((4, 3))
      x = jnp.zeros_like(x)
      x = jnp.full_like(x, 3.0)
      x = jnp.clip(x, 0, 1)
      x = jnp.clip(x, None, 6)
      x = jnp.broadcast_to(jnp.asarray(y, dtype=x.dtype), x.shape)
      x = -x
      x = jax.nn.relu(x)
      x = jnp.abs(x)
      x = jnp.sqrt(x)
    `);
  });

  test('an in-place op on an attribute rebinds the attribute and says aliases keep the old value', async () => {
    const cell = await convertCell(py`
      import torch
      state = Box()
      state.w = torch.zeros(3)
      state.w.mul_(0.9)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      state = Box()
      state.w = jnp.zeros(3)
      state.w = state.w * 0.9
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      [
        'info',
        'in-place',
        4,
        'state.w is updated out of place; arrays that alias it keep the old value'
      ]
    ]);
  });

  test('an in-place op used as a value is computed out of place, with a warning', async () => {
    const cell = await convertCell(py`
      import torch
      x = torch.zeros(3)
      w = x.exp_().sum()
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros(3)
      w = jnp.sum(jnp.exp(x))
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      [
        'warning',
        'in-place',
        3,
        'exp_ used as a value: the result is computed out of place and x itself is not updated'
      ]
    ]);
  });

  test('an in-place op with no mapping is left as is, reported and commented', async () => {
    const cell = await convertCell(py`
      import torch
      x = torch.zeros(3)
      x.scatter_(0, idx, src, reduce='multiply')
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros(3)
      x.scatter_(0, idx, src, reduce='multiply')  # switcheroo: torch.Tensor.scatter_(reduce=...) is not converted; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.Tensor.scatter_(reduce=...)']);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line])).toEqual([
      ['warning', 'unsupported-api', 3]
    ]);
  });

  test('div_ rounding modes, in-place used in an assignment, masked_fill_, index_add_ and more unary ops', async () => {
    const out = await convert(py`
      import torch
      x = torch.ones(4)
      m = x > 0
      idx = torch.tensor([0, 1])
      src = torch.ones(2)
      x.div_(2, rounding_mode='floor')
      x.div_(2, rounding_mode='trunc')
      z = x.add_(1)
      x.masked_fill_(m, 0.0)
      x.index_add_(0, idx, src)
      x.log_()
      x.sigmoid_()
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      x = jnp.ones(4)
      m = x > 0
      idx = jnp.array([0, 1])
      src = jnp.ones(2)
      x = jnp.floor_divide(x, 2)
      x = jnp.trunc(jnp.true_divide(x, 2)).astype(x.dtype)
      z = x = x + 1
      x = jnp.where(m, 0.0, x)
      x = x.at[idx].add(src)
      x = jnp.log(x)
      x = jax.nn.sigmoid(x)
    `);
  });

  test('an in-place op on .data updates the tensor itself, with a note that .data is dropped', async () => {
    const cell = await convertCell(py`
      import torch
      p = torch.zeros(4)
      g = torch.ones(4)
      p.data.add_(g, alpha=-0.1)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      p = jnp.zeros(4)
      g = jnp.ones(4)
      p = p + -0.1 * g
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      ['info', 'in-place', 4, '.data dropped: a JAX array is its own data']
    ]);
  });

  test('.data of an argument is dropped too; an in-place op on a loop variable over a list is annotated (rebinding it would not update the list)', async () => {
    const cell = await convertCell(py`
      import torch
      a = torch.zeros(4)
      b = torch.ones(4)
      a.sub_(b.data)
      for p in [a, b]:
          p.mul_(0.5)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      a = jnp.zeros(4)
      b = jnp.ones(4)
      a = a - b
      for p in [a, b]:
          p.mul_(0.5)  # switcheroo: mul_ on the loop variable p: rebinding it would leave the array in the list unchanged (JAX arrays are immutable); update the list's elements
    `);
    expect(cell.flags.partial).toBe(true);
  });
});
