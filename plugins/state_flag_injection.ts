/**
 * The training flag. Linen layers take `use_running_average` / `deterministic`
 * where torch keeps a mode on the module, so converted code that relies on the
 * mode gets `training: bool = False` in its method's signature, exactly once,
 * and the class is recorded as needing the flag. `model.train()` / `model.eval()`
 * are recorded and reported, never turned into code that breaks.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { withKeyword } from '../src/engine/mapping';

export const TRAINING_PARAM = 'training: bool = False';

/** Make `training` available where `node` is; returns false when there is no method to carry it. */
export function requireTraining(ctx: HookContext, node: Node, reason: string): boolean {
  const { cls, method } = ctx.scope;
  ctx.flagCell('training-flag', reason);
  if (!cls || !method) {
    ctx.note(
      'warning',
      `${reason}: a \`training\` flag must be in scope here`,
      node,
      'training-flag'
    );
    return false;
  }
  ctx.injectSignatureArg(method, TRAINING_PARAM);
  if (!cls.trainingReasons.includes(reason)) {
    cls.trainingReasons.push(reason);
  }
  ctx.note(
    'info',
    `${cls.name}: ${reason}; callers pass training=True to train, training=False to evaluate`,
    method,
    'training-flag'
  );
  ctx.comment(method, 'pass training=True to train, training=False to evaluate');
  return true;
}

/** `self.drop(x)` -> `self.drop(x, deterministic=not training)`, for layers whose entry names the keyword. */
export function trainingCall(node: Node, ctx: HookContext): string | undefined {
  const keyword = ctx.entry?.entry.training;
  if (!keyword) {
    return undefined;
  }
  requireTraining(
    ctx,
    node,
    `${ctx.entry?.name.replace('torch.nn.', 'nn.')} depends on train/eval mode`
  );
  return withKeyword(ctx.text(node), `${keyword}=not training`);
}

/** `self.block(x)` where block's class needs the flag -> `self.block(x, training=training)`. */
export function submoduleCall(node: Node, ctx: HookContext): string | undefined {
  const attr = node.childForFieldName('function')?.childForFieldName('attribute')?.text ?? '';
  const layer = ctx.scope.cls?.layers.get(attr);
  const sub = layer ? ctx.symbols.classes.get(layer) : undefined;
  if (!sub || sub.trainingReasons.length === 0) {
    return undefined;
  }
  requireTraining(ctx, node, `submodule ${attr} (${sub.name}) takes training`);
  return withKeyword(ctx.text(node), 'training=training');
}

/** `model.train()` / `model.eval()` on a converted module: recorded, reported, made harmless. */
export function trainEvalStatement(node: Node, ctx: HookContext): string | undefined {
  const call = node.namedChildren[0];
  if (call?.type !== 'call' || node.namedChildren.length !== 1) {
    return undefined;
  }
  const fn = call.childForFieldName('function');
  const method = fn?.childForFieldName('attribute')?.text;
  const object = fn?.childForFieldName('object')?.text ?? '';
  if (
    fn?.type !== 'attribute' ||
    (method !== 'train' && method !== 'eval') ||
    !ctx.symbols.instances.has(object)
  ) {
    return undefined;
  }
  const args = call.childForFieldName('arguments')?.namedChildren ?? [];
  const mode = method === 'eval' || args[0]?.text === 'False' ? 'eval' : 'train';
  ctx.symbols.modes.set(object, mode);
  const flag = mode === 'train' ? 'training=True' : 'training=False';
  ctx.note(
    'info',
    `${call.text} recorded: Flax modules have no mode; pass ${flag} when calling ${object}`,
    node,
    'train-eval'
  );
  return ctx.settings.comments
    ? `pass  # switcheroo: ${call.text} -> pass ${flag} to ${object}.apply`
    : 'pass';
}
