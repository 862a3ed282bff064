import { convert, convertCode, py } from '../helpers';
import { ARRAY_DATASET, ARRAY_LOADER, ARRAY_SUBSET, RANDOM_SPLIT } from '../../plugins/data_loader';

/** The helpers as they appear in a converted cell: each followed by a blank line. */
const defined = (...helpers: { code: string }[]) => helpers.map(h => `${h.code}\n`).join('');

describe('plugins/data_loader.ts', () => {
  test('DataLoader(TensorDataset(...)) becomes ArrayLoader(ArrayDataset(...)), each defined once, shuffling with its own key', async () => {
    const out = await convert(py`
      import torch
      from torch.utils.data import DataLoader, TensorDataset

      torch.manual_seed(0)
      X = torch.zeros(10, 3)
      y = torch.zeros(10)
      train_loader = DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True)
      val_loader = DataLoader(TensorDataset(X, y), batch_size=8, drop_last=True)
    `);
    expect(out).toBe(
      py`
        import jax
        import jax.numpy as jnp
        import numpy as np

        rng_key = jax.random.key(0)
        X = jnp.zeros((10, 3))
        y = jnp.zeros(10)
      ` +
        defined(ARRAY_DATASET, ARRAY_LOADER) +
        py`
          rng_key, key_1 = jax.random.split(rng_key)
          train_loader = ArrayLoader(ArrayDataset(X, y), batch_size=4, shuffle=True, key=key_1)
          val_loader = ArrayLoader(ArrayDataset(X, y), batch_size=8, drop_last=True)
        `
    );
  });

  test('random_split with a generator built in place uses its key; Subset and len() keep torch meaning', async () => {
    const result = await convertCode([
      py`
        import torch
        from torch.utils.data import DataLoader, TensorDataset, random_split

        torch.manual_seed(0)
        X = torch.randn(12, 2)
        y = torch.randn(12)
        dataset = TensorDataset(X, y)
        train_set, val_set = random_split(dataset, [0.75, 0.25], generator=torch.Generator().manual_seed(0))
      `,
      py`
        train_ds = torch.utils.data.Subset(dataset, train_set.indices)
        loader = DataLoader(train_ds, batch_size=3, shuffle=True)
        print(len(train_ds), len(loader), X[val_set.indices].shape)
        parts = random_split(dataset, [6, 6])
      `
    ]);
    expect(result.cells.map(c => c.source)).toEqual([
      py`
        import jax
        import numpy as np

        rng_key = jax.random.key(0)
        rng_key, key_1 = jax.random.split(rng_key)
        X = jax.random.normal(key_1, (12, 2))
        rng_key, key_2 = jax.random.split(rng_key)
        y = jax.random.normal(key_2, (12,))
      ` +
        defined(ARRAY_DATASET) +
        py`
          dataset = ArrayDataset(X, y)
        ` +
        defined(ARRAY_SUBSET, RANDOM_SPLIT) +
        py`
          train_set, val_set = random_split_dataset(dataset, [0.75, 0.25], key=jax.random.key(0))
        `,
      py`
        train_ds = ArraySubset(dataset, train_set.indices)
      ` +
        defined(ARRAY_LOADER) +
        py`
          rng_key, key_3 = jax.random.split(rng_key)
          loader = ArrayLoader(train_ds, batch_size=3, shuffle=True, key=key_3)
          print(len(train_ds), len(loader), X[val_set.indices].shape)
          rng_key, key_4 = jax.random.split(rng_key)
          parts = random_split_dataset(dataset, [6, 6], key=key_4)
        `
    ]);
    expect(result.cells.every(c => !c.flags.partial)).toBe(true);
  });

  test("a shuffled DataLoader with a named generator takes a split of the generator's key", async () => {
    const out = await convert(py`
      import torch
      from torch.utils.data import DataLoader

      X = torch.zeros(10, 3)
      g = torch.Generator().manual_seed(3)
      loader = DataLoader(X, batch_size=5, shuffle=True, generator=g)
    `);
    expect(out).toBe(
      py`
        import jax
        import jax.numpy as jnp
        import numpy as np

        X = jnp.zeros((10, 3))
        g = jax.random.key(3)
      ` +
        defined(ARRAY_LOADER) +
        py`
          g, key_1 = jax.random.split(g)
          loader = ArrayLoader(X, batch_size=5, shuffle=True, key=key_1)
        `
    );
  });

  test('a sampler is left as is and reported', async () => {
    const out = await convert(py`
      import torch
      from torch.utils.data import DataLoader, TensorDataset

      X = torch.zeros(10, 3)
      ds = TensorDataset(X)
      loader = DataLoader(ds, batch_size=2, sampler=s)
    `);
    expect(out).toBe(
      py`
        import jax.numpy as jnp
        from torch.utils.data import DataLoader  # switcheroo: kept, torch is still used

        X = jnp.zeros((10, 3))
      ` +
        defined(ARRAY_DATASET) +
        py`
          ds = ArrayDataset(X)
          loader = DataLoader(ds, batch_size=2, sampler=s)  # switcheroo: torch.utils.data.DataLoader is not converted in this form; left as is
        `
    );
  });
});
