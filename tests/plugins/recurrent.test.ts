import { RECURRENT_LAYER } from '../../plugins/recurrent';
import { convertCell, convertCode, py } from '../helpers';

/** The helper's definition stands where the expected text says HELPER (it is checked numerically in verify/). */
const withHelper = (text: string) => text.replace('HELPER\n', `${RECURRENT_LAYER.code}\n`);

describe('plugins/recurrent.ts', () => {
  test('nn.LSTM in a module becomes RecurrentLayer, defined once before the class; no dropout: the call is unchanged', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self, vocab, hidden=64):
              super().__init__()
              self.emb = nn.Embedding(vocab, 32)
              self.lstm = nn.LSTM(32, hidden, batch_first=True)

          def forward(self, x, state=None):
              out, (h, c) = self.lstm(self.emb(x), state)
              return out, (h, c)
    `);
    expect(cell.source).toBe(
      withHelper(py`
        from typing import Any
        import jax
        import jax.numpy as jnp
        import flax.linen as nn

        HELPER
        class Net(nn.Module):
            vocab: Any
            hidden: int = 64

            def setup(self):
                self.emb = nn.Embed(num_embeddings=self.vocab, features=32)
                self.lstm = RecurrentLayer(mode='LSTM', input_size=32, hidden_size=self.hidden, batch_first=True)

            def __call__(self, x, state=None):
                out, (h, c) = self.lstm(self.emb(x), state)
                return out, (h, c)
      `)
    );
    expect(cell.flags.trainingFlag).toBe(false);
    expect(cell.flags.partial).toBe(false);
  });

  test('GRU and RNN share the helper (defined once in the notebook); positional arguments follow torch order, nonlinearity picks the mode', async () => {
    const result = await convertCode([
      py`
        import torch.nn as nn

        class A(nn.Module):
            def __init__(self):
                super().__init__()
                self.gru = nn.GRU(8, 16, 2, True, False, 0.0, True)
      `,
      py`
        class B(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.RNN(8, 16, 1, 'relu')
                self.rnn2 = nn.RNN(8, 16, nonlinearity="tanh", bias=False)
      `
    ]);
    expect(result.cells[0].source).toBe(
      withHelper(py`
        import jax
        import jax.numpy as jnp
        import flax.linen as nn

        HELPER
        class A(nn.Module):
            def setup(self):
                self.gru = RecurrentLayer(mode='GRU', input_size=8, hidden_size=16, num_layers=2, bias=True, batch_first=False, dropout=0.0, bidirectional=True)
      `)
    );
    expect(result.cells[1].source).toBe(py`
      class B(nn.Module):
          def setup(self):
              self.rnn = RecurrentLayer(mode='RNN_RELU', input_size=8, hidden_size=16, num_layers=1)
              self.rnn2 = RecurrentLayer(mode='RNN_TANH', input_size=8, hidden_size=16, bias=False)
    `);
  });

  test('dropout that may be on (not a literal 0, more than one layer): the call gets deterministic=not training and the class the flag', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn

      class Net(nn.Module):
          def __init__(self, layers=2, p=0.3):
              super().__init__()
              self.lstm = nn.LSTM(4, 8, num_layers=layers, dropout=p if layers > 1 else 0.0)
              self.quiet = nn.LSTM(8, 8, num_layers=3, dropout=0.0)

          def forward(self, x):
              y, _ = self.lstm(x)
              z, _ = self.quiet(y)
              return z
    `);
    expect(cell.source).toBe(
      withHelper(py`
        import jax
        import jax.numpy as jnp
        import flax.linen as nn

        HELPER
        class Net(nn.Module):
            layers: int = 2
            p: float = 0.3

            def setup(self):
                self.lstm = RecurrentLayer(mode='LSTM', input_size=4, hidden_size=8, num_layers=self.layers, dropout=self.p if self.layers > 1 else 0.0)
                self.quiet = RecurrentLayer(mode='LSTM', input_size=8, hidden_size=8, num_layers=3, dropout=0.0)

            def __call__(self, x, training: bool = False):  # switcheroo: pass training=True to train, training=False to evaluate
                y, _ = self.lstm(x, deterministic=not training)
                z, _ = self.quiet(y)
                return z
      `)
    );
    expect(cell.flags.trainingReasons).toEqual([
      'nn.LSTM applies dropout between layers in training'
    ]);
  });

  test('a notebook-level LSTM with dropout is annotated: apply evaluates unless told to train', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      rnn = nn.LSTM(4, 8, 2, dropout=0.5)
    `);
    expect(cell.source).toBe(
      withHelper(py`
        import jax
        import jax.numpy as jnp
        import flax.linen as nn
        HELPER
        rnn = RecurrentLayer(mode='LSTM', input_size=4, hidden_size=8, num_layers=2, dropout=0.5)  # switcheroo: nn.LSTM drops out between layers in training: apply it with deterministic=False and rngs={'dropout': key} to train
      `)
    );
    expect(cell.flags.partial).toBe(true);
  });

  test('what RecurrentLayer cannot express is left as is and reported: proj_size, a computed nonlinearity', async () => {
    const cell = await convertCell(py`
      import torch.nn as nn
      a = nn.LSTM(4, 8, proj_size=2)
      b = nn.RNN(4, 8, nonlinearity=act)
    `);
    expect(cell.source).toBe(py`
      import torch  # switcheroo: kept, torch is still used
      a = torch.nn.LSTM(4, 8, proj_size=2)  # switcheroo: torch.nn.LSTM(proj_size=...) is not converted; left as is
      b = torch.nn.RNN(4, 8, nonlinearity=act)  # switcheroo: torch.nn.RNN needs input_size, hidden_size and a literal nonlinearity ('tanh' or 'relu') to convert; left as is
    `);
    expect(cell.unsupported).toEqual(['torch.nn.LSTM(proj_size=...)', 'torch.nn.RNN']);
  });
});
