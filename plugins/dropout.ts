/** Dropout: `p` becomes `rate`, and the mode becomes `deterministic=not training` at the call. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { withKeyword } from '../src/engine/mapping';
import { requireTraining } from './state_flag_injection';

/** `nn.Dropout(0.2)` -> `nn.Dropout(rate=0.2)`; `F.dropout(x, p, training=False)` -> `x`. */
export function dropout(node: Node, ctx: HookContext): string | undefined {
  const ref = ctx.entry;
  if (!ref) {
    return undefined;
  }
  const bound = ctx.bind(node, ref.entry);
  if (ref.entry.kind === 'layer') {
    ctx.requireImport('nn');
    return `nn.Dropout(rate=${bound.named.get('p') ?? '0.5'})`;
  }
  // functional: identity when not training; otherwise it needs a dropout key
  const input = bound.named.get('input');
  const training = bound.named.get('training') ?? 'True';
  if (input && training.trim() === 'False') {
    return input;
  }
  return undefined;
}

/** `self.drop(x)` -> `self.drop(x, deterministic=not training)`. */
export function dropoutCall(node: Node, ctx: HookContext): string | undefined {
  requireTraining(ctx, node, 'nn.Dropout is active in training and off in evaluation');
  return withKeyword(ctx.text(node), 'deterministic=not training');
}

/** A literal zero (`0`, `0.0`, `.0`). */
export function isZero(text: string): boolean {
  return /^(0+(\.0*)?|\.0+)$/.test(text.trim());
}

/** Where a layer's own dropout (LSTM between layers, attention weights) is known to be off, per class attribute. */
function layerDropoutKey(cls: string, attr: string): string {
  return `layer.dropout:${cls}.${attr}`;
}

/**
 * A layer built with dropout of its own (`nn.LSTM(..., dropout=0.2)`): in a module's __init__,
 * whether its call sites need the mode is recorded; at notebook level, where torch builds it
 * in training mode, applying it without `deterministic=False` and a key is annotated.
 */
export function recordLayerDropout(
  node: Node,
  ctx: HookContext,
  dropsOut: boolean,
  what: string
): void {
  const assign = node.parent?.type === 'assignment' ? node.parent : undefined;
  const left = assign?.childForFieldName('left');
  const { cls, methodName } = ctx.scope;
  const short = ctx.entry?.name.replace('torch.nn.', 'nn.') ?? 'the layer';
  if (cls && methodName === '__init__' && left?.childForFieldName('object')?.text === 'self') {
    const attr = left.childForFieldName('attribute')?.text ?? '';
    ctx.state.set(layerDropoutKey(cls.name, attr), dropsOut);
  } else if (dropsOut) {
    const why = `${what}: apply it with deterministic=False and rngs={'dropout': key} to train`;
    ctx.note('warning', why, node, 'training-flag');
    ctx.flagCell('partial', `${short} with dropout outside a module`);
    ctx.comment(node, why);
  }
}

/** `self.lstm(x)` -> `self.lstm(x, deterministic=not training)` unless its dropout is known to be off. */
export function layerDropoutCall(node: Node, ctx: HookContext, reason: string): string | undefined {
  const attr = node.childForFieldName('function')?.childForFieldName('attribute')?.text ?? '';
  const cls = ctx.scope.cls;
  if (!cls || ctx.state.get(layerDropoutKey(cls.name, attr)) === false) {
    return undefined;
  }
  requireTraining(ctx, node, reason);
  return withKeyword(ctx.text(node), 'deterministic=not training');
}
