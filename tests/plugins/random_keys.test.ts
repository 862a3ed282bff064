import { convert, convertCell, convertCode, py } from '../helpers';

describe('plugins/random_keys.ts', () => {
  test('manual_seed starts the key; each draw splits a fresh subkey first', async () => {
    const out = await convert(py`
      import torch
      torch.manual_seed(42)
      a = torch.randn(3, 4)
      b = torch.rand((2, 2))
      c = torch.randint(0, 10, (5,))
      e = torch.randperm(8)
    `);
    expect(out).toBe(py`
      import jax
      rng_key = jax.random.key(42)
      rng_key, key_1 = jax.random.split(rng_key)
      a = jax.random.normal(key_1, (3, 4))
      rng_key, key_2 = jax.random.split(rng_key)
      b = jax.random.uniform(key_2, (2, 2))
      rng_key, key_3 = jax.random.split(rng_key)
      c = jax.random.randint(key_3, (5,), 0, 10)
      rng_key, key_4 = jax.random.split(rng_key)
      e = jax.random.permutation(key_4, 8)
    `);
  });

  test('normal with mean/std, *_like draws, bernoulli and dtype', async () => {
    const out = await convert(py`
      import torch
      torch.manual_seed(0)
      a = torch.zeros(3)
      f = torch.normal(0.0, 2.0, size=(3,))
      g = torch.randn_like(a)
      h = torch.bernoulli(a)
      i = torch.rand(5, dtype=torch.float16)
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      rng_key = jax.random.key(0)
      a = jnp.zeros(3)
      rng_key, key_1 = jax.random.split(rng_key)
      f = 0.0 + 2.0 * jax.random.normal(key_1, (3,))
      rng_key, key_2 = jax.random.split(rng_key)
      g = jax.random.normal(key_2, a.shape, dtype=a.dtype)
      rng_key, key_3 = jax.random.split(rng_key)
      h = jax.random.bernoulli(key_3, a).astype(a.dtype)
      rng_key, key_4 = jax.random.split(rng_key)
      i = jax.random.uniform(key_4, (5,), dtype=jnp.float16)
    `);
  });

  test('normal_ and uniform_ (defaults) rebind the tensor to a fresh draw of its shape and dtype', async () => {
    const out = await convert(py`
      import torch
      torch.manual_seed(0)
      w = torch.empty(3, 4)
      w.normal_(0, 0.02)
      w.normal_()
      w.uniform_()
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      rng_key = jax.random.key(0)
      w = jnp.zeros((3, 4))
      rng_key, key_1 = jax.random.split(rng_key)
      w = 0.02 * jax.random.normal(key_1, w.shape, w.dtype)
      rng_key, key_2 = jax.random.split(rng_key)
      w = jax.random.normal(key_2, w.shape, w.dtype)
      rng_key, key_3 = jax.random.split(rng_key)
      w = jax.random.uniform(key_3, w.shape, w.dtype, 0.0, 1.0)
    `);
  });

  test('a draw with no seed before it seeds with 0, says so in a comment and an info diagnostic', async () => {
    const cell = await convertCell(py`
      import torch
      x = torch.randn(4)
    `);
    expect(cell.source).toBe(py`
      import jax
      rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
      rng_key, key_1 = jax.random.split(rng_key)
      x = jax.random.normal(key_1, (4,))
    `);
    expect(cell.diagnostics).toEqual([
      {
        level: 'info',
        message: 'no torch.manual_seed before the first random draw: the JAX key is seeded with 0',
        line: 2,
        code: 'rng'
      }
    ]);
  });

  test('one key is threaded through the notebook: a seed in one cell, draws in later cells', async () => {
    const result = await convertCode([
      py`
        import torch
        torch.manual_seed(1)
      `,
      py`
        x = torch.randn(3)
      `,
      py`
        y = torch.rand(2)
      `
    ]);
    expect(result.cells.map(c => c.source)).toEqual([
      py`
        import jax
        rng_key = jax.random.key(1)
      `,
      py`
        rng_key, key_1 = jax.random.split(rng_key)
        x = jax.random.normal(key_1, (3,))
      `,
      py`
        rng_key, key_2 = jax.random.split(rng_key)
        y = jax.random.uniform(key_2, (2,))
      `
    ]);
  });

  test('a generator argument is replaced by the threaded key, with a note', async () => {
    const cell = await convertCell(py`
      import torch
      torch.manual_seed(0)
      k = torch.rand(3, generator=gen)
    `);
    expect(cell.source).toBe(py`
      import jax
      rng_key = jax.random.key(0)
      rng_key, key_1 = jax.random.split(rng_key)
      k = jax.random.uniform(key_1, (3,))
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line])).toEqual([['info', 'rng', 3]]);
  });

  test('a draw inside a plain function splits the global key, declared global once', async () => {
    const cell = await convertCell(py`
      import torch
      def sample(n):
          a = torch.randn(n, 2)
          return a + torch.rand(n, 2)
    `);
    expect(cell.source).toBe(py`
      import jax
      rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
      def sample(n):
          global rng_key
          rng_key, key_1 = jax.random.split(rng_key)
          a = jax.random.normal(key_1, (n, 2))
          rng_key, key_2 = jax.random.split(rng_key)
          return a + jax.random.uniform(key_2, (n, 2))
    `);
    expect(cell.flags.partial).toBe(false);
  });

  test('a draw inside a lambda needs a key argument: left as is, reported, cell partial', async () => {
    const cell = await convertCell(py`
      import torch
      sample = lambda n: torch.randn(n)
    `);
    expect(cell.source).toBe(py`
      import torch  # switcheroo: kept, torch is still used
      sample = lambda n: torch.randn(n)  # switcheroo: torch.randn is not converted in this form; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.randn']);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.message])).toEqual([
      ['warning', 'rng', 'torch.randn inside a function needs an explicit JAX key argument'],
      ['warning', 'unsupported-api', 'torch.randn is not converted in this form; left as is']
    ]);
  });

  test('draws with no mapping are left as is and reported', async () => {
    const cell = await convertCell(py`
      import torch
      torch.manual_seed(0)
      p = torch.ones(3)
      m = torch.poisson(p)
    `);
    expect(cell.source).toBe(py`
      import jax
      import jax.numpy as jnp
      import torch  # switcheroo: kept, torch is still used
      rng_key = jax.random.key(0)
      p = jnp.ones(3)
      m = torch.poisson(p)  # switcheroo: torch.poisson has no JAX/Flax mapping; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.poisson']);
  });

  test('multinomial draws categories with or without replacement', async () => {
    const out = await convert(py`
      import torch
      torch.manual_seed(0)
      m = torch.multinomial(p, 2)
      r = torch.multinomial(p, 5, replacement=True)
    `);
    expect(out).toBe(py`
      import jax
      rng_key = jax.random.key(0)
      rng_key, key_1 = jax.random.split(rng_key)
      m = jax.random.choice(key_1, p.shape[-1], shape=(2,), replace=False, p=p / p.sum())
      rng_key, key_2 = jax.random.split(rng_key)
      r = jax.random.choice(key_2, p.shape[-1], shape=(5,), replace=True, p=p / p.sum())
    `);
  });

  test('keyword sizes and bounds; device and requires_grad have no JAX meaning and are dropped', async () => {
    const out = await convert(py`
      import torch
      torch.manual_seed(0)
      a = torch.randn(2, 3, device='cuda')
      b = torch.randn(size=(2, 3))
      c = torch.randint(low=0, high=5, size=(3,))
      e = torch.rand(3, 4, requires_grad=True)
    `);
    expect(out).toBe(py`
      import jax
      rng_key = jax.random.key(0)
      rng_key, key_1 = jax.random.split(rng_key)
      a = jax.random.normal(key_1, (2, 3))
      rng_key, key_2 = jax.random.split(rng_key)
      b = jax.random.normal(key_2, (2, 3))
      rng_key, key_3 = jax.random.split(rng_key)
      c = jax.random.randint(key_3, (3,), 0, 5)
      rng_key, key_4 = jax.random.split(rng_key)
      e = jax.random.uniform(key_4, (3, 4))
    `);
  });

  test('a first draw inside a top-level loop seeds before the loop; only the split stays inside', async () => {
    const cell = await convertCell(py`
      import torch
      xs = []
      for i in range(3):
          xs.append(torch.randn(2))
    `);
    expect(cell.source).toBe(py`
      import jax
      xs = []
      rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
      for i in range(3):
          rng_key, key_1 = jax.random.split(rng_key)
          xs.append(jax.random.normal(key_1, (2,)))
    `);
    expect(cell.source.match(/jax\.random\.key\(/g)).toHaveLength(1);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line])).toEqual([['info', 'rng', 4]]);
  });

  test('uniform_ keeps its bounds; randint with high only, with low and high', async () => {
    const out = await convert(py`
      import torch
      torch.manual_seed(0)
      w = torch.empty(3, 4)
      w.uniform_(-0.1, 0.1)
      a = torch.randint(10, (5,))
      b = torch.randint(2, 8, (3,))
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      rng_key = jax.random.key(0)
      w = jnp.zeros((3, 4))
      rng_key, key_1 = jax.random.split(rng_key)
      w = jax.random.uniform(key_1, w.shape, w.dtype, -0.1, 0.1)
      rng_key, key_2 = jax.random.split(rng_key)
      a = jax.random.randint(key_2, (5,), 0, 10)
      rng_key, key_3 = jax.random.split(rng_key)
      b = jax.random.randint(key_3, (3,), 2, 8)
    `);
  });

  test('a draw inside a module method is left as is and does not import jax', async () => {
    const cell = await convertCell(py`
      import torch
      class Noise:
          def sample(self, n):
              return torch.randn(n)
    `);
    expect(cell.source).toBe(py`
      import torch  # switcheroo: kept, torch is still used
      class Noise:
          def sample(self, n):
              return torch.randn(n)  # switcheroo: torch.randn is not converted in this form; left as is
    `);
    expect(cell.source).not.toContain('import jax');
    expect(cell.flags.partial).toBe(true);
  });
});

describe('plugins/random_keys.ts: randint with size as a keyword', () => {
  test('positionals are (low, high) or (high) when size is a keyword', async () => {
    const out = await convert(py`
      import torch
      torch.manual_seed(0)
      a = torch.randint(0, 10, size=(4,))
      b = torch.randint(2, 8, size=(3,))
      c = torch.randint(10, size=(4,))
    `);
    expect(out).toBe(py`
      import jax
      rng_key = jax.random.key(0)
      rng_key, key_1 = jax.random.split(rng_key)
      a = jax.random.randint(key_1, (4,), 0, 10)
      rng_key, key_2 = jax.random.split(rng_key)
      b = jax.random.randint(key_2, (3,), 2, 8)
      rng_key, key_3 = jax.random.split(rng_key)
      c = jax.random.randint(key_3, (4,), 0, 10)
    `);
  });
});

describe('plugins/random_keys.ts: torch.Generator and draws evaluated once', () => {
  test('a seeded torch.Generator is a key of its own, split at each draw; built in place it is the key', async () => {
    const cell = await convertCell(py`
      import torch
      torch.manual_seed(0)
      g = torch.Generator().manual_seed(7)
      a = torch.randn(3, generator=g)
      b = torch.rand(2, generator=g)
      c = torch.randperm(5, generator=torch.Generator().manual_seed(1))
      d = torch.rand(2, generator=torch.Generator())
      e = torch.randn(2)
    `);
    expect(cell.source).toBe(py`
      import jax
      rng_key = jax.random.key(0)
      g = jax.random.key(7)
      g, key_1 = jax.random.split(g)
      a = jax.random.normal(key_1, (3,))
      g, key_2 = jax.random.split(g)
      b = jax.random.uniform(key_2, (2,))
      c = jax.random.permutation(jax.random.key(1), 5)
      d = jax.random.uniform(jax.random.key(67280421310721), (2,))
      rng_key, key_3 = jax.random.split(rng_key)
      e = jax.random.normal(key_3, (2,))
    `);
    expect(cell.flags.partial).toBe(false);
  });

  test("a generator made in a function is local to it (no global key); a notebook's generator is declared global; a passed-in one uses the threaded key", async () => {
    const result = await convertCode([
      py`
        import torch
        torch.manual_seed(0)
        shared = torch.Generator().manual_seed(3)
      `,
      py`
        def make(n, seed=0):
            """Synthetic data."""
            g = torch.Generator().manual_seed(seed)
            x = torch.rand(n, 1, generator=g) * 40
            return x + torch.randn(n, 1, generator=g)

        def draw(n):
            return torch.randn(n, generator=shared)

        def passed(n, gen):
            return torch.randn(n, generator=gen)
      `
    ]);
    expect(result.cells[1].source).toBe(py`
      def make(n, seed=0):
          """Synthetic data."""
          g = jax.random.key(seed)
          g, key_1 = jax.random.split(g)
          x = jax.random.uniform(key_1, (n, 1)) * 40
          g, key_2 = jax.random.split(g)
          return x + jax.random.normal(key_2, (n, 1))

      def draw(n):
          global shared
          shared, key_3 = jax.random.split(shared)
          return jax.random.normal(key_3, n)

      def passed(n, gen):
          global rng_key
          rng_key, key_4 = jax.random.split(rng_key)
          return jax.random.normal(key_4, n)
    `);
    expect(result.cells[1].diagnostics.map(d => [d.level, d.code, d.line])).toEqual([
      ['info', 'rng', 11]
    ]);
  });

  test('reseeding a named generator, at notebook level or in a function, rebinds its key', async () => {
    const out = await convert(py`
      import torch
      g = torch.Generator()
      g.manual_seed(42)
      a = torch.randn(2, generator=g)

      def reset(seed):
          g.manual_seed(seed)
    `);
    expect(out).toBe(py`
      import jax
      g = jax.random.key(67280421310721)
      g = jax.random.key(42)
      g, key_1 = jax.random.split(g)
      a = jax.random.normal(key_1, (2,))

      def reset(seed):
          global g
          g = jax.random.key(seed)
    `);
  });

  test("a comprehension's first iterable is drawn once, before the statement; a draw per element is not converted", async () => {
    const cell = await convertCell(py`
      import torch
      torch.manual_seed(0)
      signs = {int(torch.sign(v).item()) for v in torch.randn(20)}
      rows = [torch.randn(2) for _ in range(3)]
    `);
    expect(cell.source).toBe(py`
      import jax
      import jax.numpy as jnp
      import torch  # switcheroo: kept, torch is still used
      rng_key = jax.random.key(0)
      rng_key, key_1 = jax.random.split(rng_key)
      signs = {int(jnp.sign(v).item()) for v in jax.random.normal(key_1, (20,))}
      rows = [torch.randn(2) for _ in range(3)]  # switcheroo: torch.randn is not converted in this form; left as is
    `);
    expect(cell.flags.partial).toBe(true);
  });
});
