/** The hook registry: knowledge-base entries and the structural pass look hooks up by name. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from './context';

/** A hook returns the replacement text for `node`, or undefined to fall back. */
export type Hook = (node: Node, ctx: HookContext) => string | undefined;

export class HookRegistry {
  private readonly hooks = new Map<string, Hook>();
  private readonly prefixed = new Map<string, Hook[]>();

  register(name: string, hook: Hook): this {
    if (this.hooks.has(name)) {
      throw new Error(`hook '${name}' is registered twice`);
    }
    this.hooks.set(name, hook);
    this.prefixed.clear();
    return this;
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
