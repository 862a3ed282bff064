import { TORCH_VIEW } from '../../plugins/weight_init';
import { convert, convertCell, convertCode, py } from '../helpers';

/** The converted source without the TorchView helper, which must be there once. */
function withoutHelper(source: string): string {
  expect(source.split(TORCH_VIEW).length).toBe(2);
  return source.replace(`${TORCH_VIEW}\n\n`, '');
}

describe('plugins/weight_init.ts', () => {
  test('nn.init on tensors: the tensor is rebound to a draw of its shape, fans in torch layout, a key per draw', async () => {
    expect(
      await convert(py`
        import torch
        import torch.nn as nn

        torch.manual_seed(0)
        w = torch.empty(64, 32, 3, 3)
        nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')
        nn.init.kaiming_uniform_(w, a=5 ** 0.5)
        b = nn.init.xavier_uniform_(torch.empty(20, 10), gain=nn.init.calculate_gain('tanh'))
        nn.init.xavier_normal_(w, gain=g)
        nn.init.trunc_normal_(w.data, std=0.02)
        nn.init.normal_(w[0], 0.5)
        nn.init.uniform_(w, -0.1, 0.1)
        nn.init.constant_(w, 0.3)
        nn.init.eye_(b)
        nn.init.orthogonal_(w)
        print(nn.init.calculate_gain('leaky_relu', 0.2), nn.init.calculate_gain('leaky_relu', slope))
      `)
    ).toBe(py`
      import jax
      import jax.numpy as jnp
      import flax.linen as nn

      rng_key = jax.random.key(0)
      w = jnp.zeros((64, 32, 3, 3))
      rng_key, key_1 = jax.random.split(rng_key)
      w = nn.initializers.variance_scaling(2.0, 'fan_out', 'normal', in_axis=1, out_axis=0)(key_1, w.shape, w.dtype)
      rng_key, key_2 = jax.random.split(rng_key)
      w = nn.initializers.variance_scaling(2.0 / (1 + (5 ** 0.5) ** 2), 'fan_in', 'uniform', in_axis=1, out_axis=0)(key_2, w.shape, w.dtype)
      rng_key, key_3 = jax.random.split(rng_key)
      b = nn.initializers.variance_scaling(2.777777777777778, 'fan_avg', 'uniform', in_axis=1, out_axis=0)(key_3, jnp.zeros((20, 10)).shape, jnp.zeros((20, 10)).dtype)
      rng_key, key_4 = jax.random.split(rng_key)
      w = nn.initializers.variance_scaling(g ** 2, 'fan_avg', 'normal', in_axis=1, out_axis=0)(key_4, w.shape, w.dtype)
      rng_key, key_5 = jax.random.split(rng_key)
      w = 0.02 * jax.random.truncated_normal(key_5, -100.0, 100.0, w.shape, w.dtype)
      rng_key, key_6 = jax.random.split(rng_key)
      w = w.at[0].set(0.5 + jax.random.normal(key_6, w[0].shape, w[0].dtype))
      rng_key, key_7 = jax.random.split(rng_key)
      w = jax.random.uniform(key_7, w.shape, w.dtype, -0.1, 0.1)
      w = jnp.full_like(w, 0.3)
      b = jnp.eye(*b.shape, dtype=b.dtype)
      rng_key, key_8 = jax.random.split(rng_key)
      w = nn.initializers.orthogonal(scale=1.0, column_axis=0)(key_8, w.shape, w.dtype)
      print(1.3867504905630728, (2.0 / (1 + slope ** 2)) ** 0.5)
    `);
  });

  test('what is not converted is left as torch and annotated', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      nn.init.dirac_(w)
      nn.init.kaiming_normal_(w, nonlinearity=act)
      ws = [nn.init.normal_(t) for t in ts]
      v = f(nn.init.zeros_(w))
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      import torch  # switcheroo: kept, torch is still used
      torch.nn.init.dirac_(w)  # switcheroo: torch.nn.init.dirac_ has no JAX/Flax mapping; left as is
      torch.nn.init.kaiming_normal_(w, nonlinearity=act)  # switcheroo: torch.nn.init.kaiming_normal_ needs mode and nonlinearity as literal strings torch knows; left as is
      ws = [torch.nn.init.normal_(t) for t in ts]  # switcheroo: torch.nn.init.normal_ inside a lambda or comprehension needs a key argument; left as is
      v = f(jnp.zeros_like(w))  # switcheroo: nn.init.zeros_: w is not updated in place here; assign the result to it
    `);
    expect(cell.flags.partial).toBe(true);
  });

  test("init code in __init__ moves to torch_init, run after init by apply_torch_init; a module's init method runs on views; model.apply(fn) too", async () => {
    const out = await convertCode([
      py`
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self, width=8):
                super().__init__()
                self.conv = nn.Conv2d(3, width, 3, padding=1, bias=False)
                self.bn = nn.BatchNorm2d(width)
                self.fc = nn.Linear(width, 2)
                nn.init.xavier_uniform_(self.fc.weight)
                self._init_weights()
                self.apply(self._zero_bias)

            def _init_weights(self):
                for m in self.modules():
                    if isinstance(m, nn.Conv2d):
                        nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                    elif isinstance(m, nn.BatchNorm2d):
                        nn.init.ones_(m.weight)

            @staticmethod
            def _zero_bias(m):
                if getattr(m, 'bias', None) is not None:
                    nn.init.zeros_(m.bias)

            def forward(self, x):
                x = self.bn(self.conv(x)).mean(dim=(2, 3))
                return self.fc(x)
      `,
      py`
        def init_head(m):
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.01)

        torch.manual_seed(0)
        net = Net()
        net.apply(init_head)
        print(net(torch.randn(2, 3, 8, 8)).shape)
      `
    ]);
    expect(withoutHelper(out.cells[0].source)).toBe(py`
      import inspect
      import jax
      import jax.numpy as jnp
      import flax.linen as nn

      rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
      class Net(nn.Module):
          width: int = 8

          def setup(self):
              self.conv = nn.Conv(features=self.width, kernel_size=(3, 3), padding=((1, 1), (1, 1)), use_bias=False)
              self.bn = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)
              self.fc = nn.Dense(features=2)

          @nn.nowrap
          def torch_init(self):  # switcheroo: the init code of __init__; apply_torch_init runs it on the variables after init
              global rng_key
              rng_key, key_1 = jax.random.split(rng_key)
              self.fc.weight = nn.initializers.variance_scaling(1.0, 'fan_avg', 'uniform', in_axis=1, out_axis=0)(key_1, self.fc.weight.shape, self.fc.weight.dtype)
              self._init_weights()
              self.apply(self._zero_bias)

          @nn.nowrap
          def _init_weights(self):
              global rng_key
              for m in self.modules():
                  if isinstance(m, nn.Conv):
                      rng_key, key_2 = jax.random.split(rng_key)
                      m.weight = nn.initializers.variance_scaling(2.0, 'fan_out', 'normal', in_axis=1, out_axis=0)(key_2, m.weight.shape, m.weight.dtype)
                  elif isinstance(m, nn.BatchNorm):
                      m.weight = jnp.ones_like(m.weight)

          @staticmethod
          def _zero_bias(m):
              if getattr(m, 'bias', None) is not None:
                  m.bias = jnp.zeros_like(m.bias)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              x = jnp.mean(self.bn(self.conv(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2), use_running_average=not training), axis=(2, 3))
              return self.fc(x)
    `);
    expect(out.cells[0].source.indexOf(TORCH_VIEW)).toBeLessThan(
      out.cells[0].source.indexOf('class Net')
    );
    expect(out.cells[1].source).toBe(py`
      def init_head(m):
          global rng_key
          if isinstance(m, nn.Dense):
              rng_key, key_3 = jax.random.split(rng_key)
              m.weight = 0.01 * jax.random.normal(key_3, m.weight.shape, m.weight.dtype)

      rng_key = jax.random.key(0)
      rng_key, key_4 = jax.random.split(rng_key)
      net = Net()
      net_variables = net.init(key_4, jnp.zeros((1, 3, 8, 8)))
      net_variables = apply_torch_init(net, net_variables, None, jnp.zeros((1, 3, 8, 8)))
      net_variables = apply_torch_init(net, net_variables, init_head, jnp.zeros((1, 3, 8, 8)))
      rng_key, key_5 = jax.random.split(rng_key)
      print(net.apply(net_variables, jax.random.normal(key_5, (2, 3, 8, 8)), training=False).shape)
    `);
  });

  test('init code that also builds layers cannot move, and is annotated', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              for i in range(2):
                  self.fc = nn.Linear(4, 4)
                  nn.init.zeros_(self.fc.bias)

          def forward(self, x):
              return self.fc(x)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              for i in range(2):  # switcheroo: init code mixed with layer definitions: Flax builds the layers in setup and draws their parameters in init
                  self.fc = nn.Dense(features=4)
                  self.fc.bias = jnp.zeros_like(self.fc.bias)

          def __call__(self, x):
              return self.fc(x)
    `);
    expect(cell.flags.partial).toBe(true);
  });

  test('a model whose class names a class with init code (a list of them, a helper that builds them) runs it; others do not', async () => {
    const out = await convertCode([
      py`
        import torch
        import torch.nn as nn

        class Layer(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.fc = nn.Linear(n, n)
                nn.init.eye_(self.fc.weight)

            def forward(self, x):
                return self.fc(x)

        class Stack(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.layers = nn.ModuleList([Layer(n) for _ in range(2)])

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x

        class Plain(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.fc = nn.Linear(n, n)

            def forward(self, x):
                return self.fc(x)
      `,
      py`
        stack = Stack(4)
        plain = Plain(4)
        print(stack(torch.ones(1, 4)), plain(torch.ones(1, 4)))
      `
    ]);
    expect(out.cells[1].source).toBe(py`
      rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
      rng_key, key_1 = jax.random.split(rng_key)
      stack = Stack(4)
      stack_variables = stack.init(key_1, jnp.zeros((1, 4)))
      stack_variables = apply_torch_init(stack, stack_variables, None, jnp.zeros((1, 4)))
      rng_key, key_2 = jax.random.split(rng_key)
      plain = Plain(4)
      plain_variables = plain.init(key_2, jnp.zeros((1, 4)))
      print(stack.apply(stack_variables, jnp.ones((1, 4))), plain.apply(plain_variables, jnp.ones((1, 4))))
    `);
  });
});
