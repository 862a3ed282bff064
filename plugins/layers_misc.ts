/** Layers whose mapping needs a word more than a rename: Conv (constructor), Embedding, F.linear. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall } from './args';

/** The Conv constructor maps by data; its call sites go through conv.call for the layout. */
export function convConstructor(node: Node, ctx: HookContext): string | undefined {
  return ctx.entry ? ctx.mapCall(node, ctx.entry) : undefined;
}

/** `nn.Embedding(n, d)` -> `nn.Embed(num_embeddings=n, features=d)`. */
export function embedding(node: Node, ctx: HookContext): string | undefined {
  const ref = ctx.entry;
  if (!ref) {
    return undefined;
  }
  const bound = bindCall(node, ctx, ref.entry.args ?? []).named;
  if (bound.has('padding_idx') && bound.get('padding_idx') !== 'None') {
    ctx.note(
      'info',
      'padding_idx: torch zeroes that row and its gradient; Flax does not (port weights to match)',
      node,
      'semantics'
    );
  }
  const n = bound.get('num_embeddings');
  const d = bound.get('embedding_dim');
  if (!n || !d) {
    return undefined;
  }
  ctx.requireImport('nn');
  return `nn.Embed(num_embeddings=${n}, features=${d})`;
}

/** `F.linear(x, w, b)` -> `x @ w.T + b`, with torch's [out, in] weight. */
export function linearFunctional(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, ['input', 'weight', 'bias']).named;
  const x = bound.get('input');
  const w = bound.get('weight');
  if (!x || !w) {
    return undefined;
  }
  const b = bound.get('bias');
  const product = `${atom(x)} @ ${atom(w)}.T`;
  return b && b !== 'None' ? `${product} + ${atom(b)}` : product;
}
