import { convert, convertCode, py } from '../helpers';

describe('plugins/autograd.ts', () => {
  test('backward of a leaf computation becomes jax.grad of a function recomputing it; .grad reads the gradient', async () => {
    const out = await convert(py`
      import torch
      x = torch.tensor(2.0, requires_grad=True)
      print(x.grad)
      f = x ** 3 - 2 * x
      f.backward()
      print(x.grad.item(), x.is_leaf, f.is_leaf, f.grad_fn)
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      x = jnp.array(2.0)
      print(None)
      f = x ** 3 - 2 * x
      def _f_fn(x):
          f = x ** 3 - 2 * x
          return f
      x_grad = jax.grad(_f_fn)(x)
      print(x_grad.item(), True, False, None)  # switcheroo: JAX arrays carry no autograd state; .is_leaf read from the code  # switcheroo: JAX arrays carry no autograd state; .grad_fn read from the code
    `);
  });

  test('torch accumulates: a second backward adds, zero_() and = None reset; gradient= becomes jax.vjp', async () => {
    const result = await convertCode([
      py`
        import torch
        v = torch.linspace(-1.0, 1.0, 5, requires_grad=True)
        (v ** 3).sum().backward()
        (v ** 3).sum().backward()
        v.grad.zero_()
      `,
      py`
        v.grad = None
        out = torch.exp(v)
        out.backward(gradient=torch.ones(5))
        print(v.grad)
      `
    ]);
    expect(result.cells.map(c => c.source)).toEqual([
      py`
        import jax
        import jax.numpy as jnp
        v = jnp.linspace(-1.0, 1.0, 5)
        def _backward_fn(v):
            return jnp.sum(v ** 3)
        v_grad = jax.grad(_backward_fn)(v)
        def _backward_fn(v):
            return jnp.sum(v ** 3)
        v_grad = v_grad + jax.grad(_backward_fn)(v)
        v_grad = jnp.zeros_like(v_grad)
      `,
      py`
        v_grad = None
        out = jnp.exp(v)
        def _out_fn(v):
            out = jnp.exp(v)
            return out
        v_grad = jax.vjp(_out_fn, v)[1](jnp.ones(5))[0]
        print(v_grad)
      `
    ]);
  });

  test('manual SGD in a loop: the update under no_grad becomes a plain assignment; two leaves use argnums', async () => {
    const out = await convert(py`
      import torch
      w = torch.zeros(3, requires_grad=True)
      b = torch.zeros(1).requires_grad_()
      for step in range(10):
          loss = ((w.sum() + b - 1.0) ** 2).sum()
          loss.backward()
          with torch.no_grad():
              w -= 0.1 * w.grad
              b -= 0.1 * b.grad
          w.grad.zero_()
          b.grad = None
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      w = jnp.zeros(3)
      b = jnp.asarray(jnp.zeros(1))
      for step in range(10):
          loss = jnp.sum((jnp.sum(w) + b - 1.0) ** 2)
          def _loss_fn(w, b):
              loss = jnp.sum((jnp.sum(w) + b - 1.0) ** 2)
              return loss
          w_grad, b_grad = jax.grad(_loss_fn, argnums=(0, 1))(w, b)
          w -= 0.1 * w_grad
          b -= 0.1 * b_grad
          w_grad = jnp.zeros_like(w_grad)
          b_grad = None
    `);
  });

  test('a backward in a loop that never resets the gradient is annotated, not converted', async () => {
    const out = await convert(py`
      import torch
      w = torch.ones(3, requires_grad=True)
      for _ in range(2):
          (w * 2).sum().backward()
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      w = jnp.ones(3)
      for _ in range(2):
          jnp.sum(w * 2).backward()  # switcheroo: (w * 2).sum().backward() in a loop that never resets w.grad: torch accumulates across iterations; add the gradients explicitly
    `);
  });

  test('torch.autograd.grad, twice for a second derivative', async () => {
    const out = await convert(py`
      import torch
      t = torch.tensor(0.7, requires_grad=True)
      g = torch.sin(t) * t ** 2
      (dg,) = torch.autograd.grad(g, t, create_graph=True)
      (d2g,) = torch.autograd.grad(dg, t)
    `);
    expect(out).toBe(py`
      import jax
      import jax.numpy as jnp
      t = jnp.array(0.7)
      g = jnp.sin(t) * t ** 2
      def _g_fn(t):
          g = jnp.sin(t) * t ** 2
          return g
      (dg,) = (jax.grad(_g_fn)(t),)
      def _dg_fn(t):
          g = jnp.sin(t) * t ** 2
          (dg,) = (jax.grad(_g_fn)(t),)
          return dg
      (d2g,) = (jax.grad(_dg_fn)(t),)
    `);
  });

  test('requires_grad is read from the code: a leaf, a value computed from it, a detached one, one under no_grad', async () => {
    const out = await convert(py`
      import torch
      p = torch.ones(2, requires_grad=True)
      q = p * 2
      r = q.detach()
      with torch.no_grad():
          s = p * 2
      print(p.requires_grad, q.requires_grad, r.requires_grad, s.requires_grad)
    `);
    expect(out).toContain('print(True, True, False, False)');
  });

  test('torch.dist flattens the difference; is_contiguous is True; lstsq(...).solution is [0]', async () => {
    const out = await convert(py`
      import torch
      a = torch.ones(2, 3)
      d = torch.dist(a, a * 2, 3)
      c = a.T.is_contiguous()
      s = torch.linalg.lstsq(a, a).solution
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      a = jnp.ones((2, 3))
      d = jnp.linalg.norm(jnp.ravel(a - a * 2), ord=3)
      c = True
      s = jnp.linalg.lstsq(a, a)[0]
    `);
  });

  test('leaves read as globals by a helper that cannot take them as parameters, and .grad of a loop variable, are annotated', async () => {
    const result = await convertCode([
      py`
        import torch
        W = torch.zeros(2, requires_grad=True)
        def predict(x, scale=1.0):
            return x @ W * scale
        for p in [W]:
            print(p.grad)
        loss = predict(torch.ones(2))
        loss.backward()
      `
    ]);
    const cell = result.cells[0];
    expect(cell.source).toContain(
      'print(p.grad)  # switcheroo: p.grad is not the gradient of a recognised leaf (a name bound with requires_grad=True): no JAX form; left as is'
    );
    expect(cell.source).toContain('def predict(x, scale=1.0):\n    return x @ W * scale');
    expect(cell.source).toContain('loss.backward()  # switcheroo: not converted');
    expect(cell.diagnostics.map(d => d.message)).toEqual(
      expect.arrayContaining([
        'predict reads W as globals and has default, star or global names: not given them as parameters, so jax.grad cannot differentiate through it',
        'loss.backward(): no leaf (W) is an argument of the computation in this block; jax.grad needs them as function arguments'
      ])
    );
  });

  test('a helper reading leaves as globals takes them as parameters; an updater of a list of leaves takes the gradients and returns the new arrays, which the call rebinds', async () => {
    const result = await convertCode([
      py`
        import torch
        W = torch.zeros(3, 1).requires_grad_()
        b = torch.zeros(1, requires_grad=True)
        params = [W, b]
        def predict(X):
            return X @ W + b
        def sgd_step(params, lr):
            for p in params:
                p.data.add_(p.grad.data, alpha=-lr)
                p.grad.data.zero_()
        print(predict(torch.ones(2, 3)))
      `,
      py`
        X = torch.ones(8, 3)
        y = torch.ones(8, 1)
        for step in range(5):
            loss = ((predict(X) - y) ** 2).mean()
            loss.backward()
            sgd_step(params, 0.1)
        print(W, b.item())
      `
    ]);
    expect(result.cells.map(c => c.source)).toEqual([
      py`
        import jax
        import jax.numpy as jnp
        W = jnp.asarray(jnp.zeros((3, 1)))
        b = jnp.zeros(1)
        params = [W, b]
        def predict(X, W, b):
            return X @ W + b
        def sgd_step(params, params_grad, lr):
            new_params, new_params_grad = [], []
            for p, p_grad in zip(params, params_grad):
                p = p + -lr * p_grad
                p_grad = jnp.zeros_like(p_grad)
                new_params.append(p)
                new_params_grad.append(p_grad)
            return new_params, new_params_grad
        print(predict(jnp.ones((2, 3)), W, b))
      `,
      py`
        X = jnp.ones((8, 3))
        y = jnp.ones((8, 1))
        for step in range(5):
            loss = jnp.mean((predict(X, W, b) - y) ** 2)
            def _loss_fn(W, b):
                loss = jnp.mean((predict(X, W, b) - y) ** 2)
                return loss
            W_grad, b_grad = jax.grad(_loss_fn, argnums=(0, 1))(W, b)
            params, (W_grad, b_grad) = sgd_step(params, [W_grad, b_grad], 0.1)
            W, b = params
        print(W, b.item())
      `
    ]);
  });

  test('an updater called with something other than a named list of leaves, or as a value, is annotated', async () => {
    const out = await convert(py`
      import torch
      w = torch.zeros(2, requires_grad=True)
      params = [w]
      def step(params, lr):
          for p in params:
              p.data.sub_(lr * p.grad.data)
      (w * 2).sum().backward()
      step([w], 0.1)
      new = step(params, 0.1)
    `);
    expect(out).toContain(
      'step([w], 0.1)  # switcheroo: step(...) updates the arrays of its params argument in place: pass a name bound to a list of leaves (params = [W, b]) to convert it'
    );
    expect(out).toContain(
      'new = step(params, 0.1)  # switcheroo: step(...) returns the new w and their gradients: call it as a statement to rebind them'
    );
  });

  test('a helper redefined without reading leaves gets its calls back as written', async () => {
    const out = await convert(py`
      import torch
      W = torch.zeros(2, requires_grad=True)
      def f(x):
          return x @ W
      a = f(torch.ones(2))
      def f(x):
          return x * 2
      c = f(torch.ones(2))
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      W = jnp.zeros(2)
      def f(x, W):
          return x @ W
      a = f(jnp.ones(2), W)
      def f(x):
          return x * 2
      c = f(jnp.ones(2))
    `);
  });
});
