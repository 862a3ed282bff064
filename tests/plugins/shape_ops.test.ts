import { convert, convertCell, convertCode, py } from '../helpers';

describe('plugins/shape_ops.ts', () => {
  test('squeeze keeps torch no-op semantics for dims whose size is not 1', async () => {
    const out = await convert(py`
      import torch
      a = x.squeeze()
      b = x.squeeze(1)
      c = torch.squeeze(x, dim=-1)
      d = x.squeeze((0, 2))
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      a = jnp.squeeze(x)
      b = (jnp.squeeze(x, axis=1) if x.shape[1] == 1 else x)
      c = (jnp.squeeze(x, axis=-1) if x.shape[-1] == 1 else x)
      d = jnp.squeeze(x, axis=tuple(d for d in (0, 2) if x.shape[d] == 1))
    `);
  });

  test('size() is the shape; view with size(0) is a reshape', async () => {
    const out = await convert(py`
      import torch
      e = x.size()
      f = x.size(1)
      g = x.size(-1)
      n = x.view(x.size(0), -1)
    `);
    expect(out).toBe(py`
      e = x.shape
      f = x.shape[1]
      g = x.shape[-1]
      n = x.reshape((x.shape[0], -1))
    `);
  });

  test('transpose swaps two dims: jnp.swapaxes, for the function and for a method on a known tensor', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(2, 3, 4)
      h = x.transpose(1, 2)
      i = torch.transpose(x, 0, 1)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((2, 3, 4))
      h = jnp.swapaxes(x, 1, 2)
      i = jnp.swapaxes(x, 0, 1)
    `);
  });

  test('transpose with two dims swaps them on any receiver not known to be something else; one or three dims (numpy permutations) stay', async () => {
    const out = await convert(py`
      import torch
      def attend(q, k, a):
          return q @ k.transpose(-2, -1), a.transpose(), a.transpose(2, 0, 1)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      def attend(q, k, a):
          return q @ jnp.swapaxes(k, -2, -1), a.transpose(), a.transpose(2, 0, 1)
    `);
  });

  test('flatten keeps the leading dims (start_dim, end_dim), and nn.Flatten defaults to start_dim=1', async () => {
    const out = await convert(py`
      import torch
      import torch.nn as nn
      j = torch.flatten(x, 1)
      k = x.flatten()
      l = x.flatten(1, 2)
      m = x.flatten(start_dim=2)
      flat = nn.Flatten()
      flat2 = nn.Flatten(0, -2)
    `);
    expect(out).toBe(py`
      j = x.reshape(x.shape[:1] + (-1,))
      k = x.reshape(-1)
      l = x.reshape(x.shape[:1] + (-1,) + x.shape[2 + 1:])
      m = x.reshape(x.shape[:2] + (-1,))
      flat = lambda x: x.reshape(x.shape[:1] + (-1,))
      flat2 = lambda x: x.reshape((-1,) + x.shape[-2 + 1:])
    `);
  });

  test('expand: -1 keeps the size of the dim it aligns with from the right; expand_as broadcasts to the shape', async () => {
    const out = await convert(py`
      import torch
      a = x.expand(4, -1)
      b = x.expand(2, 3, -1)
      c = x.expand_as(y)
      e = x.expand((4, 5))
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      a = jnp.broadcast_to(x, (4, x.shape[-1]))
      b = jnp.broadcast_to(x, (2, 3, x.shape[-1]))
      c = jnp.broadcast_to(x, y.shape)
      e = jnp.broadcast_to(x, (4, 5))
    `);
  });

  test('repeat on a known tensor tiles', async () => {
    const out = await convert(py`
      import torch
      y = torch.ones(4, 5)
      f = y.repeat(2, 3)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      y = jnp.ones((4, 5))
      f = jnp.tile(y, (2, 3))
    `);
  });

  test('split by size or by sections, chunk into n pieces of ceil(len / n)', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(6, 4)
      g = torch.split(x, 2)
      h = x.split([1, 2], dim=1)
      s = x.split(2, dim=1)
      i = torch.chunk(x, 3, dim=1)
      j = x.chunk(2)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      import numpy as np
      x = jnp.zeros((6, 4))
      g = jnp.split(x, list(range(2, x.shape[0], 2)), axis=0)
      h = jnp.split(x, np.cumsum([1, 2])[:-1].tolist(), axis=1)
      s = jnp.split(x, list(range(2, x.shape[1], 2)), axis=1)
      i = jnp.split(x, list(range(-(-x.shape[1] // 3), x.shape[1], -(-x.shape[1] // 3))), axis=1)
      j = jnp.split(x, list(range(-(-x.shape[0] // 2), x.shape[0], -(-x.shape[0] // 2))), axis=0)
    `);
  });

  test('expand with a starred size is left as is, reported and commented', async () => {
    const cell = await convertCell(py`
      import torch
      k = x.expand(*y.shape)
    `);
    expect(cell.source).toBe(py`
      k = x.expand(*y.shape)  # switcheroo: torch.Tensor.expand is not converted in this form; left as is
    `);
    expect(cell.flags.partial).toBe(true);
    expect(cell.unsupported).toEqual(['torch.Tensor.expand']);
    expect(cell.diagnostics.map(d => [d.level, d.code, d.line])).toEqual([
      ['warning', 'unsupported-api', 2]
    ]);
  });

  test('keyword dim for squeeze and a negative start_dim for flatten', async () => {
    const out = await convert(py`
      import torch
      x = torch.zeros(1, 3, 8, 8)
      h = x.flatten(-2)
      i = x.squeeze(dim=1)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.zeros((1, 3, 8, 8))
      h = x.reshape(x.shape[:-2] + (-1,))
      i = (jnp.squeeze(x, axis=1) if x.shape[1] == 1 else x)
    `);
  });

  test('transpose and repeat on tensors assigned inside forward become swapaxes and tile', async () => {
    const out = await convert(py`
      import torch
      import torch.nn as nn

      class Attn(nn.Module):
          def __init__(self):
              super().__init__()
              self.q = nn.Linear(8, 8)

          def forward(self, x):
              q = self.q(x)
              scores = q @ q.transpose(-2, -1)
              return scores.repeat(1, 2, 1)
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      import flax.linen as nn

      class Attn(nn.Module):
          def setup(self):
              self.q = nn.Dense(features=8)

          def __call__(self, x):
              q = self.q(x)
              scores = q @ jnp.swapaxes(q, -2, -1)
              return jnp.tile(scores, (1, 2, 1))
    `);
  });

  test('names unpacked from a model, a layer or a torch call are tensors; from .shape they are not', async () => {
    const result = await convertCode([
      py`
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = nn.LSTM(4, 8, batch_first=True)

            def forward(self, x):
                out, (h, c) = self.lstm(x)
                return out.transpose(1, 2), h.transpose(0, 1)

        model = Net()
      `,
      py`
        logits, _ = model(x)
        a, b = logits.transpose(1, 2), logits.sum(dim=1)
        values, idx = torch.max(a, 1)
        h, w = x.shape
        print(a.transpose(0, 2), b.transpose(0, 1), values.transpose(0, 1), h.transpose(0, 1))
      `
    ]);
    expect(result.cells[0].source).toContain(
      'return jnp.swapaxes(out, 1, 2), jnp.swapaxes(h, 0, 1)'
    );
    expect(result.cells[1].source).toBe(py`
      logits, _ = model.apply(variables, x)
      a, b = jnp.swapaxes(logits, 1, 2), jnp.sum(logits, axis=1)
      values, idx = (jnp.max(a, axis=1), jnp.argmax(a, axis=1))
      h, w = x.shape
      print(jnp.swapaxes(a, 0, 2), jnp.swapaxes(b, 0, 1), jnp.swapaxes(values, 0, 1), h.transpose(0, 1))
    `);
  });

  test("expand to another tensor's size() broadcasts to its shape", async () => {
    const out = await convert(py`
      import torch
      x = torch.ones(1, 4)
      y = torch.zeros(3, 4)
      z = x.expand(y.size())
    `);
    expect(out).toBe(py`
      import jax.numpy as jnp
      x = jnp.ones((1, 4))
      y = jnp.zeros((3, 4))
      z = jnp.broadcast_to(x, y.shape)
    `);
  });
});
