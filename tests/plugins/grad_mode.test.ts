import { convert, convertCell, py } from '../helpers';

describe('plugins/grad_mode.ts', () => {
  test('`with torch.no_grad():` becomes its body, one level less indented, at top level and inside a function', async () => {
    const cell = await convertCell(py`
      import torch

      with torch.no_grad():
          y = x * 2
          z = y + 1

      def f(x):
          with torch.no_grad():
              if x:
                  return x
          return None
    `);
    expect(cell.source).toBe(py`

      y = x * 2
      z = y + 1

      def f(x):
          if x:
              return x
          return None
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line])).toEqual([
      ['info', 'grad-mode', 3],
      ['info', 'grad-mode', 8]
    ]);
    expect(cell.flags.partial).toBe(false);
  });

  test('inference_mode, set_grad_enabled(...) and enable_grad blocks are unwrapped too', async () => {
    const out = await convert(py`
      import torch
      with torch.inference_mode():
          out = model_out
      with torch.set_grad_enabled(train):
          out2 = out
      with torch.enable_grad():
          out3 = out2
    `);
    expect(out).toBe(py`
      out = model_out
      out2 = out
      out3 = out2
    `);
  });

  test('grad-mode decorators are removed, called or not', async () => {
    const cell = await convertCell(py`
      import torch

      @torch.no_grad()
      def evaluate(model, x):
          return model(x)

      @torch.inference_mode()
      def g(x):
          return x

      @torch.no_grad
      def h(x):
          return x
    `);
    expect(cell.source).toBe(py`

      def evaluate(model, x):
          return model(x)

      def g(x):
          return x

      def h(x):
          return x
    `);
    expect(cell.diagnostics.map(d => d.message)).toEqual([
      '@torch.no_grad removed: JAX computes gradients only inside jax.grad',
      '@torch.inference_mode removed: JAX computes gradients only inside jax.grad',
      '@torch.no_grad removed: JAX computes gradients only inside jax.grad'
    ]);
  });

  test('torch.set_grad_enabled(False) as a statement becomes pass, reported', async () => {
    const cell = await convertCell(py`
      import torch
      torch.set_grad_enabled(False)
    `);
    expect(cell.source).toBe(py`
      pass
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line])).toEqual([
      ['info', 'grad-mode', 2]
    ]);
  });

  test('a body with a multi-line string keeps its indentation under `if True:`', async () => {
    const out = await convert(py`
      import torch
      with torch.no_grad():
          s = """a
      b"""
    `);
    expect(out).toBe(py`
      if True:  # switcheroo: was torch.no_grad()
          s = """a
      b"""
    `);
  });

  test('no_grad alongside another context manager is dropped from the with, the other kept, with a note', async () => {
    const cell = await convertCell(py`
      import torch
      with torch.no_grad(), open('f') as fh:
          data = fh.read()
    `);
    expect(cell.source).toBe(py`
      with open('f') as fh:
          data = fh.read()
    `);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line, d.message])).toEqual([
      [
        'info',
        'grad-mode',
        2,
        'the gradient-mode item is dropped: JAX computes gradients only inside jax.grad'
      ]
    ]);
    expect(cell.flags.partial).toBe(false);
  });

  test('a key split inserted before the first statement of the block survives the unwrapping', async () => {
    expect(
      await convert(py`
        import torch
        torch.manual_seed(0)
        with torch.no_grad():
            z = torch.randn(3, 2)
            w = z + 1
      `)
    ).toBe(py`
      import jax
      rng_key = jax.random.key(0)
      rng_key, key_1 = jax.random.split(rng_key)
      z = jax.random.normal(key_1, (3, 2))
      w = z + 1
    `);
  });
});
