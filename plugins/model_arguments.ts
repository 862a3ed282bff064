/**
 * Functions that take a model (and its optimizer) as arguments: `def train(model, loader,
 * optimizer)`. A Flax module holds no parameters, so the function also takes the model's
 * variables and the optimizer's state, each right after its owner, and a function that
 * trains returns the new ones after its own result. Its call sites pass and rebind them:
 * `loss = train(model, loader, opt)` -> `loss, variables, opt_state = train(model, variables,
 * loader, opt, opt_state)`. Inside, the parameters are the models and optimizers their call
 * sites pass, so the model and training-step hooks convert the body as at notebook level.
 */
import type { Node } from 'web-tree-sitter';
import { notebookMemo, type HookContext } from '../src/engine/context';
import type { ModelFunction } from '../src/engine/symbols';
import { argumentFor, callSites, callsIn, variablesOf } from './model_apply';
import { optimizers, stateOf, type OptimizerInfo } from './training_step';

/** The hook that rewrites the function's call sites (registered in plugins/index.ts). */
const CALL_HOOK = 'model_function.call';

function paramName(p: Node): string | undefined {
  if (p.type === 'identifier') {
    return p.text;
  }
  const first = p.namedChildren[0];
  return /^(default|typed|typed_default)_parameter$/.test(p.type) && first?.type === 'identifier'
    ? first.text
    : undefined;
}

function parameters(fn: Node): Node[] {
  return (fn.childForFieldName('parameters')?.namedChildren ?? []).filter(
    (p): p is Node => !!p && p.type !== 'comment'
  );
}

/** Return statements of the function itself (not of nested functions, lambdas or classes). */
function returnsOf(fn: Node): Node[] {
  const out: Node[] = [];
  const visit = (n: Node) => {
    for (const c of n.namedChildren) {
      if (!c || /^(function_definition|class_definition|lambda)$/.test(c.type)) {
        continue;
      }
      if (c.type === 'return_statement') {
        out.push(c);
      }
      visit(c);
    }
  };
  const body = fn.childForFieldName('body');
  if (body) {
    visit(body);
  }
  return out;
}

/**
 * The module class a model parameter receives: from the function's call sites anywhere in
 * the notebook (an instance name bound to `Class(...)`), or the notebook model of that name.
 */
function classPassed(fnName: string, index: number, param: string, ctx: HookContext): string {
  const calls = notebookMemo(ctx, `calls:${fnName}`, text => callsIn(text, fnName));
  for (const args of calls) {
    const arg = argumentFor(args, param, index);
    if (!arg || !/^\w+$/.test(arg)) {
      continue;
    }
    const known = ctx.symbols.instances.get(arg);
    if (known) {
      return known;
    }
    // a model the notebook builds later, from a module class (maybe defined later too)
    const { bindings, modules } = notebookMemo(ctx, 'model_arguments.bindings', laterModels);
    const bound = bindings.get(arg);
    if (bound && (ctx.symbols.classes.get(bound)?.isModule ?? modules.has(bound))) {
      return bound;
    }
  }
  return ctx.symbols.instances.get(param) ?? '';
}

