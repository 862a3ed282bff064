/**
 * Random numbers. torch draws from a global generator; JAX takes explicit keys.
 * At notebook level the converted code threads one key, `rng_key`, splitting it
 * before every draw so no key is used twice. Draws inside functions need a key
 * argument the caller passes: those are reported, not guessed.
 */
import type { Node } from 'web-tree-sitter';
import { notebookSources, type HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall, splitArgs } from './args';
import { parameterAt } from './model_attributes';

const KEY = 'rng_key';
const SEEDED = 'random.seeded';
/** The RNG stream for draws inside Flax modules. */
export const SAMPLE_STREAM = 'sample';

/** Node types whose body is a scope of its own. */
const SCOPES =
  /^(function_definition|class_definition|lambda|\w+_comprehension|generator_expression)$/;

/**
 * The scopes around a node, innermost first. The iterable of a comprehension's first `for`
 * is evaluated once, in the enclosing scope (`{f(v) for v in torch.randn(20)}`), so the
 * comprehension does not count there.
 */
function scopesAround(node: Node): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p; p = p.parent) {
    if (!SCOPES.test(p.type)) {
      continue;
    }
    const first = p.type.endsWith('_definition')
      ? undefined
      : p.namedChildren.find(c => c?.type === 'for_in_clause')?.childForFieldName('right');
    if (first && first.startIndex <= node.startIndex && node.endIndex <= first.endIndex) {
      continue;
    }
    out.push(p);
  }
  return out;
}

export function isTopLevel(node: Node): boolean {
  return scopesAround(node).length === 0;
}

/**
 * A draw in a plain function (not a module method, lambda or comprehension) splits the
 * notebook's key too, as torch draws from its global generator: `global rng_key` is
 * declared once at the top of the function. `stream` names another global key (a
 * notebook-level torch.Generator).
 */
