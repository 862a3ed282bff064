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
