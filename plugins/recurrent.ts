/**
 * Recurrent layers. `nn.LSTM` / `nn.GRU` / `nn.RNN(...)` become `RecurrentLayer(mode=...)`,
 * a Linen module defined once in the notebook that keeps torch's meaning: gate order
 * (i, f, g, o) and (r, z, n), two biases, torch's init U(-1/sqrt(H), 1/sqrt(H)), batch_first
 * or time-major, stacked and bidirectional layers, dropout between layers in training, an
 * optional initial state shaped (num_layers * directions, batch, hidden), `out, (h_n, c_n)`
 * (`out, h_n` for GRU/RNN), and parameters named and shaped like torch's (`weight_ih_l0`),
 * so a torch state_dict ports as it is.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { bindCall } from './args';
import { useHelper, type Helper } from './helpers';
import { isZero, layerDropoutCall, recordLayerDropout } from './dropout';

export const RECURRENT_LAYER: Helper = {
  name: 'RecurrentLayer',
  imports: ['jax', 'jnp', 'nn'],
  code: `class RecurrentLayer(nn.Module):
    """torch.nn.LSTM / GRU / RNN (switcheroo): torch's gates, init, state shapes and parameter names."""

    mode: str  # 'LSTM', 'GRU', 'RNN_TANH' or 'RNN_RELU'
    input_size: int
    hidden_size: int
    num_layers: int = 1
    bias: bool = True
    batch_first: bool = False
    dropout: float = 0.0
    bidirectional: bool = False

    @nn.compact
    def __call__(self, input, hx=None, deterministic=True):
        H, dirs = self.hidden_size, 2 if self.bidirectional else 1
        gates = {'LSTM': 4, 'GRU': 3}.get(self.mode, 1) * H
        init = lambda key, shape: jax.random.uniform(key, shape, jnp.float32, -H ** -0.5, H ** -0.5)
        unbatched = input.ndim == 2
        x = input[:, None] if unbatched else jnp.swapaxes(input, 0, 1) if self.batch_first else input
        zeros = jnp.zeros((self.num_layers * dirs, x.shape[1], H), x.dtype)
        h0, c0 = (zeros, zeros) if hx is None else hx if self.mode == 'LSTM' else (hx, hx)
        if unbatched and hx is not None:
            h0, c0 = h0[:, None], c0[:, None]
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                sfx = f'l{layer}_reverse' if d else f'l{layer}'
                w_ih = self.param(f'weight_ih_{sfx}', init, (gates, self.input_size if layer == 0 else H * dirs))
                w_hh = self.param(f'weight_hh_{sfx}', init, (gates, H))
                b_ih = self.param(f'bias_ih_{sfx}', init, (gates,)) if self.bias else 0.0
                b_hh = self.param(f'bias_hh_{sfx}', init, (gates,)) if self.bias else 0.0
                k = layer * dirs + d
                (h, c), out = self._scan(self.mode, d == 1, x @ w_ih.T + b_ih, w_hh, b_hh, h0[k], c0[k])
                h_n.append(h)
                c_n.append(c)
                outs.append(out)
            x = jnp.concatenate(outs, axis=-1)
            if layer < self.num_layers - 1 and self.dropout > 0:
                x = nn.Dropout(rate=self.dropout)(x, deterministic=deterministic)
        out, h_n, c_n = x, jnp.stack(h_n), jnp.stack(c_n)
        if unbatched:
            out, h_n, c_n = out[:, 0], h_n[:, 0], c_n[:, 0]
        elif self.batch_first:
            out = jnp.swapaxes(out, 0, 1)
        return (out, (h_n, c_n)) if self.mode == 'LSTM' else (out, h_n)

    def _scan(mode, reverse, xs, w_hh, b_hh, h, c):
        def step(carry, xt):
            h, c = carry
            hh = h @ w_hh.T + b_hh
            if mode == 'LSTM':
                i, f, g, o = jnp.split(xt + hh, 4, axis=-1)
                c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
                h = jax.nn.sigmoid(o) * jnp.tanh(c)
            elif mode == 'GRU':
                (xr, xz, xn), (hr, hz, hn) = jnp.split(xt, 3, axis=-1), jnp.split(hh, 3, axis=-1)
                r, z = jax.nn.sigmoid(xr + hr), jax.nn.sigmoid(xz + hz)
                h = (1 - z) * jnp.tanh(xn + r * hn) + z * h
            else:
                h = (jnp.tanh if mode == 'RNN_TANH' else jax.nn.relu)(xt + hh)
            return (h, c), h
        return jax.lax.scan(step, (h, c), xs, reverse=reverse)

    _scan = staticmethod(jax.jit(_scan, static_argnums=(0, 1)))  # compiled once per shape, also outside jit
`
};

/** Keyword arguments of RecurrentLayer, in torch's order (RNN's nonlinearity becomes the mode). */
const FIELDS = [
  'input_size',
  'hidden_size',
  'num_layers',
  'bias',
  'batch_first',
  'dropout',
  'bidirectional'
];

function modeOf(name: string, nonlinearity: string | undefined): string | undefined {
  if (name.endsWith('.LSTM') || name.endsWith('.GRU')) {
    return name.slice(name.lastIndexOf('.') + 1);
  }
  const literal = /^['"](tanh|relu)['"]$/.exec(nonlinearity ?? "'tanh'");
  return literal ? `RNN_${literal[1].toUpperCase()}` : undefined;
}

/** `nn.LSTM(E, H, num_layers=2, batch_first=True)` -> `RecurrentLayer(mode='LSTM', input_size=E, ...)`. */
export function recurrent(node: Node, ctx: HookContext): string | undefined {
  const ref = ctx.entry;
  if (!ref) {
    return undefined;
  }
  const bound = bindCall(node, ctx, []);
  const short = ref.name.replace('torch.nn.', 'nn.');
  const mode = modeOf(ref.name, bound.named.get('nonlinearity'));
  if (!mode || bound.splat || !bound.named.has('input_size') || !bound.named.has('hidden_size')) {
    ctx.note(
      'warning',
      `${ref.name} needs input_size, hidden_size and a literal nonlinearity ('tanh' or 'relu') to convert`,
      node,
      'unsupported-api'
    );
    return undefined;
  }
  const args = [`mode='${mode}'`];
  for (const field of FIELDS) {
    const value = bound.named.get(field);
    if (value !== undefined) {
      args.push(`${field}=${value}`);
    }
  }
  const dropout = bound.named.get('dropout')?.trim();
  const layers = bound.named.get('num_layers')?.trim() ?? '1';
  recordLayerDropout(
    node,
    ctx,
    dropout !== undefined && !isZero(dropout) && layers !== '1',
    `${short} drops out between layers in training`
  );
  const layer = useHelper(node, ctx, RECURRENT_LAYER);
  ctx.note(
    'info',
    `${short} -> RecurrentLayer (defined once): torch's gates, init and parameter names, so torch weights port as they are`,
    node,
    'recurrent'
  );
  return `${layer}(${args.join(', ')})`;
}

/** `self.lstm(x, state)` -> `self.lstm(x, state, deterministic=not training)` when it may drop out. */
export function recurrentCall(node: Node, ctx: HookContext): string | undefined {
  const layer = ctx.entry?.name.replace('torch.nn.', 'nn.') ?? 'the recurrent layer';
  return layerDropoutCall(node, ctx, `${layer} applies dropout between layers in training`);
}
