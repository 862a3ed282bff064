/**
 * Python helpers the output relies on (ArrayLoader, RecurrentLayer). Each is written once
 * per notebook, before the top-level statement of its first use; later uses only name it.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';

export interface Helper {
  name: string;
  /** The Python definition, ending with a newline. */
  code: string;
  /** Import aliases the definition uses (jax, jnp, nn, np). */
  imports: string[];
}

/** Make `helper` defined before `node`'s top-level statement, unless an earlier cell defines it. */
export function useHelper(node: Node, ctx: HookContext, helper: Helper): void {
  const key = `helper:${helper.name}`;
  if (!ctx.state.get(key)) {
    ctx.state.set(key, true);
    ctx.insertBefore(node, helper.code, true);
  }
  for (const alias of helper.imports) {
    ctx.requireImport(alias);
  }
}
