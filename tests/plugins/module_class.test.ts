import { convert, convertCell, py } from '../helpers';

describe('plugins/module_class.ts', () => {
  test('constructor arguments become typed dataclass fields; __init__ becomes setup; forward becomes __call__', async () => {
    const out = await convert(py`
      import torch
      import torch.nn as nn

      class Net(nn.Module):
          """A small MLP."""

          def __init__(self, in_dim: int, hidden=32, act='relu', scale=0.5, dims=(1, 2), use_bias=True):
              super(Net, self).__init__()
              self.in_dim = in_dim
              self.hidden = hidden
              self.fc1 = nn.Linear(in_dim, hidden)
              self.fc2 = nn.Linear(hidden, 1, bias=use_bias)
              self.factor = scale * 2

          def forward(self, x):
              return self.fc2(self.fc1(x)) * self.factor

          def extra(self, x):
              return self.fc1(x)

      net = Net(4, hidden=16)
    `);
    expect(out).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          """A small MLP."""

          in_dim: int
          hidden: int = 32
          act: str = 'relu'
          scale: float = 0.5
          dims: tuple = (1, 2)
          use_bias: bool = True

          def setup(self):
              self.fc1 = nn.Dense(features=self.hidden)
              self.fc2 = nn.Dense(features=1, use_bias=self.use_bias)
              self.factor = self.scale * 2

          def __call__(self, x):
              return self.fc2(self.fc1(x)) * self.factor

          def extra(self, x):
              return self.fc1(x)

      net = Net(4, hidden=16)
    `);
  });

  test('an argument without annotation or literal default is typed Any, imported from typing', async () => {
    const out = await convert(py`
      import torch.nn as nn

      class Attn(nn.Module):
          def __init__(self, d):
              super().__init__()
              self.q = nn.Linear(d, d)

          def forward(self, x):
              return self.q(x)
    `);
    expect(out).toBe(py`
      from typing import Any
      import flax.linen as nn

      class Attn(nn.Module):
          d: Any

          def setup(self):
              self.q = nn.Dense(features=self.d)

          def __call__(self, x):
              return self.q(x)
    `);
  });

  test('an __init__ with nothing left after super().__init__() disappears', async () => {
    const out = await convert(py`
      import torch.nn as nn

      class Head(nn.Module):
          def __init__(self):
              super().__init__()

          def forward(self, x):
              return x * 2
    `);
    expect(out).toBe(py`
      import flax.linen as nn

      class Head(nn.Module):
          def __call__(self, x):
              return x * 2
    `);
  });

  test('a plain class and a plain function named forward are left alone', async () => {
    const src = py`
      import torch

      class Config:
          def __init__(self, lr):
              self.lr = lr

          def forward(self, x):
              return x

      def forward(x):
          return x
    `;
    const cell = await convertCell(src);
    expect(cell.source).toBe(py`

      class Config:
          def __init__(self, lr):
              self.lr = lr

          def forward(self, x):
              return x

      def forward(x):
          return x
    `);
    expect(cell.diagnostics).toEqual([]);
  });

  test('a converted module class is clean: no torch left, nothing partial', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self, n: int = 4):
              super().__init__()
              self.n = n
              self.fc = nn.Linear(n, n)

          def forward(self, x):
              return self.fc(x)
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          n: int = 4

          def setup(self):
              self.fc = nn.Dense(features=self.n)

          def __call__(self, x):
              return self.fc(x)
    `);
    expect(cell.flags.partial).toBe(false);
    expect(cell.unsupported).toEqual([]);
    expect(cell.diagnostics.filter(d => d.level !== 'info')).toEqual([]);
  });

  test('an argument named `name` clashes with Module.name: reported and commented', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self, name: str = 'net'):
              super().__init__()
              self.tag = name
              self.fc = nn.Linear(4, 2)

          def forward(self, x):
              return self.fc(x)
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          name: str = 'net'

          def setup(self):  # switcheroo: 'name' is reserved by Flax modules; rename it
              self.tag = self.name
              self.fc = nn.Dense(features=2)

          def __call__(self, x):
              return self.fc(x)
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      [
        'warning',
        'module-field',
        4,
        "a field named 'name' clashes with Flax's own Module.name: rename the argument"
      ]
    ]);
  });

  test('*args in __init__ has no field form and is reported', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self, *args):
              super().__init__()
              self.fc = nn.Linear(4, 2)

          def forward(self, x):
              return self.fc(x)
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.fc = nn.Dense(features=2)

          def __call__(self, x):
              return self.fc(x)
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      [
        'warning',
        'module-field',
        4,
        '*args in __init__ has no dataclass field form; pass those values as named fields'
      ]
    ]);
  });
});
