/**
 * Attention. `F.scaled_dot_product_attention` becomes `dot_product_attention`, a helper with
 * torch's meaning for (..., L, E) inputs: a boolean mask takes part where True, a float mask
 * is added, is_causal, scale, dropout_p with a key, and rows with no key give zeros as torch's
 * kernels do. `nn.MultiheadAttention` becomes `MultiheadAttention`, a Linen module with
 * torch's parameters (packed `in_proj_weight` [3E, E], `in_proj_bias`, `out_proj`), init,
 * time-major or batch_first inputs, attn_mask (True = not allowed, or added), key_padding_mask,
 * need_weights / average_attn_weights and dropout on the weights in training, so torch
 * weights port as they are. Both helpers are defined once in the notebook.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { bindCall } from './args';
import { isZero, layerDropoutCall, recordLayerDropout } from './dropout';
import { useHelper, type Helper } from './helpers';
import { freshKey, isTopLevel, useGlobalKey } from './random_keys';
import { requireTraining } from './state_flag_injection';

export const DOT_PRODUCT_ATTENTION: Helper = {
  name: 'dot_product_attention',
  imports: ['jax', 'jnp'],
  code: `def dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False, rng=None):
    """torch.nn.functional.scaled_dot_product_attention (switcheroo): a boolean mask takes part where True, a float mask is added."""
    if is_causal and attn_mask is not None:
        raise ValueError('Explicit attn_mask should not be set when is_causal=True')
    L, S = query.shape[-2], key.shape[-2]
    bias = jnp.zeros((L, S), query.dtype)
    if is_causal:
        bias = jnp.where(jnp.tril(jnp.ones((L, S), bool)), bias, -jnp.inf)
    if attn_mask is not None:
        bias = jnp.where(attn_mask, bias, -jnp.inf) if attn_mask.dtype == jnp.bool_ else bias + attn_mask
    if enable_gqa:
        key = jnp.repeat(key, query.shape[-3] // key.shape[-3], axis=-3)
        value = jnp.repeat(value, query.shape[-3] // value.shape[-3], axis=-3)
    scale = query.shape[-1] ** -0.5 if scale is None else scale
    scores = query @ jnp.swapaxes(key, -2, -1) * scale + bias
    weights = jnp.where(jnp.isneginf(scores).all(-1, keepdims=True), 0.0, jax.nn.softmax(scores, axis=-1))
    if dropout_p > 0:
        keep = jax.random.bernoulli(rng() if callable(rng) else rng, 1 - dropout_p, weights.shape)
        weights = jnp.where(keep, weights / (1 - dropout_p), 0.0)
    return weights @ value
`
};

export const MULTIHEAD_ATTENTION: Helper = {
  name: 'MultiheadAttention',
  imports: ['Any', 'jax', 'jnp', 'nn'],
  code: `class MultiheadAttention(nn.Module):
    """torch.nn.MultiheadAttention (switcheroo): torch's parameters (in_proj_weight [3E, E], in_proj_bias, out_proj), init, masks and weights."""

    embed_dim: int
    num_heads: int
    dropout: float = 0.0
    bias: bool = True
    kdim: Any = None
    vdim: Any = None
    batch_first: bool = False

    @nn.compact
    def __call__(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                 average_attn_weights=True, is_causal=False, deterministic=True):
        E, H = self.embed_dim, self.num_heads
        kdim, vdim = self.kdim or E, self.vdim or E
        xavier = nn.initializers.xavier_uniform()
        if kdim == E and vdim == E:
            w_q, w_k, w_v = jnp.split(self.param('in_proj_weight', xavier, (3 * E, E)), 3)
        else:
            w_q = self.param('q_proj_weight', xavier, (E, E))
            w_k = self.param('k_proj_weight', xavier, (E, kdim))
            w_v = self.param('v_proj_weight', xavier, (E, vdim))
        b_q, b_k, b_v = jnp.split(self.param('in_proj_bias', nn.initializers.zeros, (3 * E,)), 3) if self.bias else (0.0, 0.0, 0.0)
        init = lambda k, shape, dtype=jnp.float32: jax.random.uniform(k, shape, dtype, -E ** -0.5, E ** -0.5)
        out_proj = nn.Dense(E, use_bias=self.bias, kernel_init=init, name='out_proj')
        if is_causal and attn_mask is None:
            raise ValueError('Need attn_mask if specifying the is_causal hint')
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query[:, None], key[:, None], value[:, None]
            key_padding_mask = None if key_padding_mask is None else key_padding_mask[None]
        elif self.batch_first:
            query, key, value = (jnp.swapaxes(t, 0, 1) for t in (query, key, value))
        L, N, S = query.shape[0], query.shape[1], key.shape[0]
        heads = lambda t: jnp.swapaxes(t.reshape(t.shape[0], N * H, E // H), 0, 1)  # (N * H, T, E / H)
        q, k, v = heads(query @ w_q.T + b_q), heads(key @ w_k.T + b_k), heads(value @ w_v.T + b_v)
        additive = lambda m: jnp.where(m, -jnp.inf, 0.0) if m.dtype == jnp.bool_ else m  # True: not allowed
        bias = jnp.zeros((1, L, S), q.dtype)
        if attn_mask is not None:
            bias = bias + additive(attn_mask)  # (L, S) or (N * H, L, S)
        if key_padding_mask is not None:
            bias = bias + jnp.repeat(additive(key_padding_mask), H, axis=0)[:, None, :]
        scores = (q * (E // H) ** -0.5) @ jnp.swapaxes(k, 1, 2) + bias
        weights = jax.nn.softmax(scores, axis=-1)
        if not need_weights:  # torch's fused kernel: a query with no key gets zeros
            weights = jnp.where(jnp.isneginf(scores).all(-1, keepdims=True), 0.0, weights)
        if self.dropout > 0:
            weights = nn.Dropout(rate=self.dropout)(weights, deterministic=deterministic)
        out = out_proj(jnp.swapaxes(weights @ v, 0, 1).reshape(L, N, E))
        weights = weights.reshape(N, H, L, S)
        if average_attn_weights:
            weights = weights.mean(axis=1)
        if unbatched:
            out, weights = out[:, 0], weights[0]
        elif self.batch_first:
            out = jnp.swapaxes(out, 0, 1)
        return out, (weights if need_weights else None)
`
};

const SDPA_ARGS = ['attn_mask', 'dropout_p', 'is_causal', 'scale', 'enable_gqa'];

/**
 * The key for dropout on the attention weights: a module draws from its 'dropout' stream
 * (called only when dropout_p > 0, so evaluation needs no key), notebook code splits rng_key.
 */
