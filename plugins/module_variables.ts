/**
 * A module's own parameters and buffers. `self.w = nn.Parameter(t)` in `__init__` becomes
 * `self.w = self.param('w', lambda _: t)`: a leaf of the module's params, named after the
 * attribute as torch names it, so parameters(), optimizers and ported weights see it.
 * `self.register_buffer('mask', t)` becomes `self.mask = self.variable('buffers', 'mask',
 * lambda: t)`, a variable of the 'buffers' collection (state, not trained, kept by apply and
 * by ported weights), read as `self.mask.value`, so code that updates it in place can assign
 * `.value` when apply makes 'buffers' mutable.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { bindCall } from './args';
import { flaxAttribute } from './shadowed_fields';

export const BUFFERS = 'buffers';

/** The attribute an assignment `self.<attr> = <node>` in `__init__` sets, if `node` is its value. */
function initAttribute(node: Node, ctx: HookContext): string | undefined {
  const assign = node.parent;
  const left = assign?.type === 'assignment' ? assign.childForFieldName('left') : undefined;
  if (
    ctx.scope.methodName !== '__init__' ||
    !ctx.scope.cls ||
    !assign?.childForFieldName('right')?.equals(node) ||
    left?.type !== 'attribute' ||
    left.childForFieldName('object')?.text !== 'self'
  ) {
    return undefined;
  }
  return left.childForFieldName('attribute')?.text;
}

/** `requires_grad=False`: optax updates every leaf, so the parameter would be trained. */
function frozen(node: Node, ctx: HookContext, requiresGrad: string | undefined): void {
  if (requiresGrad !== undefined && requiresGrad.trim() !== 'True') {
    const why = `nn.Parameter(requires_grad=${requiresGrad.trim()}): optax updates every leaf; freeze it with optax.multi_transform and optax.set_to_zero()`; // prettier-ignore
    ctx.note('warning', why, node, 'model-params');
    ctx.flagCell('partial', 'nn.Parameter with requires_grad');
    ctx.comment(node, why);
  }
}

/** `self.w = nn.Parameter(t)` in __init__ -> `self.param('w', lambda _: t)`; elsewhere the tensor itself. */
export function parameter(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, ['data', 'requires_grad']);
  const data = bound.named.get('data');
  if (!data || bound.splat) {
    return undefined;
  }
  frozen(node, ctx, bound.named.get('requires_grad'));
  const attr = initAttribute(node, ctx);
  const registered = node.parent?.parent?.childForFieldName('function')?.text;
  if (registered === 'self.register_parameter') {
    return data; // the registration names it
  }
  if (!attr) {
    ctx.note('info', 'nn.Parameter(t) outside a module: the array t itself', node, 'model-params');
    return data;
  }
  ctx.note(
    'info',
    `self.${attr}: a parameter of ${ctx.scope.cls?.name} ('${attr}' in its params), made from ${data} at init`,
    node,
    'model-params'
  );
  return `self.param('${attr}', lambda _: ${data})`;
}

/**
 * `self.register_buffer('mask', t)` -> `self.mask = self.variable('buffers', 'mask', lambda: t)`;
 * `self.register_parameter('w', nn.Parameter(t))` -> `self.w = self.param('w', lambda _: t)`;
 * a None for either is a plain None attribute.
 */
export function registration(node: Node, ctx: HookContext): string | undefined {
  const call = node.namedChildren[0];
  const fn = call?.type === 'call' ? call.childForFieldName('function') : undefined;
  const method = fn?.childForFieldName('attribute')?.text;
  if (
    !call ||
    ctx.scope.methodName !== '__init__' ||
    fn?.childForFieldName('object')?.text !== 'self' ||
    (method !== 'register_buffer' && method !== 'register_parameter')
  ) {
    return undefined;
  }
  const buffer = method === 'register_buffer';
  const params = buffer ? ['name', 'tensor', 'persistent'] : ['name', 'param'];
  const bound = bindCall(call, ctx, params);
  const name = /^['"](\w+)['"]$/.exec(bound.named.get('name') ?? '')?.[1];
  const value = bound.named.get(params[1]);
  if (!name || !value || bound.splat) {
    const why = `self.${method}(...) needs a literal name and a value to convert`;
    ctx.note('warning', why, node, 'unsupported-api');
    ctx.flagCell('partial', why);
    ctx.comment(node, why);
    return undefined;
  }
  const attr = flaxAttribute(node, name, ctx); // `bias_` when `bias` is a constructor field
  if (value.trim() === 'None') {
    return `self.${attr} = None`;
  }
  if (method === 'register_parameter') {
    return `self.${attr} = self.param('${name}', lambda _: ${value})`;
  }
  const persistent = bound.named.get('persistent');
  if (persistent !== undefined && persistent.trim() !== 'True') {
    ctx.note(
      'info',
      `buffer ${name} is not persistent: torch leaves it out of state_dict(); here it is in ${BUFFERS} like the others`,
      node,
      'model-params'
    );
  }
  ctx.note(
    'info',
    `buffer ${name}: a variable of the '${BUFFERS}' collection, read as self.${name}.value`,
    node,
    'model-params'
  );
  return `self.${attr} = self.variable('${BUFFERS}', '${name}', lambda: ${value})`;
}

/** `self.mask` for a registered buffer -> `self.mask.value`. */
export function bufferRead(node: Node, ctx: HookContext): string | undefined {
  const attr = node.childForFieldName('attribute')?.text ?? '';
  if (node.childForFieldName('object')?.text !== 'self' || !ctx.scope.cls?.buffers.has(attr)) {
    return undefined;
  }
  return `self.${flaxAttribute(node, attr, ctx)}.value`;
}
