/**
 * Python helpers the converted code calls (ArrayLoader, ArrayDataset, ...). Each is defined
 * once in the notebook, before the top-level statement of its first use, after the helpers
 * it calls itself.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';

export interface Helper {
  name: string;
  /** The definition, ending with a newline (a blank line follows it). */
  code: string;
  /** Import aliases the definition uses (jax, np, ...). */
  imports: string[];
  /** Helpers the definition calls. */
  uses?: Helper[];
}

/** Define `helper` (and what it uses) if the notebook does not have it yet; returns its name. */
export function useHelper(node: Node, ctx: HookContext, helper: Helper): string {
  for (const used of helper.uses ?? []) {
    useHelper(node, ctx, used);
  }
  helper.imports.forEach(alias => ctx.requireImport(alias));
  const mark = `helper.defined:${helper.name}`;
  if (!ctx.state.get(mark)) {
    ctx.state.set(mark, true);
    ctx.insertBefore(node, helper.code, true);
  }
  return helper.name;
}
