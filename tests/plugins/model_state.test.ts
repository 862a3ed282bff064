import { LOAD_STATE_DICT_INTO, STATE_DICT_OF } from '../../plugins/model_state';
import { convertCell, py } from '../helpers';

describe('plugins/model_state.ts', () => {
  test("a state_dict() copied or passed to a call is the variables; load_state_dict(s) copies a state into them in place, with torch's missing and unexpected keys", async () => {
    const cell = await convertCell(py`
      import copy
      import torch.nn as nn

      net = nn.Linear(3, 2)
      best = copy.deepcopy(net.state_dict())
      saved = dict(model=net.state_dict())
      net.load_state_dict(best)
      result = net.load_state_dict(state_dict=best, strict=True)
    `);
    expect(cell.source).toContain(
      [
        'best = copy.deepcopy(net_variables)',
        'saved = dict(model=net_variables)',
        STATE_DICT_OF.code,
        LOAD_STATE_DICT_INTO.code,
        'load_state_dict_into(net_variables, best)',
        'result = load_state_dict_into(net_variables, best, strict=True)'
      ].join('\n')
    );
    expect(cell.flags.partial).toBe(false);
  });

  test("an uncopied state_dict() is a snapshot, not torch's shared storage: converted and annotated; it needs the model's init", async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      net = nn.Linear(3, 2)
      sd = net.state_dict()
    `);
    expect(cell.source).toBe(py`
      import jax
      import jax.numpy as jnp
      import flax.linen as nn

      rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
      rng_key, key_1 = jax.random.split(rng_key)
      net = nn.Dense(features=2)
      net_variables = net.init(key_1, jnp.zeros((1, 3)))
      sd = net_variables  # switcheroo: net.state_dict() is a snapshot of net_variables (JAX arrays are immutable); torch's shares storage with the model and follows later training
    `);
  });

  test("read by key, a state_dict() is a flat dict in Flax's names (annotated); strict=False, a submodule's state and loading inside a function are converted", async () => {
    const cell = await convertCell(py`
      from collections import OrderedDict
      import torch
      import torch.nn as nn

      class Body(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(3, 3)

          def forward(self, x):
              return self.fc(x)

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.body = Body()
              self.head = nn.Linear(3, 1)

          def forward(self, x):
              return self.head(self.body(x))

      net = Net()
      y = net(torch.zeros(1, 3))
      body = OrderedDict((k[5:], v) for k, v in net.state_dict().items() if k.startswith('body.'))
      print(net.body.load_state_dict(body, strict=False))
      def restore(s):
          net.load_state_dict(s)
    `);
    expect(cell.source).toContain(
      "body = OrderedDict((k[5:], v) for k, v in state_dict_of(net_variables).items() if k.startswith('body.'))  # switcheroo: net.state_dict() read by key: Flax's dotted names and layouts (head.kernel, blocks_0.bias), not torch's (head.weight, blocks.0.bias)"
    );
    expect(cell.source.split('\n').slice(-4, -1)).toEqual([
      "print(load_state_dict_into(net_variables, body, strict=False, path=('body',)))",
      'def restore(s):',
      '    load_state_dict_into(net_variables, s)'
    ]);
    expect(cell.flags.partial).toBe(true);
  });

  test("an optimizer's state_dict() is its optax state; load_state_dict(s) rebinds it at notebook level, and is annotated elsewhere", async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      net = nn.Linear(3, 2)
      opt = torch.optim.Adam(net.parameters(), lr=0.1)
      y = net(torch.zeros(1, 3))
      ckpt = {'optimizer': opt.state_dict(), 'epoch': 3}
      opt.load_state_dict(ckpt['optimizer'])
      def restore(s):
          opt.load_state_dict(s)
    `);
    expect(cell.source.split('\n').slice(-5, -1)).toEqual([
      "ckpt = {'optimizer': opt_state, 'epoch': 3}",
      "opt_state = ckpt['optimizer']",
      'def restore(s):',
      '    opt.load_state_dict(s)  # switcheroo: opt.load_state_dict(...): rebind the optimizer state instead (opt_state = state), as a statement at notebook level'
    ]);
  });
});
