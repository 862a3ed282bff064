import { convertCell, py } from '../helpers';

describe('plugins/grad_clip.ts and the training step around it', () => {
  test('forward with a tuple output, loss, zero_grad, backward, clip_grad_norm_, step: grads clipped with torch formula, the norm kept', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)
              self.bn = nn.BatchNorm1d(4)

          def forward(self, x):
              h = self.bn(self.fc(x))
              return h, h.mean()

      X = torch.ones(8, 4)
      model = Net()
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      norms = []
      for step in range(3):
          out, _ = model(X)
          loss = (out ** 2).mean()

          optimizer.zero_grad()
          loss.backward()
          norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
          optimizer.step()
          norms.append(norm.item())
    `);
    expect(cell.source).toBe(py`
      import jax
      import jax.numpy as jnp
      import flax.linen as nn
      import optax

      class Net(nn.Module):
          def setup(self):
              self.fc = nn.Dense(features=4)
              self.bn = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)

          def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
              h = self.bn(self.fc(x), use_running_average=not training)
              return h, jnp.mean(h)

      X = jnp.ones((8, 4))
      rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
      rng_key, key_1 = jax.random.split(rng_key)
      model = Net()
      variables = model.init(key_1, X[:1])
      optimizer = optax.sgd(learning_rate=0.1)
      opt_state = optimizer.init(variables['params'])
      norms = []
      for step in range(3):
          def loss_fn(params):
              (out, _), updates = model.apply({**variables, 'params': params}, X, training=True, mutable=['batch_stats'])
              loss = jnp.mean(out ** 2)
              return loss, updates
          (loss, updates), grads = jax.value_and_grad(loss_fn, has_aux=True)(variables['params'])
          norm = optax.global_norm(grads)
          grads = jax.tree_util.tree_map(lambda g: g * jnp.minimum(1.0, 0.5 / (norm + 1e-6)), grads)
          param_updates, opt_state = optimizer.update(grads, opt_state, variables['params'])
          variables = {**variables, **updates, 'params': optax.apply_updates(variables['params'], param_updates)}
          norms.append(norm.item())
    `);
    expect(cell.flags.partial).toBe(false);
  });

  test('an unassigned clip_grad_norm_ binds grad_norm; clip_grad_value_ clamps each gradient', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn
      from torch.nn.utils import clip_grad_value_

      X = torch.ones(8, 2)
      model = nn.Linear(2, 1)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(3):
          optimizer.zero_grad()
          loss = model(X).sum()
          loss.backward()
          torch.nn.utils.clip_grad_norm_(model.parameters(), limit + 1)
          optimizer.step()
      for step in range(3):
          optimizer.zero_grad()
          loss = model(X).sum()
          loss.backward()
          clip_grad_value_(model.parameters(), clip_value=0.1)
          optimizer.step()
    `);
    expect(cell.source).toBe(py`
      import jax
      import jax.numpy as jnp
      import flax.linen as nn
      import optax

      X = jnp.ones((8, 2))
      rng_key = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0
      rng_key, key_1 = jax.random.split(rng_key)
      model = nn.Dense(features=1)
      variables = model.init(key_1, X[:1])
      optimizer = optax.sgd(learning_rate=0.1)
      opt_state = optimizer.init(variables['params'])
      for step in range(3):
          def loss_fn(params):
              loss = jnp.sum(model.apply({**variables, 'params': params}, X))
              return loss
          loss, grads = jax.value_and_grad(loss_fn)(variables['params'])
          grad_norm = optax.global_norm(grads)
          grads = jax.tree_util.tree_map(lambda g: g * jnp.minimum(1.0, (limit + 1) / (grad_norm + 1e-6)), grads)
          param_updates, opt_state = optimizer.update(grads, opt_state, variables['params'])
          variables = {**variables, 'params': optax.apply_updates(variables['params'], param_updates)}
      for step in range(3):
          def loss_fn(params):
              loss = jnp.sum(model.apply({**variables, 'params': params}, X))
              return loss
          loss, grads = jax.value_and_grad(loss_fn)(variables['params'])
          grads = jax.tree_util.tree_map(lambda g: jnp.clip(g, -0.1, 0.1), grads)
          param_updates, opt_state = optimizer.update(grads, opt_state, variables['params'])
          variables = {**variables, 'params': optax.apply_updates(variables['params'], param_updates)}
    `);
  });

  test('clipping that is not the 2-norm of the stepped model: the step is not recognised, the clip reported', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      X = torch.ones(8, 2)
      model = nn.Linear(2, 1)
      optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
      optimizer.zero_grad()
      loss = model(X).sum()
      loss.backward()
      torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, norm_type=1)
      optimizer.step()
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.nn.utils.clip_grad_norm_']);
    expect(cell.source).toContain(
      "torch.nn.utils.clip_grad_norm_(jax.tree_util.tree_leaves(variables['params']), 1.0, norm_type=1)  # switcheroo: torch.nn.utils.clip_grad_norm_ is converted between loss.backward() and optimizer.step() of a converted training step, on model.parameters(); left as is"
    );
    expect(cell.source).toContain(
      'optimizer.step()  # switcheroo: training step not recognised: use jax.value_and_grad and optax'
    );
  });
});
