import { convert, convertCell, py } from '../helpers';

describe('plugins/dtype_device.ts', () => {
  test('dtype methods become astype; 64-bit types are reported as needing jax_enable_x64', async () => {
    const cell = await convertCell(py`
      import torch
      x = torch.zeros(2, 3)
      a = x.float()
      b = x.long()
      m = x.bool()
      n = x.half()
      q = x.double()
      i = x.int()
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((2, 3))
      a = x.astype(jnp.float32)
      b = x.astype(jnp.int64)
      m = x.astype(jnp.bool_)
      n = x.astype(jnp.float16)
      q = x.astype(jnp.float64)
      i = x.astype(jnp.int32)
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      ['info', 'dtype-64', 4, 'jnp.int64 is 32-bit unless jax_enable_x64 is set'],
      ['info', 'dtype-64', 7, 'jnp.float64 is 32-bit unless jax_enable_x64 is set']
    ]);
  });

  test('device moves disappear (reported); .to(dtype) is a cast, with or without a device before it', async () => {
    const cell = await convertCell(py`
      import torch
      device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
      x = torch.zeros(2, 3)
      c = x.to(device)
      d = x.to(torch.float16)
      e = x.to(device, dtype=torch.float32)
      f = x.cuda()
      p = x.to('cpu')
    `);
    expect(cell.source).toBe(py`
      import jax
      import jax.numpy as jnp
      device = jax.devices()[0]
      x = jnp.zeros((2, 3))
      c = x
      d = x.astype(jnp.float16)
      e = x.astype(jnp.float32)
      f = x
      p = x
    `);
    expect(cell.diagnostics.filter(d => d.code === 'device').map(d => d.line)).toEqual([4, 7, 8]);
    expect(cell.flags.partial).toBe(false);
  });

  test('host transfers and graph helpers: numpy, detach, clone, contiguous', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(2, 3)
      g = x.cpu().numpy()
      j = x.detach()
      k = x.clone()
      o = x.contiguous()
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      import numpy as np
      x = jnp.zeros((2, 3))
      g = np.asarray(x)
      j = jax.lax.stop_gradient(x)
      k = jnp.array(x)
      o = jnp.asarray(x)
    `);
  });

  test('moving a model to a device is a no-op that keeps the assignment valid', async () => {
    const out = await convert(py`
      import torch
      import torch.nn as nn
      device = torch.device('cuda')
      model = nn.Linear(3, 4)
      model = model.to(device)
    `);
    expect(out).toBe(py`
      import jax
      import flax.linen as nn
      device = jax.devices('gpu')[0]
      model = nn.Dense(features=4)
      model = model
    `);
  });

  test('.to(dtype of a tensor), .to(tensor) and .type(dtype) become astype; .to(a cpu device) is dropped', async () => {
    const cell = await convertCell(py`
      import torch
      x = torch.ones(3)
      y = torch.zeros(3, dtype=torch.float16)
      a = x.to(y.dtype)
      b = x.to(y)
      c = x.type(torch.float32)
      device = torch.device('cpu')
      d = x.to(device)
    `);
    expect(cell.source).toBe(py`
      import jax
      import jax.numpy as jnp
      x = jnp.ones(3)
      y = jnp.zeros(3, dtype=jnp.float16)
      a = x.astype(y.dtype)
      b = x.astype(y.dtype)
      c = x.astype(jnp.float32)
      device = jax.devices('cpu')[0]
      d = x
    `);
    expect(cell.flags.partial).toBe(false);
  });
});
