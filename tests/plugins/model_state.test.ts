import { convertCell, py } from '../helpers';

describe('plugins/model_state.ts', () => {
  test('a state_dict() copied or passed to a call is the variables; load_state_dict(s) rebinds them', async () => {
    const cell = await convertCell(py`
      import copy
      import torch.nn as nn

      net = nn.Linear(3, 2)
      best = copy.deepcopy(net.state_dict())
      saved = dict(model=net.state_dict())
      net.load_state_dict(best)
      net.load_state_dict(state_dict=best, strict=True)
    `);
    expect(cell.source.split('\n').slice(-5, -1)).toEqual([
      'best = copy.deepcopy(net_variables)',
      'saved = dict(model=net_variables)',
      'net_variables = best',
      'net_variables = best'
    ]);
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

  test("torch's keys, strict=False and loading inside a function are annotated", async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      net = nn.Linear(3, 2)
      w = net.state_dict()['weight']
      net.load_state_dict(w, strict=False)
      def restore(s):
          net.load_state_dict(s)
    `);
    expect(cell.source.split('\n').slice(-5, -1)).toEqual([
      "w = net.state_dict()['weight']  # switcheroo: net.state_dict(): the state is net_variables, with Flax's nested names (params/batch_stats), not torch's keys",
      'net.load_state_dict(w, strict=False)  # switcheroo: net.load_state_dict(...): rebind the variables instead (net_variables = state), as a statement at notebook level, with every key',
      'def restore(s):',
      '    net.load_state_dict(s)  # switcheroo: net.load_state_dict(...): rebind the variables instead (net_variables = state), as a statement at notebook level, with every key'
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
