import { convertCode, py } from '../helpers';

describe('plugins/model_arguments.ts', () => {
  test('train and evaluate functions take the variables and the optimizer state after the model and optimizer; call sites pass and rebind them, for the notebook model and another one', async () => {
    const out = await convertCode([
      py`
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        torch.manual_seed(0)
        X = torch.randn(64, 8)
        y = torch.randint(0, 3, (64,))

        class MLP(nn.Module):
            def __init__(self, p):
                super().__init__()
                self.fc = nn.Linear(8, 3)
                self.drop = nn.Dropout(p)

            def forward(self, x):
                return self.fc(self.drop(x))

        model = MLP(0.2)
      `,
      py`
        def train_one_epoch(model, optimizer):
            model.train()
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X), y)
            loss.backward()
            optimizer.step()
            return loss.item()


        def evaluate(model):
            model.eval()
            with torch.no_grad():
                return F.cross_entropy(model(X), y).item()
      `,
      py`
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(3):
            loss = train_one_epoch(model, optimizer)
        print(evaluate(model))
        m = MLP(0.5)
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        train_one_epoch(m, optimizer=opt)
      `
    ]);
    expect(out.cells[1].source).toBe(py`
      def train_one_epoch(model, variables, optimizer, opt_state):
          global rng_key
          pass  # switcheroo: model.train() -> pass training=True to model.apply with rngs={'dropout': key}
          rng_key, key_4 = jax.random.split(rng_key)
          def loss_fn(params):
              loss = optax.softmax_cross_entropy_with_integer_labels(jnp.moveaxis(model.apply({**variables, 'params': params}, X, training=True, rngs={'dropout': key_4}), 1, -1), y).mean()
              return loss
          loss, grads = jax.value_and_grad(loss_fn)(variables['params'])
          param_updates, opt_state = optimizer.update(grads, opt_state, variables['params'])
          variables = {**variables, 'params': optax.apply_updates(variables['params'], param_updates)}
          return float(loss), variables, opt_state


      def evaluate(model, variables):
          pass  # switcheroo: model.eval() -> pass training=False to model.apply
          return optax.softmax_cross_entropy_with_integer_labels(jnp.moveaxis(model.apply(variables, X, training=False), 1, -1), y).mean().item()
    `);
    expect(out.cells[2].source).toBe(py`
      optimizer = optax.sgd(learning_rate=0.1)
      opt_state = optimizer.init(variables['params'])
      for epoch in range(3):
          loss, variables, opt_state = train_one_epoch(model, variables, optimizer, opt_state)
      print(evaluate(model, variables))
      rng_key, key_5 = jax.random.split(rng_key)
      m = MLP(0.5)
      m_variables = m.init(key_5, jnp.zeros((1, 8)))
      opt = optax.sgd(learning_rate=0.1)
      opt_state = opt.init(m_variables['params'])
      _, m_variables, opt_state = train_one_epoch(m, m_variables, optimizer=opt, opt_state=opt_state)
    `);
    expect(out.cells.map(c => c.flags.partial)).toEqual([false, false, false]);
  });

  test('a model built after the function, an optimizer made inside it: the state stays local, the variables come back after the result', async () => {
    const out = await convertCode([
      py`
        import torch
        import torch.nn as nn

        def train(model, X, y, epochs=2, lr=0.05):
            """Full-batch regression."""
            opt = torch.optim.SGD(model.parameters(), lr=lr)
            losses = []
            for epoch in range(epochs):
                loss = ((model(X) - y) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item())
            return losses
      `,
      py`
        class Reg(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(1, 1)

            def forward(self, x):
                return self.fc(x)

        X = torch.ones(8, 1)
        y = 2 * X
        model = Reg()
        losses = train(model, X, y, lr=0.1)
      `
    ]);
    expect(out.cells[0].source).toBe(py`
      import jax
      import jax.numpy as jnp
      import flax.linen as nn
      import optax

      def train(model, variables, X, y, epochs=2, lr=0.05):
          """Full-batch regression."""
          opt = optax.sgd(learning_rate=lr)
          opt_state = opt.init(variables['params'])
          losses = []
          for epoch in range(epochs):
              def loss_fn(params):
                  loss = jnp.mean((model.apply({**variables, 'params': params}, X) - y) ** 2)
                  return loss
              loss, grads = jax.value_and_grad(loss_fn)(variables['params'])
              param_updates, opt_state = opt.update(grads, opt_state, variables['params'])
              variables = {**variables, 'params': optax.apply_updates(variables['params'], param_updates)}
              losses.append(float(loss))
          return losses, variables
    `);
    expect(out.cells[1].source).toContain(
      'model = Reg()\nvariables = model.init(key_1, X[:1])\nlosses, variables = train(model, variables, X, y, lr=0.1)\n'
    );
  });

  test('a call that passes something other than a notebook model is annotated, and so is a result that is not assigned', async () => {
    const out = await convertCode([
      py`
        import torch
        import torch.nn as nn

        X = torch.ones(4, 3)
        model = nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)

        def fit(model, opt):
            opt.zero_grad()
            loss = model(X).sum()
            loss.backward()
            opt.step()
            return loss.item()

        fit(nn.Linear(3, 1), opt)
        print(fit(model, opt))
      `
    ]);
    const source = out.cells[0].source;
    expect(source).toContain(
      "fit(nn.Dense(features=1), opt)  # switcheroo: fit(...): pass model's variables (the argument is not a model or optimizer of this notebook)\n"
    );
    expect(source).toContain(
      'print(fit(model, variables, opt, opt_state))  # switcheroo: fit returns the new variables, opt_state: assign them (x, variables, opt_state = fit(...))\n'
    );
    expect(out.cells[0].flags.partial).toBe(true);
  });

  test('an optional optimizer decides the mode at run time: model.train(flag), the step under `if flag:` with the forward in both branches, evaluation in the else; calls without it pass no state', async () => {
    const out = await convertCode([
      py`
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        torch.manual_seed(0)
        X = torch.randn(64, 8)
        y = torch.randint(0, 3, (64,))

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)
                self.bn = nn.BatchNorm1d(3)

            def forward(self, x):
                return self.bn(self.fc(x))

        model = Net()
      `,
      py`
        def run_epoch(model, X, y, optimizer=None):
            training = optimizer is not None
            model.train(training)
            total = 0.0
            with torch.set_grad_enabled(training):
                for i in range(0, len(X), 16):
                    logits = model(X[i:i + 16])
                    loss = F.cross_entropy(logits, y[i:i + 16])
                    if training:
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                    total += loss.item() + logits.mean().item()
            return total

        def probe(model, X, flag):
            model.train(flag)
            out = model(X)
            return out.mean()

        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        train_loss = run_epoch(model, X, y, optimizer)
        val_loss = run_epoch(model, X, y)
        mean = probe(model, X, False)
      `
    ]);
    expect(out.cells[1].source).toBe(py`
      def run_epoch(model, variables, X, y, optimizer=None, opt_state=None):
          training = optimizer is not None
          pass  # switcheroo: model.train(training) -> pass training=training to model.apply
          total = 0.0
          for i in range(0, len(X), 16):
              if training:
                  def loss_fn(params):
                      logits, updates = model.apply({**variables, 'params': params}, X[i:i + 16], training=True, mutable=['batch_stats'])
                      loss = optax.softmax_cross_entropy_with_integer_labels(jnp.moveaxis(logits, 1, -1), y[i:i + 16]).mean()
                      return loss, (logits, updates)
                  (loss, (logits, updates)), grads = jax.value_and_grad(loss_fn, has_aux=True)(variables['params'])
                  param_updates, opt_state = optimizer.update(grads, opt_state, variables['params'])
                  variables = {**variables, **updates, 'params': optax.apply_updates(variables['params'], param_updates)}
              else:
                  logits = model.apply(variables, X[i:i + 16], training=False)
                  loss = optax.softmax_cross_entropy_with_integer_labels(jnp.moveaxis(logits, 1, -1), y[i:i + 16]).mean()
              total += float(loss) + jnp.mean(logits).item()
          return total, variables, opt_state

      def probe(model, variables, X, flag):
          pass  # switcheroo: model.train(flag) -> pass training=flag to model.apply
          out, updates = model.apply(variables, X, training=flag, mutable=['batch_stats'])
          variables = {**variables, **updates}
          return jnp.mean(out), variables

      optimizer = optax.sgd(learning_rate=0.1)
      opt_state = optimizer.init(variables['params'])
      train_loss, variables, opt_state = run_epoch(model, variables, X, y, optimizer, opt_state)
      val_loss, variables, _ = run_epoch(model, variables, X, y)
      mean, variables = probe(model, variables, X, False)
    `);
    expect(out.cells[1].flags.partial).toBe(false);
  });

  test('a guarded step whose guard is not the flag the mode was set from is not converted', async () => {
    const out = await convertCode([
      py`
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        X = torch.randn(64, 8)
        model = nn.Linear(8, 1)

        def fit(model, optimizer, step_now):
            model.train()
            loss = model(X).pow(2).mean()
            if step_now:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return loss.item()

        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        fit(model, optimizer, True)
      `
    ]);
    expect(out.cells[0].source).toContain(
      'optimizer.step()  # switcheroo: training step not recognised: use jax.value_and_grad and optax'
    );
    expect(out.cells[0].flags.partial).toBe(true);
  });
});
