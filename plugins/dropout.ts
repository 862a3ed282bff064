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
