/**
 * In-place tensor methods. JAX arrays are immutable, so `x.add_(y)` becomes
 * `x = x + y` (the assignment is kept), `x[i].add_(y)` becomes
 * `x = x.at[i].set(x[i] + y)`, and `z = x.add_(y)` becomes `z = x = x + y`.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { splitArgs } from './args';
import { updaterLoopOf } from './autograd';
import { parameterAt } from './model_attributes';

type OutOfPlace = (x: string, args: string[], kw: Map<string, string>) => string | undefined;

const unary =
  (fn: string): OutOfPlace =>
  x =>
    `${fn}(${x})`;

function scaled(op: string): OutOfPlace {
  return (x, [y], kw) =>
    y && `${x} ${op} ${kw.has('alpha') ? `${kw.get('alpha')} * ${atom(y)}` : atom(y)}`;
}

/** scatter along `dim`: index picks the position on `dim`, the other axes run over index's own shape. */
function scatterIndex(dim: string, index: string): string {
  return `tuple(${index} if d == ${dim} else i for d, i in enumerate(jnp.indices(${index}.shape, sparse=True)))`;
}

/** index_add_ / index_fill_ address `index` along `dim`: x.at[:, index] for dim 1. */
function along(dim: string, index: string): string {
  return /^\d+$/.test(dim.trim())
    ? `${':, '.repeat(Number(dim))}${index}`
    : `(slice(None),) * ${dim} + (${index},)`;
}

