/** HookContext: everything a hook may read or ask for while converting one cell. */
import type { Node } from 'web-tree-sitter';
import type { Entry, KnowledgeBase } from './knowledge';
import type { BoundArgs } from './mapping';
import type { ClassInfo, SymbolTable } from './symbols';
import type { Level, Settings } from './types';

export interface TargetInfo {
  name: Settings['target'];
  /** Import line for each alias the output may use. */
  imports: Record<string, string>;
}

export const FLAX_LINEN: TargetInfo = {
  name: 'flax-linen',
  imports: {
    Any: 'from typing import Any',
    inspect: 'import inspect',
    jax: 'import jax',
    jnp: 'import jax.numpy as jnp',
    nn: 'import flax.linen as nn',
    optax: 'import optax',
    np: 'import numpy as np',
    torch: 'import torch'
  }
};

/** Where the node being converted sits. */
export interface Scope {
  /** The enclosing class, when it is a torch nn.Module subclass. */
  cls?: ClassInfo;
  /** The enclosing method of that class, and its name. */
  method?: Node;
  methodName?: string;
}

export interface EntryRef {
  name: string;
  entry: Entry;
}

export type CellFlag = 'training-flag' | 'partial';

export interface HookContext {
  readonly settings: Settings;
  readonly target: TargetInfo;
  readonly symbols: SymbolTable;
  readonly kb: KnowledgeBase;
  readonly scope: Scope;
  /** The knowledge-base entry that called this hook, if any. */
  readonly entry?: EntryRef;
  /** Converted text of a node (its inner rewrites applied). */
  text(node: Node): string;
  /** Ask for an import by alias (jnp, jax, nn, optax, np). */
  requireImport(alias: string): void;
  /** Add a parameter to a function's signature, once per function and parameter. */
  injectSignatureArg(fn: Node, param: string): void;
  note(level: Level, message: string, node: Node, code: string): void;
  flagCell(flag: CellFlag, reason: string): void;
  /** A `# switcheroo:` comment at the end of the node's line (when comments are on). */
  comment(node: Node, message: string): void;
  /** Replace another node's text (not the hook's own node). */
  replace(node: Node, text: string): void;
  /** Insert a line before the statement holding `node` (or the top-level one), at its indentation. */
  insertBefore(node: Node, line: string, topLevel?: boolean): void;
  /** The indentation of the line a node starts on. */
  indentOf(node: Node): string;
  /** Scratch space for plugins, shared by the whole notebook (e.g. whether a seed was set). */
  readonly state: Map<string, unknown>;
  /** Delete a whole statement, keeping its neighbours and comments. */
  removeStatement(node: Node): void;
  /** Statements of a block that have not been removed. */
  remaining(block: Node): Node[];
  /** The default knowledge-base rewrite of a call; undefined when not convertible. */
  mapCall(node: Node, ref: EntryRef): string | undefined;
  bind(node: Node, entry: Entry): BoundArgs;
  /** Is this expression known to produce a tensor (a torch result, a layer output, a known name)? */
  isTensor(node: Node): boolean;
  /** Resolve a dotted reference to its canonical torch name. */
  resolve(node: Node): string | undefined;
}

/** Every cell's source, in order ('' for markdown), for hooks that look across cells. */
export function notebookSources(ctx: Pick<HookContext, 'state'>): string[] {
  return (ctx.state.get('notebook.sources') as string[] | undefined) ?? [];
}

/**
 * The whole notebook as one text, and values derived from it, computed once per
 * conversion: hooks that scan the notebook per call site would otherwise be quadratic.
 */
export function notebookMemo<T>(
  ctx: Pick<HookContext, 'state'>,
  key: string,
  compute: (text: string) => T
): T {
  const sources = notebookSources(ctx);
  let memo = ctx.state.get('notebook.memo') as
    { sources: string[]; text: string; values: Map<string, unknown> } | undefined;
  if (memo?.sources !== sources) {
    memo = { sources, text: sources.join('\n'), values: new Map() };
    ctx.state.set('notebook.memo', memo);
  }
  if (!memo.values.has(key)) {
    memo.values.set(key, compute(memo.text));
  }
  return memo.values.get(key) as T;
}

/** The whole notebook as one text. */
export function notebookText(ctx: Pick<HookContext, 'state'>): string {
  return notebookMemo(ctx, 'text', text => text);
}

/**
 * The code after `node`: the rest of its cell and the cells after it, up to the first
 * top-level line that binds `name` anew (`model = Net()`, not `model = model.to(dev)`);
 * what follows that line is about another object.
 */
export function laterCode(ctx: Pick<HookContext, 'state'>, node: Node, name: string): string {
  const sources = notebookSources(ctx);
  const cell = (ctx.state.get('notebook.cell') as number | undefined) ?? 0;
  const word = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const rebound = new RegExp(`^${word}\\s*(?::[^=\\n]*)?=(?!=)(?![^\\n]*\\b${word}\\b)`, 'm');
  const parts: string[] = [];
  const own = node.tree.rootNode.text.slice(node.endIndex);
  for (const text of [own, ...sources.slice(cell + 1)]) {
    const m = rebound.exec(text);
    if (m) {
      parts.push(text.slice(0, m.index));
      break;
    }
    parts.push(text);
  }
  return parts.join('\n');
}
