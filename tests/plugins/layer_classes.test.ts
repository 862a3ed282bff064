import { convert, convertCell, convertCode, py } from '../helpers';

describe('plugins/layer_classes.ts', () => {
  test('a layer class in isinstance, issubclass or a comparison is the Flax class', async () => {
    expect(
      await convert(py`
        import torch.nn as nn

        def kind(m):
            if isinstance(m, nn.Conv2d):
                return 'conv'
            elif isinstance(m, (nn.BatchNorm2d, nn.Linear)):
                return 'norm or dense'
            elif type(m) is nn.Embedding or issubclass(type(m), nn.LayerNorm):
                return 'table'
      `)
    ).toBe(py`
      import flax.linen as nn

      def kind(m):
          if isinstance(m, nn.Conv):
              return 'conv'
          elif isinstance(m, (nn.BatchNorm, nn.Dense)):
              return 'norm or dense'
          elif type(m) is nn.Embed or issubclass(type(m), nn.LayerNorm):
              return 'table'
    `);
  });

  test('convs of several ranks in the notebook: the test checks the kernel rank; BatchNorm of several ranks cannot be told apart', async () => {
    const out = await convertCode([
      py`
        import torch.nn as nn
        layers = [nn.Conv1d(3, 4, 3), nn.Conv2d(3, 4, 3), nn.BatchNorm1d(4), nn.BatchNorm2d(4)]
      `,
      py`
        def kind(m):
            if isinstance(m, nn.Conv2d):
                return 2
            return [not isinstance(m, nn.Conv1d), isinstance(m, nn.BatchNorm2d)]
      `
    ]);
    expect(out.cells[1].source).toBe(py`
      def kind(m):
          if isinstance(m, nn.Conv) and jnp.size(m.kernel_size) == 2:
              return 2
          return [not (isinstance(m, nn.Conv) and jnp.size(m.kernel_size) == 1), isinstance(m, torch.nn.BatchNorm2d)]  # switcheroo: nn.BatchNorm2d as a class: Flax's nn.BatchNorm also stands for the other nn.BatchNorm*d layers this notebook uses
    `);
    expect(out.cells[1].flags.partial).toBe(true);
  });

  test('layers that become functions, and classes used otherwise than in a test, stay torch and are annotated', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      acts = [m for m in ms if isinstance(m, nn.ReLU)]
      block = nn.Linear
    `);
    expect(cell.source).toBe(py`
      import torch  # switcheroo: kept, torch is still used
      acts = [m for m in ms if isinstance(m, torch.nn.ReLU)]  # switcheroo: nn.ReLU as a class: it becomes a function in JAX/Flax, so there is no class to test
      block = torch.nn.Linear  # switcheroo: nn.Linear as a class: only isinstance/issubclass tests and comparisons are converted
    `);
    expect(cell.flags.partial).toBe(true);
  });
});
