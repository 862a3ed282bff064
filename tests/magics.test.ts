import { maskMagics, restoreMagics } from '../src/engine/magics';
import { convert, convertCell, py } from './helpers';

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
      %timeit x.sum()
    `;
    expect(await convert(src)).toBe(py`
      %matplotlib inline
      !echo hello
      import jax.numpy as jnp
      x = jnp.zeros(3)
      %timeit x.sum()
    `);
  });

  test('torch code inside a line magic is reported, not converted', async () => {
    const cell = await convertCell('import torch\n%timeit torch.zeros(3)\n');
    expect(cell.source).toBe(
      'import torch  # switcheroo: kept, torch is still used\n%timeit torch.zeros(3)\n'
    );
    expect(cell.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'magic-torch', line: 2 })
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