/** Each name's first `name = Callable(` binding, and the classes defined as nn.Module subclasses. */
function laterModels(text: string): { bindings: Map<string, string>; modules: Set<string> } {
  const bindings = new Map<string, string>();
  for (const m of text.matchAll(/^[ \t]*(\w+)\s*=\s*([\w.]+)\(/gm)) {
    if (!bindings.has(m[1])) {
      bindings.set(m[1], m[2]);
    }
  }
  const modules = new Set([...text.matchAll(/^class (\w+)\([\w.]*Module\)/gm)].map(m => m[1]));
  return { bindings, modules };
}

/** Before the body of a plain function: which parameters are models and optimizers. */
export function functionEnter(fn: Node, ctx: HookContext): string | undefined {
  const name = fn.childForFieldName('name')?.text;
  const body = fn.childForFieldName('body')?.text ?? '';
  if (!name) {
    return undefined;
  }
  const params = parameters(fn).map(paramName);
  const info: ModelFunction = {
    params: params.map(p => p ?? ''),
    optional: parameters(fn)
      .filter(p => /default_parameter$/.test(p.type))
      .map(p => paramName(p) ?? ''),
    models: new Map(),
    optimizers: new Map(),
    returns: [],
    hasValue: false
  };
  params.forEach((p, index) => {
    const used = p && new RegExp(`(?<![\\w.])${p}(\\(|\\.(train|eval|parameters)\\()`).test(body);
    const cls = used ? classPassed(name, index, p, ctx) : '';
    if (p && cls) {
      info.models.set(p, { index, cls, inputs: callSites(body, p) });
    }
  });
  if (info.models.size === 0) {
    ctx.symbols.modelFunctions.delete(name); // redefined without model arguments
    if (ctx.symbols.functionHooks.get(name) === CALL_HOOK) {
      ctx.symbols.functionHooks.delete(name);
    }
    return undefined;
  }
  const [only] = info.models.keys();
  params.forEach((p, index) => {
    if (p && info.models.size === 1 && new RegExp(`(?<![\\w.])${p}\\.step\\(\\s*\\)`).test(body)) {
      info.optimizers.set(p, { index, model: only });
    }
  });
  const trains = /\.step\(\s*\)/.test(body);
  for (const [p, { cls }] of info.models) {
    const statistics = !!ctx.symbols.classes.get(cls)?.hasBatchStats && /\.train\(/.test(body);
    if (trains || statistics) {
      info.returns.push(p);
    }
  }
  info.returns.push(...info.optimizers.keys());
  info.hasValue = returnsOf(fn).some(r => r.namedChildren.some(c => c?.type !== 'comment'));
  ctx.symbols.modelFunctions.set(name, info);
  ctx.symbols.functionHooks.set(name, CALL_HOOK);
  // In the body the parameters name these models and optimizers; restored after it.
  const saved: (() => void)[] = [];
  for (const [p, { cls }] of info.models) {
    const before = ctx.symbols.instances.get(p);
    ctx.symbols.instances.set(p, cls);
    saved.push(() =>
      before === undefined ? ctx.symbols.instances.delete(p) : ctx.symbols.instances.set(p, before)
    );
  }
  const table = optimizers(ctx);
  for (const [p, { model }] of info.optimizers) {
    const before = table.get(p);
    table.set(p, { state: stateOf(p), model });
    saved.push(() => (before === undefined ? table.delete(p) : table.set(p, before)));
  }
  ctx.state.set(`model_function:${fn.startIndex}`, saved);
  return undefined;
}

/** The name each returned parameter's state has: variables of a model, state of an optimizer. */
function stateName(info: ModelFunction, param: string): string {
  return info.models.has(param) ? variablesOf(param) : stateOf(param);
}

/** After the body: the signature gains the variables and states, the returns carry them. */
export function functionLeave(fn: Node, ctx: HookContext): string | undefined {
  const name = fn.childForFieldName('name')?.text ?? '';
  const info = ctx.symbols.modelFunctions.get(name);
  const saved = ctx.state.get(`model_function:${fn.startIndex}`) as (() => void)[] | undefined;
  if (!info || !saved) {
    return undefined;
  }
  ctx.state.delete(`model_function:${fn.startIndex}`);
  saved.forEach(restore => restore());
  for (const p of parameters(fn)) {
    const param = paramName(p) ?? '';
    if (info.models.has(param) || info.optimizers.has(param)) {
      // an optional model or optimizer (`optimizer=None`) has optional state
      const optional = /default_parameter$/.test(p.type) ? '=None' : '';
      ctx.replace(p, `${ctx.text(p)}, ${stateName(info, param)}${optional}`);
    }
  }
  if (info.returns.length === 0) {
    return undefined;
  }
  const states = info.returns.map(p => stateName(info, p)).join(', ');
  for (const r of returnsOf(fn)) {
    const value = r.namedChildren.find(c => c?.type !== 'comment');
    const v = value ? ctx.text(value) : 'None';
    const wrapped = value?.type === 'expression_list' ? `(${v})` : v;
    ctx.replace(r, info.hasValue ? `return ${wrapped}, ${states}` : `return ${states}`);
  }
  const body = fn.childForFieldName('body');
  const last = body?.namedChildren.filter(c => c?.type !== 'comment').pop();
  if (last && last.type !== 'return_statement') {
    const ret = info.hasValue ? `return None, ${states}` : `return ${states}`;
    ctx.replace(last, `${ctx.text(last)}\n${ctx.indentOf(last)}${ret}`);
  }
  ctx.note(
    'info',
    `${name} takes ${[...info.models.keys(), ...info.optimizers.keys()].map(p => `${p}'s ${stateName(info, p)}`).join(' and ')}${info.returns.length ? ` and returns ${states}` : ''}`,
    fn,
    'model-function'
  );
  return undefined;
}

/** `train(model, loader, opt)` -> the variables and states passed, and rebound when returned. */
export function modelFunctionCall(node: Node, ctx: HookContext): string | undefined {
  const name = node.childForFieldName('function')?.text ?? '';
  const info = ctx.symbols.modelFunctions.get(name);
  const args = node.childForFieldName('arguments');
  if (!info || !args) {
    return undefined;
  }
  const items = args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment');
  const table = optimizers(ctx);
  /** The state the argument passed for `param` carries, or why there is none. */
  const stateFor = (param: string, arg: Node | undefined): string | undefined => {
    const value = arg?.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
    if (value?.type !== 'identifier') {
      return undefined;
    }
    if (info.models.has(param)) {
      return ctx.symbols.instances.has(value.text) ? variablesOf(value.text) : undefined;
    }
    return (table.get(value.text) as OptimizerInfo | undefined)?.state;
  };
  const out: string[] = [];
  const passed = new Map<string, string>();
  const slots = [...info.models, ...info.optimizers];
  const slotIndex = (p: string) => (info.models.get(p) ?? info.optimizers.get(p))?.index ?? -1;
  items.forEach((arg, i) => {
    out.push(ctx.text(arg));
    const keyword = arg.type === 'keyword_argument' ? arg.childForFieldName('name')?.text : '';
    const slot = slots.find(([p, s]) => (keyword ? p === keyword : s.index === i));
    if (!slot) {
      return;
    }
    const state = stateFor(slot[0], arg);
    if (state) {
      passed.set(slot[0], state);
      out.push(keyword ? `${stateName(info, slot[0])}=${state}` : state);
    }
  });
  // a parameter with a default that the call leaves out keeps it, and its state its None
  const optional = new Set(info.optional);
  const omitted = (p: string, index: number) =>
    optional.has(p) &&
    !items.some((a, i) =>
      a.type === 'keyword_argument' ? a.childForFieldName('name')?.text === p : i === index
    );
  const missing = slots.map(([p]) => p).filter(p => !passed.has(p) && !omitted(p, slotIndex(p)));
  if (missing.length > 0) {
    const why = `${name}(...): pass ${missing.map(p => `${p}'s ${stateName(info, p)}`).join(' and ')} (the argument is not a model or optimizer of this notebook)`;
    ctx.note('warning', why, node, 'model-function');
    ctx.flagCell('partial', `${name}: model state not passed`);
    ctx.comment(node, why);
    return undefined;
  }
  const call = `${name}(${out.join(', ')})`;
  if (info.returns.length === 0) {
    return call;
  }
  const rebound = info.returns.map(p => passed.get(p) ?? '_').join(', ');
  const parent = node.parent;
  const stmt = parent?.parent;
  if (parent?.type === 'expression_statement') {
    return `${info.hasValue ? '_, ' : ''}${rebound} = ${call}`;
  }
  const left = parent?.type === 'assignment' ? parent.childForFieldName('left') : undefined;
  if (left && stmt?.type === 'expression_statement' && info.hasValue) {
    const target = left.type === 'pattern_list' ? `(${ctx.text(left)})` : ctx.text(left);
    ctx.replace(left, `${target}, ${rebound}`);
    return call;
  }
  const why = `${name} returns the new ${rebound}: assign them (x, ${rebound} = ${name}(...))`;
  ctx.note('warning', why, node, 'model-function');
  ctx.flagCell('partial', `${name}: new model state not assigned`);
  ctx.comment(node, why);
  return call;
}
