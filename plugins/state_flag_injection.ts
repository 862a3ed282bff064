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
  cls.methodsWithTraining.add(ctx.scope.methodName ?? '');
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
  const arg = call.childForFieldName('arguments')?.namedChildren[0];
  const value = arg?.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
  const mode = method === 'eval' || value?.text === 'False' ? 'eval' : 'train';
  const scope = functionScope(node, ctx);
  // the call becomes `pass`, with what the user passes to apply instead
  const recorded = (advice: string) => {
    ctx.note(
      'info',
      `${call.text} recorded: Flax modules have no mode; ${advice}`,
      node,
      'train-eval'
    );
    return ctx.settings.comments ? `pass  # switcheroo: ${call.text} -> ${advice}` : 'pass';
  };
  if (method === 'train' && value && !/^(True|False)$/.test(value.text) && scope) {
    // the mode is a value of the function: `model.train(training)` trains when training is true
    ctx.symbols.modes.delete(object);
    ctx.symbols.modeFlags.set(object, { expr: ctx.text(value), scope });
    return recorded(`pass training=${ctx.text(value)} to ${object}.apply`);
  }
  ctx.symbols.modeFlags.delete(object);
  ctx.symbols.modes.set(object, mode);
  const cls = ctx.symbols.classOf(object);
  let advice: string;
  if (ctx.symbols.instances.get(object) === 'torch.nn.Dropout') {
    advice = `${object}.apply gets deterministic=${mode === 'eval' ? 'True' : 'False'}`;
  } else if (!cls || cls.trainingReasons.length === 0) {
    advice = `nothing to pass: ${cls?.name ?? object} has no train/eval-dependent layers`;
  } else {
    const flag = mode === 'train' ? 'training=True' : 'training=False';
    const dropout = mode === 'train' && cls.trainingReasons.some(r => r.includes('Dropout'));
    advice = `pass ${flag} to ${object}.apply${dropout ? " with rngs={'dropout': key}" : ''}`;
  }
  return recorded(advice);
}

/** `cell:start` of the function around `node`, where a mode set from a value holds. */
export function functionScope(node: Node, ctx: HookContext): string | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') {
      return `${ctx.state.get('notebook.cell') as number}:${p.startIndex}`;
    }
  }
  return undefined;
}

/** `model.eval()` on something not known to be a model: reported, left as is. */
export function unknownTrainEval(node: Node, ctx: HookContext): string | undefined {
  const call = node.namedChildren[0];
  const fn = call?.type === 'call' ? call.childForFieldName('function') : undefined;
  const method = fn?.childForFieldName('attribute')?.text;
  const object = fn?.childForFieldName('object')?.text ?? '';
  if (
    fn?.type === 'attribute' &&
    (method === 'train' || method === 'eval') &&
    !ctx.symbols.instances.has(object)
  ) {
    ctx.note(
      'warning',
      `${call?.text}: if ${object} is a converted model, Flax modules have no mode; pass training= to its apply`,
      node,
      'train-eval'
    );
  }
  return undefined;
}

/** `if self.training:` inside a module method reads the flag. */
export function trainingAttribute(node: Node, ctx: HookContext): string | undefined {
  if (node.text !== 'self.training' || !ctx.scope.cls || !ctx.scope.method) {
    return undefined;
  }
  requireTraining(ctx, node, 'reads self.training');
  return 'training';
}

/** `self.helper(x)` where the helper method takes the flag -> `self.helper(x, training=training)`. */
export function helperMethodCall(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const name = fn?.childForFieldName('attribute')?.text ?? '';
  const cls = ctx.scope.cls;
  if (
    fn?.type !== 'attribute' ||
    fn.childForFieldName('object')?.text !== 'self' ||
    !cls?.methodsWithTraining.has(name)
  ) {
    return undefined;
  }
  requireTraining(ctx, node, `calls self.${name}, which takes training`);
  return withKeyword(ctx.text(node), 'training=training');
}
