/**
 * Models at notebook level. A Flax module holds no parameters: `model = Net(...)` stays,
 * followed by `variables = model.init(key, sample)` with a key split from the threaded
 * `rng_key`, and `model(x)` becomes `model.apply(variables, x, ...)` with the training
 * flag the context asks for (eval after `model.eval()` or under `torch.no_grad()`,
 * training after `model.train()` or inside a training step), the dropout key and, for
 * BatchNorm in training, `mutable=['batch_stats']` with the new statistics written back.
 * The sample input for `init` is looked up at the model's first call sites, in this cell
 * or later ones; when none is usable the cell is annotated with what to supply.
 */
import type { Node } from 'web-tree-sitter';
import { notebookSources, laterCode, type HookContext } from '../src/engine/context';
import type { ClassInfo } from '../src/engine/symbols';
import { freshKey, isTopLevel, useGlobalKey } from './random_keys';
import { chainParts, layerCall, submoduleAt } from './model_attributes';
import { BUFFERS } from './module_variables';
import { methodApply } from './method_apply';
import { modelState } from './model_state';
import { findStep, type Step } from './training_step';
import { moduleApply, torchInitLine } from './weight_init';
import { functionScope } from './state_flag_injection';
import { childrenOf } from './dynamic_layers';

/** The variables collection of a model: `variables` for `model`, `<name>_variables` otherwise. */
export function variablesOf(model: string): string {
  return model === 'model' ? 'variables' : `${model}_variables`;
}

export interface ModelKind {
  cls?: ClassInfo;
  /** `__call__` takes `training`. */
  flag: boolean;
  batchStats: boolean;
  dropout: boolean;
  /** RNG streams its own draws use (`sample`), beyond dropout. */
  streams: string[];
}

export function modelKind(ctx: HookContext, name: string): ModelKind {
  const cls = ctx.symbols.classOf(name);
  return {
    cls,
    flag: !!cls && cls.trainingReasons.length > 0,
    batchStats: !!cls?.hasBatchStats,
    dropout: !!cls && dropsOut(cls, ctx),
    streams: cls ? [...((ctx.state.get(`rngs:${cls.name}`) as Set<string> | undefined) ?? [])] : []
  };
}

/** Does the module, or a submodule of it (in an attribute, a ModuleList or a Sequential), drop out? */
function dropsOut(cls: ClassInfo, ctx: HookContext, seen = new Set<string>()): boolean {
  if (seen.has(cls.name)) {
    return false;
  }
  seen.add(cls.name);
  if (cls.trainingReasons.some(r => /Dropout|dropout/.test(r))) {
    return true;
  }
  const parts = [
    ...cls.layers.values(),
    ...cls.lists.values(),
    ...[...cls.sequences.values()].flat()
  ];
  return parts.some(p => {
    const sub = p ? ctx.symbols.classes.get(p) : undefined;
    return !!sub && dropsOut(sub, ctx, seen);
  });
}

/** The function definitions around a node, innermost first. */
function enclosingFunctions(node: Node): Node[] {
  const out: Node[] = [];
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') {
      out.push(p);
    }
  }
  return out;
}

/** Is `name` a parameter of a function around `node` (so it is not the notebook's model)? */
export function isParameter(node: Node, name: string): boolean {
  return enclosingFunctions(node).some(fn =>
    (fn.childForFieldName('parameters')?.namedChildren ?? []).some(
      p => (p?.type === 'identifier' ? p : p?.namedChildren[0])?.text === name
    )
  );
}

/**
 * Is `name` a parameter of a function around `node` whose call sites do not pass its
 * variables or state along (see model_arguments)? Then this notebook cannot convert it.
 */
export function isPassedIn(node: Node, name: string, ctx: HookContext): boolean {
  return (
    isParameter(node, name) &&
    !enclosingFunctions(node).some(fn => {
      const info = ctx.symbols.modelFunctions.get(fn.childForFieldName('name')?.text ?? '');
      return !!info && (info.models.has(name) || info.optimizers.has(name));
    })
  );
}

/** Under `with torch.no_grad():` or in a function decorated with `@torch.no_grad()`. */
function inNoGrad(node: Node): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (
      p.type === 'with_statement' &&
      /no_grad|inference_mode/.test(p.namedChildren[0]?.text ?? '')
    ) {
      return true;
    }
    if (p.type === 'decorated_definition' && /no_grad|inference_mode/.test(p.text.split('\n')[0])) {
      return true;
    }
  }
  return false;
}

/** `flag`: set by `model.train(flag)` in this function, a value known at run time. */
export type Mode = 'train' | 'eval' | 'unknown' | 'flag';

