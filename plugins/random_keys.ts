/**
 * Random numbers. torch draws from a global generator; JAX takes explicit keys.
 * At notebook level the converted code threads one key, `rng_key`, splitting it
 * before every draw so no key is used twice. Draws inside functions need a key
 * argument the caller passes: those are reported, not guessed.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall, splitArgs } from './args';

const KEY = 'rng_key';
const SEEDED = 'random.seeded';
/** The RNG stream for draws inside Flax modules. */
export const SAMPLE_STREAM = 'sample';

export function isTopLevel(node: Node): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (
      /^(function_definition|class_definition|lambda|\w+_comprehension|generator_expression)$/.test(
        p.type
      )
    ) {
      return false;
    }
  }
  return true;
}

/**
 * A draw in a plain function (not a module method, lambda or comprehension) splits the
 * notebook's key too, as torch draws from its global generator: `global rng_key` is
 * declared once at the top of the function.
 */
export function useGlobalKey(node: Node, ctx: HookContext, inMethods = false): boolean {
  let fn: Node | undefined;
  for (let p = node.parent; p; p = p.parent) {
    if (/^(lambda|\w+_comprehension|generator_expression)$/.test(p.type)) {
      return false;
    }
    if (p.type === 'class_definition' && !(inMethods && fn)) {
      return false; // a module's own draws use its RNG streams; `inMethods`: code run outside Flax
    }
    if (p.type === 'function_definition') {
      fn ??= p;
    }
  }
  const first = firstStatement(fn);
  if (!fn || !first) {
    return false;
  }
  const mark = `random.global:${ctx.state.get('notebook.cell') as number}:${fn.startIndex}`;
  if (!ctx.state.get(mark)) {
    ctx.state.set(mark, true);
    ctx.insertBefore(first, `global ${KEY}`);
  }
  return true;
}

/** The first statement of a function's body after its docstring (where `global` goes). */
export function firstStatement(fn: Node | undefined): Node | undefined {
  const body = (fn?.childForFieldName('body')?.namedChildren ?? []).filter(
    (c): c is Node => !!c && c.type !== 'comment'
  );
  const docstring =
    body[0]?.type === 'expression_statement' && body[0].namedChildren[0]?.type === 'string';
  return body[docstring && body.length > 1 ? 1 : 0];
}

/** A fresh subkey for this draw: `rng_key, key_1 = jax.random.split(rng_key)` before the statement. */
export function freshKey(node: Node, ctx: HookContext): string {
  const { line, key } = splitKey(node, ctx);
  ctx.insertBefore(node, line);
  return key;
}

/** A fresh subkey and the line that splits it off `rng_key`, for the caller to place. */
export function splitKey(node: Node, ctx: HookContext): { line: string; key: string } {
  if (!ctx.state.get(SEEDED)) {
    ctx.state.set(SEEDED, true);
    ctx.insertBefore(
      node,
      `${KEY} = jax.random.key(0)  # switcheroo: no torch.manual_seed before this draw; seeded with 0`,
      true
    );
    ctx.note(
      'info',
      'no torch.manual_seed before the first random draw: the JAX key is seeded with 0',
      node,
      'rng'
    );
  }
  const count = ((ctx.state.get('random.count') as number | undefined) ?? 0) + 1;
  ctx.state.set('random.count', count);
  const sub = `key_${count}`;
  return { line: `${KEY}, ${sub} = jax.random.split(${KEY})`, key: sub };
}

