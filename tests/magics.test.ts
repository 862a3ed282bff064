import { maskMagics, restoreMagics } from '../src/engine/magics';
import { convert, convertCell, convertCode, py } from './helpers';

describe('IPython syntax is masked before parsing and restored byte for byte', () => {
  test.each([
    ['line magic', '%matplotlib inline\n'],
    ['line magic with arguments', '%timeit -n 3 -r 2 f()\n'],
    ['shell escape', '!pip install x\n'],
    ['assigned shell escape', 'files = !ls -la\n'],
    ['assigned magic', 't = %timeit -o f()\n'],
    ['help', 'torch.sum?\n'],
    ['double help', '??torch.sum\n'],
    ['indented magic', 'for i in range(2):\n    %time f(i)\n'],
    ['CRLF', '%load_ext autoreload\r\n%autoreload 2\r\n']
  ])('%s', (_name, source) => {
    const masked = maskMagics(source);
    expect(masked.text).not.toMatch(/^[ \t]*[%!]/m);
    expect(restoreMagics(masked.text, masked)).toBe(source);
  });

  test('magic-looking text inside strings and brackets is not masked', () => {
    const source = 's = """\n%not a magic\n"""\nx = (1 +\n     2) % 3\nprint("!bang")\n';
    expect(maskMagics(source).placeholders.size).toBe(0);
  });

  test('torch code around magics converts, the magics come back untouched', async () => {
    const src = py`
      %matplotlib inline
      !echo hello
      import torch
      x = torch.zeros(3)
      %prun -q x.sum()
    `;
    expect(await convert(src)).toBe(py`
      %matplotlib inline
      !echo hello
      import jax.numpy as jnp
      x = jnp.zeros(3)
      %prun -q x.sum()
    `);
  });

  test('torch code inside a line magic other than %time/%timeit is reported, not converted', async () => {
    const cell = await convertCell('import torch\n%prun torch.zeros(3)\n');
    expect(cell.source).toBe(
      'import torch  # switcheroo: kept, torch is still used\n%prun torch.zeros(3)\n'
    );
    expect(cell.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'magic-torch', line: 2 })
    );
  });

  test('the statement of %time / %timeit is converted; keys are split before the magic line', async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn.functional as F
      torch.manual_seed(0)
      x = torch.ones(4)
      %time total = F.mse_loss(x, torch.zeros(4)).item()
      %timeit -n 20 -r 3 x.sum()
      result = %timeit -o -q torch.randn(128)
      for i in range(2):
          %time --no-raise-error y = torch.rand(2)  # timed
    `);
    expect(cell.source).toBe(py`
      import jax
      import jax.numpy as jnp
      import optax
      rng_key = jax.random.key(0)
      x = jnp.ones(4)
      %time total = optax.squared_error(x, jnp.zeros(4)).mean().item()
      %timeit -n 20 -r 3 jnp.sum(x)
      rng_key, key_1 = jax.random.split(rng_key)
      result = %timeit -o -q jax.random.normal(key_1, (128,))
      for i in range(2):
          rng_key, key_2 = jax.random.split(rng_key)
          %time --no-raise-error y = jax.random.uniform(key_2, (2,))  # timed
    `);
    expect(cell.diagnostics.filter(d => d.code === 'magic-torch')).toEqual([]);
  });

  test('a %time / %timeit argument that is not a Python statement is masked whole, byte for byte', async () => {
    const src = py`
      import torch
      x = torch.zeros(3)
      %timeit -n 2 !ls
      %time print "old"
    `;
    const masked = maskMagics(src);
    expect(masked.codeLines).toEqual([4]);
    expect(restoreMagics(masked.text, masked)).toBe(src);
    expect(await convert(src)).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros(3)
      %timeit -n 2 !ls
      %time print "old"
    `);
  });

  test('a %%timeit cell runs its body in a function: the key it splits is declared global there', async () => {
    const result = await convertCode([
      'import torch\ntorch.manual_seed(0)\n',
      '%%timeit -n 3\nx = torch.randn(100)\ny = x * 2\n'
    ]);
    expect(result.cells[1].source).toBe(
      '%%timeit -n 3\nglobal rng_key\nrng_key, key_1 = jax.random.split(rng_key)\nx = jax.random.normal(key_1, (100,))\ny = x * 2\n'
    );
  });

  test('a %%time cell is Python and converts below its first line', async () => {
    expect(await convert('%%time\nimport torch\ny = torch.ones(2)\n')).toBe(
      '%%time\nimport jax.numpy as jnp\ny = jnp.ones(2)\n'
    );
  });

  test.each(['bash', 'html', 'writefile out.py', 'sql', 'javascript', 'sh', 'latex'])(
    'a %%%%%s cell is left untouched with a diagnostic',
    async magic => {
      const src = `%%${magic}\nimport torch\ntorch.zeros(3)\n`;
      const cell = await convertCell(src);
      expect(cell.source).toBe(src);
      expect(cell.changed).toBe(false);
      expect(cell.flags.skipped).toContain(`%%${magic.split(' ')[0]}`);
      expect(cell.diagnostics[0]).toMatchObject({ level: 'info', code: 'other-language', line: 1 });
    }
  );
});
