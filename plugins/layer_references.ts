/**
 * Layers that depend on the mode, used through a reference rather than a call `self.x(...)`:
 * passed as a value (`attention(q, k, v, dropout=self.attn_drop)`, then `dropout(w)` in a
 * plain function) they become a lambda that carries the mode; called through a loop over a
 * ModuleList (`for block in self.blocks: x = block(x)`) or an index (`self.blocks[i](x)`)
 * the call gets the flag, as `self.block(x)` would.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { withKeyword } from '../src/engine/mapping';
import { requireTraining } from './state_flag_injection';

/** Builtins that look at an object rather than call it. */
const INSPECTS = /^(isinstance|type|id|print|repr|str|hasattr|getattr|setattr|vars|dir)$/;

/** What a call of a layer of this kind needs from the mode: the keyword and the reason, if anything. */
function modeKeyword(layer: string, ctx: HookContext): [string, string] | undefined {
  const entry = ctx.kb.lookup(layer);
  const short = layer.replace('torch.nn.', 'nn.');
  if (entry?.training === 'deterministic') {
    return ['deterministic=not training', `${short} is active in training and off in evaluation`];
  }
  if (entry?.training === 'use_running_average') {
    return ['use_running_average=not training', `${short} uses batch statistics in training`];
  }
  if (ctx.symbols.classes.get(layer)?.trainingReasons.length) {
    return ['training=training', `submodule ${layer} takes training`];
  }
  return undefined;
}

/** `dropout=self.attn_drop` -> `dropout=lambda x: self.attn_drop(x, deterministic=not training)`. */
export function layerValue(node: Node, ctx: HookContext): string | undefined {
  const { cls, method, methodName } = ctx.scope;
  const attr = node.childForFieldName('attribute')?.text ?? '';
  const layer = cls?.layers.get(attr);
  const parent = node.parent;
  const call = parent?.type === 'argument_list' ? parent.parent : undefined;
  if (INSPECTS.test(call?.childForFieldName('function')?.text ?? '')) {
    return undefined; // `isinstance(self.drop, nn.Dropout)` looks at the layer itself
  }
  const asValue =
    parent?.type === 'argument_list' ||
    (parent?.type === 'keyword_argument' && parent.childForFieldName('value')?.equals(node)) ||
    (parent?.type === 'assignment' && parent.childForFieldName('right')?.equals(node));
  if (!layer || !method || methodName === '__init__' || !asValue) {
    return undefined;
  }
  if (node.childForFieldName('object')?.text !== 'self') {
    return undefined;
  }
  const needs = modeKeyword(layer, ctx);
  if (!needs) {
    return undefined;
  }
  requireTraining(ctx, node, needs[1]);
  ctx.note(
    'info',
    `self.${attr} used as a value: a function that applies it in the current mode`,
    node,
    'training-flag'
  );
  return needs[0].startsWith('training=')
    ? `lambda *args, **kwargs: self.${attr}(*args, **kwargs, ${needs[0]})`
    : `lambda x: self.${attr}(x, ${needs[0]})`;
}

/** The ModuleList attribute `self.<attr>` a node names, and the kind of its elements. */
function listOf(node: Node | null | undefined, ctx: HookContext): string | undefined {
  const own = node?.type === 'attribute' && node.childForFieldName('object')?.text === 'self';
  const attr = own ? node.childForFieldName('attribute')?.text : undefined;
  return attr ? ctx.scope.cls?.lists.get(attr) : undefined;
}

/**
 * At the end of a module method: calls of ModuleList elements, through a loop variable
 * (`for block in self.blocks`) or an index (`self.blocks[i](x)`), get the mode keyword.
 */
export function listElementCalls(node: Node, ctx: HookContext): string | undefined {
  if (!ctx.scope.cls || ctx.scope.method?.id !== node.id || ctx.scope.methodName === '__init__') {
    return undefined;
  }
  const calls: [Node, string][] = [];
  for (const loop of node.descendantsOfType('for_statement')) {
    const target = loop?.childForFieldName('left');
    const kind = listOf(loop?.childForFieldName('right'), ctx);
    if (!loop || !kind || target?.type !== 'identifier') {
      continue;
    }
    for (const call of loop.childForFieldName('body')?.descendantsOfType('call') ?? []) {
      if (call?.childForFieldName('function')?.text === target.text) {
        calls.push([call, kind]);
      }
    }
  }
  for (const call of node.descendantsOfType('call')) {
    const fn = call?.childForFieldName('function');
    const kind = fn?.type === 'subscript' ? listOf(fn.childForFieldName('value'), ctx) : undefined;
    if (call && kind) {
      calls.push([call, kind]);
    }
  }
  for (const [call, kind] of calls) {
    const needs = modeKeyword(kind, ctx);
    if (needs) {
      requireTraining(ctx, call, needs[1]);
      ctx.replace(call, withKeyword(ctx.text(call), needs[0]));
    }
  }
  return undefined;
}
