import { convertCell, py } from '../helpers';

describe('plugins/shadowed_fields.ts', () => {
  test("a constructor argument given another value in __init__ keeps its field; the value lives under another name, read there in Flax's methods", async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self, n: int = 4):
              super().__init__()
              self.n = n * 2
              self.fc = nn.Linear(n, self.n)

          def forward(self, x):
              return self.fc(x) * self.n
    `);
    expect(cell.source).toBe(py`
      import flax.linen as nn

      class Net(nn.Module):
          torch_attributes = {'n': 'n_'}  # switcheroo: torch's self.n after __init__ (n is a constructor field in Flax)
          n: int = 4

          def setup(self):
              self.n_ = self.n * 2
              self.fc = nn.Dense(features=self.n_)

          def __call__(self, x):
              return self.fc(x) * self.n_
    `);
    expect(cell.flags.partial).toBe(false);
  });

  test("a parameter named as its constructor argument (bias=True, then self.bias or None): Flax's methods read bias_, init code on TorchViews torch's name, None when it was not registered", async () => {
    const cell = await convertCell(py`
      import torch
      import torch.nn as nn

      class MyLinear(nn.Module):
          def __init__(self, in_features, out_features, bias=True):
              super().__init__()
              self.weight = nn.Parameter(torch.empty(out_features, in_features))
              if bias:
                  self.bias = nn.Parameter(torch.empty(out_features))
              else:
                  self.register_parameter('bias', None)
              self.reset_parameters()

          def reset_parameters(self):
              if self.bias is not None:
                  nn.init.zeros_(self.bias)

          def forward(self, x):
              out = x @ self.weight.t()
              if self.bias is not None:
                  out = out + self.bias
              return out
    `);
    expect(cell.source).toContain(py`
      class MyLinear(nn.Module):
          torch_attributes = {'bias': 'bias_'}  # switcheroo: torch's self.bias after __init__ (bias is a constructor field in Flax)
          in_features: Any
          out_features: Any
          bias: bool = True

          def setup(self):
              self.weight = self.param('weight', lambda _: jnp.zeros((self.out_features, self.in_features)))
              if self.bias:
                  self.bias_ = self.param('bias', lambda _: jnp.zeros(self.out_features))
              else:
                  self.bias_ = None

          @nn.nowrap
          def torch_init(self):  # switcheroo: the init code of __init__; apply_torch_init runs it on the variables after init
              self.reset_parameters()

          @nn.nowrap
          def reset_parameters(self):
              if self.bias is not None:
                  self.bias = jnp.zeros_like(self.bias)

          def __call__(self, x):
              out = x @ jnp.transpose(self.weight)
              if self.bias_ is not None:
                  out = out + self.bias_
              return out
    `);
    expect(cell.source).toContain(
      "        if name in renamed:  # torch's name for a value Flax keeps apart from the constructor field"
    );
    expect(cell.flags.partial).toBe(false);
  });
});
