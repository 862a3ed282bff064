/** torch.max / torch.min: with a dim they return (values, indices); with a tensor, the elementwise op. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall, signature, subject } from './args';

const INT = /^-?\d+$/;

export function maxMin(node: Node, ctx: HookContext): string | undefined {
  const op = ctx.entry?.name.endsWith('min') ? 'min' : 'max';
  const bound = bindCall(node, ctx, signature(ctx, ['dim', 'keepdim']));
  const x = subject(node, ctx, bound);
  if (!x || bound.splat) {
    return undefined;
  }
  ctx.requireImport('jnp');
  const dim = bound.named.get('dim');
  const other = bound.named.get('other');
  if (other !== undefined) {
    return `jnp.${op}imum(${x}, ${other})`;
  }
  if (dim !== undefined && !INT.test(dim.trim()) && !hasKeyword(node, 'dim')) {
    // torch.max(a, b): b is a dim when it is an int, else the elementwise op
    const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
      a => a?.type !== 'comment'
    );
    const second = args[ctx.entry?.entry.kind === 'method' ? 0 : 1];
    const looksLikeDim = /^(dim|axis|d|ax)\w*$/.test(dim.trim());
    if ((second && ctx.isTensor(second)) || !looksLikeDim) {
      if (!second || !ctx.isTensor(second)) {
        ctx.note(
          'warning',
          `${ctx.entry?.name}(x, ${dim}): ${dim} taken as a tensor (elementwise ${op}imum); if it is a dim, write dim=${dim}`,
          node,
          'ambiguous'
        );
      }
      return `jnp.${op}imum(${x}, ${dim})`;
    }
  }
  if (dim === undefined) {
    return `jnp.${op}(${x})`;
  }
  const keep = bound.named.get('keepdim');
  const extra = keep ? `, keepdims=${keep}` : '';
  const values = `jnp.${op}(${x}, axis=${dim}${extra})`;
  const indices = `jnp.arg${op}(${x}, axis=${dim}${extra})`;
  const parent = node.parent;
  const field =
    parent?.type === 'attribute' ? parent.childForFieldName('attribute')?.text : undefined;
  if (parent && (field === 'values' || field === 'indices')) {
    ctx.replace(parent, field === 'values' ? values : indices);
    return ctx.text(node); // the attribute around it carries the rewrite
  }
  return `(${values}, ${indices})`;
}

function hasKeyword(node: Node, name: string): boolean {
  return (node.childForFieldName('arguments')?.namedChildren ?? []).some(
    a => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === name
  );
}

/** torch.dist(a, b, p): the p-norm of the flattened difference (jnp.linalg.norm of a 2-D array is a matrix norm). */
export function dist(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, ['input', 'other', 'p']);
  const a = bound.named.get('input');
  const b = bound.named.get('other');
  if (!a || !b || bound.splat) {
    return undefined;
  }
  ctx.requireImport('jnp');
  const p = bound.named.get('p') ?? '2';
  return `jnp.linalg.norm(jnp.ravel(${a} - ${b}), ord=${p})`;
}

/** torch.cdist(a, b, p): the p-norm of every row pair, batched over leading dims. */
export function cdist(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, ['x1', 'x2', 'p', 'compute_mode']);
  const a = bound.named.get('x1');
  const b = bound.named.get('x2');
  if (!a || !b || bound.splat) {
    return undefined;
  }
  ctx.requireImport('jnp');
  const p = bound.named.get('p') ?? '2.0';
  return `jnp.linalg.norm(${atom(a)}[..., :, None, :] - ${atom(b)}[..., None, :, :], ord=${p}, axis=-1)`;
}
