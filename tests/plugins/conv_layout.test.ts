import { convert, convertCell, py } from '../helpers';

describe('plugins/conv_layout.ts', () => {
  test('a conv call moves channels last and back, so pooling, view and flatten keep NCHW order', async () => {
    const out = await convert(py`
      import torch
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.conv = nn.Conv2d(3, 8, 3)
              self.pool = nn.MaxPool2d(2)
              self.fc = nn.Linear(8 * 15 * 15, 10)

          def forward(self, x):
              x = self.pool(self.conv(x))
              x = x.view(x.size(0), -1)
              return self.fc(x)
    `);
    expect(out).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.conv = nn.Conv(features=8, kernel_size=(3, 3), padding='VALID')
              self.pool = lambda x: nn.max_pool(x.transpose(0, 2, 3, 1), window_shape=(2, 2), strides=(2, 2)).transpose(0, 3, 1, 2)
              self.fc = nn.Dense(features=10)

          def __call__(self, x):
              x = self.pool(self.conv(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2))
              x = x.reshape((x.shape[0], -1))
              return self.fc(x)
    `);
  });

  test('Conv1d and Conv3d use the permutations for their number of spatial dims; chained convs each transpose', async () => {
    const out = await convert(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.c1 = nn.Conv1d(4, 8, 5)
              self.c2 = nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False)
              self.c3 = nn.Conv3d(1, 2, (3, 3, 1))
              self.c4 = nn.Conv2d(16, 16, 3, padding='same', groups=4, dilation=2)

          def forward(self, x, y, z):
              a = self.c1(x)
              b = self.c4(self.c2(y))
              c = self.c3(z)
              return a, b, c
    `);
    expect(out).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.c1 = nn.Conv(features=8, kernel_size=5, padding='VALID')
              self.c2 = nn.Conv(features=16, kernel_size=(3, 3), strides=(2, 2), padding=((1, 1), (1, 1)), use_bias=False)
              self.c3 = nn.Conv(features=2, kernel_size=(3, 3, 1), padding='VALID')
              self.c4 = nn.Conv(features=16, kernel_size=(3, 3), padding='SAME', feature_group_count=4, kernel_dilation=(2, 2))

          def __call__(self, x, y, z):
              a = self.c1(x.transpose(0, 2, 1)).transpose(0, 2, 1)
              b = self.c4(self.c2(y.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2).transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
              c = self.c3(z.transpose(0, 2, 3, 4, 1)).transpose(0, 4, 1, 2, 3)
              return a, b, c
    `);
  });

  test('a compound input is parenthesised before the transpose', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.conv = nn.Conv2d(3, 3, 1)

          def forward(self, x, y):
              return self.conv(x + y)
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.conv = nn.Conv(features=3, kernel_size=(1, 1), padding='VALID')

          def __call__(self, x, y):
              return self.conv((x + y).transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    `);
    expect(cell.flags.trainingFlag).toBe(false);
    expect(cell.flags.partial).toBe(false);
  });

  test('a conv left as is stays torch.nn.Conv2d with its own call site untouched, and torch is imported', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.pad_conv = nn.Conv2d(3, 3, 3, padding_mode='reflect')

          def forward(self, x):
              return self.pad_conv(x)
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn
      import torch  # switcheroo: kept, torch is still used

      class Net(nn.Module):
          def setup(self):
              self.pad_conv = torch.nn.Conv2d(3, 3, 3, padding_mode='reflect')  # switcheroo: torch.nn.Conv2d(padding_mode=...) is not converted; left as is

          def __call__(self, x):
              return self.pad_conv(x)
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.nn.Conv2d(padding_mode=...)']);
  });
});