export function useGlobalKey(
  node: Node,
  ctx: HookContext,
  stream = KEY,
  inMethods = false
): boolean {
  const scopes = scopesAround(node);
  // a module's own draws use its RNG streams; `inMethods`: a method run outside Flax (torch_init)
  const plain = (s: Node, i: number) =>
    s.type === 'function_definition' || (inMethods && i > 0 && s.type === 'class_definition');
  if (scopes.length === 0 || !scopes.every(plain)) {
    return false;
  }
  const fn = scopes[0];
  const first = firstStatement(fn);
  if (!first) {
    return false;
  }
  const mark = `random.global:${ctx.state.get('notebook.cell') as number}:${fn.startIndex}:${stream}`;
  if (!ctx.state.get(mark)) {
    ctx.state.set(mark, true);
    ctx.insertBefore(first, `global ${stream}`);
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

/**
 * A fresh subkey for this draw: `rng_key, key_1 = jax.random.split(rng_key)` before the
 * statement; `stream` splits another key instead (a torch.Generator's own).
 */
export function freshKey(node: Node, ctx: HookContext, stream = KEY): string {
  const { line, key } = splitKey(node, ctx, stream);
  ctx.insertBefore(node, line);
  return key;
}

/** A fresh subkey and the line that splits it off `stream`, for the caller to place. */
export function splitKey(
  node: Node,
  ctx: HookContext,
  stream = KEY
): { line: string; key: string } {
  if (isTopLevel(node)) {
    timeitGlobal(node, ctx, stream);
  }
  if (stream === KEY && !ctx.state.get(SEEDED)) {
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
  return { line: `${stream}, ${sub} = jax.random.split(${stream})`, key: sub };
}

/**
 * A `%%timeit` cell runs its body inside a function: a key the body splits is declared
 * global at its top (before any seeding inserted there), as in a plain function.
 */
function timeitGlobal(node: Node, ctx: HookContext, stream: string): void {
  const cell = ctx.state.get('notebook.cell') as number;
  const source = notebookSources(ctx)[cell] ?? '';
  const body = node.tree.rootNode.namedChildren.filter(c => c?.type !== 'comment')[1];
  const mark = `random.global:${cell}:timeit:${stream}`;
  if (/^\s*%%timeit\b/.test(source) && body && !ctx.state.get(mark)) {
    ctx.state.set(mark, true);
    ctx.insertBefore(body, `global ${stream}`);
  }
}

/** Names bound to a torch.Generator in the notebook: each holds a key of its own. */
const GENERATORS = 'random.generators';
/** What a new torch.Generator is seeded with (its initial_seed()). */
const GENERATOR_SEED = '67280421310721';

/** `g = torch.Generator()...`: remember that `g` is a key of its own. */
function recordGenerator(expr: Node, ctx: HookContext): void {
  const assign = expr.parent;
  const left = assign?.type === 'assignment' ? assign.childForFieldName('left') : undefined;
  if (left?.type === 'identifier' && assign?.childForFieldName('right')?.equals(expr)) {
    const names = (ctx.state.get(GENERATORS) as Set<string> | undefined) ?? new Set<string>();
    names.add(left.text);
    ctx.state.set(GENERATORS, names);
  }
}

/** The argument a call passes as `generator` (by keyword, or at a position). */
export function generatorArg(node: Node, position?: number): Node | undefined {
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment'
  );
  const keyword = args.find(
    a => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'generator'
  );
  if (keyword) {
    return keyword.childForFieldName('value') ?? undefined;
  }
  const positional = args.filter(a => a.type !== 'keyword_argument');
  return position === undefined ? undefined : positional[position];
}

/**
 * Where a draw with `generator=` gets its key, like torch's own stream of that generator:
 * a generator built in place is its key; a named one (`g = torch.Generator().manual_seed(s)`)
 * is split at each draw (`g, key_1 = jax.random.split(g)`), declared global in a function
 * that does not bind it. Undefined for any other generator (the notebook's key is used).
 */
function generatorSource(
  node: Node,
  generator: Node,
  ctx: HookContext
): (() => string) | undefined {
  const text = ctx.text(generator);
  if (generator.type === 'call' && text.startsWith('jax.random.key(')) {
    return () => text;
  }
  return generator.type === 'identifier' && ownStream(node, text, ctx)
    ? () => freshKey(node, ctx, text)
    : undefined;
}

/**
 * Can the code at `node` rebind the key of the generator `name`? Yes at notebook level and
 * in a function that binds it or declares it global (declared here); not for a generator
 * the function takes as an argument (rebinding a copy would not advance the caller's).
 */
function ownStream(node: Node, name: string, ctx: HookContext): boolean {
  if (!(ctx.state.get(GENERATORS) as Set<string> | undefined)?.has(name)) {
    return false;
  }
  const fn = scopesAround(node)[0];
  if (!fn) {
    return true;
  }
  if (fn.type !== 'function_definition') {
    return false; // a lambda or comprehension cannot rebind the key
  }
  const params = fn.childForFieldName('parameters')?.text ?? '';
  if (new RegExp(`\\b${name}\\b`).test(params)) {
    return false;
  }
  return (
    new RegExp(`^[ \\t]*${name}\\s*=(?!=)`, 'm').test(fn.text) || useGlobalKey(node, ctx, name)
  );
}

/** `g.manual_seed(s)` as a statement, for a generator of the notebook: `g = jax.random.key(s)`. */
export function generatorReseed(node: Node, ctx: HookContext): string | undefined {
  const call = node.namedChildren[0];
  const fn = call?.type === 'call' ? call.childForFieldName('function') : undefined;
  const object = fn?.childForFieldName('object');
  if (
    !call ||
    fn?.childForFieldName('attribute')?.text !== 'manual_seed' ||
    object?.type !== 'identifier' ||
    !ownStream(node, object.text, ctx)
  ) {
    return undefined;
  }
  const { positional, keywords } = splitArgs(call, ctx);
  ctx.requireImport('jax');
  return `${object.text} = jax.random.key(${positional[0] ?? keywords.get('seed') ?? '0'})`;
}

/** The key for a draw at `node`: from its generator when it has its own stream, else the notebook's. */
export function drawKey(node: Node, ctx: HookContext, generator?: Node): string | undefined {
  const own = generator && generatorSource(node, generator, ctx);
  if (own) {
    return own();
  }
  if (!isTopLevel(node) && !useGlobalKey(node, ctx)) {
    return undefined;
  }
  if (generator) {
    threadedNote(node, ctx);
  }
  return freshKey(node, ctx);
}

function threadedNote(node: Node, ctx: HookContext): void {
  const name = ctx.entry?.name ?? 'the draw';
  ctx.note('info', `${name}: the torch.Generator is replaced by the threaded JAX key`, node, 'rng');
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
  if (name === 'torch.Generator' || name === 'torch.Generator.manual_seed') {
    // a generator is a key of its own; `torch.Generator().manual_seed(s)` is converted whole
    const seed =
      name === 'torch.Generator'
        ? GENERATOR_SEED
        : (bindCall(node, ctx, ['seed']).named.get('seed') ?? '0');
    recordGenerator(node, ctx);
    ctx.requireImport('jax');
    return `jax.random.key(${seed})`;
  }
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
  const generator = inModule ? undefined : generatorArg(node);
  const own = generator && generatorSource(node, generator, ctx);
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
  } else if (!own && !isTopLevel(node) && !useGlobalKey(node, ctx)) {
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
  if (generator && !own) {
    threadedNote(node, ctx);
  }
  const dtype = bound.get('dtype');
  const dt = dtype ? `, dtype=${dtype}` : '';
  const receiver = node.childForFieldName('function')?.childForFieldName('object');
  const key = () =>
    inModule ? `self.make_rng('${SAMPLE_STREAM}')` : own ? own() : freshKey(node, ctx);
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
      const statement = node.parent?.type === 'expression_statement';
      const target = withoutData(receiver);
      // a model's parameter: the draw fills its variables entry (the same distribution in any layout)
      const param = statement && target.type === 'attribute' ? parameterAt(target, ctx) : undefined;
      const x = param ? param.store : ctx.text(target);
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
      const assigned =
        node.parent?.type === 'assignment' && node.parent.childForFieldName('right')?.equals(node);
      return param || (target.type === 'identifier' && (statement || assigned))
        ? `${x} = ${draw}`
        : draw;
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

/** `p.data` -> `p`: a JAX array is its own data. */
function withoutData(node: Node): Node {
  const object = node.type === 'attribute' ? node.childForFieldName('object') : undefined;
  return object && node.childForFieldName('attribute')?.text === 'data' ? object : node;
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
