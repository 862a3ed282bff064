import { convert, py } from './helpers';

describe('text no rule touches comes out byte for byte', () => {
  test('comments, blank lines, quotes and trailing commas', async () => {
    const src = py`
      import torch  # the library


      # a comment
      x = torch.stack([
          torch.zeros(2),   # first
          torch.ones(2),  # second
      ], dim=0)
      s = 'single' + "double" + '''triple'''
    `;
    expect(await convert(src)).toBe(py`
      import jax.numpy as jnp  # the library


      # a comment
      x = jnp.stack([
          jnp.zeros(2),   # first
          jnp.ones(2),  # second
      ], axis=0)
      s = 'single' + "double" + '''triple'''
    `);
  });

  test('unicode and emoji before a rewritten call do not shift it', async () => {
    const src =
      'import torch\ntempérature = "数据 🎉"; y = torch.sum(température_x, dim=0)  # unité ✓\n';
    expect(await convert(src)).toBe(
      'import jax.numpy as jnp\ntempérature = "数据 🎉"; y = jnp.sum(température_x, axis=0)  # unité ✓\n'
    );
  });

  test('CRLF line endings are kept', async () => {
    const src = 'import torch\r\nx = torch.zeros(2)\r\n# done\r\n';
    expect(await convert(src)).toBe('import jax.numpy as jnp\r\nx = jnp.zeros(2)\r\n# done\r\n');
  });

  test('tabs are kept, in a class indented with tabs', async () => {
    const src =
      'import torch\nimport torch.nn as nn\nclass Net(nn.Module):\n\tdef forward(self, x):\n\t\treturn torch.relu(x)\t# tab\n';
    expect(await convert(src)).toBe(
      'import jax\nimport flax.linen as nn\nclass Net(nn.Module):\n\tdef __call__(self, x):\n\t\treturn jax.nn.relu(x)\t# tab\n'
    );
  });

  test('nested rewrites compose: F.relu(self.bn1(self.conv1(x))) converts all three calls', async () => {
    const src = py`
      import torch.nn as nn
      import torch.nn.functional as F
      class Block(nn.Module):
          def __init__(self):
              super().__init__()
              self.conv1 = nn.Conv1d(4, 4, 3, padding=1)
              self.bn1 = nn.BatchNorm1d(4)
          def forward(self, x):
              return F.relu(self.bn1(self.conv1(x)))
    `;
    const out = await convert(src, { comments: false });
    expect(out).toContain(
      'return jax.nn.relu(self.bn1(self.conv1(x.transpose(0, 2, 1)).transpose(0, 2, 1), use_running_average=not training))'
    );
  });
});
