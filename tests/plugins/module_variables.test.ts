import { convertCell, convertCode, py } from '../helpers';

describe('plugins/module_variables.ts', () => {
  test("nn.Parameter in __init__ is self.param under the attribute's name (in any block); register_parameter likewise; None stays None", async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      class Affine(nn.Module):
          def __init__(self, n, use_bias=True):
              super().__init__()
              self.weight = nn.Parameter(torch.ones(n) * 2)
              if use_bias:
                  self.bias = nn.Parameter(torch.zeros(n))
              else:
                  self.register_parameter('bias', None)
              self.register_parameter('shift', nn.Parameter(torch.zeros(1, n)))

          def forward(self, x):
              return x * self.weight.t() + self.shift
    `);
    expect(cell.source).toBe(py`
      from typing import Any
      import jax.numpy as jnp
      import flax.linen as nn

      class Affine(nn.Module):
          n: Any
          use_bias: bool = True

          def setup(self):
              self.weight = self.param('weight', lambda _: jnp.ones(self.n) * 2)
              if self.use_bias:
                  self.bias = self.param('bias', lambda _: jnp.zeros(self.n))
              else:
                  self.bias = None
              self.shift = self.param('shift', lambda _: jnp.zeros((1, self.n)))

          def __call__(self, x):
              return x * jnp.transpose(self.weight) + self.shift
    `);
    expect(cell.flags.partial).toBe(false);
  });

  test("register_buffer is a variable of the 'buffers' collection, read as .value in the module; a notebook reads the variables", async () => {
    const result = await convertCode([
      py`
        import torch
        import torch.nn as nn

        class Masked(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.pos = nn.Parameter(torch.zeros(1, n, 4))
                self.register_buffer('mask', torch.tril(torch.ones(n, n)))
                self.register_buffer('count', torch.zeros(()), persistent=False)

            def forward(self, x):
                T = x.shape[1]
                return self.mask[:T, :T] @ (x + self.pos[:, :T])
      `,
      py`
        net = Masked(5)
        x = torch.ones(2, 5, 4)
        y = net(x)
        print(net.mask.sum(), net.pos.shape)
      `
    ]);
    expect(result.cells[0].source).toBe(py`
      from typing import Any
      import jax
      import jax.numpy as jnp
      import flax.linen as nn

      class Masked(nn.Module):
          n: Any

          def setup(self):
              self.pos = self.param('pos', lambda _: jnp.zeros((1, self.n, 4)))
              self.mask = self.variable('buffers', 'mask', lambda: jnp.tril(jnp.ones((self.n, self.n))))
              self.count = self.variable('buffers', 'count', lambda: jnp.zeros(()))

          def __call__(self, x):
              T = x.shape[1]
              return self.mask.value[:T, :T] @ (x + self.pos[:, :T])
    `);
    expect(result.cells[1].source).toBe(py`
      rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
      rng_key, key_1 = jax.random.split(rng_key)
      net = Masked(5)
      net_variables = net.init(key_1, jnp.zeros((1, 5, 4)))
      x = jnp.ones((2, 5, 4))
      y = net.apply(net_variables, x)
      print(net_variables['buffers']['mask'].sum(), net_variables['params']['pos'].shape)
    `);
  });

  test('nn.Parameter outside a module is its array; requires_grad=False is annotated (optax would train it)', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn
      w = nn.Parameter(torch.zeros(3))

      class Frozen(nn.Module):
          def __init__(self):
              super().__init__()
              self.table = nn.Parameter(torch.ones(4), requires_grad=False)
    `);
    expect(cell.source).toContain('w = jnp.zeros(3)\n');
    expect(cell.source).toContain(
      "self.table = self.param('table', lambda _: jnp.ones(4))  # switcheroo: nn.Parameter(requires_grad=False): optax updates every leaf; freeze it with optax.multi_transform and optax.set_to_zero()"
    );
    expect(cell.flags.partial).toBe(true);
  });
});
