import { convert, convertCell, py } from '../helpers';

describe('plugins/devices.ts', () => {
  test('the usual device line picks JAX default device; availability and count read jax.devices()', async () => {
    const cell = await convertCell(py`
      import torch
      device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
      has_gpu = torch.cuda.is_available()
      n = torch.cuda.device_count()
    `);
    expect(cell.source).toBe(py`
      import jax
      device = jax.devices()[0]
      has_gpu = any(d.platform == 'gpu' for d in jax.devices())
      n = len([d for d in jax.devices() if d.platform == 'gpu'])
    `);
    expect(cell.flags.partial).toBe(false);
    expect(cell.residualTorch).toEqual([]);
  });

  test('literal device names map to that platform', async () => {
    const out = await convert(py`
      import torch
      cpu = torch.device('cpu')
      gpu = torch.device("cuda")
      other = torch.device(name)
    `);
    expect(out).toBe(py`
      import jax
      cpu = jax.devices('cpu')[0]
      gpu = jax.devices('gpu')[0]
      other = jax.devices()[0]
    `);
  });

  test('tensors and models moved to a converted device lose the move', async () => {
    const out = await convert(py`
      import torch
      import torch.nn as nn
      device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
      model = nn.Linear(3, 4).to(device)
      x = torch.zeros(2, 3).to(device)
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      import flax.linen as nn
      device = jax.devices()[0]
      model = nn.Dense(features=4)
      x = jnp.zeros((2, 3))
    `);
  });

  test('a CUDA device index, in the string or as a second argument, picks that GPU', async () => {
    const out = await convert(py`
      import torch
      d1 = torch.device('cuda:1')
      d2 = torch.device('cuda', 1)
    `);
    expect(out).toBe(py`
      import jax
      d1 = jax.devices('gpu')[1]
      d2 = jax.devices('gpu')[1]
    `);
  });
});
