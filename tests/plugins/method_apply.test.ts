import { convertCell, py } from '../helpers';

const STANDARDIZE = py`
  import torch
  import torch.nn as nn

  class Standardize(nn.Module):
      def __init__(self, num_features):
          super().__init__()
          self.register_buffer('mean', torch.zeros(num_features))
          self.register_buffer('std', torch.ones(num_features))

      @torch.no_grad()
      def fit(self, data):
          self.mean.copy_(data.mean(dim=0))
          self.std.copy_(data.std(dim=0))
          return self

      def scale(self, x):
          return x / self.std

      def forward(self, x):
          return (x - self.mean) / self.std

  class Net(nn.Module):
      def __init__(self, in_dim):
          super().__init__()
          self.norm = Standardize(in_dim)
          self.fc = nn.Linear(in_dim, 1)
          self.register_buffer('count', torch.zeros(()))

      def forward(self, x):
          return self.fc(self.norm(x))

      def tick(self):
          self.count += 1
`;

describe('plugins/method_apply.ts', () => {
  test('a method of the model or of a submodule runs through apply; one that writes buffers makes them mutable and writes them back; named_buffers() has the registered buffers too', async () => {
    const cell = await convertCell(
      STANDARDIZE +
        py`
          X = torch.ones(20, 3)
          net = Net(3)
          net.norm.fit(X)
          net.tick()
          z = net.norm.scale(X)
          print(net.norm.mean, net.count, [n for n, _ in net.named_buffers()])
        `
    );
    expect(cell.source.split('\n').slice(-7, -1)).toEqual([
      'net = Net(3)',
      'net_variables = net.init(key_1, jnp.zeros((1, 3)))',
      "net_variables = {**net_variables, **net.apply(net_variables, method=lambda m: m.norm.fit(X), mutable=['buffers'])[1]}",
      "net_variables = {**net_variables, **net.apply(net_variables, method=net.tick, mutable=['buffers'])[1]}",
      'z = net.apply(net_variables, method=lambda m: m.norm.scale(X))',
      "print(net_variables['buffers']['norm']['mean'], net_variables['buffers']['count'], [n for n, _ in [(jax.tree_util.keystr(k, simple=True, separator='.'), v) for c in ('batch_stats', 'buffers') for k, v in jax.tree_util.tree_leaves_with_path(net_variables.get(c, {}))]])  # switcheroo: net.named_buffers(): Flax's names and layouts (kernel, scale, mean, var)"
    ]);
    expect(cell.flags.partial).toBe(false);
  });

  test('a method that writes buffers, used as a value or inside a function, is annotated: apply returns the new buffers', async () => {
    const cell = await convertCell(
      STANDARDIZE +
        py`
          X = torch.ones(20, 3)
          net = Net(3)
          y = net(X)
          s = net.norm.fit(X)
          def refit(data):
              net.norm.fit(data)
        `
    );
    expect(cell.source).toContain(
      "s = net.norm.fit(X)  # switcheroo: net.norm.fit(...) writes buffers: net.apply(net_variables, method=lambda m: m.norm.fit(X), mutable=['buffers']) returns (output, the new buffers); write them back into net_variables"
    );
    expect(cell.source).toContain(
      "    net.norm.fit(data)  # switcheroo: net.norm.fit(...) writes buffers: net.apply(net_variables, method=lambda m: m.norm.fit(data), mutable=['buffers']) returns (output, the new buffers); write them back into net_variables"
    );
    expect(cell.flags.partial).toBe(true);
  });
});