function shapeOf(bound: Map<string, string>, name = 'size'): string | undefined {
  const size = bound.get(name);
  if (size === undefined) {
    return undefined;
  }
  return /^[([]/.test(size.trim()) || !/^\d+$/.test(size.trim()) ? size : `(${size},)`;
}

export function randomness(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  const fn = name.split('.').pop() ?? '';
  if (fn === 'manual_seed' || fn === 'seed') {
    ctx.requireImport('jax');
    const seed = bindCall(node, ctx, ['seed']).named.get('seed') ?? '0';
    ctx.state.set(SEEDED, true);
    if (node.parent?.type === 'expression_statement' && isTopLevel(node)) {
      return `${KEY} = jax.random.key(${seed})`;
    }
    return `jax.random.key(${seed})`;
  }
  const cls = ctx.scope.cls;
  const inModule = !!cls && !!ctx.scope.method && ctx.scope.methodName !== '__init__';
  if (inModule && cls) {
    // a draw inside a Flax module: its own RNG stream, which apply/init are given
    const streams = (ctx.state.get(`rngs:${cls.name}`) as Set<string> | undefined) ?? new Set();
    streams.add(SAMPLE_STREAM);
    ctx.state.set(`rngs:${cls.name}`, streams);
    ctx.note(
      'info',
      `${name} inside ${cls.name}: drawn from the module's '${SAMPLE_STREAM}' RNG stream; apply and init pass rngs={'${SAMPLE_STREAM}': key}`,
      node,
      'rng'
    );
  } else if (!isTopLevel(node) && !useGlobalKey(node, ctx)) {
    ctx.note(
      'warning',
      `${name} inside a function needs an explicit JAX key argument`,
      node,
      'rng'
    );
    return undefined;
  }
  ctx.requireImport('jax');
  const bound = bindCall(node, ctx, []).named;
  if (bound.has('generator')) {
    ctx.note(
      'info',
      `${name}: the torch.Generator is replaced by the threaded JAX key`,
      node,
      'rng'
    );
  }
  const dtype = bound.get('dtype');
  const dt = dtype ? `, dtype=${dtype}` : '';
  const receiver = node.childForFieldName('function')?.childForFieldName('object');
  const key = () => (inModule ? `self.make_rng('${SAMPLE_STREAM}')` : freshKey(node, ctx));
  switch (fn) {
    case 'randn':
    case 'rand': {
      const shape = shapeOf(bound);
      return (
        shape && `jax.random.${fn === 'randn' ? 'normal' : 'uniform'}(${key()}, ${shape}${dt})`
      );
    }
    case 'randint': {
      // randint(high, size) or randint(low, high, size); keywords fill what positionals leave
      const args = positional(node, ctx);
      const kw = keywords(node, ctx);
      let [low, high, size] = args.length === 2 ? ['0', args[0], args[1]] : args;
      if (kw.has('size')) {
        [low, high] = args.length >= 2 ? args : ['0', args[0]];
        size = kw.get('size') ?? size;
      }
      const shape = size;
      const hi = kw.get('high') ?? high;
      const lo = kw.get('low') ?? low ?? '0';
      return (
        shape &&
        hi &&
        `jax.random.randint(${key()}, ${shapeOf(new Map([['s', shape]]), 's')}, ${lo}, ${hi}${dt})`
      );
    }
    case 'randperm': {
      const n = bound.get('n');
      return n && `jax.random.permutation(${key()}, ${n})`;
    }
    case 'normal': {
      const mean = bound.get('mean') ?? '0.0';
      const std = bound.get('std') ?? '1.0';
      const shape = shapeOf(bound) ?? `jnp.shape(${mean})`;
      ctx.requireImport('jnp');
      return `${atom(mean)} + ${atom(std)} * jax.random.normal(${key()}, ${shape})`;
    }
    case 'randn_like':
    case 'rand_like': {
      const x = bound.get('input');
      const op = fn === 'randn_like' ? 'normal' : 'uniform';
      return (
        x && `jax.random.${op}(${key()}, ${atom(x)}.shape, dtype=${dtype ?? `${atom(x)}.dtype`})`
      );
    }
    case 'bernoulli': {
      const p = bound.get('p') ?? bound.get('input');
      return p && `jax.random.bernoulli(${key()}, ${p}).astype(${atom(p)}.dtype)`;
    }
    case 'normal_':
    case 'uniform_':
    case 'bernoulli_': {
      if (!receiver) {
        return undefined;
      }
      const x = ctx.text(receiver);
      const k = key();
      let draw: string;
      if (fn === 'normal_') {
        const base = `jax.random.normal(${k}, ${atom(x)}.shape, ${atom(x)}.dtype)`;
        const mean = bound.get('mean') ?? '0';
        const std = bound.get('std') ?? '1';
        draw = `${mean === '0' ? '' : `${atom(mean)} + `}${std === '1' ? base : `${atom(std)} * ${base}`}`;
      } else if (fn === 'uniform_') {
        draw = `jax.random.uniform(${k}, ${atom(x)}.shape, ${atom(x)}.dtype, ${bound.get('from') ?? '0.0'}, ${bound.get('to') ?? '1.0'})`;
      } else {
        draw = `jax.random.bernoulli(${k}, ${bound.get('p') ?? '0.5'}, ${atom(x)}.shape).astype(${atom(x)}.dtype)`;
      }
      // The tensor is overwritten in place: rebind it where it is a name (`z = x.normal_()` -> `z = x = ...`)
      const statement = node.parent?.type === 'expression_statement';
      const assigned =
        node.parent?.type === 'assignment' && node.parent.childForFieldName('right')?.equals(node);
      return receiver.type === 'identifier' && (statement || assigned) ? `${x} = ${draw}` : draw;
    }
    case 'randint_like': {
      const x = bound.get('input');
      const { positional: args, keywords: kw } = splitArgs(node, ctx);
      const [low, high] = args.length >= 3 ? [args[1], args[2]] : ['0', args[1]];
      const hi = kw.get('high') ?? high;
      return (
        x &&
        hi &&
        `jax.random.randint(${key()}, ${atom(x)}.shape, ${kw.get('low') ?? low}, ${hi}).astype(${atom(x)}.dtype)`
      );
    }
    case 'multinomial': {
      const p = bound.get('input');
      const n = bound.get('num_samples');
      const replace = bound.get('replacement') ?? 'False';
      // one row of probabilities: draws of category indices, with or without replacement
      return (
        p &&
        n &&
        `jax.random.choice(${key()}, ${atom(p)}.shape[-1], shape=(${n},), replace=${replace}, p=${atom(p)} / ${atom(p)}.sum())`
      );
    }
    default:
      return undefined;
  }
}

function keywords(node: Node, ctx: HookContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of node.childForFieldName('arguments')?.namedChildren ?? []) {
    const value = a?.type === 'keyword_argument' ? a.childForFieldName('value') : undefined;
    if (a && value) {
      out.set(a.childForFieldName('name')?.text ?? '', ctx.text(value));
    }
  }
  return out;
}

function positional(node: Node, ctx: HookContext): string[] {
  return (node.childForFieldName('arguments')?.namedChildren ?? [])
    .filter((a): a is Node => !!a && a.type !== 'keyword_argument' && a.type !== 'comment')
    .map(a => ctx.text(a));
}
