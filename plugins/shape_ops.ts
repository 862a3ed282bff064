/** Shape ops whose torch meaning a rename would lose: squeeze, size, transpose, flatten. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall, signature, subject } from './args';

/** torch's squeeze(d) is a no-op when size d is not 1; jnp.squeeze raises. */
export function squeeze(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, signature(ctx, ['dim']));
  const x = subject(node, ctx, bound);
  if (!x || bound.splat) {
    return undefined;
  }
  ctx.requireImport('jnp');
  const dim = bound.named.get('dim');
  if (dim === undefined) {
    return `jnp.squeeze(${x})`;
  }
  if (/^[([]/.test(dim.trim())) {
    return `jnp.squeeze(${x}, axis=tuple(d for d in ${dim} if ${atom(x)}.shape[d] == 1))`;
  }
  return `(jnp.squeeze(${x}, axis=${dim}) if ${atom(x)}.shape[${dim}] == 1 else ${x})`;
}

/** `x.size()` -> `x.shape`; `x.size(d)` -> `x.shape[d]`. */
export function size(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, ['dim']);
  const x = subject(node, ctx, bound);
  if (!x || bound.splat) {
    return undefined;
  }
  const dim = bound.named.get('dim');
  return dim === undefined ? `${atom(x)}.shape` : `${atom(x)}.shape[${dim}]`;
}

/** torch's transpose swaps two dims: jnp.swapaxes. */
export function transpose(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, signature(ctx, ['dim0', 'dim1']));
  const x = subject(node, ctx, bound);
  const a = bound.named.get('dim0');
  const b = bound.named.get('dim1');
  if (!x || a === undefined || b === undefined || bound.splat) {
    return undefined;
  }
  ctx.requireImport('jnp');
  return `jnp.swapaxes(${x}, ${a}, ${b})`;
}

/** flatten(x, start_dim, end_dim) keeps the leading dims: a reshape written out. */
export function flatten(node: Node, ctx: HookContext): string | undefined {
  if (ctx.entry?.entry.kind === 'layer') {
    const bound = bindCall(node, ctx, ['start_dim', 'end_dim']);
    const start = bound.named.get('start_dim') ?? '1';
    const end = bound.named.get('end_dim') ?? '-1';
    return `lambda x: ${reshape('x', start, end)}`;
  }
  const bound = bindCall(node, ctx, signature(ctx, ['start_dim', 'end_dim']));
  const x = subject(node, ctx, bound);
  if (!x || bound.splat) {
    return undefined;
  }
  return reshape(x, bound.named.get('start_dim') ?? '0', bound.named.get('end_dim') ?? '-1');
}

function reshape(x: string, start: string, end: string): string {
  const head = start.trim() === '0' ? '' : `${atom(x)}.shape[:${start}] + `;
  const tail = end.trim() === '-1' ? '' : ` + ${atom(x)}.shape[${end} + 1:]`;
  if (!head && !tail) {
    return `${atom(x)}.reshape(-1)`;
  }
  return `${atom(x)}.reshape(${head}(-1,)${tail})`;
}

/** `x.expand(a, -1)` -> `jnp.broadcast_to(x, (a, x.shape[1]))`: -1 keeps that size. */
export function expand(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, []);
  const fn = node.childForFieldName('function');
  const object = fn?.childForFieldName('object');
  if (!object || bound.splat) {
    return undefined;
  }
  const x = ctx.text(object);
  ctx.requireImport('jnp');
  const other = bound.named.get('other');
  if (other !== undefined) {
    return `jnp.broadcast_to(${x}, ${atom(other)}.shape)`;
  }
  const size = bound.named.get('size');
  if (size === undefined) {
    return undefined;
  }
  if (!/^[([]/.test(size.trim()) && !/^-?\d+$/.test(size.trim())) {
    return `jnp.broadcast_to(${x}, ${size})`; // x.expand(y.size()): already a shape
  }
  const items = /^\(.*\)$/s.test(size.trim())
    ? size
        .trim()
        .slice(1, -1)
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
    : [size];
  const shape = items.map((s, i) => (s === '-1' ? `${atom(x)}.shape[${i - items.length}]` : s));
  return `jnp.broadcast_to(${x}, (${shape.join(', ')}${shape.length === 1 ? ',' : ''}))`;
}

/** `x.repeat(2, 3)` is numpy's tile. */
export function repeat(node: Node, ctx: HookContext): string | undefined {
  return ctx.entry ? ctx.mapCall(node, ctx.entry) : undefined;
}

/** split(size) cuts pieces of `size` (the last may be shorter); chunk(n) cuts n pieces of ceil(len / n). */
export function splitChunk(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  const isChunk = name.endsWith('chunk');
  const sizeArg = isChunk
    ? 'chunks'
    : name.startsWith('torch.Tensor')
      ? 'split_size'
      : 'split_size_or_sections';
  const bound = bindCall(node, ctx, signature(ctx, [sizeArg, 'dim']));
  const x = name.startsWith('torch.Tensor')
    ? subject(node, ctx, bound)
    : (bound.named.get('tensor') ?? bound.named.get('input'));
  const size = bound.named.get(sizeArg) ?? bound.named.get('split_size_or_sections');
  if (!x || !size || bound.splat) {
    return undefined;
  }
  const dim = bound.named.get('dim') ?? '0';
  const len = `${atom(x)}.shape[${dim}]`;
  ctx.requireImport('jnp');
  if (isChunk) {
    const step = `-(-${len} // ${atom(size)})`;
    return `jnp.split(${x}, list(range(${step}, ${len}, ${step})), axis=${dim})`;
  }
  if (/^[([]/.test(size.trim())) {
    ctx.requireImport('np');
    return `jnp.split(${x}, np.cumsum(${size})[:-1].tolist(), axis=${dim})`;
  }
  return `jnp.split(${x}, list(range(${size}, ${len}, ${size})), axis=${dim})`;
}

/** x.is_contiguous(): JAX arrays have no strides, so every array is contiguous. */
export function layoutQuery(node: Node, ctx: HookContext): string | undefined {
  ctx.note('info', 'JAX arrays have no memory layout: is_contiguous() is True', node, 'layout');
  return 'True';
}
