/**
 * Losses keep torch's meaning: the class axis is 1 (moved last for optax), the
 * reduction is applied explicitly ('mean' by default), and torch's clamps are kept.
 * `nn.XLoss(...)` objects become functions of (input, target).
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall } from './args';

type Pointwise = (x: string, t: string, args: Map<string, string>) => string | undefined;

const POINTWISE: Record<string, Pointwise> = {
  cross_entropy: (x, t, a) =>
    a.has('label_smoothing') &&
    a.get('label_smoothing') !== '0.0' &&
    a.get('label_smoothing') !== '0'
      ? undefined
      : `optax.softmax_cross_entropy_with_integer_labels(jnp.moveaxis(${x}, 1, -1), ${t})`,
  nll_loss: (x, t) =>
    `-jnp.take_along_axis(jnp.moveaxis(${x}, 1, -1), ${atom(t)}[..., None], axis=-1)[..., 0]`,
  mse_loss: (x, t) => `optax.squared_error(${x}, ${t})`,
  l1_loss: (x, t) => `jnp.abs(${atom(x)} - ${atom(t)})`,
  smooth_l1_loss: (x, t, a) => {
    const beta = a.get('beta') ?? '1.0';
    const huber = `optax.huber_loss(${x}, ${t}, delta=${beta})`;
    return /^1(\.0*)?$/.test(beta) ? huber : `${huber} / ${atom(beta)}`;
  },
  huber_loss: (x, t, a) => `optax.huber_loss(${x}, ${t}, delta=${a.get('delta') ?? '1.0'})`,
  binary_cross_entropy: (x, t) =>
    `-(${atom(t)} * ${clampedLog(x)} + (1 - ${atom(t)}) * ${clampedLog(`1 - ${atom(x)}`)})`,
  binary_cross_entropy_with_logits: (x, t) => `optax.sigmoid_binary_cross_entropy(${x}, ${t})`,
  kl_div: (x, t, a) =>
    a.get('log_target') === 'True'
      ? `jnp.exp(${t}) * (${atom(t)} - ${atom(x)})`
      : `jax.scipy.special.xlogy(${t}, ${t}) - ${atom(t)} * ${atom(x)}`
};

/**
 * torch's max(log p, -100), with a finite gradient where p is exactly 0 (a saturated
 * sigmoid): log of 0 would give -inf and a NaN gradient through the clip.
 */
function clampedLog(p: string): string {
  const e = atom(p);
  return `jnp.clip(jnp.where(${e} > 0, jnp.log(jnp.where(${e} > 0, ${e}, 1.0)), -100.0), -100)`;
}

const LAYER_TO_FUNCTION: Record<string, string> = {
  CrossEntropyLoss: 'cross_entropy',
  NLLLoss: 'nll_loss',
  MSELoss: 'mse_loss',
  L1Loss: 'l1_loss',
  SmoothL1Loss: 'smooth_l1_loss',
  HuberLoss: 'huber_loss',
  BCELoss: 'binary_cross_entropy',
  BCEWithLogitsLoss: 'binary_cross_entropy_with_logits',
  KLDivLoss: 'kl_div'
};

function reduce(expr: string, reduction: string, x: string): string | undefined {
  switch (reduction.replace(/['"]/g, '')) {
    case 'mean':
      return `${atom(expr)}.mean()`;
    case 'sum':
      return `${atom(expr)}.sum()`;
    case 'none':
      return expr;
    case 'batchmean':
      return `${atom(expr)}.sum() / ${atom(x)}.shape[0]`;
    default:
      return undefined;
  }
}

export function loss(node: Node, ctx: HookContext): string | undefined {
  const ref = ctx.entry;
  if (!ref) {
    return undefined;
  }
  const short = ref.name.split('.').pop() ?? '';
  const layer = ref.entry.kind === 'layer';
  const fname = layer ? LAYER_TO_FUNCTION[short] : short;
  const pointwise = fname ? POINTWISE[fname] : undefined;
  const params = ref.entry.args ?? [];
  const bound = bindCall(node, ctx, params).named;
  const blocked = ['weight', 'pos_weight', 'ignore_index', 'size_average', 'reduce'].find(
    a => bound.has(a) && bound.get(a) !== 'None'
  );
  if (!pointwise || blocked) {
    if (blocked) {
      ctx.note(
        'warning',
        `${ref.name} with ${blocked}=... is not converted`,
        node,
        'unsupported-api'
      );
    }
    return undefined;
  }
  const [x, t] = layer
    ? ['input', 'target']
    : [bound.get('input') ?? '', bound.get('target') ?? ''];
  const pointText = pointwise(x, t, bound);
  const reduced = pointText && reduce(pointText, bound.get('reduction') ?? "'mean'", x);
  if (!reduced || !x || !t) {
    return undefined;
  }
  ctx.requireImport('jnp');
  if (reduced.includes('optax.')) {
    ctx.requireImport('optax');
  }
  if (reduced.includes('jax.scipy')) {
    ctx.requireImport('jax');
  }
  return layer ? `lambda input, target: ${reduced}` : reduced;
}
