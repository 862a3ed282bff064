/**
 * Python helpers the converted code calls (ArrayLoader, ArrayDataset, ...). Each is defined
 * once in the notebook, before the top-level statement of its first use, after the helpers
 * it calls itself. A helper never takes a name the notebook uses: it gets a suffix then.
 */
import type { Node } from 'web-tree-sitter';
import { notebookText, type HookContext } from '../src/engine/context';

export interface Helper {
  name: string;
  /** The definition, ending with a newline (a blank line follows it). */
  code: string;
  /** Import aliases the definition uses (jax, np, ...). */
  imports: string[];
  /** Helpers the definition calls. */
  uses?: Helper[];
}

const word = (name: string) => new RegExp(`(?<![\\w.])${name}\\b`, 'g'); // not `nn.Name`

/** The name a helper has in this notebook: its own, or with a suffix when the notebook uses that name. */
export function helperName(ctx: HookContext, helper: Helper): string {
  const mark = `helper.name:${helper.name}`;
  let name = ctx.state.get(mark) as string | undefined;
  if (name === undefined) {
    const sources = notebookText(ctx);
    name = helper.name;
    for (let i = 1; word(name).test(sources); i++) {
      name = `${helper.name}_${i}`;
    }
    ctx.state.set(mark, name);
  }
  return name;
}

/** Define `helper` (and what it uses) if the notebook does not have it yet; returns its name. */
export function useHelper(node: Node, ctx: HookContext, helper: Helper): string {
  let code = helper.code;
  for (const used of [helper, ...(helper.uses ?? [])]) {
    if (used !== helper) {
      useHelper(node, ctx, used);
    }
    const name = helperName(ctx, used);
    if (name !== used.name) {
      code = code.replace(word(used.name), name);
    }
  }
  helper.imports.forEach(alias => ctx.requireImport(alias));
  const mark = `helper.defined:${helper.name}`;
  if (!ctx.state.get(mark)) {
    ctx.state.set(mark, true);
    ctx.insertBefore(node, code, true);
  }
  return helperName(ctx, helper);
}
