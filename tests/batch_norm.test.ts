import { convert, convertCell, py } from './helpers';

const HEADER = py`
  import torch
  import torch.nn as nn
`;

describe('plugins/batch_norm.ts', () => {
  test('constructor writes torch defaults explicitly and keeps channels on axis 1', async () => {
    const out = await convert(HEADER + 'bn = nn.BatchNorm2d(16)\n');
    expect(out).toBe(py`
      import flax.linen as nn
      bn = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)
    `);
  });

  test('momentum m becomes 1 - m and eps becomes epsilon', async () => {
    const out = await convert(HEADER + 'bn = nn.BatchNorm1d(8, eps=1e-3, momentum=0.2)\n');
    expect(out).toBe(py`
      import flax.linen as nn
      bn = nn.BatchNorm(momentum=0.8, epsilon=0.001, axis=1)
    `);
  });

  const MODEL = py`
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 3)
            self.bn1 = nn.BatchNorm2d(8)

        def forward(self, x):
            return F.relu(self.bn1(self.conv1(x)))
  `;

  test('a call on a BatchNorm attribute reads the training flag (linen style, the default)', async () => {
    expect(await convert(MODEL)).toBe(py`
      import jax
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.conv1 = nn.Conv(features=8, kernel_size=(3, 3), padding='VALID')
              self.bn1 = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return jax.nn.relu(self.bn1(self.conv1(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2), use_running_average=not training))
    `);
  });

  test("seed style reproduces the reference plugin's output byte for byte, with a warning", async () => {
    const src = py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.bn1 = nn.BatchNorm2d(8)

          def forward(self, x):
              return self.bn1(x)
    `;
    const cell = await convertCell(src, { batchNormStyle: 'seed', comments: false });
    expect(cell.source).toContain(
      "return self.bn1(x, use_running_average=not training, mutable=['batch_stats'])[0]"
    );
    expect(cell.diagnostics.map(d => d.code)).toContain('seed-style');
    expect(cell.diagnostics.find(d => d.code === 'seed-style')?.message).toContain(
      "TypeError: BatchNorm.__call__() got an unexpected keyword argument 'mutable'"
    );
  });

  test('the cell is flagged as relying on a training flag, with the reason', async () => {
    const cell = await convertCell(MODEL);
    expect(cell.flags.trainingFlag).toBe(true);
    expect(cell.flags.trainingReasons.join(' ')).toContain('nn.BatchNorm2d');
  });
});
