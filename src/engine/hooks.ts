/** The hook registry: knowledge-base entries and the structural pass look hooks up by name. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from './context';

/** A hook returns the replacement text for `node`, or undefined to fall back. */
export type Hook = (node: Node, ctx: HookContext) => string | undefined;

/**
 * A cheap test on a node's text, before the node is built: a structural hook that
 * declares one is only called when it passes. Walking is the hot path.
 */
export type TextFilter = (text: string, ctx: HookContext) => boolean;

export class HookRegistry {
  private readonly hooks = new Map<string, Hook>();
  private readonly filters = new Map<string, TextFilter>();
  private readonly prefixed = new Map<string, Hook[]>();

  register(name: string, hook: Hook, filter?: TextFilter): this {
    if (this.hooks.has(name)) {
      throw new Error(`hook '${name}' is registered twice`);
    }
    this.hooks.set(name, hook);
    if (filter) {
      this.filters.set(name, filter);
    }
    this.prefixed.clear();
    return this;
  }

  /** Could any hook under this prefix apply to a node with this text? */
  mayApply(prefix: string, text: string, ctx: HookContext): boolean {
    for (const [name] of this.hooks) {
      if (name.startsWith(prefix)) {
        const filter = this.filters.get(name);
        if (!filter || filter(text, ctx)) {
          return true;
        }
      }
    }
    return false;
  }

  get(name: string): Hook | undefined {
    return this.hooks.get(name);
  }

  /** Hooks whose names start with a prefix, in registration order (structural passes). */
  withPrefix(prefix: string): Hook[] {
    let found = this.prefixed.get(prefix);
    if (!found) {
      found = [...this.hooks].filter(([name]) => name.startsWith(prefix)).map(([, hook]) => hook);
      this.prefixed.set(prefix, found);
    }
    return found;
  }

  names(): string[] {
    return [...this.hooks.keys()].sort();
  }
}
