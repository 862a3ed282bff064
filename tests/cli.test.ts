import { spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const ROOT = join(__dirname, '..');
const FIXTURE = join(__dirname, 'fixtures', 'small_cnn.ipynb');

/** Run the built CLI (npm test builds it first), as a user would. */
function run(args: string[], cwd = ROOT) {
  const r = spawnSync('node', [join(ROOT, 'bin', 'switcheroo.js'), ...args], {
    cwd,
    encoding: 'utf8'
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switcheroo-cli-'));
  copyFileSync(FIXTURE, join(dir, 'nb.ipynb'));
  return dir;
}

describe('switcheroo CLI', () => {
  test('converts a notebook to -o, prints a summary line per code cell, leaves the input alone', () => {
    const dir = workdir();
    const before = readFileSync(join(dir, 'nb.ipynb'), 'utf8');
    const r = run(['convert', join(dir, 'nb.ipynb'), '-o', join(dir, 'out.ipynb')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 changed, 1 unchanged, 1 partial, 2 skipped');
    expect(r.stdout).toContain('  cell 3: changed (');
    expect(r.stdout).toContain('needs training flag');
    expect(r.stdout).toContain('  cell 6: skipped: syntax error on line 1');
    expect(r.stdout.match(/^ {2}cell \d+:/gm)).toHaveLength(6);
    expect(readFileSync(join(dir, 'nb.ipynb'), 'utf8')).toBe(before);
    expect(JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8')).cells).toHaveLength(8);
  });

  test('without -o it writes <name>-jax.ipynb next to the input', () => {
    const dir = workdir();
    expect(run(['convert', join(dir, 'nb.ipynb')]).code).toBe(0);
    expect(existsSync(join(dir, 'nb-jax.ipynb'))).toBe(true);
  });

  test('--in-place overwrites the input', () => {
    const dir = workdir();
    expect(run(['convert', join(dir, 'nb.ipynb'), '--in-place']).code).toBe(0);
    expect(readFileSync(join(dir, 'nb.ipynb'), 'utf8')).toContain('nn.BatchNorm(momentum=0.9');
  });

  test('.py files convert too; -o - writes to stdout', () => {
    const dir = workdir();
    writeFileSync(join(dir, 'm.py'), 'import torch\nx = torch.ones(2, 2).sum(dim=0)\n');
    const r = run(['convert', join(dir, 'm.py'), '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('import jax.numpy as jnp\nx = jnp.sum(jnp.ones((2, 2)), axis=0)\n');
  });

  test('--json prints a machine-readable report with residual torch references', () => {
    const dir = workdir();
    writeFileSync(join(dir, 'm.py'), 'import torch\ny = torch.fft.rfft(torch.zeros(4))\n');
    const r = run(['convert', join(dir, 'm.py'), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.totals).toMatchObject({
      changed: 1,
      partial: 1,
      unsupported: ['torch.fft.rfft']
    });
    expect(report.residualTorch).toEqual(['torch.fft.rfft']);
    expect(report.cells[0].diagnostics[0]).toMatchObject({
      level: 'warning',
      code: 'unsupported-api',
      line: 2
    });
  });

  test('--check exits 1 when something could not be converted, 0 when all converted', () => {
    const dir = workdir();
    writeFileSync(join(dir, 'bad.py'), 'import torch\ny = torch.fft.rfft(x)\n');
    writeFileSync(join(dir, 'good.py'), 'import torch\ny = torch.zeros(1)\n');
    expect(run(['convert', join(dir, 'bad.py'), '--check']).code).toBe(1);
    expect(run(['convert', join(dir, 'good.py'), '--check']).code).toBe(0);
  });

  test('--batch-norm-style seed says Flax rejects the form', () => {
    const dir = workdir();
    const r = run(['convert', join(dir, 'nb.ipynb'), '--batch-norm-style', 'seed']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "TypeError: BatchNorm.__call__() got an unexpected keyword argument 'mutable'"
    );
  });

  test.each([
    [['convert', 'missing.ipynb'], 'missing.ipynb: no such file'],
    [['convert', 'x.ipynb', '--target', 'keras'], "unknown --target 'keras'"],
    [['convert', 'x.ipynb', '--batch-norm-style', 'nnx'], "unknown --batch-norm-style 'nnx'"],
    [['convert', 'x.ipynb', '--frobnicate'], "unknown option '--frobnicate'"],
    [['transmogrify'], "unknown command 'transmogrify'"],
    [['convert'], 'no input file given']
  ])('bad usage %j: one-line error, exit 2', (args, message) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toContain(message);
  });

  test.each([
    ['not JSON', '{oops', 'not valid JSON'],
    ['not a notebook', '{"hello": 1}', 'no "cells" list'],
    ['not an ipynb', 'plain text', 'expected a .ipynb or .py file']
  ])('bad input (%s): one-line error, exit 2, nothing written', (_name, text, message) => {
    const dir = workdir();
    const file = join(dir, message.startsWith('expected') ? 'notes.txt' : 'broken.ipynb');
    writeFileSync(file, text);
    const r = run(['convert', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'broken-jax.ipynb'))).toBe(false);
  });
});
