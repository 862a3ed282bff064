import { convert, convertCell, py } from '../helpers';

describe('plugins/normalization.ts', () => {
  test("LayerNorm and GroupNorm write torch's epsilon; multi-dim shapes and affine flags carry over; GroupNorm sees channels last", async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self, d):
              super().__init__()
              self.ln = nn.LayerNorm(d)
              self.ln2 = nn.LayerNorm((8, 8), eps=1e-6, elementwise_affine=False)
              self.ln3 = nn.LayerNorm(d, bias=False)
              self.gn = nn.GroupNorm(4, 16)
              self.gn2 = nn.GroupNorm(2, 8, eps=1e-3, affine=False)

          def forward(self, x, img):
              x = self.ln(x)
              img = self.gn(img)
              return x, img, self.ln2(img)
    `);
    expect(cell.source).toBe(py`
      from typing import Any
      import jax.numpy as jnp
      import flax.linen as nn

      class Net(nn.Module):
          d: Any

          def setup(self):
              self.ln = nn.LayerNorm(epsilon=1e-05)
              self.ln2 = nn.LayerNorm(epsilon=1e-6, reduction_axes=(-2, -1), feature_axes=(-2, -1), use_scale=False, use_bias=False)
              self.ln3 = nn.LayerNorm(epsilon=1e-05, use_bias=False)
              self.gn = nn.GroupNorm(num_groups=4, epsilon=1e-05)
              self.gn2 = nn.GroupNorm(num_groups=2, epsilon=1e-3, use_scale=False, use_bias=False)

          def __call__(self, x, img):
              x = self.ln(x)
              img = jnp.moveaxis(self.gn(jnp.moveaxis(img, 1, -1)), -1, 1)
              return x, img, self.ln2(img)
    `);
    expect(cell.flags.trainingFlag).toBe(false);
    expect(cell.flags.partial).toBe(false);
  });

  test('F.layer_norm is standardize over the normalized dims, then weight and bias', async () => {
    const out = await convert(py`
      import torch.nn.functional as F
      a = F.layer_norm(x, (64,))
      b = F.layer_norm(x, (4, 64), w, b, eps=1e-6)
      c = F.layer_norm(x, [64], weight=w)
    `);
    expect(out).toBe(py`
      import jax
      a = jax.nn.standardize(x, axis=-1, epsilon=1e-05)
      b = jax.nn.standardize(x, axis=(-2, -1), epsilon=1e-6) * w + b
      c = jax.nn.standardize(x, axis=-1, epsilon=1e-05) * w
    `);
  });

  test('F.group_norm is left as is, reported', async () => {
    const cell = await convertCell(py`
      import torch.nn.functional as F
      c = F.group_norm(x, 4)
    `);
    expect(cell.source).toBe(py`
      import torch.nn.functional as F  # switcheroo: kept, torch is still used
      c = F.group_norm(x, 4)  # switcheroo: torch.nn.functional.group_norm is not converted in this form; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.nn.functional.group_norm']);
  });

  test('a one-element list shape is the last dim', async () => {
    const out = await convert(py`
      import torch.nn as nn
      ln = nn.LayerNorm([16])
      ln2 = nn.LayerNorm(normalized_shape=16, eps=1e-12)
    `);
    expect(out).toBe(py`
      import flax.linen as nn
      ln = nn.LayerNorm(epsilon=1e-05)
      ln2 = nn.LayerNorm(epsilon=1e-12)
    `);
  });

  test('F.layer_norm over a shape expression normalizes over that many trailing axes; LayerNorm(d_model) keeps torch eps', async () => {
    const out = await convert(py`
      import torch
      import torch.nn as nn
      import torch.nn.functional as F
      x = torch.ones(2, 4, 8)
      w = torch.ones(4, 8)
      b = torch.zeros(4, 8)
      y = F.layer_norm(x, x.shape[-2:], w, b)
      d_model = 8
      ln = nn.LayerNorm(d_model)
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      import flax.linen as nn
      x = jnp.ones((2, 4, 8))
      w = jnp.ones((4, 8))
      b = jnp.zeros((4, 8))
      y = jax.nn.standardize(x, axis=tuple(range(-len(x.shape[-2:]), 0)), epsilon=1e-05) * w + b
      d_model = 8
      ln = nn.LayerNorm(epsilon=1e-05)
    `);
  });
});