function modeAt(ctx: HookContext, node: Node, name: string, step?: Step): Mode {
  if (step) {
    return 'train';
  }
  if (inNoGrad(node)) {
    return 'eval';
  }
  if (modeFlag(ctx, node, name) !== undefined) {
    return 'flag';
  }
  return ctx.symbols.modes.get(name) ?? 'unknown';
}

/** The expression `model.train(flag)` set the mode from, in the function around `node`. */
export function modeFlag(ctx: HookContext, node: Node, name: string): string | undefined {
  const flag = ctx.symbols.modeFlags.get(name);
  return flag && functionScope(node, ctx) === flag.scope ? flag.expr : undefined;
}

function indentOf(node: Node): string {
  const line = node.tree.rootNode.text.split('\n')[node.startPosition.row] ?? '';
  return line.slice(0, node.startPosition.column).replace(/\S.*$/, '');
}

function topArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if ('([{'.includes(ch)) {
      depth++;
    }
    if (')]}'.includes(ch)) {
      depth--;
    }
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur.trim()) {
    out.push(cur.trim());
  }
  return out;
}

/** The first positional argument of each call `name(...)` in `text`, in order. */
export function callSites(text: string, name: string): string[] {
  return callsIn(text, name).flatMap(args =>
    args[0] && !/^\w+\s*=(?!=)/.test(args[0]) ? [args[0]] : []
  );
}

/** Every call `name(...)` in `text`: its top-level argument texts. */
export function callsIn(text: string, name: string): string[][] {
  const out: string[][] = [];
  const re = new RegExp(`(?<![\\w.])${name}\\(`, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < text.length && depth > 0; i++) {
      if ('([{'.includes(text[i])) {
        depth++;
      }
      if (')]}'.includes(text[i])) {
        depth--;
      }
    }
    out.push(topArgs(text.slice(start, i - 1)));
  }
  return out;
}

/** The argument a call's texts give a parameter: by keyword, else by position. */
export function argumentFor(args: string[], param: string, index: number): string | undefined {
  const keyword = args.find(a => new RegExp(`^${escape(param)}\\s*=(?!=)`).test(a));
  if (keyword) {
    return keyword.slice(keyword.indexOf('=') + 1).trim();
  }
  return args[index]?.includes('=') ? undefined : args[index];
}

/**
 * Inputs a model gets through the functions it is passed to: `train(model, X, y)` whose
 * body calls `model(X[idx])` gives `X[idx]` with the call site's `X`.
 */
