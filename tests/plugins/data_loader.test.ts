import { convert, py } from '../helpers';

describe('plugins/data_loader.ts', () => {
  test('DataLoader(TensorDataset(...)) becomes ArrayLoader, defined once, shuffling with its own key', async () => {
    const out = await convert(py`
      import torch
      from torch.utils.data import DataLoader, TensorDataset

      torch.manual_seed(0)
      X = torch.zeros(10, 3)
      y = torch.zeros(10)
      train_loader = DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True)
      val_loader = DataLoader(TensorDataset(X, y), batch_size=8, drop_last=True)
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      import numpy as np

      rng_key = jax.random.key(0)
      X = jnp.zeros((10, 3))
      y = jnp.zeros(10)
      class ArrayLoader:
          """DataLoader over in-memory arrays (switcheroo): batches in order, or reshuffled with a fresh key each epoch."""

          def __init__(self, arrays, batch_size=1, shuffle=False, drop_last=False, key=None):
              self.arrays = arrays if isinstance(arrays, tuple) else (arrays,)
              self.batch_size, self.shuffle, self.drop_last, self.key = batch_size, shuffle, drop_last, key

          def __len__(self):
              n = len(self.arrays[0])
              return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

          def __iter__(self):
              n = len(self.arrays[0])
              order = np.arange(n)
              if self.shuffle:
                  self.key, sub = jax.random.split(self.key)
                  order = np.asarray(jax.random.permutation(sub, n))
              for i in range(0, len(self) * self.batch_size, self.batch_size):
                  idx = order[i:i + self.batch_size]
                  yield tuple(a[idx] for a in self.arrays)

      rng_key, key_1 = jax.random.split(rng_key)
      train_loader = ArrayLoader((X, y), batch_size=4, shuffle=True, key=key_1)
      val_loader = ArrayLoader((X, y), batch_size=8, drop_last=True)
    `);
  });

  test('a named TensorDataset is the tuple of its arrays; a sampler is left as is and reported', async () => {
    const out = await convert(py`
      import torch
      from torch.utils.data import DataLoader, TensorDataset

      X = torch.zeros(10, 3)
      ds = TensorDataset(X)
      loader = DataLoader(ds, batch_size=2, sampler=s)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      from torch.utils.data import DataLoader  # switcheroo: kept, torch is still used

      X = jnp.zeros((10, 3))
      ds = (X,)
      loader = DataLoader(ds, batch_size=2, sampler=s)  # switcheroo: torch.utils.data.DataLoader is not converted in this form; left as is
    `);
  });
});
