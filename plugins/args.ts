/** Shared by the tensor-op plugins: bind a call against a fixed torch signature. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import type { BoundArgs } from '../src/engine/mapping';

/** Bind with the entry's signature, or `fallback` when the entry gives none. */
export function bindCall(node: Node, ctx: HookContext, fallback: string[]): BoundArgs {
  const entry = ctx.entry?.entry ?? { kind: 'function' as const };
  return ctx.bind(node, { ...entry, args: entry.args ?? fallback });
}

/** The receiver of a method call (`x` in `x.sum()`), or the first argument of a function call. */
export function subject(node: Node, ctx: HookContext, bound: BoundArgs): string | undefined {
  if (ctx.entry?.entry.kind === 'method' || ctx.entry?.entry.kind === 'property') {
    const fn = node.type === 'call' ? node.childForFieldName('function') : node;
    const object = fn?.childForFieldName('object');
    return object ? ctx.text(object) : undefined;
  }
  return bound.named.get('input');
}

/** A call's arguments as written: positional texts and keyword texts, converted. */
export function splitArgs(
  node: Node,
  ctx: HookContext
): { positional: string[]; keywords: Map<string, string> } {
  const positional: string[] = [];
  const keywords = new Map<string, string>();
  for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
    if (arg?.type === 'keyword_argument') {
      const value = arg.childForFieldName('value');
      keywords.set(arg.childForFieldName('name')?.text ?? '', value ? ctx.text(value) : '');
    } else if (arg && arg.type !== 'comment') {
      positional.push(ctx.text(arg));
    }
  }
  return { positional, keywords };
}

/** For methods, the bound names exclude the receiver: prepend 'input' for function entries. */
export function signature(ctx: HookContext, params: string[]): string[] {
  return ctx.entry?.entry.kind === 'method' ? params : ['input', ...params];
}
