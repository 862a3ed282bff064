import { convert, convertCell, convertCode, py } from '../helpers';

describe('plugins/state_flag_injection.ts', () => {
  const MODEL = py`
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn1 = nn.BatchNorm2d(8)
            self.bn2 = nn.BatchNorm2d(8)
            self.drop = nn.Dropout(0.25)

        def forward(self, x):
            x = self.bn1(x)
            x = self.bn2(x)
            return self.drop(x)
  `;

  test('several BatchNorm and Dropout calls put `training` in the signature exactly once', async () => {
    const cell = await convertCell(MODEL);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.bn1 = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)
              self.bn2 = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)
              self.drop = nn.Dropout(rate=0.25)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              x = self.bn1(x, use_running_average=not training)
              x = self.bn2(x, use_running_average=not training)
              return self.drop(x, deterministic=not training)
    `);
    expect(cell.source.match(/training: bool = False/g)).toHaveLength(1);
    expect(cell.source.match(/# switcheroo:/g)).toHaveLength(1);
  });

  test('the cell flag carries each reason once, one info diagnostic per reason', async () => {
    const cell = await convertCell(MODEL);
    expect(cell.flags.trainingFlag).toBe(true);
    expect(cell.flags.partial).toBe(false);
    expect(cell.flags.trainingReasons).toEqual([
      'nn.BatchNorm2d uses batch statistics in training and running averages in evaluation',
      'nn.Dropout is active in training and off in evaluation'
    ]);
    const flagNotes = cell.diagnostics.filter(d => d.code === 'training-flag');
    expect(flagNotes).toHaveLength(2);
    expect(flagNotes.every(d => d.level === 'info' && d.line === 11)).toBe(true);
    expect(flagNotes[0].message).toContain('Net: nn.BatchNorm2d');
  });

  test('a submodule whose class needs the flag receives training=training, and the parent takes it too', async () => {
    const out = await convert(py`
      import torch.nn as nn

      class Block(nn.Module):
          def __init__(self):
              super().__init__()
              self.drop = nn.Dropout(0.1)

          def forward(self, x):
              return self.drop(x)

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.block = Block()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):
              return self.fc(self.block(x))
    `);
    expect(out).toBe(py`
      import flax.linen as nn

      class Block(nn.Module):
          def setup(self):
              self.drop = nn.Dropout(rate=0.1)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return self.drop(x, deterministic=not training)

      class Net(nn.Module):
          def setup(self):
              self.block = Block()
              self.fc = nn.Dense(features=4)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return self.fc(self.block(x, training=training))
    `);
  });

  test('a module without mode-dependent layers gets no flag and is not touched by it', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(2, 2)

          def forward(self, x):
              return self.fc(x)
    `);
    expect(cell.source).not.toContain('training');
    expect(cell.flags.trainingFlag).toBe(false);
    expect(cell.flags.trainingReasons).toEqual([]);
  });

  test('the flag goes after keyword-only parameters', async () => {
    const out = await convert(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.drop = nn.Dropout(0.1)

          def forward(self, x, *, scale=1.0):
              return self.drop(x) * scale
    `);
    expect(out).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.drop = nn.Dropout(rate=0.1)

          def __call__(self, x, *, scale=1.0, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return self.drop(x, deterministic=not training) * scale
    `);
  });

  test('a call inside a comprehension reads the same method-level flag', async () => {
    const out = await convert(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.drop = nn.Dropout(0.1)

          def forward(self, xs, mask=None):
              return [self.drop(t) for t in xs]
    `);
    expect(out).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.drop = nn.Dropout(rate=0.1)

          def __call__(self, xs, mask=None, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return [self.drop(t, deterministic=not training) for t in xs]
    `);
  });

  const WITH_MODES = py`
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.5)

        def forward(self, x):
            return self.drop(x)

    model = Net()
    model.train()
    model.eval()
    model.train(False)
  `;

  test('model.train() / model.eval() / model.train(False) become harmless `pass` statements saying which flag to pass', async () => {
    const out = await convert(WITH_MODES);
    expect(out).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.drop = nn.Dropout(rate=0.5)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return self.drop(x, deterministic=not training)

      model = Net()
      pass  # switcheroo: model.train() -> pass training=True to model.apply with rngs={'dropout': key}
      pass  # switcheroo: model.eval() -> pass training=False to model.apply
      pass  # switcheroo: model.train(False) -> pass training=False to model.apply
    `);
  });

  test('each mode switch is reported as info on its own line', async () => {
    const cell = await convertCell(WITH_MODES);
    const notes = cell.diagnostics.filter(d => d.code === 'train-eval');
    expect(notes.map(d => [d.level, d.line])).toEqual([
      ['info', 12],
      ['info', 13],
      ['info', 14]
    ]);
    expect(notes[0].message).toBe(
      "model.train() recorded: Flax modules have no mode; pass training=True to model.apply with rngs={'dropout': key}"
    );
    expect(notes[1].message).toBe(
      'model.eval() recorded: Flax modules have no mode; pass training=False to model.apply'
    );
    expect(cell.flags.partial).toBe(false);
  });

  test('without comments, a mode switch is a bare `pass`', async () => {
    const out = await convert(WITH_MODES, { comments: false });
    expect(out).toContain(py`
      model = Net()
      pass
      pass
      pass
    `);
    expect(out).not.toContain('# switcheroo:');
  });

  test('mode switches in a later cell are recognised on a module built earlier in the notebook', async () => {
    const result = await convertCode([
      py`
        import torch
        import torch.nn as nn
      `,
      py`
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.drop = nn.Dropout(0.5)
            def forward(self, x):
                return self.drop(x)
      `,
      py`
        net = Net()
        net.train()
      `
    ]);
    expect(result.cells.map(c => c.source)).toEqual([
      py`
        import flax.linen as nn
      `,
      py`
        class Net(nn.Module):
            def setup(self):
                self.drop = nn.Dropout(rate=0.5)
            def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
                return self.drop(x, deterministic=not training)
      `,
      py`
        net = Net()
        pass  # switcheroo: net.train() -> pass training=True to net.apply with rngs={'dropout': key}
      `
    ]);
    expect(result.cells[1].flags.trainingFlag).toBe(true);
    expect(result.cells[2].diagnostics.map(d => d.code)).toEqual(['train-eval']);
    expect(result.totals.trainingFlag).toBe(1);
  });

  test('a helper method calling a BatchNorm takes the flag, and forward passes it on to the helper', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.conv = nn.Conv2d(3, 8, 3)
              self.bn = nn.BatchNorm2d(8)
              self.fc = nn.Linear(8, 2)

          def features(self, x):
              return self.bn(self.conv(x))

          def forward(self, x):
              x = self.features(x)
              return self.fc(x.mean((2, 3)))
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.conv = nn.Conv(features=8, kernel_size=(3, 3), padding='VALID')
              self.bn = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)
              self.fc = nn.Dense(features=2)

          def features(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return self.bn(self.conv(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2), use_running_average=not training)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              x = self.features(x, training=training)
              return self.fc(x.mean((2, 3)))
    `);
    expect(cell.source.match(/training: bool = False/g)).toHaveLength(2);
    expect(cell.flags.trainingFlag).toBe(true);
    expect(cell.flags.trainingReasons).toEqual([
      'nn.BatchNorm2d uses batch statistics in training and running averages in evaluation',
      'calls self.features, which takes training'
    ]);
  });

  test('`if self.training:` in forward reads the flag, which joins the signature', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Noisy(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):
              if self.training:
                  x = x * 0.5
              return self.fc(x)
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Noisy(nn.Module):
          def setup(self):
              self.fc = nn.Dense(features=4)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              if training:
                  x = x * 0.5
              return self.fc(x)
    `);
    expect(cell.source).not.toContain('self.training');
    expect(cell.flags.trainingFlag).toBe(true);
    expect(cell.flags.trainingReasons).toEqual(['reads self.training']);
  });

  test('train(mode=False) is eval; eval() on a module without mode-dependent layers needs nothing; eval() on an unknown object only warns', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.drop = nn.Dropout(0.5)

          def forward(self, x):
              return self.drop(x)

      class Plain(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(2, 2)

          def forward(self, x):
              return self.fc(x)

      model = Net()
      model.train(mode=False)
      plain = Plain()
      plain.eval()

      def evaluate(m):
          m.eval()
          return m
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          def setup(self):
              self.drop = nn.Dropout(rate=0.5)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              return self.drop(x, deterministic=not training)

      class Plain(nn.Module):
          def setup(self):
              self.fc = nn.Dense(features=2)

          def __call__(self, x):
              return self.fc(x)

      model = Net()
      pass  # switcheroo: model.train(mode=False) -> pass training=False to model.apply
      plain = Plain()
      pass  # switcheroo: plain.eval() -> nothing to pass: Plain has no train/eval-dependent layers

      def evaluate(m):
          m.eval()
          return m
    `);
    expect(
      cell.diagnostics.filter(d => d.code === 'train-eval').map(d => [d.level, d.line, d.message])
    ).toEqual([
      [
        'info',
        20,
        'model.train(mode=False) recorded: Flax modules have no mode; pass training=False to model.apply'
      ],
      [
        'info',
        22,
        'plain.eval() recorded: Flax modules have no mode; nothing to pass: Plain has no train/eval-dependent layers'
      ],
      [
        'warning',
        25,
        'm.eval(): if m is a converted model, Flax modules have no mode; pass training= to its apply'
      ]
    ]);
  });
});
