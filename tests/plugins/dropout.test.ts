import { convert, convertCell, py } from '../helpers';

describe('plugins/dropout.ts', () => {
  test('nn.Dropout: p becomes rate, positional, keyword or default', async () => {
    const out = await convert(py`
      import torch.nn as nn
      d1 = nn.Dropout(0.25)
      d2 = nn.Dropout(p=0.1)
      d3 = nn.Dropout()
    `);
    expect(out).toBe(py`
      import flax.linen as nn
      d1 = nn.Dropout(rate=0.25)
      d2 = nn.Dropout(rate=0.1)
      d3 = nn.Dropout(rate=0.5)
    `);
  });

  test('a Dropout attribute call gets deterministic=not training; p from a constructor argument is the field', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn
      import torch.nn.functional as F

      class Net(nn.Module):
          def __init__(self, p: float = 0.5):
              super().__init__()
              self.fc = nn.Linear(16, 16)
              self.drop = nn.Dropout(p)

          def forward(self, x):
              x = self.drop(F.relu(self.fc(x)))
              return self.drop(x)
    `);
    expect(cell.source).toBe(py`
      import jax
      import flax.linen as nn

      class Net(nn.Module):
          p: float = 0.5

          def setup(self):
              self.fc = nn.Dense(features=16)
              self.drop = nn.Dropout(rate=self.p)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              x = self.drop(jax.nn.relu(self.fc(x)), deterministic=not training)
              return self.drop(x, deterministic=not training)
    `);
    expect(cell.flags.trainingFlag).toBe(true);
    expect(cell.flags.trainingReasons).toEqual([
      'nn.Dropout is active in training and off in evaluation'
    ]);
  });

  test('F.dropout with training=False is the identity', async () => {
    const out = await convert(py`
      import torch.nn.functional as F

      def f(x):
          return F.dropout(x, p=0.2, training=False)
    `);
    expect(out).toBe(py`

      def f(x):
          return x
    `);
  });

  test('F.dropout that is active needs a dropout key: left as is, reported, cell partial', async () => {
    const cell = await convertCell(py`
      import torch.nn.functional as F
      y = F.dropout(x, 0.3)
    `);
    expect(cell.source).toBe(py`
      import torch.nn.functional as F  # switcheroo: kept, torch is still used
      y = F.dropout(x, 0.3)  # switcheroo: torch.nn.functional.dropout is not converted in this form; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.nn.functional.dropout']);
    expect(cell.diagnostics).toEqual([
      {
        level: 'warning',
        message: 'torch.nn.functional.dropout is not converted in this form; left as is',
        line: 2,
        code: 'unsupported-api'
      }
    ]);
  });

  test('inplace=True has no meaning for immutable arrays and is dropped', async () => {
    const out = await convert(py`
      import torch.nn as nn
      dr = nn.Dropout(p=0.2, inplace=True)
    `);
    expect(out).toBe(py`
      import flax.linen as nn
      dr = nn.Dropout(rate=0.2)
    `);
  });
});
