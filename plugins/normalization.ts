/** LayerNorm / GroupNorm with torch's epsilon (1e-5) written out; GroupNorm sees channels last. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall } from './args';

function dims(shape: string): number {
  const t = shape.trim();
  return /^[([]/.test(t)
    ? t
        .slice(1, -1)
        .split(',')
        .filter(s => s.trim()).length
    : 1;
}

/** `nn.LayerNorm(d)` -> `nn.LayerNorm(epsilon=1e-05)`; `F.layer_norm(x, s, w, b)` -> `jax.nn.standardize(...)`. */
export function layerNorm(node: Node, ctx: HookContext): string | undefined {
  const layer = ctx.entry?.entry.kind === 'layer';
  const args = layer
    ? ['normalized_shape', 'eps', 'elementwise_affine', 'bias']
    : ['input', 'normalized_shape', 'weight', 'bias', 'eps'];
  const bound = bindCall(node, ctx, args).named;
  const shape = bound.get('normalized_shape');
  if (!shape) {
    return undefined;
  }
  const eps = bound.get('eps') ?? '1e-05';
  // a name (d_model, self.d) is taken as one dim; an expression's rank is only known at run time
  const literal = /^(\d+|[\w.]+|[([][^()[\]]*[)\]])$/.test(shape.trim());
  if (!literal && layer) {
    ctx.note(
      'warning',
      `${ctx.entry?.name}(${shape}): the number of normalised dims is not known here`,
      node,
      'unsupported-api'
    );
    return undefined;
  }
  const n = dims(shape);
  const axes = !literal
    ? `tuple(range(-len(${shape}), 0))`
    : n === 1
      ? '-1'
      : `(${Array.from({ length: n }, (_, i) => i - n).join(', ')})`;
  if (layer) {
    ctx.requireImport('nn');
    const parts = [`epsilon=${eps}`];
    if (n > 1) {
      parts.push(`reduction_axes=${axes}`, `feature_axes=${axes}`);
    }
    if (bound.get('elementwise_affine') === 'False') {
      parts.push('use_scale=False', 'use_bias=False');
    } else if (bound.get('bias') === 'False') {
      parts.push('use_bias=False');
    }
    return `nn.LayerNorm(${parts.join(', ')})`;
  }
  const x = bound.get('input');
  if (!x) {
    return undefined;
  }
  ctx.requireImport('jax');
  let out = `jax.nn.standardize(${x}, axis=${axes}, epsilon=${eps})`;
  const w = bound.get('weight');
  const b = bound.get('bias');
  if (w && w !== 'None') {
    out = `${out} * ${atom(w)}`;
  }
  if (b && b !== 'None') {
    out = `${out} + ${atom(b)}`;
  }
  return out;
}

/** `nn.GroupNorm(G, C)` -> `nn.GroupNorm(num_groups=G, epsilon=1e-05)`; its call moves channels last. */
export function groupNorm(node: Node, ctx: HookContext): string | undefined {
  if (ctx.entry?.entry.kind !== 'layer') {
    return groupNormFunctional(node, ctx);
  }
  const bound = bindCall(node, ctx, ['num_groups', 'num_channels', 'eps', 'affine']).named;
  const groups = bound.get('num_groups');
  if (!groups) {
    return undefined;
  }
  ctx.requireImport('nn');
  const parts = [`num_groups=${groups}`, `epsilon=${bound.get('eps') ?? '1e-05'}`];
  if (bound.get('affine') === 'False') {
    parts.push('use_scale=False', 'use_bias=False');
  }
  return `nn.GroupNorm(${parts.join(', ')})`;
}

/** `F.group_norm(x, G, w, b, eps)`: standardise each group of channels, then scale per channel. */
function groupNormFunctional(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, ['input', 'num_groups', 'weight', 'bias', 'eps']).named;
  const x = bound.get('input');
  const groups = bound.get('num_groups');
  if (!x || !groups) {
    return undefined;
  }
  ctx.requireImport('jax');
  const X = atom(x);
  const channel = `(1, -1) + (1,) * (${X}.ndim - 2)`;
  let out = `jax.nn.standardize(${X}.reshape(${X}.shape[0], ${groups}, -1), axis=-1, epsilon=${bound.get('eps') ?? '1e-05'}).reshape(${X}.shape)`;
  const w = bound.get('weight');
  const b = bound.get('bias');
  if (w && w !== 'None') {
    out = `${out} * ${atom(w)}.reshape(${channel})`;
  }
  if (b && b !== 'None') {
    out = `${out} + ${atom(b)}.reshape(${channel})`;
  }
  return out;
}

/** `self.gn(x)` -> `jnp.moveaxis(self.gn(jnp.moveaxis(x, 1, -1)), -1, 1)`: any rank, channels on axis 1. */
export function groupNormCall(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const args =
    node.childForFieldName('arguments')?.namedChildren.filter(a => a && a.type !== 'comment') ?? [];
  if (!fn || args.length !== 1 || !args[0]) {
    return undefined;
  }
  ctx.requireImport('jnp');
  return `jnp.moveaxis(${ctx.text(fn)}(jnp.moveaxis(${ctx.text(args[0])}, 1, -1)), -1, 1)`;
}
