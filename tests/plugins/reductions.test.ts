import { convert, convertCell, py } from '../helpers';

describe('plugins/reductions.ts', () => {
  test('max / min: no dim is a full reduction; a dim gives (values, indices); keepdim becomes keepdims', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(2, 3, 4)
      m = x.max()
      v, i = x.max(1)
      v2 = x.max(dim=-1, keepdim=True)
      lo = torch.min(x, 2)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((2, 3, 4))
      m = jnp.max(x)
      v, i = (jnp.max(x, axis=1), jnp.argmax(x, axis=1))
      v2 = (jnp.max(x, axis=-1, keepdims=True), jnp.argmax(x, axis=-1, keepdims=True))
      lo = (jnp.min(x, axis=2), jnp.argmin(x, axis=2))
    `);
  });

  test('.values and .indices pick one of the pair; indexing the pair keeps torch meaning', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(2, 3, 4)
      vv = torch.max(x, 1).values
      ii = torch.min(x, dim=0).indices
      mk2 = x.max(1)[0]
      a = torch.max(x, 1)[1]
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((2, 3, 4))
      vv = jnp.max(x, axis=1)
      ii = jnp.argmin(x, axis=0)
      mk2 = (jnp.max(x, axis=1), jnp.argmax(x, axis=1))[0]
      a = (jnp.max(x, axis=1), jnp.argmax(x, axis=1))[1]
    `);
  });

  test('max / min against a tensor are elementwise', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(3)
      y = torch.ones(3)
      mx = torch.max(x, y)
      mn = torch.min(x, other=y)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros(3)
      y = jnp.ones(3)
      mx = jnp.maximum(x, y)
      mn = jnp.minimum(x, y)
    `);
  });

  test('max over a dim inside a module method, with .values', async () => {
    const out = await convert(py`
      import torch.nn as nn

      class Pool(nn.Module):
          def forward(self, scores):
              return scores.max(dim=-1).values
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      import flax.linen as nn

      class Pool(nn.Module):
          def __call__(self, scores):
              return jnp.max(scores, axis=-1)
    `);
  });

  test('torch.max with a second positional argument: unknown is elementwise with a warning, a dim name gives (values, indices), a tensor is maximum', async () => {
    const cell = await convertCell(py`
      import torch
      x = torch.ones(3, 4)
      a = torch.zeros(3, 4)
      b = torch.ones(3, 4)
      m1 = torch.max(x, k)
      dim = 1
      m2 = torch.max(x, dim)
      m3 = torch.max(a, b)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      x = jnp.ones((3, 4))
      a = jnp.zeros((3, 4))
      b = jnp.ones((3, 4))
      m1 = jnp.maximum(x, k)
      dim = 1
      m2 = (jnp.max(x, axis=dim), jnp.argmax(x, axis=dim))
      m3 = jnp.maximum(a, b)
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      [
        'warning',
        'ambiguous',
        5,
        'torch.max(x, k): k taken as a tensor (elementwise maximum); if it is a dim, write dim=k'
      ]
    ]);
  });

  test('cdist: the p-norm of every row pair, batched by broadcasting; p defaults to 2', async () => {
    const out = await convert(py`
      import torch
      a = torch.zeros(2, 5, 3)
      b = torch.zeros(2, 4, 3)
      d2 = torch.cdist(a, b)
      d1 = torch.cdist(a, b + 1, p=1)
      dm = torch.cdist(a[0], b[0], 3.0, compute_mode='donot_use_mm_for_euclid_dist')
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      a = jnp.zeros((2, 5, 3))
      b = jnp.zeros((2, 4, 3))
      d2 = jnp.linalg.norm(a[..., :, None, :] - b[..., None, :, :], ord=2.0, axis=-1)
      d1 = jnp.linalg.norm(a[..., :, None, :] - (b + 1)[..., None, :, :], ord=1, axis=-1)
      dm = jnp.linalg.norm(a[0][..., :, None, :] - b[0][..., None, :, :], ord=3.0, axis=-1)
    `);
  });
});
