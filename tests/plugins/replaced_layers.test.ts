import { REPLACE_LAYERS } from '../../plugins/replaced_layers';
import { convertCell, py } from '../helpers';

describe('plugins/replaced_layers.ts', () => {
  test("a layer of a submodule replaced in __init__ is given to the submodule, whose setup sets it after its own; a ModuleDict's items stay a dict's", async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      class Body(nn.Module):
          def __init__(self, hidden):
              super().__init__()
              self.fc = nn.Linear(6, hidden)
              self.head = nn.Linear(hidden, 1)

          def forward(self, x):
              return self.head(self.fc(x))

      class TwoHeads(nn.Module):
          def __init__(self):
              super().__init__()
              self.body = Body(32)
              self.body.head = nn.Identity()
              self.body.fc = nn.Linear(6, 32, bias=False)
              self.heads = nn.ModuleDict({'a': nn.Linear(32, 1), 'b': nn.Linear(32, 2)})

          def forward(self, x):
              h = self.body(x)
              return {k: head(h) for k, head in self.heads.items()}
    `);
    expect(cell.source).toContain(
      [
        REPLACE_LAYERS.code,
        'class TwoHeads(nn.Module):',
        '    def setup(self):',
        '        self.body = replace_layers(Body(32), head=lambda x: x, fc=nn.Dense(features=32, use_bias=False))',
        "        self.heads = {'a': nn.Dense(features=1), 'b': nn.Dense(features=2)}",
        '',
        '    def __call__(self, x):',
        '        h = self.body(x)',
        '        return {k: head(h) for k, head in self.heads.items()}'
      ].join('\n')
    );
    expect(cell.flags.partial).toBe(false);
  });

  test('a layer replaced on a torch layer, or on a submodule built under a branch, is annotated; a weight tied is not a layer replaced', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Body(nn.Module):
          def __init__(self):
              super().__init__()
              self.head = nn.Linear(4, 1)

      class Net(nn.Module):
          def __init__(self, deep):
              super().__init__()
              self.seq = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
              self.seq.act = nn.Tanh()
              if deep:
                  self.body = Body()
                  self.body.head = nn.Identity()
              self.enc = nn.Linear(4, 4)
              self.dec = nn.Linear(4, 4)
              self.dec.weight = self.enc.weight
    `);
    const why =
      'a layer replaced after its module is built is converted only for a module class of the notebook built once, earlier in __init__';
    expect(cell.source).toContain(
      `self.seq.act = jax.tree_util.Partial(jax.numpy.tanh)  # switcheroo: self.seq.act = ...: ${why}`
    );
    expect(cell.source).toContain(
      `self.body.head = lambda x: x  # switcheroo: self.body.head = ...: ${why}`
    );
    expect(cell.source).not.toContain('self.dec.weight = ...: a layer replaced');
    expect(cell.flags.partial).toBe(true);
  });
});
