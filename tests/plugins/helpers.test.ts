import { convertCode, py } from '../helpers';

describe('plugins/helpers.ts', () => {
  test('a helper whose name the notebook uses gets a suffix, in its definition and at its call sites', async () => {
    const result = await convertCode([
      py`
        import torch
        def cumulative_extremum(x):
            return x
      `,
      py`
        x = torch.zeros(3, 4)
        i = torch.cummax(x, 1).indices
        j = torch.cummin(x, 0).indices
      `
    ]);
    expect(result.cells[1].source).toBe(py`
      x = jnp.zeros((3, 4))
      def cumulative_extremum_1(x, dim, op):
          """torch.cummax / torch.cummin (switcheroo): values, and indices of the last extremum as torch's."""
          axis = dim % x.ndim
          values = op(x, axis=axis)
          last = jnp.where((x == values) | jnp.isnan(x), jax.lax.broadcasted_iota(jnp.int32, x.shape, axis), 0)
          return values, jax.lax.cummax(last, axis=axis)

      i = cumulative_extremum_1(x, 1, jax.lax.cummax)[1]
      j = cumulative_extremum_1(x, 0, jax.lax.cummin)[1]
    `);
  });
});
