/**
 * Layers whose kind is known only at run time: an attribute assigned different layers in
 * branches of `__init__` (`self.shortcut = nn.Sequential(conv, bn)` or `nn.Identity()`), or
 * `nn.Sequential(*layers)` built from a list. A call site cannot give each layer what it needs
 * (the NCHW layout for convs, the mode for BatchNorm and Dropout, `training` for modules that
 * take it), so `self.shortcut(x)` becomes `call_layer(self.shortcut, x, training)`, a small
 * function defined once in the notebook that decides on the layer's class when it runs.
 * `model.named_children()` at notebook level gives the bound children, applied the same way.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { variablesOf } from './model_apply';
import { requireTraining } from './state_flag_injection';

export const CALL_LAYER = `def call_layer(layer, x, training=False):
    """A converted torch layer applied as torch applies it, its kind decided at run time (switcheroo): convs on channels-first input, BatchNorm and Dropout in the mode given, modules that take \`training\` passed it, containers layer by layer."""
    if isinstance(layer, nn.Sequential):
        layer = layer.layers
    if isinstance(layer, (list, tuple)):
        for each in layer:
            x = call_layer(each, x, training)
        return x
    if isinstance(layer, (nn.Conv, nn.ConvTranspose)):
        return jnp.moveaxis(layer(jnp.moveaxis(x, 1, -1)), -1, 1)
    if isinstance(layer, nn.BatchNorm):
        return layer(x, use_running_average=not training)
    if isinstance(layer, nn.Dropout):
        return layer(x, deterministic=not training)
    if isinstance(layer, nn.Module) and 'training' in inspect.signature(type(layer).__call__).parameters:
        return layer(x, training=training)
    return layer(x)
`;

const DEFINED = 'dynamic_layers.defined';

/** `call_layer` defined once, before the top-level statement holding `node`. */
export function defineCallLayer(node: Node, ctx: HookContext): void {
  if (!ctx.state.get(DEFINED)) {
    ctx.state.set(DEFINED, true);
    ctx.insertBefore(node, `${CALL_LAYER}\n`, true);
  }
  for (const alias of ['inspect', 'jnp', 'nn']) {
    ctx.requireImport(alias);
  }
}

function positional(node: Node): Node[] {
  return (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment'
  );
}

/** `self.shortcut(x)` -> `call_layer(self.shortcut, x, training)`. */
export function dynamicCall(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const attr = fn?.childForFieldName('attribute')?.text ?? '';
  const args = positional(node);
  if (!fn || args.length !== 1 || args[0].type === 'keyword_argument') {
    const why = `self.${attr} holds a layer chosen at run time: only a call with one input is converted`;
    ctx.note('warning', why, node, 'container');
    ctx.flagCell('partial', `self.${attr}(...) not converted`);
    ctx.comment(node, why);
    return undefined;
  }
  defineCallLayer(node, ctx);
  const flag = requireTraining(
    ctx,
    node,
    `self.${attr} is a layer chosen at run time: call_layer passes it the mode`
  )
    ? 'training'
    : 'False';
  return `call_layer(${ctx.text(fn)}, ${ctx.text(args[0])}, ${flag})`;
}

/** `model.named_children()` / `model.children()`: the bound children, applied by call_layer in evaluation. */
export function childrenOf(node: Node, model: string, ctx: HookContext): string | undefined {
  const method = node.childForFieldName('function')?.childForFieldName('attribute')?.text;
  const cls = ctx.symbols.classOf(model);
  if (!cls || positional(node).length > 0) {
    return undefined;
  }
  if (cls.trainingReasons.length > 0 && ctx.symbols.modes.get(model) !== 'eval') {
    const why = `${model}.${method}(): applied outside ${model}.apply, the children run in evaluation; call ${model}.eval() first or use ${model}.apply`;
    ctx.note('warning', why, node, 'model-children');
    ctx.flagCell('partial', `${model}.${method}() in training mode`);
    ctx.comment(node, why);
    return undefined;
  }
  defineCallLayer(node, ctx);
  const quoted = [...cls.layers.keys()].map(n => `'${n}'`);
  const names = quoted.length === 1 ? `${quoted[0]},` : quoted.join(', ');
  const child = `lambda x, m=getattr(${model}.bind(${variablesOf(model)}), n): call_layer(m, x)`;
  ctx.note(
    'info',
    `${model}.${method}(): the submodules of the bound model, each applied by call_layer (evaluation)`,
    node,
    'model-children'
  );
  return method === 'named_children'
    ? `[(n, ${child}) for n in (${names})]`
    : `[${child} for n in (${names})]`;
}