function dropoutRng(node: Node, ctx: HookContext): string | undefined {
  const { cls, method, methodName } = ctx.scope;
  if (cls && method && methodName !== '__init__') {
    requireTraining(ctx, node, 'F.scaled_dot_product_attention applies dropout_p to the attention weights'); // prettier-ignore
    return "lambda: self.make_rng('dropout')";
  }
  return isTopLevel(node) || useGlobalKey(node, ctx) ? freshKey(node, ctx) : undefined;
}

/** `F.scaled_dot_product_attention(q, k, v, ...)` -> `dot_product_attention(q, k, v, ...)`. */
export function scaledDotProductAttention(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, []);
  const [q, k, v] = ['query', 'key', 'value'].map(n => bound.named.get(n));
  if (!q || !k || !v || bound.splat) {
    return undefined;
  }
  const args = [q, k, v];
  for (const name of SDPA_ARGS) {
    const value = bound.named.get(name);
    if (value !== undefined) {
      args.push(`${name}=${value}`);
    }
  }
  const p = bound.named.get('dropout_p');
  if (p !== undefined && !isZero(p)) {
    const rng = dropoutRng(node, ctx);
    if (!rng) {
      const why = 'dropout_p inside a function needs a key: pass rng=<a fresh key>';
      ctx.note('warning', why, node, 'rng');
      ctx.flagCell('partial', 'RNG key inside a function');
      ctx.comment(node, why);
      return undefined;
    }
    args.push(`rng=${rng}`);
  }
  return `${useHelper(node, ctx, DOT_PRODUCT_ATTENTION)}(${args.join(', ')})`;
}

const MHA_FIELDS = ['embed_dim', 'num_heads', 'dropout', 'bias', 'kdim', 'vdim', 'batch_first'];

/** `nn.MultiheadAttention(E, H, batch_first=True)` -> `MultiheadAttention(embed_dim=E, num_heads=H, batch_first=True)`. */
export function multiheadAttention(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, []);
  if (bound.splat || !bound.named.has('embed_dim') || !bound.named.has('num_heads')) {
    return undefined;
  }
  const args = MHA_FIELDS.flatMap(f => {
    const value = bound.named.get(f);
    return value === undefined ? [] : [`${f}=${value}`];
  });
  const dropout = bound.named.get('dropout');
  recordLayerDropout(
    node,
    ctx,
    dropout !== undefined && !isZero(dropout),
    'nn.MultiheadAttention drops out attention weights in training'
  );
  ctx.note(
    'info',
    "nn.MultiheadAttention -> MultiheadAttention (defined once): torch's parameters, init and masks, so torch weights port as they are",
    node,
    'attention'
  );
  return `${useHelper(node, ctx, MULTIHEAD_ATTENTION)}(${args.join(', ')})`;
}

/** `self.attn(q, k, v)` -> `self.attn(q, k, v, deterministic=not training)` when it may drop out. */
export function multiheadAttentionCall(node: Node, ctx: HookContext): string | undefined {
  return layerDropoutCall(
    node,
    ctx,
    'nn.MultiheadAttention drops out attention weights in training'
  );
}
