/** In-place tensor methods: JAX arrays are immutable, so `x.add_(y)` becomes `x = x + y`. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';

type OutOfPlace = (x: string, args: string[], kw: Map<string, string>) => string | undefined;

const OPS: Record<string, OutOfPlace> = {
  add_: (x, [y], kw) =>
    y && `${x} + ${kw.has('alpha') ? `${kw.get('alpha')} * ${atom(y)}` : atom(y)}`,
  sub_: (x, [y], kw) =>
    y && `${x} - ${kw.has('alpha') ? `${kw.get('alpha')} * ${atom(y)}` : atom(y)}`,
  mul_: (x, [y]) => y && `${x} * ${atom(y)}`,
  div_: (x, [y]) => y && `${x} / ${atom(y)}`,
  pow_: (x, [y]) => y && `${x} ** ${atom(y)}`,
  zero_: x => `jnp.zeros_like(${x})`,
  fill_: (x, [v]) => v && `jnp.full_like(${x}, ${v})`,
  clamp_: (x, [lo, hi], kw) =>
    `jnp.clip(${x}, ${lo ?? kw.get('min') ?? 'None'}, ${hi ?? kw.get('max') ?? 'None'})`,
  copy_: (x, [src]) => src && `jnp.asarray(${src}, dtype=${x}.dtype).reshape(${x}.shape)`,
  neg_: x => `-${x}`,
  abs_: x => `jnp.abs(${x})`,
  exp_: x => `jnp.exp(${x})`,
  sqrt_: x => `jnp.sqrt(${x})`,
  relu_: x => `jax.nn.relu(${x})`
};

export function inPlace(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const method = fn?.childForFieldName('attribute')?.text ?? '';
  const object = fn?.childForFieldName('object');
  const op = OPS[method];
  if (!object || !op) {
    return undefined;
  }
  const positional: string[] = [];
  const keywords = new Map<string, string>();
  for (const arg of node.childForFieldName('arguments')?.namedChildren ?? []) {
    if (arg?.type === 'keyword_argument') {
      const value = arg.childForFieldName('value');
      keywords.set(arg.childForFieldName('name')?.text ?? '', value ? ctx.text(value) : '');
    } else if (arg && arg.type !== 'comment') {
      positional.push(ctx.text(arg));
    }
  }
  const target = ctx.text(object);
  const value = op(atom(target), positional, keywords);
  if (!value) {
    return undefined;
  }
  ctx.requireImport(value.startsWith('jax.') ? 'jax' : 'jnp');
  if (node.parent?.type === 'expression_statement' && /^[\w.[\]'"]+$/.test(target)) {
    if (/[[.]/.test(target) && !/^[\w]+$/.test(target)) {
      ctx.note(
        'info',
        `${target} is updated out of place; arrays that alias it keep the old value`,
        node,
        'in-place'
      );
    }
    return `${target} = ${value}`;
  }
  ctx.note(
    'warning',
    `${method} used as a value: the result is computed out of place and ${target} itself is not updated`,
    node,
    'in-place'
  );
  return value;
}