const OPS: Record<string, OutOfPlace> = {
  add_: scaled('+'),
  sub_: scaled('-'),
  mul_: (x, [y]) => y && `${x} * ${atom(y)}`,
  div_: (x, [y], kw) => {
    const mode = kw.get('rounding_mode')?.replace(/['"]/g, '');
    if (!y) {
      return undefined;
    }
    if (mode === 'floor') {
      return `jnp.floor_divide(${x}, ${y})`;
    }
    if (mode === 'trunc') {
      return `jnp.trunc(jnp.true_divide(${x}, ${y})).astype(${x}.dtype)`;
    }
    return mode === undefined || mode === 'None' ? `${x} / ${atom(y)}` : undefined;
  },
  pow_: (x, [y]) => y && `${x} ** ${atom(y)}`,
  zero_: x => `jnp.zeros_like(${x})`,
  fill_: (x, [v]) => v && `jnp.full_like(${x}, ${v})`,
  clamp_: (x, [lo, hi], kw) =>
    `jnp.clip(${x}, ${lo ?? kw.get('min') ?? 'None'}, ${hi ?? kw.get('max') ?? 'None'})`,
  clip_: (x, args, kw) => OPS.clamp_(x, args, kw),
  copy_: (x, [src]) => src && `jnp.broadcast_to(jnp.asarray(${src}, dtype=${x}.dtype), ${x}.shape)`,
  masked_fill_: (x, [mask, v], kw) => {
    const m = mask ?? kw.get('mask');
    const value = v ?? kw.get('value');
    return m && value && `jnp.where(${m}, ${value}, ${x})`;
  },
  index_add_: (x, [dim, index, source], kw) => {
    const src = source ?? kw.get('source');
    const scale = kw.has('alpha') ? `${kw.get('alpha')} * ${atom(src ?? '')}` : src;
    return dim && index && src ? `${x}.at[${along(dim, index)}].add(${scale})` : undefined;
  },
  index_copy_: (x, [dim, index, source]) =>
    dim && index && source ? `${x}.at[${along(dim, index)}].set(${source})` : undefined,
  scatter_add_: (x, [dim, index, src], kw) => {
    const value = src ?? kw.get('src');
    return dim && index && value ? `${x}.at[${scatterIndex(dim, index)}].add(${value})` : undefined;
  },
  squeeze_: (x, [d]) =>
    d ? `(jnp.squeeze(${x}, ${d}) if ${x}.shape[${d}] == 1 else ${x})` : `jnp.squeeze(${x})`,
  index_fill_: (x, [dim, index, value]) =>
    dim && index && value ? `${x}.at[${along(dim, index)}].set(${value})` : undefined,
  scatter_: (x, [dim, index, src], kw) => {
    const value = src ?? kw.get('src') ?? kw.get('value');
    if (!dim || !index || !value || kw.has('reduce')) {
      return undefined;
    }
    return `${x}.at[${scatterIndex(dim, index)}].set(${value})`;
  },
  unsqueeze_: (x, [d]) => d && `jnp.expand_dims(${x}, ${d})`,
  t_: x => `${x}.T`,
  neg_: x => `-${x}`,
  abs_: unary('jnp.abs'),
  exp_: unary('jnp.exp'),
  log_: unary('jnp.log'),
  sqrt_: unary('jnp.sqrt'),
  floor_: unary('jnp.floor'),
  ceil_: unary('jnp.ceil'),
  round_: unary('jnp.round'),
  sign_: unary('jnp.sign'),
  reciprocal_: unary('jnp.reciprocal'),
  tanh_: unary('jnp.tanh'),
  sigmoid_: unary('jax.nn.sigmoid'),
  relu_: unary('jax.nn.relu')
};

export function inPlace(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const method = fn?.childForFieldName('attribute')?.text ?? '';
  let object = fn?.childForFieldName('object');
  const op = OPS[method];
  if (!object || !op) {
    return undefined;
  }
  const { positional, keywords } = splitArgs(node, ctx);
  if (object.type === 'attribute' && object.childForFieldName('attribute')?.text === 'data') {
    object = object.childForFieldName('object') ?? object; // `p.data.add_(...)`: JAX has no .data
    ctx.note('info', '.data dropped: a JAX array is its own data', node, 'in-place');
  }
  withoutData(node, positional, ctx);
  // a model's parameter (`model.weight`): updated in torch's layout, stored in its variables
  const param = object.type === 'attribute' ? parameterAt(object, ctx) : undefined;
  const current = param ? param.toTorch(param.store) : ctx.text(object);
  if (object.type === 'identifier' && loopVariable(object) && !updaterLoopOf(object)) {
    const why = `${method} on the loop variable ${current}: rebinding it would leave the array in the list unchanged (JAX arrays are immutable); update the list's elements`;
    ctx.note('warning', why, node, 'in-place');
    ctx.flagCell('partial', 'in-place update of a loop variable');
    ctx.comment(node, why);
    return ctx.text(node);
  }
  const value = op(atom(current), positional, keywords);
  if (!value) {
    return undefined;
  }
  ctx.requireImport(value.includes('jax.nn.') ? 'jax' : 'jnp');
  const assignment = param
    ? `${param.store} = ${param.fromTorch(value)}`
    : updateOf(object, value, ctx);
  const parent = node.parent;
  if (parent?.type === 'expression_statement' && assignment) {
    if (object.type !== 'identifier') {
      ctx.note(
        'info',
        `${current} is updated out of place; arrays that alias it keep the old value`,
        node,
        'in-place'
      );
    }
    return assignment;
  }
  if (
    parent?.type === 'assignment' &&
    parent.childForFieldName('right')?.equals(node) &&
    assignment &&
    object.type === 'identifier'
  ) {
    return assignment; // `z = x.add_(1)` -> `z = x = x + 1`
  }
  ctx.note(
    'warning',
    `${method} used as a value: the result is computed out of place and ${current} itself is not updated`,
    node,
    'in-place'
  );
  return value;
}

/** Positional arguments `t.data` -> `t`: a JAX array is its own data. */
function withoutData(node: Node, positional: string[], ctx: HookContext): void {
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment' && a.type !== 'keyword_argument'
  );
  args.forEach((a, i) => {
    const inner = a.childForFieldName('object');
    if (a.type === 'attribute' && a.childForFieldName('attribute')?.text === 'data' && inner) {
      positional[i] = ctx.text(inner);
    }
  });
}

/** Is this name bound by an enclosing `for` (within the same function)? */
function loopVariable(name: Node): boolean {
  for (let p = name.parent; p && p.type !== 'function_definition'; p = p.parent) {
    const left = p.type === 'for_statement' ? p.childForFieldName('left') : undefined;
    if (left && new RegExp(`(^|\\W)${name.text}(\\W|$)`).test(left.text)) {
      return true;
    }
  }
  return false;
}

/** The statement that stores `value` back: `x = value`, or `x = x.at[i].set(value)` for `x[i]`. */
function updateOf(object: Node, value: string, ctx: HookContext): string | undefined {
  if (object.type === 'identifier' || object.type === 'attribute') {
    return `${ctx.text(object)} = ${value}`;
  }
  if (object.type === 'subscript') {
    const base = object.childForFieldName('value');
    if (base?.type === 'identifier' || base?.type === 'attribute') {
      const b = ctx.text(base);
      const index = ctx.text(object).slice(ctx.text(base).length + 1, -1);
      return `${b} = ${b}.at[${index}].set(${value})`;
    }
  }
  return undefined;
}
