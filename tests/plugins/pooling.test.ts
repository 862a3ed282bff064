import { convert, convertCell, py } from '../helpers';

describe('plugins/pooling.ts', () => {
  test('pool layers become functions of x in setup: strides default to the window, padding and count_include_pad kept', async () => {
    const out = await convert(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.pool = nn.MaxPool2d(2)
              self.avg = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
              self.gap = nn.AdaptiveAvgPool2d((1, 1))
              self.gap1 = nn.AdaptiveAvgPool1d(1)

          def forward(self, x, s):
              x = self.avg(self.pool(x))
              return self.gap(x), self.gap1(s)
    `);
    expect(out).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.pool = lambda x: nn.max_pool(x.transpose(0, 2, 3, 1), window_shape=(2, 2), strides=(2, 2)).transpose(0, 3, 1, 2)
              self.avg = lambda x: nn.avg_pool(x.transpose(0, 2, 3, 1), window_shape=(3, 3), strides=(1, 1), padding=((1, 1), (1, 1)), count_include_pad=False).transpose(0, 3, 1, 2)
              self.gap = lambda x: x.mean(axis=(2, 3), keepdims=True)
              self.gap1 = lambda x: x.mean(axis=(2,), keepdims=True)

          def __call__(self, x, s):
              x = self.avg(self.pool(x))
              return self.gap(x), self.gap1(s)
    `);
  });

  test('functional pools: keyword and positional arguments, 1d windows, adaptive pooling to 1 on an expression', async () => {
    const out = await convert(py`
      import torch
      import torch.nn.functional as F
      x = torch.zeros(1, 3, 8, 8)
      s = torch.zeros(1, 3, 16)
      y = F.max_pool2d(x, kernel_size=3, stride=2, padding=1)
      z = F.avg_pool1d(s, 4)
      w = F.adaptive_avg_pool2d(x + 1, 1)
      m = F.max_pool2d(x, (2, 3))
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      import flax.linen as nn
      x = jnp.zeros((1, 3, 8, 8))
      s = jnp.zeros((1, 3, 16))
      y = nn.max_pool(x.transpose(0, 2, 3, 1), window_shape=(3, 3), strides=(2, 2), padding=((1, 1), (1, 1))).transpose(0, 3, 1, 2)
      z = nn.avg_pool(s.transpose(0, 2, 1), window_shape=(4,), strides=(4,)).transpose(0, 2, 1)
      w = (x + 1).mean(axis=(2, 3), keepdims=True)
      m = nn.max_pool(x.transpose(0, 2, 3, 1), window_shape=(2, 3), strides=(2, 3)).transpose(0, 3, 1, 2)
    `);
  });

  test('ceil_mode and adaptive sizes other than 1 are left as is, reported and commented', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn.functional as F
      x = torch.zeros(1, 3, 8, 8)
      y = F.max_pool2d(x, 2, ceil_mode=True)
      z = F.adaptive_avg_pool2d(x, (h, w))
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      import torch.nn.functional as F  # switcheroo: kept, torch is still used
      x = jnp.zeros((1, 3, 8, 8))
      y = F.max_pool2d(x, 2, ceil_mode=True)  # switcheroo: torch.nn.functional.max_pool2d(ceil_mode=...) is not converted; left as is
      z = F.adaptive_avg_pool2d(x, (h, w))  # switcheroo: torch.nn.functional.adaptive_avg_pool2d is not converted in this form; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual([
      'torch.nn.functional.max_pool2d(ceil_mode=...)',
      'torch.nn.functional.adaptive_avg_pool2d'
    ]);
    expect(cell.diagnostics.map(d => [d.level, d.line, d.message])).toEqual([
      ['warning', 4, 'torch.nn.functional.max_pool2d(ceil_mode=...) is not converted; left as is'],
      [
        'warning',
        5,
        'torch.nn.functional.adaptive_avg_pool2d is not converted in this form; left as is'
      ]
    ]);
  });

  test('adaptive average pooling to k uses equal windows, with a note that it needs a multiple of k', async () => {
    const cell = await convertCell(py`
      import torch.nn.functional as F
      z = F.adaptive_avg_pool2d(x, (7, 7))
    `);
    expect(cell.source).toBe(py`
      z = x.reshape(x.shape[:2] + (7, x.shape[2] // 7, 7, x.shape[3] // 7)).mean(axis=(3, 5))
    `);
    expect(cell.diagnostics.map(d => d.code)).toEqual(['semantics']);
  });

  test('positional stride and padding, stride=None meaning the window', async () => {
    const out = await convert(py`
      import torch.nn as nn
      p = nn.MaxPool2d(3, 2, 1)
      q = nn.MaxPool1d(kernel_size=2, stride=None)
    `);
    expect(out).toBe(py`
      import flax.linen as nn
      p = lambda x: nn.max_pool(x.transpose(0, 2, 3, 1), window_shape=(3, 3), strides=(2, 2), padding=((1, 1), (1, 1))).transpose(0, 3, 1, 2)
      q = lambda x: nn.max_pool(x.transpose(0, 2, 1), window_shape=(2,), strides=(2,)).transpose(0, 2, 1)
    `);
  });

  test('divisor_override has no Flax equivalent: left as is, reported', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn.functional as F
      x = torch.zeros(1, 3, 8, 8)
      y = F.avg_pool2d(x, 2, divisor_override=3)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      import torch.nn.functional as F  # switcheroo: kept, torch is still used
      x = jnp.zeros((1, 3, 8, 8))
      y = F.avg_pool2d(x, 2, divisor_override=3)  # switcheroo: torch.nn.functional.avg_pool2d(divisor_override=...) is not converted; left as is
    `);
    expect(cell.diagnostics.map(d => d.message)).toEqual([
      'torch.nn.functional.avg_pool2d(divisor_override=...) is not converted; left as is'
    ]);
    expect(cell.flags.partial).toBe(true);
  });

  test('a dilated max pool has no Flax equivalent: left as is, reported', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn.functional as F
      x = torch.ones(1, 3, 8, 8)
      a = F.max_pool2d(x, 3, dilation=2)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      import torch.nn.functional as F  # switcheroo: kept, torch is still used
      x = jnp.ones((1, 3, 8, 8))
      a = F.max_pool2d(x, 3, dilation=2)  # switcheroo: torch.nn.functional.max_pool2d with dilation=2 has no Flax equivalent; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.nn.functional.max_pool2d']);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line])).toEqual([
      ['warning', 'unsupported-api', 4]
    ]);
  });
});

describe('plugins/pooling.ts: dilation 1 is the default', () => {
  test('dilation=1 converts like no dilation', async () => {
    const out = await convert(py`
      import torch.nn.functional as F
      y = F.max_pool2d(x, 3, dilation=1)
    `);
    expect(out).toBe(py`
      import flax.linen as nn
      y = nn.max_pool(x.transpose(0, 2, 3, 1), window_shape=(3, 3), strides=(3, 3)).transpose(0, 3, 1, 2)
    `);
  });
});
