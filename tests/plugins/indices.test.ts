import { convert, convertCell, py } from '../helpers';

describe('plugins/indices.ts', () => {
  test('topk along the last dim is jax.lax.top_k; another dim is moved last and back; .values/.indices and [0]/[1] pick one', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(3, 4, 5)
      a = x.topk(2)
      b = torch.topk(x, 2, dim=1).indices
      c = x.topk(2, 0).values
      d = x.topk(3, dim=-1)[1]
      e = x.topk(2, dim=1)
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      x = jnp.zeros((3, 4, 5))
      a = jax.lax.top_k(x, 2)
      b = jnp.moveaxis(jax.lax.top_k(jnp.moveaxis(x, 1, -1), 2)[1], -1, 1)
      c = jnp.moveaxis(jax.lax.top_k(jnp.moveaxis(x, 0, -1), 2)[0], -1, 0)
      d = jax.lax.top_k(x, 3)[1]
      e = (lambda v, i: (jnp.moveaxis(v, -1, 1), jnp.moveaxis(i, -1, 1)))(*jax.lax.top_k(jnp.moveaxis(x, 1, -1), 2))
    `);
  });

  test('cummax/cummin: .values along a dim >= 0 is jax.lax.cummax; indices, the pair and negative dims go through cumulative_extremum, defined once', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(3, 4)
      a = torch.cummax(x, dim=1).values
      b = torch.cummax(x, 1).indices
      c, i = x.cummin(-1)
      d = x.cummin(dim=0)[1]
      e = torch.cummax(x, -1).values
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      x = jnp.zeros((3, 4))
      a = jax.lax.cummax(x, axis=1)
      def cumulative_extremum(x, dim, op):
          """torch.cummax / torch.cummin (switcheroo): values, and indices of the last extremum as torch's."""
          axis = dim % x.ndim
          values = op(x, axis=axis)
          last = jnp.where((x == values) | jnp.isnan(x), jax.lax.broadcasted_iota(jnp.int32, x.shape, axis), 0)
          return values, jax.lax.cummax(last, axis=axis)

      b = cumulative_extremum(x, 1, jax.lax.cummax)[1]
      c, i = cumulative_extremum(x, -1, jax.lax.cummin)
      d = cumulative_extremum(x, 0, jax.lax.cummin)[1]
      e = cumulative_extremum(x, -1, jax.lax.cummax)[0]
    `);
  });

  test('topk with largest=False takes the top of -x and negates the values back', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(3, 4)
      v, i = (x + 1).topk(2, largest=False)
      lo = x.topk(1, dim=0, largest=False).values
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      x = jnp.zeros((3, 4))
      v, i = (lambda v, i: (-v, i))(*jax.lax.top_k(-(x + 1), 2))
      lo = jnp.moveaxis(-jax.lax.top_k(-jnp.moveaxis(x, 0, -1), 1)[0], -1, 0)
    `);
  });

  test('topk with a largest that is not a literal is left as is and reported', async () => {
    const cell = await convertCell(py`
      import torch
      x = torch.zeros(3, 4)
      def f(big):
          return x.topk(2, largest=big)
    `);
    expect(cell.source).toContain('x.topk(2, largest=big)  # switcheroo:');
    expect(cell.unsupported).toEqual(['torch.Tensor.topk']);
  });

  test('nonzero is jnp.argwhere; as_tuple=True is jnp.nonzero', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(3, 4)
      idx = torch.nonzero(x)
      rows = (x > 0).nonzero(as_tuple=True)[0]
      both = torch.nonzero(x, as_tuple=True)
      same = x.nonzero(as_tuple=False)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((3, 4))
      idx = jnp.argwhere(x)
      rows = jnp.nonzero(x > 0)[0]
      both = jnp.nonzero(x)
      same = jnp.argwhere(x)
    `);
  });
});
