/**
 * Ops that return indices in torch's own shape: topk along any dim (jax.lax.top_k works on
 * the last axis and returns a plain tuple, so `.values` / `.indices` become `[0]` / `[1]`),
 * cummax / cummin (values and the index of the last extremum), and nonzero, whose
 * `as_tuple=True` form is jnp.nonzero.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall, signature, subject } from './args';
import { useHelper, type Helper } from './helpers';

const LAST = /^(-1|None)$/;

/** `x.topk(k, dim=d, largest=b)` -> jax.lax.top_k on `d` moved last, results moved back. */
export function topk(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, signature(ctx, ['k', 'dim', 'largest', 'sorted']));
  const x = subject(node, ctx, bound);
  const k = bound.named.get('k');
  const largest = bound.named.get('largest') ?? 'True';
  if (!x || !k || bound.splat || !/^(True|False)$/.test(largest)) {
    if (!/^(True|False)$/.test(largest)) {
      ctx.note(
        'warning',
        `${ctx.entry?.name} largest must be True or False`,
        node,
        'unsupported-api'
      );
    }
    return undefined;
  }
  ctx.requireImport('jax');
  const dim = bound.named.get('dim')?.trim() ?? '-1';
  const moved = LAST.test(dim);
  if (!moved) {
    ctx.requireImport('jnp');
  }
  const input = moved ? atom(x) : `jnp.moveaxis(${x}, ${dim}, -1)`;
  // the smallest k are the largest of -x, in the same (ascending for x) order torch gives
  const call = `jax.lax.top_k(${largest === 'True' ? input : `-${atom(input)}`}, ${k})`;
  const back = (t: string) => (moved ? t : `jnp.moveaxis(${t}, -1, ${dim})`);
  const values = (t: string) => back(largest === 'True' ? t : `-${t}`);
  const part = pickedPart(node);
  if (part !== undefined) {
    ctx.replace(node.parent as Node, part === 0 ? values(`${call}[0]`) : back(`${call}[1]`));
    return ctx.text(node); // the attribute or subscript around it carries the rewrite
  }
  if (moved && largest === 'True') {
    return call;
  }
  return `(lambda v, i: (${values('v')}, ${back('i')}))(*${call})`;
}

/** `r.values` / `r[0]` -> 0, `r.indices` / `r[1]` -> 1, for a (values, indices) result `r`. */
function pickedPart(node: Node): 0 | 1 | undefined {
  const parent = node.parent;
  if (parent?.type === 'attribute' && parent.childForFieldName('object')?.equals(node)) {
    const field = parent.childForFieldName('attribute')?.text;
    return field === 'values' ? 0 : field === 'indices' ? 1 : undefined;
  }
  if (parent?.type === 'subscript' && parent.childForFieldName('value')?.equals(node)) {
    const index = parent.childForFieldName('subscript')?.text;
    return index === '0' ? 0 : index === '1' ? 1 : undefined;
  }
  return undefined;
}

/**
 * torch.cummax / cummin: the running extremum along `dim` and, for each position, the index
 * of the last element equal to it (ties take the later index; from a NaN on, the values are
 * NaN and the index is the last NaN's), as torch returns them.
 */
export const CUMULATIVE_EXTREMUM: Helper = {
  name: 'cumulative_extremum',
  imports: ['jax', 'jnp'],
  code: `def cumulative_extremum(x, dim, op):
    """torch.cummax / torch.cummin (switcheroo): values, and indices of the last extremum as torch's."""
    axis = dim % x.ndim
    values = op(x, axis=axis)
    last = jnp.where((x == values) | jnp.isnan(x), jax.lax.broadcasted_iota(jnp.int32, x.shape, axis), 0)
    return values, jax.lax.cummax(last, axis=axis)
`
};

/** `torch.cummax(x, dim=1).values` -> `jax.lax.cummax(x, axis=1)`; the indices through the helper. */
export function cumulativeExtremum(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, signature(ctx, ['dim']));
  const x = subject(node, ctx, bound);
  const dim = bound.named.get('dim')?.trim();
  if (!x || !dim || bound.splat) {
    return undefined;
  }
  ctx.requireImport('jax');
  const op = `jax.lax.${ctx.entry?.name.endsWith('cummin') ? 'cummin' : 'cummax'}`;
  const part = pickedPart(node);
  if (part === 0 && /^\d+$/.test(dim)) {
    ctx.replace(node.parent as Node, `${op}(${x}, axis=${dim})`); // XLA takes no negative axis
    return ctx.text(node); // the attribute or subscript around it carries the rewrite
  }
  const call = `${useHelper(node, ctx, CUMULATIVE_EXTREMUM)}(${x}, ${dim}, ${op})`;
  if (part !== undefined) {
    ctx.replace(node.parent as Node, `${call}[${part}]`);
    return ctx.text(node);
  }
  return call;
}

/** `x.nonzero()` -> jnp.argwhere (an (N, ndim) matrix); `as_tuple=True` -> jnp.nonzero. */
export function nonzero(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, signature(ctx, ['as_tuple']));
  const receiver = node.childForFieldName('function')?.childForFieldName('object');
  const inner = receiver?.type === 'parenthesized_expression' ? receiver.namedChildren[0] : null;
  const x =
    inner && ctx.entry?.entry.kind === 'method' ? ctx.text(inner) : subject(node, ctx, bound);
  const asTuple = bound.named.get('as_tuple') ?? 'False';
  if (!x || bound.splat || !/^(True|False)$/.test(asTuple)) {
    if (!/^(True|False)$/.test(asTuple)) {
      ctx.note(
        'warning',
        `${ctx.entry?.name} as_tuple must be True or False (it decides the result's form)`,
        node,
        'unsupported-api'
      );
    }
    return undefined;
  }
  ctx.requireImport('jnp');
  return asTuple === 'True' ? `jnp.nonzero(${x})` : `jnp.argwhere(${x})`;
}