function sitesThroughFunctions(text: string, name: string, ctx: HookContext): string[] {
  const out: string[] = [];
  for (const [fn, info] of ctx.symbols.modelFunctions) {
    for (const args of callsIn(text, fn)) {
      for (const [param, { index, inputs }] of info.models) {
        if (argumentFor(args, param, index) !== name) {
          continue;
        }
        for (const input of inputs) {
          const base = /^\w+/.exec(input)?.[0] ?? '';
          const passed = argumentFor(args, base, info.params.indexOf(base));
          if (passed) {
            out.push(passed + input.slice(base.length));
          }
        }
      }
    }
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `for name, m in model.named_children(): x = m(x)`: the first child gets the model's input. */
function sitesThroughChildren(text: string, name: string): string[] {
  const loop = new RegExp(
    `for\\s+(?:\\w+\\s*,\\s*)?(\\w+)\\s+in\\s+${escape(name)}\\.(?:named_)?children\\(\\)\\s*:`
  ).exec(text);
  return loop ? callSites(text.slice(loop.index), loop[1]) : [];
}

/**
 * `text` without the bodies of functions that take a parameter called `name`: a call
 * `model(xb)` there is of the argument, whose inputs come through the call sites
 * (sitesThroughFunctions), not of the notebook's model.
 */
function outsideFunctionsTaking(text: string, name: string): string {
  const header = new RegExp(`^([ \\t]*)def \\w+\\(([^)]*\\b${escape(name)}\\b[^)]*)\\)`);
  const indent = (line: string) => /^[ \t]*/.exec(line)?.[0].length ?? 0;
  const out: string[] = [];
  let body = -1; // the indentation of the def whose body is being skipped
  for (const line of text.split('\n')) {
    if (body >= 0 && (!line.trim() || indent(line) > body)) {
      continue;
    }
    const m = header.exec(line);
    body = m ? m[1].length : -1;
    out.push(line);
  }
  return out.join('\n');
}

/** Is `name` bound at the top level of `before` (an assignment target or a loop target)? */
function boundIn(before: string, name: string): boolean {
  return new RegExp(`^[ \\t]*(?:[\\w, ()]*[ ,(])?${escape(name)}\\b[\\w, ()]*=(?!=)`, 'm').test(
    outsideDefinitions(before)
  );
}

/** The code outside function and class bodies (their locals are not notebook names). */
function outsideDefinitions(text: string): string {
  let inside = false;
  return text
    .split('\n')
    .filter(line => {
      if (/^(def|class|async def)\b|^@/.test(line)) {
        inside = true;
      } else if (/^\S/.test(line)) {
        inside = false;
      }
      return !inside;
    })
    .join('\n');
}

/** Device moves and casts that keep a batch what it is: `X[idx].to(device)` samples as `X`. */
const KEEPS_SAMPLE = /^\.(to|cuda|cpu|float|double|long|int|contiguous)\([^()]*\)/;

/**
 * A sample batch for `model.init`, from an argument of a later call site: an array bound
 * before the model (sliced to its first row), or a loop variable over a DataLoader of one.
 */
function sampleFrom(
  arg: string,
  before: string,
  after: string,
  depth = 0,
  torchNames = ['torch']
): string | undefined {
  if (depth > 3) {
    return undefined;
  }
  const stated = statedShape(arg, torchNames);
  if (stated) {
    return stated;
  }
  let expr = arg.trim();
  for (let m = /\.\w+\([^()]*\)$/.exec(expr); m && KEEPS_SAMPLE.test(m[0]);) {
    expr = expr.slice(0, m.index); // `X[idx].to(device)` -> `X[idx]`
    m = /\.\w+\([^()]*\)$/.exec(expr);
  }
  const base = /^(\w+)(\[.*\]|\.\w+\(\))?$/.exec(expr);
  if (!base) {
    return undefined;
  }
  const name = base[1];
  if (boundIn(before, name) && !/^(range|len|list)$/.test(name)) {
    return `${name}[:1]`;
  }
  const text = before + after;
  // `for xb, yb in loader:` / `for (xb,) in loader:` over DataLoader(TensorDataset(X, y))
  const loop = new RegExp(
    `for\\s+\\(?([\\w, ]*\\b${escape(name)}\\b[\\w, ]*)\\)?\\s+in\\s+(\\w+)\\s*:`
  ).exec(text);
  if (loop) {
    const position = loop[1]
      .split(',')
      .map(s => s.trim())
      .indexOf(name);
    const loader = new RegExp(
      `^\\s*${escape(loop[2])}\\s*=\\s*DataLoader\\(\\s*TensorDataset\\(([^)]*)\\)`,
      'm'
    ).exec(before);
    const tensors = loader ? topArgs(loader[1]) : [];
    const t = tensors[position];
    return t && boundIn(before, t) ? `${t}[:1]` : undefined;
  }
  // `xb, yb = X[idx], y[idx]`
  const assign = new RegExp(`^[ \\t]*([\\w, ]*\\b${escape(name)}\\b[\\w, ]*)=(?!=)(.*)$`, 'm').exec(
    after
  );
  if (assign) {
    const names = assign[1].split(',').map(s => s.trim());
    const values = topArgs(assign[2]);
    const value = values.length === names.length ? values[names.indexOf(name)] : undefined;
    return value ? sampleFrom(value, before, after, depth + 1, torchNames) : undefined;
  }
  return undefined;
}

/**
 * `torch.randn(4, 8, 12, 12)` (or rand/zeros/ones/empty, float32, literal sizes): a sample of
 * one row of that shape, `jnp.zeros((1, 8, 12, 12))`, usable before the tensor itself is bound.
 */
function statedShape(arg: string, torchNames: string[]): string | undefined {
  const literal = /^(\w+)\.tensor\((\[[\d\s.,eE+\-[\]]*\])\)$/s.exec(arg.trim());
  if (literal && torchNames.includes(literal[1])) {
    return literalShape(literal[2]);
  }
  const m = /^(\w+)\.(randn|rand|zeros|ones|empty)\((.*)\)$/s.exec(arg.trim());
  if (!m || !torchNames.includes(m[1])) {
    return undefined;
  }
  const args = topArgs(m[3]);
  const sizes = args.filter(a => !/^\w+\s*=/.test(a));
  const keywords = args.filter(a => /^\w+\s*=/.test(a));
  const dims =
    sizes.length === 1 && /^[([]/.test(sizes[0]) ? topArgs(sizes[0].slice(1, -1)) : sizes;
  const dtype = /^dtype\s*=\s*\w+\.(\w+)$/.exec(
    keywords.find(k => /^dtype\s*=/.test(k)) ?? ''
  )?.[1];
  const safe = keywords.every(k => /^(device|requires_grad|dtype)\s*=/.test(k));
  const ints = /^(long|int|int64|int32)$/;
  if (
    !safe ||
    (dtype && !ints.test(dtype) && !/^(float|float32)$/.test(dtype)) ||
    dims.length < 2 ||
    !dims.every(d => /^\d+$/.test(d))
  ) {
    return undefined;
  }
  const kind = dtype && ints.test(dtype) ? ', dtype=jnp.int32' : '';
  return `jnp.zeros((1, ${dims.slice(1).join(', ')})${kind})`;
}

/** `[[1.0, 2.0], [3.0, 4.0]]` (torch.tensor's data, numbers only): a sample of one row of that shape. */
function literalShape(data: string): string | undefined {
  const dims: number[] = [];
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  while (Array.isArray(value)) {
    dims.push(value.length);
    value = value[0];
  }
  if (dims.length < 2 || dims.includes(0)) {
    return undefined;
  }
  const kind = /[.eE]/.test(data) ? '' : ', dtype=jnp.int32'; // torch.tensor of ints is int64
  return `jnp.zeros((1, ${dims.slice(1).join(', ')})${kind})`;
}

/** The arguments of a call's text, by position and by keyword. */
function callArgs(call: Node): { positional: string[]; named: Map<string, string> } {
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (const a of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (a?.type === 'keyword_argument') {
      named.set(a.childForFieldName('name')?.text ?? '', a.childForFieldName('value')?.text ?? '');
    } else if (a && a.type !== 'comment') {
      positional.push(a.text);
    }
  }
  return { positional, named };
}

const FIRST_LAYER = /(?<!\w)(?:Conv\w*|Embedding|LSTM|GRU|RNN|Linear)\(\s*([^,()]+)/;

/** Constructor arguments that conventionally give the width of a model's feature-vector input. */
const INPUT_WIDTH =
  /^(in_features|in_dim|input_dim|in_size|input_features|num_features|n_features|num_inputs|n_inputs|d_in|dim_in)$/;

/** Layers that take more than a feature vector (an image, token ids, a sequence). */
const NOT_VECTOR_INPUT =
  /^torch\.nn\.(Conv\w*|Embedding\w*|LSTM|GRU|RNN|MultiheadAttention|Transformer\w*)$/;

/** Does a module class take feature vectors only: no conv, embedding or sequence layer in it or its module classes? */
function takesVectors(cls: ClassInfo, ctx: HookContext, seen = new Set<string>()): boolean {
  if (seen.has(cls.name)) {
    return true;
  }
  seen.add(cls.name);
  const layers = [...cls.layers.values(), ...[...cls.sequences.values()].flat()];
  return layers.every(layer => {
    const sub = layer ? ctx.symbols.classes.get(layer) : undefined;
    return sub ? takesVectors(sub, ctx, seen) : !layer || !NOT_VECTOR_INPUT.test(layer);
  });
}

/**
 * A sample from the shapes the code states: a model whose first layer is a Linear takes
 * `jnp.zeros((1, in_features))`, with in_features read from the layer, the constructor
 * call or the constructor's default. A model of feature vectors whose first layer is a module
 * of its own (or that has none) takes the width its first constructor argument names
 * (`in_dim`, `in_features`, `num_features`...).
 */
function statedSample(
  right: Node,
  model: string,
  before: string,
  ctx: HookContext
): string | undefined {
  let call: Node | null = right;
  while (
    call?.type === 'call' &&
    /\.(to|cuda|cpu|train|eval|float|double)$/.test(call.childForFieldName('function')?.text ?? '')
  ) {
    call = call.childForFieldName('function')?.childForFieldName('object') ?? null; // Net().to(device)
  }

  if (call?.type !== 'call') {
    return undefined;
  }
  const cls = ctx.symbols.classOf(model);
  let width: string | undefined;
  if (!cls) {
    const m = FIRST_LAYER.exec(call.text);
    width =
      m && /Linear\($/.test(call.text.slice(0, m.index + m[0].length - m[1].length).trimEnd())
        ? m[1].trim()
        : undefined;
  } else {
    const start = before.search(new RegExp(`^class ${cls.name}\\b`, 'm'));
    const body = start < 0 ? '' : before.slice(start).split(/\n(?=\S)/)[0];
    const m = FIRST_LAYER.exec(body);
    const [first] = cls.layers.values();
    let arg: string | undefined;
    if (m && /Linear\(\s*[^,()]+$/.test(m[0]) && !ctx.symbols.classes.has(first ?? '')) {
      arg = m[1].trim();
    } else if (INPUT_WIDTH.test(cls.fields[0] ?? '') && takesVectors(cls, ctx)) {
      // a first layer of the user's own (or none): the constructor's input width, by its name
      arg = cls.fields[0];
    } else {
      return undefined;
    }
    const index = cls.fields.indexOf(arg);
    if (index < 0) {
      width = arg;
    } else {
      const { positional, named } = callArgs(call);
      width =
        named.get(arg) ??
        positional[index] ??
        new RegExp(`def __init__\\([^)]*\\b${arg}\\s*=\\s*([^,)]+)`).exec(body)?.[1]?.trim();
    }
  }
  if (!width || !(/^\d+$/.test(width) || (/^\w+$/.test(width) && boundIn(before, width)))) {
    return undefined;
  }
  ctx.requireImport('jnp');
  return `jnp.zeros((1, ${width}))`;
}

/** `model = Net(...)` -> the same, then `variables = model.init(key, sample)`. */
export function modelInit(node: Node, ctx: HookContext): string | undefined {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (left?.type !== 'identifier' || right?.type !== 'call') {
    return undefined;
  }
  const name = left.text;
  if (!ctx.symbols.instances.has(name) || node.parent?.type !== 'expression_statement') {
    return undefined;
  }
  if (!isTopLevel(node)) {
    ctx.note(
      'warning',
      `${name} is built inside a function: call ${name}.init(key, sample) where it is used`,
      node,
      'model-init'
    );
    ctx.flagCell('partial', `${name} built inside a function: no init`);
    ctx.comment(
      node,
      `Flax: ${variablesOf(name)} = ${name}.init(key, sample) is needed before ${name}.apply`
    );
    return undefined;
  }
  if (ctx.symbols.instances.get(name) === DROPOUT) {
    return undefined; // no variables: applied with `{}`
  }
  const vars = variablesOf(name);
  const sources = notebookSources(ctx);
  const cell = (ctx.state.get('notebook.cell') as number | undefined) ?? 0;
  const own = node.tree.rootNode.text;
  const before = [...sources.slice(0, cell), own.slice(0, node.startIndex)].join('\n');
  const after = laterCode(ctx, node, name);
  const sites = [
    ...callSites(outsideFunctionsTaking(after, name), name),
    ...sitesThroughFunctions(after, name, ctx),
    ...sitesThroughChildren(after, name)
  ];
  // `model.parameters()`, `model.fc.weight`, `model.named_children()` read its variables too
  const reads = new RegExp(
    `(?<![\\w.])${name}\\.(?!(train|eval|to|cuda|cpu|float|double|half)\\()\\w+`
  );
  if (sites.length === 0 && callSites(after, name).length === 0 && !reads.test(after)) {
    return undefined; // nothing reads its variables: no init
  }
  const torchNames = [...ctx.symbols.aliases].filter(([, p]) => p === 'torch').map(([a]) => a);
  let sample = firstSample(ctx, name, after, before, sites, torchNames);
  // a sample bound after the model in this cell (`net = Net()`, `x = ...`, `net(x)`): init after it
  let place: Node = node;
  for (
    let s = node.parent?.nextNamedSibling;
    !sample && s && isTopLevel(s);
    s = s.nextNamedSibling
  ) {
    if (new RegExp(`(?<![\\w.])${escape(name)}\\b`).test(s.text) || !s.nextNamedSibling) {
      break; // the model is used (its variables with it) before any later binding
    }
    const upTo = before + own.slice(node.startIndex, s.endIndex);
    const rest = laterCode(ctx, s, name);
    const later = callSites(outsideFunctionsTaking(rest, name), name);
    sample = firstSample(ctx, name, rest, upTo, later, torchNames);
    place = sample ? s.nextNamedSibling : node;
  }
  if (sample?.startsWith('jnp.')) {
    ctx.requireImport('jnp');
  }
  sample ??= statedSample(right, name, before, ctx);
  ctx.requireImport('jax');
  let key = freshKey(place, ctx);
  const { streams } = modelKind(ctx, name);
  if (streams.length > 0) {
    key = `{'params': ${key}, ${streams.map(k => `'${k}': ${freshKey(place, ctx)}`).join(', ')}}`;
  }
  const indent = indentOf(node);
  const models = (ctx.state.get('models') as Set<string> | undefined) ?? new Set<string>();
  models.add(name);
  ctx.state.set('models', models);
  if (!sample) {
    ctx.note(
      'warning',
      `no sample input found for ${name}.init: supply a batch of inputs`,
      node,
      'model-init'
    );
    ctx.flagCell('partial', `${name}.init needs a sample input`);
    const note = ctx.settings.comments
      ? '  # switcheroo: replace SAMPLE_INPUT by a batch of inputs (e.g. x[:1])'
      : '';
    const torchInit = torchInitLine(node, name, 'SAMPLE_INPUT', ctx);
    return `${ctx.text(node)}\n${indent}${vars} = ${name}.init(${key}, SAMPLE_INPUT)${note}${torchInit ? `\n${indent}${torchInit}` : ''}`;
  }
  ctx.note(
    'info',
    `${name}: parameters live in ${vars}, initialised from ${sample}`,
    node,
    'model-init'
  );
  const torchInit = torchInitLine(node, name, sample, ctx);
  const init = `${vars} = ${name}.init(${key}, ${sample})${torchInit ? `\n${indent}${torchInit}` : ''}`;
  if (place !== node) {
    ctx.insertBefore(place, init);
    return undefined;
  }
  return `${ctx.text(node)}\n${indent}${init}`;
}

/** torch layers used as models that take more than one input: how many `init` needs. */
const INPUTS: Record<string, number> = { 'torch.nn.MultiheadAttention': 3 };

/** The sample of the first call site (of `sites`, or of every call for a layer of several inputs) that gives one. */
function firstSample(
  ctx: HookContext,
  name: string,
  after: string,
  before: string,
  sites: string[],
  torchNames: string[]
): string | undefined {
  const arity = INPUTS[ctx.symbols.instances.get(name) ?? ''] ?? 1;
  const calls =
    arity > 1 ? callsIn(after, name).map(args => args.slice(0, arity)) : sites.map(a => [a]);
  for (const args of calls.slice(0, 8)) {
    // a keyword argument (mask=m) is no input; torch.zeros(2, 3, dtype=d) is one
    const samples = args.map(a =>
      /^\w+\s*=(?!=)/.test(a) ? undefined : sampleFrom(a, before, after, 0, torchNames)
    );
    if (samples.length === arity && samples.every(Boolean)) {
      return samples.join(', ');
    }
  }
  return undefined;
}

/** `model(x)` -> `model.apply(variables, x, ...)`. */
export function modelCall(node: Node, ctx: HookContext): string | undefined {
  return applyModel(node, ctx);
}

/** The apply call of `model(x)`: in the mode of its place, or in evaluation when asked. */
export function applyModel(node: Node, ctx: HookContext, evaluate = false): string | undefined {
  const name = node.childForFieldName('function')?.text ?? '';
  const args = node.childForFieldName('arguments');
  if (!args) {
    return undefined;
  }
  if (isPassedIn(node, name, ctx)) {
    ctx.note(
      'warning',
      `${name} is a function argument here: pass its variables too and call ${name}.apply`,
      node,
      'model-apply'
    );
    ctx.flagCell('partial', `${name}(...) on a model passed as an argument`);
    ctx.comment(
      node,
      `${name} is an argument: pass ${variablesOf(name)} and call ${name}.apply(${variablesOf(name)}, ...)`
    );
    return undefined;
  }
  const kind = modelKind(ctx, name);
  const step = evaluate ? undefined : findStep(node, ctx);
  const mode = evaluate ? 'eval' : modeAt(ctx, node, name, step);
  const trains = mode === 'train' || mode === 'flag'; // (maybe) in training
  const inner = ctx.text(args).slice(1, -1).trim();
  if (ctx.symbols.instances.get(name) === DROPOUT) {
    return dropoutApply(node, name, inner, ctx);
  }
  const vars = step ? `{**${variablesOf(name)}, 'params': params}` : variablesOf(name);
  const extra: string[] = [];
  const streams: string[] = [];
  if (kind.flag) {
    if (mode === 'unknown') {
      ctx.note(
        'info',
        `${name}: no model.train()/model.eval() before this call: evaluation mode (training=False)`,
        node,
        'model-apply'
      );
    }
    const flag = mode === 'flag' ? modeFlag(ctx, node, name) : undefined;
    extra.push(`training=${flag ?? (mode === 'train' ? 'True' : 'False')}`);
    if (trains && kind.dropout) {
      streams.push('dropout');
    }
  }
  streams.push(...kind.streams);
  if (streams.length > 0) {
    const global = !step && (isTopLevel(node) || useGlobalKey(node, ctx));
    const key = step ? step.dropoutKey(ctx) : global ? freshKey(node, ctx) : undefined;
    if (key) {
      extra.push(`rngs={${streams.map(k => `'${k}': ${key}`).join(', ')}}`);
    } else {
      ctx.note(
        'warning',
        `${streams.join(' and ')} RNG inside a function needs a key argument`,
        node,
        'rng'
      );
      ctx.flagCell('partial', 'RNG key inside a function');
      ctx.comment(node, `pass rngs={'${streams[0]}': key} with a fresh key`);
    }
  }
  if (kind.flag && trains && kind.batchStats) {
    extra.push("mutable=['batch_stats']");
  }
  const all = [inner, ...extra].filter(Boolean).join(', ');
  const out = `${name}.apply(${vars}${all ? ', ' : ''}${all})`;
  step?.applied.set(node.startIndex, out); // a call inside a larger rewrite loses its own edit
  return out;
}

const DROPOUT = 'torch.nn.Dropout';

/** A bare `nn.Dropout` in the notebook: torch builds it in training mode, so it drops. */
function dropoutApply(node: Node, name: string, inner: string, ctx: HookContext): string {
  const train = !inNoGrad(node) && (ctx.symbols.modes.get(name) ?? 'train') === 'train';
  if (!train) {
    return `${name}.apply({}, ${inner}, deterministic=True)`;
  }
  const global = isTopLevel(node) || useGlobalKey(node, ctx);
  if (!global) {
    ctx.note('warning', 'dropout RNG inside a function needs a key argument', node, 'rng');
    ctx.flagCell('partial', 'RNG key inside a function');
    ctx.comment(node, "pass rngs={'dropout': key} with a fresh key");
    return `${name}.apply({}, ${inner}, deterministic=False)`;
  }
  return `${name}.apply({}, ${inner}, deterministic=False, rngs={'dropout': ${freshKey(node, ctx)}})`;
}

/**
 * `y = model(x)` in training mode outside a training step, for a model with BatchNorm:
 * `y, updates = model.apply(..., mutable=['batch_stats'])` and the statistics written back.
 */
export function applyAssignment(node: Node, ctx: HookContext): string | undefined {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const fn = right?.type === 'call' ? right.childForFieldName('function') : undefined;
  if (
    !left ||
    !right ||
    fn?.type !== 'identifier' ||
    !ctx.symbols.instances.has(fn.text) ||
    node.parent?.type !== 'expression_statement' ||
    findStep(right, ctx)
  ) {
    return undefined;
  }
  const text = ctx.text(right);
  if (!text.endsWith("mutable=['batch_stats'])")) {
    return undefined;
  }
  const vars = variablesOf(fn.text);
  const out = left.type === 'pattern_list' ? `(${ctx.text(left)})` : ctx.text(left);
  return `${out}, updates = ${text}\n${indentOf(node)}${vars} = {**${vars}, **updates}`;
}

/** torch.nn.Module methods that are not the user's own computation. */
const MODULE_API = new Set(
  'parameters named_parameters buffers named_buffers children named_children modules named_modules state_dict load_state_dict train eval to cuda cpu float double half zero_grad requires_grad_ apply register_buffer register_parameter extra_repr add_module get_submodule'.split(
    ' '
  )
);

/** Module methods over a variables collection: collection, and whether names come with it. */
const COLLECTIONS: Record<string, [string, boolean]> = {
  named_parameters: ['params', true],
  named_buffers: ['batch_stats', true],
  buffers: ['batch_stats', false]
};

/**
 * `p.requires_grad` for `p` looping over a model's parameters (`for p in model.parameters()`,
 * `for name, p in model.named_parameters()`, comprehensions too) is True: optax updates every
 * leaf unless masked. Setting it (freezing) is annotated.
 */
function requiresGradIsTrue(node: Node, method: string, ctx: HookContext): void {
  const loop = node.parent;
  if (
    (loop?.type !== 'for_in_clause' && loop?.type !== 'for_statement') ||
    !loop.childForFieldName('right')?.equals(node)
  ) {
    return;
  }
  const left = loop.childForFieldName('left');
  const names = left?.type === 'identifier' ? [left] : (left?.namedChildren ?? []);
  const arity = method === 'named_parameters' ? 2 : 1;
  const target = names.length === arity ? names[arity - 1] : undefined;
  const scope = loop.type === 'for_statement' ? loop.childForFieldName('body') : loop.parent;
  if (target?.type !== 'identifier' || !scope) {
    return;
  }
  for (const attr of scope.descendantsOfType('attribute')) {
    if (attr?.text !== `${target.text}.requires_grad`) {
      continue;
    }
    const assign = attr.parent?.type === 'assignment' ? attr.parent : undefined;
    if (assign?.childForFieldName('left')?.equals(attr)) {
      const why = `${attr.text} = ...: a JAX array has no requires_grad; freeze leaves in the optimizer (optax.multi_transform with optax.set_to_zero())`;
      ctx.note('warning', why, attr, 'model-params');
      ctx.flagCell('partial', 'requires_grad set on a parameter');
      ctx.comment(attr, why);
      continue;
    }
    ctx.replace(attr, 'True');
    ctx.note(
      'info',
      'every parameter leaf is trained (optax updates all of them unless masked)',
      attr,
      'model-params'
    );
  }
}

/** `model.parameters()` -> the leaves of its params; `model.to(device)` etc. are handled elsewhere. */
export function modelMethod(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const [name, ...path] = chainParts(fn?.childForFieldName('object') ?? null) ?? [''];
  const method = fn?.childForFieldName('attribute')?.text;
  if (!method || isPassedIn(node, name, ctx)) {
    return undefined;
  }
  if (path.length > 0) {
    return submoduleMethod(node, ctx, name, path, method); // `model.body.load_state_dict(s)`
  }
  if (method === 'parameters' || method === 'named_parameters') {
    requiresGradIsTrue(node, method, ctx);
  }
  if (method === 'apply') {
    return moduleApply(node, name, ctx); // `model.apply(init_fn)`
  }
  if (method === 'named_children' || method === 'children') {
    return childrenOf(node, name, ctx);
  }
  if (method === 'parameters') {
    ctx.requireImport('jax');
    // a module with no layers may hold no parameters at all: init then makes no 'params'
    const own = ctx.symbols.classOf(name);
    const params = own?.layers.size === 0 ? ".get('params', {})" : "['params']";
    return `jax.tree_util.tree_leaves(${variablesOf(name)}${params})`;
  }
  if (method === 'state_dict' || method === 'load_state_dict') {
    return modelState(node, ctx, name);
  }
  const collection = COLLECTIONS[method];
  if (collection) {
    const [col, named] = collection;
    ctx.requireImport('jax');
    ctx.comment(node, `${name}.${method}(): Flax's names and layouts (kernel, scale, mean, var)`);
    if (col === 'batch_stats' && registersBuffers(ctx.symbols.classOf(name), ctx)) {
      // torch's buffers are BatchNorm's statistics and the registered ones, two collections here
      const leaves = `for c in ('batch_stats', '${BUFFERS}') for k, v in jax.tree_util.tree_leaves_with_path(${variablesOf(name)}.get(c, {}))`;
      return named
        ? `[(jax.tree_util.keystr(k, simple=True, separator='.'), v) ${leaves}]`
        : `[v ${leaves}]`;
    }
    const vars = `${variablesOf(name)}.get('${col}', {})`;
    return named
      ? `[(jax.tree_util.keystr(k, simple=True, separator='.'), v) for k, v in jax.tree_util.tree_leaves_with_path(${vars})]`
      : `jax.tree_util.tree_leaves(${vars})`;
  }
  const kind = modelKind(ctx, name);
  const args = node.childForFieldName('arguments');
  if (!kind.cls || MODULE_API.has(method) || !args) {
    return undefined;
  }
  const inner = ctx.text(args).slice(1, -1).trim();
  const layer = kind.cls.layers.get(method);
  if (layer && !/BatchNorm|Dropout/.test(layer)) {
    return layerCall(name, `.${method}`, layer, inner); // `net.conv1(x)`: the bound submodule
  }
  // `model.encode(x)`: a method of the module runs through apply
  return methodApply(node, ctx, name, variablesOf(name), kind.cls, '', method)?.text;
}

/** Does a module class, or a module class it holds, register buffers? */
function registersBuffers(
  cls: ClassInfo | undefined,
  ctx: HookContext,
  seen = new Set<string>()
): boolean {
  if (!cls || seen.has(cls.name)) {
    return false;
  }
  seen.add(cls.name);
  const held = [...cls.layers.values(), ...cls.lists.values()];
  return (
    cls.buffers.size > 0 ||
    held.some(layer => registersBuffers(ctx.symbols.classes.get(layer), ctx, seen))
  );
}

/** A method called on a known submodule of a notebook model (`model.body.load_state_dict(s)`); annotated when not converted. */
function submoduleMethod(
  node: Node,
  ctx: HookContext,
  name: string,
  path: string[],
  method: string
): string | undefined {
  const at = submoduleAt(ctx, name, path);
  const receiver = `${name}${path.map(p => (p.startsWith('[') ? p : `.${p}`)).join('')}`;
  if (!at) {
    return undefined; // not a submodule: `net.fc.weight.abs()` is a tensor method
  }
  if (method === 'state_dict' || method === 'load_state_dict') {
    return modelState(node, ctx, name, at.keys);
  }
  const layer = ctx.symbols.classes.get(at.layer ?? '')?.layers.get(method);
  const args = node.childForFieldName('arguments');
  if (layer && args && !/BatchNorm|Dropout/.test(layer)) {
    // `net.blocks[0].fc(x)`: the bound submodule's layer
    return layerCall(name, `${at.access}.${method}`, layer, ctx.text(args).slice(1, -1).trim());
  }
  const vars = variablesOf(name);
  const sub = ctx.symbols.classes.get(at.layer ?? '');
  const out = sub ? methodApply(node, ctx, name, vars, sub, at.access, method) : undefined;
  if (out) {
    return out.text;
  }
  const why = `${receiver}.${method}(...): a Flax submodule's variables live in ${vars}; call it through ${name}.apply(${vars}, ..., method=...)`;
  ctx.note('warning', why, node, 'model-method');
  ctx.flagCell('partial', `${receiver}.${method}(...) not converted`);
  ctx.comment(node, why);
  return undefined;
}
