/** Dtype casts, device moves and host transfers: `.float()`, `.to(device)`, `.cuda()`, `.numpy()`, `.item()`. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall, subject } from './args';

const CASTS: Record<string, string> = {
  float: 'jnp.float32',
  double: 'jnp.float64',
  half: 'jnp.float16',
  bfloat16: 'jnp.bfloat16',
  int: 'jnp.int32',
  long: 'jnp.int64',
  short: 'jnp.int16',
  bool: 'jnp.bool_'
};

/** `x.long()` -> `x.astype(jnp.int64)`; 64-bit types need jax_enable_x64, so say so. */
export function dtypeCast(node: Node, ctx: HookContext): string | undefined {
  const method = ctx.entry?.name.split('.').pop() ?? '';
  const dtype = CASTS[method];
  const x = subject(node, ctx, bindCall(node, ctx, []));
  if (!dtype || !x) {
    return undefined;
  }
  ctx.requireImport('jnp');
  if (dtype.endsWith('64')) {
    ctx.note('info', `${dtype} is 32-bit unless jax_enable_x64 is set`, node, 'dtype-64');
  }
  return `${atom(x)}.astype(${dtype})`;
}

/** `.to(device)`, `.cuda()`, `.cpu()` disappear (JAX places arrays itself); `.to(dtype)` is a cast. */
export function to(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const object = fn?.childForFieldName('object');
  if (!object) {
    return undefined;
  }
  const x = ctx.text(object);
  const args =
    node.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a) ?? [];
  for (const arg of args) {
    const value = arg.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
    const name = arg.type === 'keyword_argument' ? arg.childForFieldName('name')?.text : undefined;
    const text = value ? ctx.text(value) : '';
    if (name === 'dtype' || /^jnp\.\w+$/.test(text) || /\.dtype$/.test(text)) {
      if (/^jnp\.(int|float|uint)64$/.test(text)) {
        ctx.note('info', `${text} is 32-bit unless jax_enable_x64 is set`, node, 'dtype-64');
      }
      ctx.requireImport('jnp');
      return `${atom(x)}.astype(${text})`;
    }
    if (value && name === undefined && ctx.isTensor(value)) {
      return `${atom(x)}.astype(${atom(text)}.dtype)`; // x.to(other): other's dtype
    }
  }
  ctx.note(
    'info',
    'device moves are dropped: JAX places arrays on its default device',
    node,
    'device'
  );
  return x;
}

/** `.numpy()` -> `np.asarray(x)`; `.detach()` -> `jax.lax.stop_gradient(x)`; `.clone()` -> `jnp.array(x)`. */
export function host(node: Node, ctx: HookContext): string | undefined {
  const method = ctx.entry?.name.split('.').pop();
  const object = node.childForFieldName('function')?.childForFieldName('object');
  if (!object) {
    return undefined;
  }
  const x = ctx.text(object);
  switch (method) {
    case 'numpy':
      ctx.requireImport('np');
      return `np.asarray(${x})`;
    case 'detach':
      ctx.requireImport('jax');
      return `jax.lax.stop_gradient(${x})`;
    case 'clone':
      ctx.requireImport('jnp');
      return `jnp.array(${x})`;
    case 'contiguous':
      return x;
    default:
      return undefined;
  }
}
