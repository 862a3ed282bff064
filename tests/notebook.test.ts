import { readFileSync } from 'fs';
import { join } from 'path';
import {
  convertNotebook,
  readNotebook,
  writeNotebook,
  NotebookFormatError
} from '../src/engine/notebook';
import { TRAINING_TAG } from '../src/engine/types';
import { getConverter } from './helpers';

const FIXTURE = readFileSync(join(__dirname, 'fixtures', 'small_cnn.ipynb'), 'utf8');

async function convertFixture() {
  return convertNotebook(await getConverter(), readNotebook(FIXTURE));
}

describe('whole notebooks', () => {
  test('markdown and raw cells, outputs, ids, execution counts and other metadata are untouched', async () => {
    const original = readNotebook(FIXTURE);
    const { notebook } = await convertFixture();
    expect(notebook.cells.length).toBe(original.cells.length);
    expect(notebook.cells[0]).toEqual(original.cells[0]);
    expect(notebook.cells[3]).toEqual(original.cells[3]);
    expect(notebook.cells[1].outputs).toEqual(original.cells[1].outputs);
    expect(notebook.cells[1].execution_count).toBe(1);
    expect(notebook.cells.map(c => c.id)).toEqual(original.cells.map(c => c.id));
    expect(notebook.cells[2].metadata).toMatchObject({ collapsed: false, custom: { keep: true } });
    expect(notebook.metadata).toEqual(original.metadata);
  });

  test('the converted cells, exactly', async () => {
    const { notebook } = await convertFixture();
    const src = (i: number) => [notebook.cells[i].source].flat().join('');
    // `import torch` stays: the cell with a syntax error still uses it
    expect(src(1)).toBe(
      'import jax\nimport flax.linen as nn\nimport torch  # switcheroo: kept, torch is still used\nrng_key = jax.random.key(0)'
    );
    expect(src(2)).toBe(
      [
        'class Net(nn.Module):',
        '    hidden: int = 32',
        '    p: float = 0.25',
        '',
        '    def setup(self):',
        '        self.conv = nn.Conv(features=4, kernel_size=(3, 3), padding=((1, 1), (1, 1)))',
        '        self.bn = nn.BatchNorm(momentum=0.9, epsilon=1e-05, axis=1)',
        '        self.drop = nn.Dropout(rate=self.p)',
        '        self.fc = nn.Dense(features=self.hidden)',
        '',
        '    def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate',
        '        x = jax.nn.relu(self.bn(self.conv(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2), use_running_average=not training))',
        '        x = self.drop(x.reshape(x.shape[:1] + (-1,)), deterministic=not training)',
        '        return self.fc(x)'
      ].join('\n')
    );
    expect(src(4)).toBe(
      'rng_key, key_1 = jax.random.split(rng_key)\nx = jax.random.normal(key_1, (2, 1, 8, 8))\nmodel = Net()\npass  # switcheroo: model.eval() -> pass training=False to model.apply\n'
    );
  });

  test('a cell relying on the training flag carries metadata with the reasons and a tag', async () => {
    const { notebook, result } = await convertFixture();
    const meta = notebook.cells[2].metadata as Record<string, unknown>;
    expect(meta.switcheroo).toEqual({
      trainingFlag: true,
      reasons: [
        'nn.BatchNorm2d uses batch statistics in training and running averages in evaluation',
        'nn.Dropout is active in training and off in evaluation'
      ]
    });
    expect(meta.tags).toEqual([TRAINING_TAG]);
    expect(result.totals.trainingFlag).toBe(1);
  });

  test('a cell with a syntax error is skipped with a diagnostic and its source unchanged', async () => {
    const { notebook, result } = await convertFixture();
    expect(notebook.cells[5].source).toBe('def broken(:\n    return torch.zeros(1)\n');
    expect(result.cells[5].flags.skipped).toMatch(/syntax error on line 1/);
    expect(result.cells[5].diagnostics[0]).toMatchObject({
      level: 'error',
      code: 'syntax-error',
      line: 1
    });
  });

  test('a %%bash cell is skipped and counted', async () => {
    const { notebook, result } = await convertFixture();
    expect(notebook.cells[6].source).toBe('%%bash\necho torch.zeros\n');
    expect(result.totals).toMatchObject({
      cells: 8,
      codeCells: 6,
      changed: 3,
      skipped: 2,
      unchanged: 1
    });
  });

  test('converting a converted notebook again changes nothing', async () => {
    const converter = await getConverter();
    const once = writeNotebook(convertNotebook(converter, readNotebook(FIXTURE)).notebook);
    const twice = convertNotebook(converter, readNotebook(once));
    expect(writeNotebook(twice.notebook)).toBe(once);
    expect(twice.result.totals.changed).toBe(0);
  });

  test('list-of-lines sources stay lists, string sources stay strings', async () => {
    const { notebook } = await convertFixture();
    expect(Array.isArray(notebook.cells[2].source)).toBe(true);
    expect(typeof notebook.cells[4].source).toBe('string');
  });

  test.each([
    ['{not json', /not valid JSON/],
    ['{"nbformat": 4}', /no "cells" list/],
    ['{"cells": [], "nbformat": 3}', /nbformat 4 is needed/],
    ['{"cells": [{"cell_type": "code"}], "nbformat": 4}', /cell 1 is malformed/]
  ])('a corrupt notebook gets a clear error: %s', (text, message) => {
    expect(() => readNotebook(text)).toThrow(NotebookFormatError);
    expect(() => readNotebook(text)).toThrow(message);
  });
});
