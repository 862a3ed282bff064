import { convert, convertCell, py } from '../helpers';

describe('plugins/containers.ts', () => {
  test('Sequential takes a list, ModuleList / ModuleDict become plain containers, Identity a lambda', async () => {
    const out = await convert(py`
      import torch.nn as nn

      class MLP(nn.Module):
          def __init__(self):
              super().__init__()
              self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
              self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
              self.heads = nn.ModuleDict({'a': nn.Linear(4, 1), 'b': nn.Linear(4, 2)})
              self.skip = nn.Identity()
              self.empty = nn.ModuleList()
              self.none = nn.ModuleDict()

          def forward(self, x):
              for layer in self.layers:
                  x = layer(x)
              return self.net(self.skip(x)), self.heads['a'](x)
    `);
    expect(out).toBe(py`
      import jax
      import flax.linen as nn

      class MLP(nn.Module):
          def setup(self):
              self.net = nn.Sequential([nn.Dense(features=8), jax.tree_util.Partial(jax.nn.relu), nn.Dense(features=2)])
              self.layers = [nn.Dense(features=4) for _ in range(3)]
              self.heads = {'a': nn.Dense(features=1), 'b': nn.Dense(features=2)}
              self.skip = lambda x: x
              self.empty = []
              self.none = {}

          def __call__(self, x):
              for layer in self.layers:
                  x = layer(x)
              return self.net(self.skip(x)), self.heads['a'](x)
    `);
  });

  test('a starred Sequential and a ModuleList of a name', async () => {
    const out = await convert(py`
      import torch.nn as nn
      layers = [nn.Linear(4, 4), nn.Tanh()]
      model = nn.Sequential(*layers)
      ml = nn.ModuleList(layers)
    `);
    expect(out).toBe(py`
      import jax
      import flax.linen as nn
      layers = [nn.Dense(features=4), jax.tree_util.Partial(jax.numpy.tanh)]
      model = nn.Sequential(layers)
      ml = list(layers)
    `);
  });

  test('Flatten inside Sequential is a plain function of x', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      head = nn.Sequential(nn.Flatten(), nn.Linear(16, 4))
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn
      head = nn.Sequential([lambda x: x.reshape(x.shape[:1] + (-1,)), nn.Dense(features=4)])
    `);
    expect(cell.flags.partial).toBe(false);
    expect(cell.diagnostics).toEqual([]);
  });

  test('Conv / BatchNorm / Dropout inside Sequential are reported: no training flag or layout reaches them', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      features = nn.Sequential(
          nn.Conv2d(3, 8, 3),
          nn.BatchNorm2d(8),
          nn.ReLU(),
      )
      head = nn.Sequential(nn.Linear(16, 4), nn.Dropout(0.1))
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      [
        'warning',
        'container',
        3,
        'nn.Conv2d inside nn.Sequential: no call site passes it the training flag or the NCHW layout; call the layers one by one'
      ],
      [
        'warning',
        'container',
        4,
        'nn.BatchNorm2d inside nn.Sequential: no call site passes it the training flag or the NCHW layout; call the layers one by one'
      ],
      [
        'warning',
        'container',
        7,
        'nn.Dropout inside nn.Sequential: no call site passes it the training flag or the NCHW layout; call the layers one by one'
      ]
    ]);
    expect(cell.source).toContain(
      '# switcheroo: nn.Conv2d inside nn.Sequential needs its own call site'
    );
    expect(cell.source).toContain(
      '# switcheroo: nn.BatchNorm2d inside nn.Sequential needs its own call site'
    );
    expect(cell.source).toContain(
      '# switcheroo: nn.Dropout inside nn.Sequential needs its own call site'
    );
  });

  test('Conv / BatchNorm inside a ModuleList are reported: no training flag or layout reaches them', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.convs = nn.ModuleList([nn.Conv2d(3, 3, 3) for _ in range(2)])
              self.bns = nn.ModuleList([nn.BatchNorm2d(3), nn.BatchNorm2d(3)])

          def forward(self, x):
              for conv, bn in zip(self.convs, self.bns):
                  x = bn(conv(x))
              return x
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.convs = [nn.Conv(features=3, kernel_size=(3, 3), padding='VALID') for _ in range(2)]  # switcheroo: nn.Conv2d inside nn.ModuleList needs its own call site
              self.bns = [nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1), nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)]  # switcheroo: nn.BatchNorm2d inside nn.ModuleList needs its own call site

          def __call__(self, x):
              for conv, bn in zip(self.convs, self.bns):
                  x = bn(conv(x))
              return x
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      [
        'warning',
        'container',
        6,
        'nn.Conv2d inside nn.ModuleList: no call site passes it the training flag or the NCHW layout; call the layers one by one'
      ],
      [
        'warning',
        'container',
        7,
        'nn.BatchNorm2d inside nn.ModuleList: no call site passes it the training flag or the NCHW layout; call the layers one by one'
      ]
    ]);
  });
});

describe('plugins/containers.ts: a Sequential holding Conv/BatchNorm is unrolled at its call sites', () => {
  test('the attribute becomes a list in setup; the call applies each layer with its layout and flag', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      class Block(nn.Module):
          def __init__(self):
              super().__init__()
              self.shortcut = nn.Sequential(
                  nn.Conv2d(3, 8, 1, bias=False),
                  nn.BatchNorm2d(8),
              )

          def forward(self, x):
              return self.shortcut(x)
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn
      class Block(nn.Module):
          def setup(self):
              self.shortcut = [
                  nn.Conv(features=8, kernel_size=(1, 1), use_bias=False, padding='VALID'),
                  nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1),
              ]

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return self.shortcut[1](self.shortcut[0](x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2), use_running_average=not training)
    `);
    expect(cell.flags.partial).toBe(false);
    expect(cell.flags.trainingFlag).toBe(true);
  });
});
