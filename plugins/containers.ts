/** nn.Sequential / ModuleList / ModuleDict / Identity: containers of layers. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { withKeyword } from '../src/engine/mapping';
import { channelsLast, spatialDims } from './conv_layout';
import { requireTraining } from './state_flag_injection';
import { DYNAMIC_LAYER } from '../src/engine/analysis';
import { recordSequentialModel } from './model_attributes';
import { isTopLevel } from './random_keys';

/** Layers that nn.Sequential cannot feed: they need the training flag or a layout change. */
const NEEDS_CALL_SITE = /^torch\.nn\.(BatchNorm[123]d|Dropout\w*|Conv\w*)$/;

/**
 * Layers held in a container are called where no call site names them, so they get
 * neither the training flag nor the layout change: say so, and mark the cell partial.
 */
function warnSpecialLayers(node: Node, ctx: HookContext, container: string): void {
  for (const call of node.descendantsOfType('call')) {
    const fn = call?.childForFieldName('function');
    const layer = fn ? ctx.resolve(fn) : undefined;
    if (call && layer && NEEDS_CALL_SITE.test(layer)) {
      const short = layer.replace('torch.nn.', 'nn.');
      ctx.note(
        'warning',
        `${short} inside ${container}: no call site passes it the training flag or the NCHW layout; call the layers one by one`,
        call,
        'container'
      );
      ctx.flagCell('partial', `${short} inside ${container}`);
      ctx.comment(node, `${short} inside ${container} needs its own call site`);
    }
  }
}

/** `nn.Sequential(a, b)` -> `nn.Sequential([a, b])`. */
export function sequential(node: Node, ctx: HookContext): string | undefined {
  const args =
    node
      .childForFieldName('arguments')
      ?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
  if (args.some(a => a.type === 'keyword_argument' || a.type === 'dictionary_splat')) {
    return undefined;
  }
  // The argument list as written, its parentheses turned into brackets: layout and commas stay.
  const argList = node.childForFieldName('arguments');
  const list =
    args.length === 1 && args[0].type === 'list_splat'
      ? ctx.text(args[0]).slice(1)
      : `[${argList ? ctx.text(argList).slice(1, -1) : ''}]`;
  if (unrolledAttribute(node, ctx)) {
    return list; // a plain list in setup; its call sites apply the layers one by one
  }
  if (isTopLevel(node)) {
    recordSequentialModel(node, ctx); // `tied[2].weight` reads its elements' variables
  }
  if (assignedAttribute(node, ctx, DYNAMIC_LAYER) === undefined) {
    warnSpecialLayers(node, ctx, 'nn.Sequential'); // (call_layer applies a dynamic attribute's layers)
  }
  ctx.requireImport('nn');
  return `nn.Sequential(${list})`;
}

/** Layers that need their own call site: the training flag, or the NCHW layout. */
export function needsCallSite(layer: string | undefined, ctx: HookContext): boolean {
  return (
    !!layer &&
    (NEEDS_CALL_SITE.test(layer) || !!ctx.symbols.classes.get(layer)?.trainingReasons.length)
  );
}

/** `self.x = <node>` in a module's __init__, when the class records x as holding `layer`: x. */
function assignedAttribute(node: Node, ctx: HookContext, layer?: string): string | undefined {
  const assign = node.parent?.type === 'assignment' ? node.parent : undefined;
  const left = assign?.childForFieldName('left');
  const attr =
    left?.type === 'attribute' && left.childForFieldName('object')?.text === 'self'
      ? left.childForFieldName('attribute')?.text
      : undefined;
  const recorded = attr ? ctx.scope.cls?.layers.get(attr) : undefined;
  return ctx.scope.methodName === '__init__' && (!layer || recorded === layer) ? attr : undefined;
}

/** `self.x = nn.Sequential(...)` in a module's __init__ holding such layers: the attribute unrolled at call sites. */
function unrolledAttribute(node: Node, ctx: HookContext): string | undefined {
  const attr = assignedAttribute(node, ctx);
  const elements = attr ? ctx.scope.cls?.sequences.get(attr) : undefined;
  return ctx.scope.methodName === '__init__' && elements?.some(e => needsCallSite(e, ctx))
    ? attr
    : undefined;
}

/**
 * `self.shortcut(x)` where shortcut held Conv/BatchNorm/Dropout: each element called in
 * turn with what it needs, `self.shortcut[1](self.shortcut[0](x...)..., use_running_average=...)`.
 */
export function sequentialCall(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const attr = fn?.childForFieldName('attribute')?.text ?? '';
  const elements = ctx.scope.cls?.sequences.get(attr);
  const args =
    node.childForFieldName('arguments')?.namedChildren.filter(a => a && a.type !== 'comment') ?? [];
  if (!fn || !elements?.some(e => needsCallSite(e, ctx)) || args.length !== 1 || !args[0]) {
    return undefined;
  }
  let value = ctx.text(args[0]);
  elements.forEach((layer, i) => {
    const call = (x: string) => `${ctx.text(fn)}[${i}](${x})`;
    if (layer && /^torch\.nn\.Conv[123]d$/.test(layer)) {
      value = channelsLast(call, value, spatialDims(layer));
    } else if (layer && /^torch\.nn\.BatchNorm[123]d$/.test(layer)) {
      requireTraining(
        ctx,
        node,
        `${layer.replace('torch.nn.', 'nn.')} in ${attr} uses batch statistics in training`
      );
      value = withKeyword(call(value), 'use_running_average=not training');
    } else if (layer && /^torch\.nn\.Dropout/.test(layer)) {
      requireTraining(
        ctx,
        node,
        `nn.Dropout in ${attr} is active in training and off in evaluation`
      );
      value = withKeyword(call(value), 'deterministic=not training');
    } else if (layer && ctx.symbols.classes.get(layer)?.trainingReasons.length) {
      requireTraining(ctx, node, `${layer} in ${attr} takes training`);
      value = withKeyword(call(value), 'training=training');
    } else {
      value = call(value);
    }
  });
  return value;
}

/** `nn.ModuleList([...])` -> `[...]`; `nn.ModuleDict({...})` -> `{...}`: Linen registers plain containers in setup. */
export function moduleList(node: Node, ctx: HookContext): string | undefined {
  const args =
    node
      .childForFieldName('arguments')
      ?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
  if (args.length === 0) {
    return ctx.entry?.name.endsWith('Dict') ? '{}' : '[]';
  }
  if (args.length !== 1 || args[0].type === 'keyword_argument') {
    return undefined;
  }
  warnSpecialLayers(node, ctx, ctx.entry?.name.replace('torch.nn.', 'nn.') ?? 'a container');
  const text = ctx.text(args[0]);
  return /^[[{]/.test(text)
    ? text
    : ctx.entry?.name.endsWith('Dict')
      ? `dict(${text})`
      : `list(${text})`;
}

/** `nn.Identity()` -> `lambda x: x`. */
export function identity(): string {
  return 'lambda x: x';
}
