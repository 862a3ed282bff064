import { convertCell, convertCode, py } from '../helpers';
import { EPOCH_LR, LEARNING_RATES } from '../../plugins/lr_schedulers';

describe('plugins/lr_schedulers.ts', () => {
  test('a scheduled optimizer keeps its hyperparameters in its state; StepLR is EpochLR over an optax schedule; scheduler.step() returns the new state; param_groups[i][lr] reads it', async () => {
    const out = await convertCode([
      py`
        import torch
        import torch.nn as nn
        from torch.optim.lr_scheduler import StepLR

        net = nn.Linear(3, 2)
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        sched = StepLR(opt, step_size=4, gamma=0.5)
      `,
      py`
        for epoch in range(10):
            print(opt.param_groups[0]['lr'], sched.get_last_lr(), sched.last_epoch)
            sched.step()
      `
    ]);
    expect(out.cells[0].source).toBe(
      py`
        import jax
        import jax.numpy as jnp
        import flax.linen as nn
        import optax

        rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
        rng_key, key_1 = jax.random.split(rng_key)
        net = nn.Dense(features=2)
        net_variables = net.init(key_1, jnp.zeros((1, 3)))
        opt = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1, momentum=0.9)
        opt_state = opt.init(net_variables['params'])
      ` +
        LEARNING_RATES.code +
        '\n' +
        EPOCH_LR.code +
        '\n' +
        py`
        sched = EpochLR(opt_state, lambda lr: optax.exponential_decay(init_value=lr, transition_steps=4, decay_rate=0.5, staircase=True))
      `
    );
    expect(out.cells[1].source).toBe(py`
      for epoch in range(10):
          print(learning_rates(opt_state)[0], sched.get_last_lr(), sched.last_epoch)
          opt_state = sched.step(opt_state)
    `);
    expect(out.cells.every(c => !c.flags.partial)).toBe(true);
  });

  test('MultiStepLR (a repeated milestone counts twice), ExponentialLR and CosineAnnealingLR (the cosine written out: torch follows it past T_max) with torch defaults', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn
      from torch.optim import lr_scheduler

      net = nn.Linear(3, 2)
      a = torch.optim.Adam(net.parameters())
      s1 = lr_scheduler.MultiStepLR(a, milestones=[2, 5, 5])
      b = torch.optim.Adam(net.parameters())
      ms = [2, 5]
      s2 = lr_scheduler.MultiStepLR(b, ms, gamma=0.5)
      c = torch.optim.Adam(net.parameters())
      s3 = lr_scheduler.ExponentialLR(c, gamma=0.9)
      d = torch.optim.Adam(net.parameters())
      s4 = lr_scheduler.CosineAnnealingLR(d, T_max=10)
    `);
    const schedulers = cell.source.split('\n').filter(l => /^s\d = /.test(l));
    expect(schedulers).toEqual([
      's1 = EpochLR(a_state, lambda lr: optax.piecewise_constant_schedule(init_value=lr, boundaries_and_scales={2: 0.1, 5: 0.1 ** 2}))',
      's2 = EpochLR(b_state, lambda lr: optax.piecewise_constant_schedule(init_value=lr, boundaries_and_scales={m: 0.5 ** list(ms).count(m) for m in ms}))',
      's3 = EpochLR(c_state, lambda lr: optax.exponential_decay(init_value=lr, transition_steps=1, decay_rate=0.9))',
      's4 = EpochLR(d_state, lambda lr: lambda epoch: 0.0 + (lr - 0.0) * (1 + jnp.cos(jnp.pi * epoch / 10)) / 2)'
    ]);
    expect(cell.source).toContain(
      'a = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3, b1=0.9, b2=0.999, eps=1e-08)'
    );
  });

  test('other schedulers, resuming, a second scheduler on one optimizer, step() inside a function or with an argument, and writing param_groups are annotated', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn
      from torch.optim import lr_scheduler

      net = nn.Linear(3, 2)
      opt = torch.optim.SGD(net.parameters(), lr=0.1)
      s = lr_scheduler.StepLR(opt, 4)
      again = lr_scheduler.ExponentialLR(opt, 0.9)
      plateau = lr_scheduler.ReduceLROnPlateau(opt)
      other = torch.optim.SGD(net.parameters(), lr=0.1)
      resumed = lr_scheduler.StepLR(other, 4, last_epoch=3)
      def train():
          s.step()
      s.step(3)
      opt.param_groups[0]['lr'] = 0.5
    `);
    expect(cell.source.split('\n').filter(l => l.includes('# switcheroo:'))).toEqual([
      'from torch.optim import lr_scheduler  # switcheroo: kept, torch is still used',
      'rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0',
      'again = lr_scheduler.ExponentialLR(opt, 0.9)  # switcheroo: torch.optim.lr_scheduler.ExponentialLR a second scheduler on opt (torch chains them) is not converted; left as is',
      'plateau = lr_scheduler.ReduceLROnPlateau(opt)  # switcheroo: torch.optim.lr_scheduler.ReduceLROnPlateau has no JAX/Flax mapping; left as is',
      'resumed = lr_scheduler.StepLR(other, 4, last_epoch=3)  # switcheroo: torch.optim.lr_scheduler.StepLR last_epoch (resuming) is not converted; left as is',
      '    s.step()  # switcheroo: s.step() returns the new opt_state: call it as a statement at notebook level',
      's.step(3)  # switcheroo: s.step(...) with an argument is not converted',
      "opt.param_groups[0]['lr'] = 0.5  # switcheroo: opt.param_groups: only reading param_groups[i]['lr'] is converted (the learning rates live in opt_state)"
    ]);
    expect(cell.flags.partial).toBe(true);
  });

  test('an optimizer nobody schedules or reads keeps its plain transform', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      net = nn.Linear(3, 2)
      opt = torch.optim.SGD(net.parameters(), lr=0.1)
    `);
    expect(cell.source).toContain('opt = optax.sgd(learning_rate=0.1)\n');
  });
});
