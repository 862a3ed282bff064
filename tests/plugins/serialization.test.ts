import { convertCell, py } from '../helpers';

describe('plugins/serialization.ts', () => {
  test('torch.save / torch.load pickle any object through two helpers defined once; map_location and weights_only are dropped and said', async () => {
    const cell = await convertCell(py`
      import torch

      x = torch.zeros(3)
      torch.save({'x': x, 'epoch': 3}, 'ckpt.pt')
      ckpt = torch.load('ckpt.pt', map_location='cpu')
      torch.save(x, f='x.pt')
      y = torch.load('x.pt', weights_only=True)
    `);
    expect(cell.source).toBe(py`
      import jax.numpy as jnp

      x = jnp.zeros(3)
      def save_object(obj, f):
          """torch.save (switcheroo): obj pickled into f, a path or a binary file; JAX arrays, variables and optax states pickle as they are."""
          import pickle

          if hasattr(f, 'write'):
              pickle.dump(obj, f)
          else:
              with open(f, 'wb') as file:
                  pickle.dump(obj, file)

      save_object({'x': x, 'epoch': 3}, 'ckpt.pt')
      def load_object(f):
          """torch.load (switcheroo): the object save_object pickled into f, a path or a binary file. pickle runs what the file holds: load only files you trust."""
          import pickle

          if hasattr(f, 'read'):
              return pickle.load(f)
          with open(f, 'rb') as file:
              return pickle.load(file)

      ckpt = load_object('ckpt.pt')
      save_object(x, 'x.pt')
      y = load_object('x.pt')
    `);
    expect(cell.diagnostics.map(d => d.message)).toEqual([
      'torch.load(map_location=...) dropped: JAX loads arrays on its default device, and pickle has no weights-only mode',
      'torch.load(weights_only=...) dropped: JAX loads arrays on its default device, and pickle has no weights-only mode'
    ]);
    expect(cell.flags.partial).toBe(false);
  });

  test('a pickle module of its own is not converted', async () => {
    const cell = await convertCell(py`
      import dill
      import torch

      torch.save(torch.zeros(3), 'x.pt', pickle_module=dill)
    `);
    expect(cell.source).toContain(
      "torch.save(jnp.zeros(3), 'x.pt', pickle_module=dill)  # switcheroo: torch.save(pickle_module=...) is not converted; left as is"
    );
    expect(cell.flags.partial).toBe(true);
  });
});
