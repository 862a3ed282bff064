import { convertCell, convertCode, py } from '../helpers';
import { PARAM_GROUP_LABELS } from '../../plugins/param_groups';

describe('plugins/param_groups.ts', () => {
  test('parameter groups built from named_parameters: one optax transform per group (constructor options, then the group’s own) over the labels of the leaves they hold; requires_grad of a parameter is True', async () => {
    const out = await convertCode([
      py`
        import torch
        import torch.nn as nn

        net = nn.Linear(3, 2)
      `,
      py`
        decay, no_decay = [], []
        for name, param in net.named_parameters():
            if not param.requires_grad:
                continue
            (decay if param.ndim >= 2 else no_decay).append(param)
        opt = torch.optim.Adam(
            [{'params': decay, 'weight_decay': 1e-4}, {'params': no_decay, 'lr': 0.1}],
            lr=0.01,
        )
      `
    ]);
    expect(out.cells[1].source).toBe(
      py`
        decay, no_decay = [], []
        for name, param in [(jax.tree_util.keystr(k, simple=True, separator='.'), v) for k, v in jax.tree_util.tree_leaves_with_path(net_variables.get('params', {}))]:  # switcheroo: net.named_parameters(): Flax's names and layouts (kernel, scale, mean, var)
            if not True:
                continue
            (decay if param.ndim >= 2 else no_decay).append(param)
      ` +
        PARAM_GROUP_LABELS.code +
        '\n' +
        py`
        opt = optax.multi_transform({
            0: optax.chain(optax.add_decayed_weights(1e-4), optax.adam(learning_rate=0.01, b1=0.9, b2=0.999, eps=1e-08)),
            1: optax.adam(learning_rate=0.1, b1=0.9, b2=0.999, eps=1e-08),
            2: optax.set_to_zero(),
        }, param_group_labels(net_variables['params'], decay, no_decay))
        opt_state = opt.init(net_variables['params'])
      `
    );
    expect(out.cells[1].flags.partial).toBe(false);
  });

  test('the groups’ model comes from the parameters they hold; a group of model.parameters() is labelled too', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      net = nn.Linear(3, 2)
      opt = torch.optim.SGD([{'params': net.parameters(), 'momentum': 0.9}], lr=0.1)
    `);
    expect(cell.source).toContain(py`
      opt = optax.multi_transform({
          0: optax.sgd(learning_rate=0.1, momentum=0.9),
          1: optax.set_to_zero(),
      }, param_group_labels(net_variables['params'], jax.tree_util.tree_leaves(net_variables['params'])))
      opt_state = opt.init(net_variables['params'])
    `);
  });

  test('groups that are not dict literals, or whose model is not known, are left as is and reported', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      net = nn.Linear(3, 2)
      w = torch.zeros(3)
      extra = {'params': [w]}
      opt = torch.optim.SGD([{'params': net.parameters()}, extra], lr=0.1)
      opt2 = torch.optim.SGD([{'params': [w]}], lr=0.1)
    `);
    expect(cell.source.split('\n').slice(-4, -1).join('\n')).toBe(
      py`
      extra = {'params': [w]}
      opt = torch.optim.SGD([{'params': jax.tree_util.tree_leaves(net_variables['params'])}, extra], lr=0.1)  # switcheroo: torch.optim.SGD parameter groups must be dict literals with string keys; left as is
      opt2 = torch.optim.SGD([{'params': [w]}], lr=0.1)  # switcheroo: torch.optim.SGD parameter groups: the model whose parameters they hold is not known; left as is  # switcheroo: parameter groups or a parameter list: build the optax transform per group (optax.multi_transform)
    `.trimEnd()
    );
    expect(cell.unsupported).toEqual(['torch.optim.SGD']);
    expect(cell.flags.partial).toBe(true);
  });

  test('setting requires_grad on a parameter (freezing) is annotated', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      net = nn.Linear(3, 2)
      for p in net.parameters():
          p.requires_grad = False
    `);
    expect(cell.source).toContain(
      '    p.requires_grad = False  # switcheroo: p.requires_grad = ...: a JAX array has no requires_grad; freeze leaves in the optimizer (optax.multi_transform with optax.set_to_zero())'
    );
    expect(cell.flags.partial).toBe(true);
  });
});
