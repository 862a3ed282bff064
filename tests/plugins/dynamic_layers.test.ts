import { CALL_LAYER } from '../../plugins/dynamic_layers';
import { convertCell, convertCode, py } from '../helpers';

/** The converted source with the call_layer helper, which must be there once, shown as a marker. */
function marked(source: string): string {
  expect(source.split(CALL_LAYER).length).toBe(2);
  return source.replace(CALL_LAYER, '# <call_layer>\n');
}

describe('plugins/dynamic_layers.ts', () => {
  test('a layer assigned in branches, or nn.Sequential(*layers), is applied by call_layer with the mode; call_layer is defined once, before the first class', async () => {
    const out = await convertCode([
      py`
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Block(nn.Module):
            def __init__(self, cin, cout, stride=1):
                super().__init__()
                self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
                if stride != 1 or cin != cout:
                    self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
                else:
                    self.shortcut = nn.Identity()
                if cout > 4:
                    self.head = nn.Linear(cout, 2)

            def forward(self, x):
                return F.relu(self.conv(x) + self.shortcut(x))
      `,
      py`
        class Net(nn.Module):
            def __init__(self, widths=(4, 8)):
                super().__init__()
                blocks = [Block(3, w) for w in widths]
                self.blocks = nn.Sequential(*blocks)

            def forward(self, x):
                return self.blocks(x).mean(dim=(2, 3))
      `
    ]);
    expect(marked(out.cells[0].source)).toBe(py`
      from typing import Any
      import inspect
      import jax
      import jax.numpy as jnp
      import flax.linen as nn

      # <call_layer>


      class Block(nn.Module):
          cin: Any
          cout: Any
          stride: int = 1

          def setup(self):
              self.conv = nn.Conv(features=self.cout, kernel_size=(3, 3), strides=(self.stride, self.stride), padding=((1, 1), (1, 1)), use_bias=False)
              if self.stride != 1 or self.cin != self.cout:
                  self.shortcut = nn.Sequential([nn.Conv(features=self.cout, kernel_size=(1, 1), strides=(self.stride, self.stride), use_bias=False, padding='VALID'), nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)])
              else:
                  self.shortcut = lambda x: x
              if self.cout > 4:
                  self.head = nn.Dense(features=2)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return jax.nn.relu(self.conv(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2) + call_layer(self.shortcut, x, training))
    `);
    expect(out.cells[0].flags.partial).toBe(false);
    expect(out.cells[0].flags.trainingReasons).toEqual([
      'self.shortcut is a layer chosen at run time: call_layer passes it the mode'
    ]);
    expect(out.cells[1].source).toBe(py`
      class Net(nn.Module):
          widths: tuple = (4, 8)

          def setup(self):
              blocks = [Block(3, w) for w in self.widths]
              self.blocks = nn.Sequential(blocks)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return jnp.mean(call_layer(self.blocks, x, training), axis=(2, 3))
    `);
  });

  test('named_children of a model in eval mode: the bound children, applied by call_layer; a dynamic child looked at is the bound submodule', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self, deep):
              super().__init__()
              self.body = nn.Sequential(*[nn.Conv2d(3, 3, 3, padding=1) for _ in range(2)])
              self.bn = nn.BatchNorm2d(3)

          def forward(self, x):
              return self.bn(self.body(x))

      torch.manual_seed(0)
      net = Net(True)
      net.eval()
      x = torch.randn(2, 3, 8, 8)
      for name, child in net.named_children():
          x = child(x)
      print(type(net.body).__name__, len(list(net.children())))
    `);
    expect(marked(cell.source).split('class Net')[1]).toBe(py`
      (nn.Module):
          deep: Any

          def setup(self):
              self.body = nn.Sequential([nn.Conv(features=3, kernel_size=(3, 3), padding=((1, 1), (1, 1))) for _ in range(2)])
              self.bn = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return self.bn(call_layer(self.body, x, training), use_running_average=not training)

      rng_key = jax.random.key(0)
      rng_key, key_1 = jax.random.split(rng_key)
      net = Net(True)
      net_variables = net.init(key_1, jnp.zeros((1, 3, 8, 8)))
      pass  # switcheroo: net.eval() -> pass training=False to net.apply
      rng_key, key_2 = jax.random.split(rng_key)
      x = jax.random.normal(key_2, (2, 3, 8, 8))
      for name, child in [(n, lambda x, m=getattr(net.bind(net_variables), n): call_layer(m, x)) for n in ('body', 'bn')]:
          x = child(x)
      print(type(net.bind(net_variables).body).__name__, len(list([lambda x, m=getattr(net.bind(net_variables), n): call_layer(m, x) for n in ('body', 'bn')])))  # switcheroo: net.body is the bound Flax submodule: its type and repr are Flax's
    `);
  });

  test('named_children of a model in training mode is annotated: bound children cannot update statistics', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.bn = nn.BatchNorm1d(3)

          def forward(self, x):
              return self.bn(x)

      net = Net()
      names = [name for name, _ in net.named_children()]
    `);
    expect(cell.source.trimEnd().split('\n').pop()).toBe(
      'names = [name for name, _ in net.named_children()]  # switcheroo: net.named_children(): applied outside net.apply, the children run in evaluation; call net.eval() first or use net.apply'
    );
    expect(cell.flags.partial).toBe(true);
  });
});
