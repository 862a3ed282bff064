import { convertCell, py } from '../helpers';

describe('plugins/layer_references.ts', () => {
  test('a Dropout passed to a plain function becomes a lambda that carries the mode (isinstance still sees the layer); the module takes training and its parents pass it', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      def attend(w, dropout=None):
          return dropout(w) if dropout is not None else w

      class Attn(nn.Module):
          def __init__(self, p):
              super().__init__()
              self.drop = nn.Dropout(p)
              self.norm = nn.BatchNorm1d(4)

          def forward(self, w):
              apply = self.norm
              assert isinstance(self.drop, object)
              return attend(w, dropout=self.drop) + attend(w, self.drop) + apply(w)

      class Outer(nn.Module):
          def __init__(self):
              super().__init__()
              self.attn = Attn(0.1)

          def forward(self, w):
              return self.attn(w)
    `);
    expect(cell.source).toBe(py`
      from typing import Any
      import flax.linen as nn

      def attend(w, dropout=None):
          return dropout(w) if dropout is not None else w

      class Attn(nn.Module):
          p: Any

          def setup(self):
              self.drop = nn.Dropout(rate=self.p)
              self.norm = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)

          def __call__(self, w, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              apply = lambda x: self.norm(x, use_running_average=not training)
              assert isinstance(self.drop, object)
              return attend(w, dropout=lambda x: self.drop(x, deterministic=not training)) + attend(w, lambda x: self.drop(x, deterministic=not training)) + apply(w)

      class Outer(nn.Module):
          def setup(self):
              self.attn = Attn(0.1)

          def __call__(self, w, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return self.attn(w, training=training)
    `);
    expect(cell.flags.trainingReasons).toEqual(
      expect.arrayContaining([
        'nn.Dropout is active in training and off in evaluation',
        'nn.BatchNorm1d uses batch statistics in training'
      ])
    );
  });

  test('ModuleList elements called through a loop variable or an index get the flag their class needs; other lists are left alone', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Block(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)
              self.drop = nn.Dropout(0.1)

          def forward(self, x, scale=1.0):
              return self.drop(self.fc(x)) * scale

      class Net(nn.Module):
          def __init__(self, n):
              super().__init__()
              self.blocks = nn.ModuleList([Block() for _ in range(n)])
              self.fcs = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])

          def forward(self, x):
              for block in self.blocks:
                  x = block(x, scale=2.0)
              for fc in self.fcs:
                  x = fc(x)
              return self.blocks[0](x) + self.fcs[1](x)
    `);
    expect(cell.source).toContain(
      [
        '    def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate',
        '        for block in self.blocks:',
        '            x = block(x, scale=2.0, training=training)',
        '        for fc in self.fcs:',
        '            x = fc(x)',
        '        return self.blocks[0](x, training=training) + self.fcs[1](x)'
      ].join('\n')
    );
  });
});
