import { convert, convertCode, py } from './helpers';

describe('every common import form resolves to the same torch API', () => {
  test.each([
    ['import torch', 'torch.sum(x, dim=1)'],
    ['import torch as T', 'T.sum(x, dim=1)'],
    ['from torch import sum', 'sum(x, dim=1)']
  ])('%s', async (imp, call) => {
    expect(await convert(`${imp}\ny = ${call}\n`)).toBe(
      'import jax.numpy as jnp\ny = jnp.sum(x, axis=1)\n'
    );
  });

  test.each([
    ['import torch.nn as nn', 'nn.Linear(4, 2)'],
    ['from torch import nn, optim', 'nn.Linear(4, 2)'],
    ['from torch.nn import Linear', 'Linear(4, 2)'],
    ['import torch', 'torch.nn.Linear(4, 2)'],
    ['import torch.nn', 'torch.nn.Linear(4, 2)']
  ])('%s', async (imp, call) => {
    expect(await convert(`${imp}\nlayer = ${call}\n`)).toBe(
      'import flax.linen as nn\nlayer = nn.Dense(features=2)\n'
    );
  });

  test.each([
    ['import torch.nn.functional as F', 'F.relu(x)'],
    ['from torch.nn import functional as F', 'F.relu(x)'],
    ['import torch', 'torch.nn.functional.relu(x)']
  ])('%s', async (imp, call) => {
    expect(await convert(`${imp}\ny = ${call}\n`)).toBe('import jax\ny = jax.nn.relu(x)\n');
  });

  test('an alias imported in cell 1 is known in a later cell', async () => {
    const result = await convertCode(['import torch as T\n', 'a = 1\n', 'y = T.ones(2, 3)\n']);
    expect(result.cells.map(c => c.source)).toEqual([
      'import jax.numpy as jnp\n',
      'a = 1\n',
      'y = jnp.ones((2, 3))\n'
    ]);
  });

  test('names that only look like torch are left alone', async () => {
    const src = py`
      import numpy as np
      words = "a,b".split(",")
      arr = np.zeros(3).sum()
      d = {"k": 1}.items()
    `;
    expect(await convert(src)).toBe(src);
  });
});
