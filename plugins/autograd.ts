/**
 * Autograd on plain tensors. Leaves are the names bound to `...requires_grad=True` or
 * `.requires_grad_()`. `y.backward()` becomes a function of the leaves that recomputes y
 * (the statements of the block y depends on) and `x_grad = jax.grad(fn)(x)`; `x.grad`
 * reads become `x_grad`. torch accumulates gradients: a backward while `x_grad` holds a
 * value (not zeroed or set to None since) adds to it. `torch.autograd.grad` becomes
 * jax.grad (jax.vjp with grad_outputs). A function that reads leaves as globals gets them as
 * parameters (jax.grad differentiates arguments only), and its calls pass them. A function
 * that updates the leaves of a list argument in a loop (`for p in params: p.data.add_(...)`)
 * takes their gradients too and returns the new leaves and gradients, which its calls rebind.
 * Anything else is left annotated.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { splitArgs } from './args';

/** Leaf name -> whether its `_grad` variable holds a value at this point of the notebook. */
function leaves(ctx: HookContext): Map<string, boolean> {
  let map = ctx.state.get('autograd.leaves') as Map<string, boolean> | undefined;
  if (!map) {
    map = new Map();
    ctx.state.set('autograd.leaves', map);
  }
  return map;
}

const gradName = (leaf: string) => `${leaf}_grad`;

function table<T>(ctx: HookContext, key: string): Map<string, T> {
  let map = ctx.state.get(key) as Map<string, T> | undefined;
  if (!map) {
    map = new Map();
    ctx.state.set(key, map);
  }
  return map;
}

/** Functions that read leaves as globals -> those leaves (now their trailing parameters). */
const readers = (ctx: HookContext) => table<string[]>(ctx, 'autograd.readers');
/** Names bound to a list of leaves: `params = [W, b]`. */
const leafLists = (ctx: HookContext) => table<string[]>(ctx, 'autograd.lists');

interface Updater {
  /** Position of the list parameter, and its name. */
  index: number;
  list: string;
  /** The loop zeroes (or sets to None) each gradient. */
  resets: boolean;
}
const updaters = (ctx: HookContext) => table<Updater>(ctx, 'autograd.updaters');

/** Names read, plus the leaves that the reader functions called among them read. */
function withReaders(names: Set<string>, ctx: HookContext): Set<string> {
  for (const n of [...names]) {
    readers(ctx)
      .get(n)
      ?.forEach(l => names.add(l));
  }
  return names;
}

/** Identifiers an expression reads (not attribute names, not keyword names). */
function reads(node: Node, out = new Set<string>()): Set<string> {
  if (node.type === 'identifier') {
    out.add(node.text);
    return out;
  }
  for (const child of node.namedChildren) {
    if (!child) {
      continue;
    }
    if (node.type === 'attribute' && child.equals(node.childForFieldName('attribute') as Node)) {
      continue;
    }
    if (node.type === 'keyword_argument' && child.equals(node.childForFieldName('name') as Node)) {
      continue;
    }
    reads(child, out);
  }
  return out;
}

/** Names an assignment statement binds, and the expression it reads. */
function assignmentOf(stmt: Node): { defs: Set<string>; uses: Set<string> } | undefined {
  const inner = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
  if (!inner || (inner.type !== 'assignment' && inner.type !== 'augmented_assignment')) {
    return undefined;
  }
  const left = inner.childForFieldName('left');
  const right = inner.childForFieldName('right');
  if (!left || !right || !/^(identifier|pattern_list|tuple_pattern)$/.test(left.type)) {
    return undefined;
  }
  const defs = reads(left);
  const uses = reads(right);
  if (inner.type === 'augmented_assignment') {
    defs.forEach(d => uses.add(d));
  }
  return { defs, uses };
}

/** Names a target binds: `a`, `a, (b, c)`; not `a.grad` or `a[i]`, which rebind nothing. */
function targets(node: Node, out: Set<string>): void {
  if (node.type === 'identifier') {
    out.add(node.text);
  } else if (
    /^(pattern_list|tuple_pattern|list_pattern|parenthesized_expression)$/.test(node.type)
  ) {
    node.namedChildren.forEach(c => c && targets(c, out));
  }
}

/** Names any assignment inside a (compound) statement binds. */
function boundInside(node: Node, out = new Set<string>()): Set<string> {
  if (node.type === 'assignment' || node.type === 'augmented_assignment') {
    const left = node.childForFieldName('left');
    if (left) {
      targets(left, out);
    }
  }
  node.namedChildren.forEach(c => c && boundInside(c, out));
  return out;
}

interface Slice {
  statements: Node[];
  leaves: string[];
}

/**
 * The statements before `stmt` in its block that `expr` depends on, back to the leaves'
 * definitions; undefined when a needed name is bound by something other than a plain
 * assignment (a loop, a with block), which a recomputation could not reproduce.
 */
function sliceOf(stmt: Node, expr: Node, ctx: HookContext): Slice | undefined {
  const known = leaves(ctx);
  const needed = withReaders(reads(expr), ctx);
  const used = new Set(needed);
  const statements: Node[] = [];
  for (let prev = stmt.previousNamedSibling; prev; prev = prev.previousNamedSibling) {
    if (prev.type === 'comment' || prev.type === 'function_definition') {
      continue;
    }
    const assign = assignmentOf(prev);
    const defs = assign?.defs ?? boundInside(prev);
    const hit = [...defs].filter(d => needed.has(d));
    if (hit.length === 0) {
      continue;
    }
    if (hit.some(d => known.has(d))) {
      if (hit.every(d => known.has(d)) && assign?.defs.size === 1) {
        hit.forEach(d => needed.delete(d)); // the leaf's own definition: a parameter of the function
        continue;
      }
      return undefined;
    }
    if (!assign) {
      return undefined;
    }
    statements.unshift(prev);
    withReaders(assign.uses, ctx).forEach(u => {
      needed.add(u);
      used.add(u);
    });
  }
  const found = [...known.keys()].filter(l => used.has(l));
  return found.length > 0 ? { statements, leaves: found } : undefined;
}

/** `def name(leaves):` + the slice + `return expr`, at `indent`. */
function functionText(
  name: string,
  slice: Slice,
  result: string,
  indent: string,
  ctx: HookContext
): string | undefined {
  const inner = `${indent}    `;
  const body: string[] = [];
  for (const s of slice.statements) {
    const text = ctx.text(s);
    if (/'''|"""/.test(text)) {
      return undefined; // re-indenting could change a string
    }
    const lines = text.split('\n');
    body.push(inner + lines[0], ...lines.slice(1).map(l => (l.trim() ? `    ${l}` : l)));
  }
  body.push(`${inner}return ${result}`);
  return [`${indent}def ${name}(${slice.leaves.join(', ')}):`, ...body].join('\n');
}

/** `jax.grad(fn)(a)`, `jax.grad(fn, argnums=(0, 1))(a, b)`, or the vjp with a cotangent. */
function gradCall(fn: string, args: string[], cotangent?: string): string {
  const list = args.join(', ');
  if (cotangent) {
    const all = args.length === 1 ? '[0]' : '';
    return `jax.vjp(${fn}, ${list})[1](${cotangent})${all}`;
  }
  const argnums =
    args.length === 1 ? '' : `, argnums=(${args.map((_, i) => String(i)).join(', ')})`;
  return `jax.grad(${fn}${argnums})(${list})`;
}

function loopOf(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'for_statement' || p.type === 'while_statement') {
      return p;
    }
    if (p.type === 'function_definition') {
      return undefined;
    }
  }
  return undefined;
}

function resetsGrad(loop: Node, leaf: string, ctx: HookContext): boolean {
  const esc = leaf.replace(/\W/g, '');
  if (new RegExp(`\\b${esc}\\.grad(\\.zero_\\(\\)|\\s*=\\s*None)`).test(loop.text)) {
    return true;
  }
  // `sgd_step(params, lr)` with params holding the leaf, and sgd_step zeroing each gradient
  const lists = [...leafLists(ctx)].filter(([, members]) => members.includes(leaf));
  return [...updaters(ctx)].some(
    ([f, u]) =>
      u.resets && lists.some(([l]) => new RegExp(`\\b${f}\\([^)]*\\b${l}\\b`).test(loop.text))
  );
}

/** Record leaves: `x = torch.tensor(..., requires_grad=True)`, `w = (...).requires_grad_()`. */
export function leafAssignment(node: Node, ctx: HookContext): string | undefined {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (left?.type !== 'identifier' || !right) {
    return undefined;
  }
  const members = right.type === 'list' ? right.namedChildren : [];
  if (/requires_grad\s*=\s*True|\.requires_grad_\(\s*(True)?\s*\)$/.test(right.text)) {
    leaves(ctx).set(left.text, false);
  } else if (members.length > 0 && members.every(m => m && leaves(ctx).has(m.text))) {
    leafLists(ctx).set(
      left.text,
      members.map(m => m?.text ?? '')
    );
  } else if (loopOf(node) === undefined) {
    leaves(ctx).delete(left.text); // rebound to something that is not a leaf
    leafLists(ctx).delete(left.text);
  }
  return undefined;
}

/** `y.backward()` -> a function of the leaves recomputing y, and jax.grad of it. */
export function backwardOfLeaves(node: Node, ctx: HookContext): string | undefined {
  const call = node.namedChildren[0];
  const fn = call?.type === 'call' ? call.childForFieldName('function') : undefined;
  const target = fn?.childForFieldName('object');
  if (
    node.namedChildren.length !== 1 ||
    !call ||
    !target ||
    fn?.childForFieldName('attribute')?.text !== 'backward'
  ) {
    return undefined;
  }
  const { positional, keywords } = splitArgs(call, ctx);
  const cotangent = keywords.get('gradient') ?? positional[0];
  const slice = sliceOf(node, target, ctx);
  const known = leaves(ctx);
  if (!slice) {
    if (known.size > 0) {
      // e.g. the leaves are globals a helper reads: jax.grad only differentiates its arguments
      const why = `${fn.text}(): no leaf (${[...known.keys()].join(', ')}) is an argument of the computation in this block; jax.grad needs them as function arguments`;
      ctx.note('warning', why, node, 'autograd');
      ctx.flagCell('partial', 'autograd (.backward()) not converted');
    }
    return undefined; // the training-step hook annotates it
  }
  const loop = loopOf(node);
  const accumulating = loop ? slice.leaves.filter(l => !resetsGrad(loop, l, ctx)) : [];
  if (accumulating.length > 0) {
    const why = `${fn.text}() in a loop that never resets ${accumulating.map(l => `${l}.grad`).join(', ')}: torch accumulates across iterations; add the gradients explicitly`;
    ctx.note('warning', why, node, 'autograd');
    ctx.flagCell('partial', 'accumulating .backward() not converted');
    ctx.comment(node, why);
    return ctx.text(node);
  }
  const indent = ctx.indentOf(node);
  const name = target.type === 'identifier' ? `_${target.text}_fn` : '_backward_fn';
  const def = functionText(name, slice, ctx.text(target), indent, ctx);
  if (!def) {
    return undefined;
  }
  ctx.requireImport('jax');
  const grads = gradCall(name, slice.leaves, cotangent);
  const lines = [def.slice(indent.length)];
  if (slice.leaves.length === 1) {
    const [leaf] = slice.leaves;
    const g = gradName(leaf);
    lines.push(`${indent}${g} = ${known.get(leaf) ? `${g} + ` : ''}${grads}`);
  } else if (slice.leaves.every(l => !known.get(l))) {
    lines.push(`${indent}${slice.leaves.map(gradName).join(', ')} = ${grads}`);
  } else {
    lines.push(`${indent}_grads = ${grads}`);
    slice.leaves.forEach((l, i) => {
      const g = gradName(l);
      lines.push(`${indent}${g} = ${known.get(l) ? `${g} + ` : ''}_grads[${i}]`);
    });
  }
  slice.leaves.forEach(l => known.set(l, true));
  const extra = [...keywords.keys()].filter(k => k !== 'gradient');
  ctx.note(
    'info',
    `${fn.text}(): gradients of ${slice.leaves.join(', ')} by jax.grad of the computation` +
      (extra.length ? ` (${extra.join(', ')} dropped: JAX keeps no graph)` : ''),
    node,
    'autograd'
  );
  return lines.join('\n');
}

/** `x.grad` -> `x_grad` (None before any backward), and the autograd flags -> constants. */
export function gradAttribute(node: Node, ctx: HookContext): string | undefined {
  const name = node.childForFieldName('attribute')?.text;
  const object = node.childForFieldName('object');
  if (
    !object ||
    !name ||
    !/^(grad|requires_grad|is_leaf|grad_fn)$/.test(name) ||
    ctx.resolve(node) !== undefined // torch.autograd.grad and the like
  ) {
    return undefined;
  }
  const known = leaves(ctx);
  if (name === 'grad' && object.type === 'identifier' && updaterLoopOf(object)) {
    return gradName(object.text); // `p.grad` in `for p in params:` of an updater: its gradient
  }
  if (name === 'grad') {
    if (object.type !== 'identifier' || !known.has(object.text)) {
      const why = `${node.text} is not the gradient of a recognised leaf (a name bound with requires_grad=True): no JAX form; left as is`;
      ctx.note('warning', why, node, 'autograd');
      ctx.flagCell('partial', '.grad of an unrecognised tensor');
      ctx.comment(node, why);
      return ctx.text(node); // reported here: no second report from the knowledge base
    }
    const assigned =
      node.parent?.type === 'assignment' && node.parent.childForFieldName('left')?.equals(node);
    if (assigned) {
      const value = node.parent?.childForFieldName('right')?.text.trim();
      known.set(object.text, value !== 'None');
      return gradName(object.text);
    }
    const holder = node.parent?.type === 'attribute' ? node.parent.parent : undefined;
    if (
      holder?.type === 'call' &&
      /\.zero_$/.test(holder.childForFieldName('function')?.text ?? '')
    ) {
      known.set(object.text, true); // zero_() leaves a zero gradient to accumulate into
    }
    return known.get(object.text) ? gradName(object.text) : 'None';
  }
  if (known.size === 0) {
    return undefined; // no autograd on plain tensors here (model parameters have their own hooks)
  }
  const why = `JAX arrays carry no autograd state: ${name} is read from the code`;
  ctx.note('info', why, node, 'autograd');
  ctx.comment(node, `JAX arrays carry no autograd state; .${name} read from the code`);
  if (name === 'grad_fn') {
    return 'None';
  }
  const tracked = tracks(object, ctx);
  const value = name === 'requires_grad' ? tracked : !tracked || known.has(object.text);
  return value ? 'True' : 'False';
}

/** Does this value depend on a leaf (outside no_grad / detach)? Decided from the code. */
function tracks(object: Node, ctx: HookContext): boolean {
  const known = leaves(ctx);
  if (object.type === 'identifier' && known.has(object.text)) {
    return true;
  }
  const depends = (expr: Node) =>
    !/\.detach\(|stop_gradient/.test(expr.text) && [...reads(expr)].some(n => known.has(n));
  if (object.type !== 'identifier') {
    return depends(object);
  }
  const stmt = statementOf(object);
  for (let prev = stmt.previousNamedSibling; prev; prev = prev.previousNamedSibling) {
    const assign = assignmentOf(prev);
    if (assign?.defs.has(object.text)) {
      const right = prev.namedChildren[0]?.childForFieldName('right');
      return !!right && depends(right);
    }
    if (!assign && boundInside(prev).has(object.text)) {
      return !/no_grad|inference_mode/.test(prev.text.split('\n')[0]);
    }
  }
  return false;
}

function statementOf(node: Node): Node {
  let current = node;
  while (current.parent && !['block', 'module'].includes(current.parent.type)) {
    current = current.parent;
  }
  return current;
}

/** `torch.autograd.grad(y, x)` -> `(jax.grad(fn)(x),)`, fn recomputing y from x. */
export function autogradGrad(node: Node, ctx: HookContext): string | undefined {
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment'
  );
  const keyword = (k: string) =>
    args
      .find(a => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === k)
      ?.childForFieldName('value') ?? undefined;
  const positional = args.filter(a => a.type !== 'keyword_argument');
  const outputs = positional[0] ?? keyword('outputs');
  const inputs = positional[1] ?? keyword('inputs');
  const cotangent = positional[2] ?? keyword('grad_outputs');
  const names =
    inputs?.type === 'identifier'
      ? [inputs.text]
      : inputs && /^(list|tuple)$/.test(inputs.type)
        ? inputs.namedChildren.map(n => (n?.type === 'identifier' ? n.text : ''))
        : [];
  if (!outputs || outputs.type !== 'identifier' || names.length === 0 || names.includes('')) {
    return undefined;
  }
  const stmt = statementOf(node);
  // the inputs are the function's parameters whether or not they are recorded leaves
  const known = leaves(ctx);
  const added = names.filter(n => !known.has(n));
  added.forEach(n => known.set(n, false));
  const slice = sliceOf(stmt, outputs, ctx);
  added.forEach(n => known.delete(n));
  if (!slice) {
    return undefined;
  }
  slice.leaves = names;
  const fn = `_${outputs.text}_fn`;
  const def = functionText(fn, slice, outputs.text, ctx.indentOf(stmt), ctx);
  if (!def) {
    return undefined;
  }
  ctx.requireImport('jax');
  ctx.insertBefore(node, def.slice(ctx.indentOf(stmt).length));
  const grads = gradCall(fn, names, cotangent ? ctx.text(cotangent) : undefined);
  ctx.note(
    'info',
    'torch.autograd.grad -> jax.grad of a function recomputing the output (create_graph and retain_graph are not needed: JAX keeps no graph)',
    node,
    'autograd'
  );
  return names.length === 1 ? `(${grads},)` : grads;
}

/**
 * The knowledge-base path for the same attributes (after the structural pass declined):
 * without plain-tensor leaves, model-parameter hooks own `.requires_grad`, so the text stays.
 */
export function gradAttributeEntry(node: Node, ctx: HookContext): string | undefined {
  return gradAttribute(node, ctx) ?? (leaves(ctx).size === 0 ? ctx.text(node) : undefined);
}

function parameterNodes(fn: Node): Node[] {
  return (fn.childForFieldName('parameters')?.namedChildren ?? []).filter(
    (p): p is Node => !!p && p.type !== 'comment'
  );
}

interface UpdaterLoop {
  loop: Node;
  /** The loop variable (`p`), the list parameter it runs over (`params`) and its position. */
  variable: string;
  list: string;
  index: number;
}

/**
 * `def f(params, lr): for p in params: <updates p, reads p.grad>` as the function's last
 * statement, with nothing that leaves the loop early or returns a value: the shape an
 * updater of leaves has, which the function conversion rewrites to return the new values.
 */
function updaterLoop(fn: Node): UpdaterLoop | undefined {
  const body = fn.childForFieldName('body');
  const holder = fn.parent?.type === 'decorated_definition' ? fn.parent.parent : fn.parent;
  if (holder?.type !== 'module' || !body) {
    return undefined;
  }
  const loop = body.namedChildren.filter(c => c && c.type !== 'comment').pop();
  const left = loop?.childForFieldName('left');
  const right = loop?.childForFieldName('right');
  const params = parameterNodes(fn).map(p => (p.type === 'identifier' ? p.text : ''));
  if (
    loop?.type !== 'for_statement' ||
    loop.childForFieldName('alternative') ||
    left?.type !== 'identifier' ||
    right?.type !== 'identifier' ||
    !params.includes(right.text) ||
    /\b(return|yield|break|continue|global|nonlocal)\b/.test(body.text) ||
    !new RegExp(`\\b${left.text}\\.grad\\b`).test(loop.text)
  ) {
    return undefined;
  }
  return { loop, variable: left.text, list: right.text, index: params.indexOf(right.text) };
}

/** The updater loop whose variable this identifier is (inside the loop's body), if any. */
export function updaterLoopOf(name: Node): UpdaterLoop | undefined {
  for (let p = name.parent; p; p = p.parent) {
    if (p.type === 'function_definition') {
      const found = updaterLoop(p);
      const body = found?.loop.childForFieldName('body');
      const inside = body && body.startIndex <= name.startIndex && name.endIndex <= body.endIndex;
      return inside && found?.variable === name.text ? found : undefined;
    }
  }
  return undefined;
}

/**
 * After a plain function's body: a function reading leaves as globals gets them as trailing
 * parameters; an updater of a list of leaves takes their gradients and returns both lists.
 */
export function leafFunction(fn: Node, ctx: HookContext): string | undefined {
  const name = fn.childForFieldName('name')?.text;
  const body = fn.childForFieldName('body');
  const holder = fn.parent?.type === 'decorated_definition' ? fn.parent.parent : fn.parent;
  if (!name || !body || holder?.type !== 'module') {
    return undefined; // call sites are found by name: notebook-level functions only
  }
  if (ctx.symbols.functionHooks.get(name)?.startsWith('autograd.')) {
    ctx.symbols.functionHooks.delete(name); // redefined: the earlier definition's calls no longer apply
    readers(ctx).delete(name);
    updaters(ctx).delete(name);
  }
  const updater = updaterLoop(fn);
  if (updater) {
    updaterFunction(fn, name, updater, ctx);
    return undefined;
  }
  const known = leaves(ctx);
  const params = parameterNodes(fn);
  const local = boundInside(body);
  params.forEach(p =>
    local.add(p.type === 'identifier' ? p.text : (p.namedChildren[0]?.text ?? ''))
  );
  const read = withReaders(reads(body), ctx);
  const used = [...known.keys()].filter(l => read.has(l) && !local.has(l));
  if (used.length === 0) {
    return undefined;
  }
  if (params.some(p => p.type !== 'identifier') || /\b(global|nonlocal|yield)\b/.test(body.text)) {
    const why = `${name} reads ${used.join(', ')} as globals and has default, star or global names: not given them as parameters, so jax.grad cannot differentiate through it`;
    ctx.note('warning', why, fn, 'autograd');
    return undefined;
  }
  used.forEach(l => ctx.injectSignatureArg(fn, l));
  readers(ctx).set(name, used);
  ctx.symbols.functionHooks.set(name, 'autograd.reader_call');
  ctx.note(
    'info',
    `${name} reads ${used.join(', ')} as globals: they become its parameters (jax.grad differentiates arguments only) and its calls pass them`,
    fn,
    'autograd'
  );
  return undefined;
}

/** `predict(xb)` -> `predict(xb, W, b)`: the leaves the function reads, passed. */
export function readerCall(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const args = node.childForFieldName('arguments');
  const extra = fn ? readers(ctx).get(fn.text) : undefined;
  const items = args?.namedChildren.filter((a): a is Node => !!a) ?? [];
  if (!fn || !extra || args?.type !== 'argument_list' || items.some(a => a.type === 'comment')) {
    return undefined;
  }
  const positional = items.every(a => !/keyword_argument|splat/.test(a.type));
  const added = extra.map(l => (positional ? l : `${l}=${l}`));
  return `${ctx.text(fn)}(${[...items.map(a => ctx.text(a)), ...added].join(', ')})`;
}

function updaterFunction(fn: Node, name: string, u: UpdaterLoop, ctx: HookContext): void {
  const { loop, variable: v, list: l } = u;
  const left = loop.childForFieldName('left') as Node;
  const right = loop.childForFieldName('right') as Node;
  const param = parameterNodes(fn)[u.index];
  const last = loop
    .childForFieldName('body')
    ?.namedChildren.filter(c => c && c.type !== 'comment')
    .pop();
  if (!last) {
    return;
  }
  const [newList, newGrads] = [`new_${l}`, `new_${gradName(l)}`];
  ctx.replace(param, `${l}, ${gradName(l)}`);
  ctx.replace(left, `${v}, ${gradName(v)}`);
  ctx.replace(right, `zip(${l}, ${gradName(l)})`);
  const inner = ctx.indentOf(last);
  ctx.replace(
    last,
    `${ctx.text(last)}\n${inner}${newList}.append(${v})\n${inner}${newGrads}.append(${gradName(v)})`
  );
  const indent = ctx.indentOf(loop);
  ctx.replace(
    loop,
    `${newList}, ${newGrads} = [], []\n${indent}${ctx.text(loop)}\n${indent}return ${newList}, ${newGrads}`
  );
  const resets = new RegExp(`\\b${v}\\.grad(\\.data)?(\\.zero_\\(\\)|\\s*=\\s*None)`).test(
    loop.text
  );
  updaters(ctx).set(name, { index: u.index, list: l, resets });
  ctx.symbols.functionHooks.set(name, 'autograd.updater_call');
  ctx.note(
    'info',
    `${name} updates the arrays of ${l} in place: it takes their gradients (${gradName(l)}) and returns the new arrays and gradients, which its calls rebind`,
    fn,
    'autograd'
  );
}

/** `sgd_step(params, lr)` -> `params, (W_grad, b_grad) = sgd_step(params, [W_grad, b_grad], lr)` + `W, b = params`. */
export function updaterCall(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const u = fn ? updaters(ctx).get(fn.text) : undefined;
  const items = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment'
  );
  if (!fn || !u) {
    return undefined;
  }
  const arg =
    items.find(
      a => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === u.list
    ) ?? items.filter(a => a.type !== 'keyword_argument')[u.index];
  const value = arg?.type === 'keyword_argument' ? arg.childForFieldName('value') : arg;
  const members = value?.type === 'identifier' ? leafLists(ctx).get(value.text) : undefined;
  const known = leaves(ctx);
  let why: string | undefined;
  if (!arg || !value || !members) {
    why = `${fn.text}(...) updates the arrays of its ${u.list} argument in place: pass a name bound to a list of leaves (params = [W, b]) to convert it`;
  } else if (members.some(m => !known.get(m))) {
    why = `${fn.text}(...) before any gradient of ${members.join(', ')} was computed: nothing to update with`;
  } else if (node.parent?.type !== 'expression_statement') {
    why = `${fn.text}(...) returns the new ${members.join(', ')} and their gradients: call it as a statement to rebind them`;
  }
  if (why || !arg || !value || !members) {
    ctx.note('warning', why ?? '', node, 'autograd');
    ctx.flagCell('partial', `${fn.text}: in-place update of leaves not converted`);
    ctx.comment(node, why ?? '');
    return undefined;
  }
  const grads = members.map(gradName);
  const keyword = arg.type === 'keyword_argument';
  const out = items.map(a =>
    a.equals(arg)
      ? `${ctx.text(a)}, ${keyword ? `${gradName(u.list)}=` : ''}[${grads.join(', ')}]`
      : ctx.text(a)
  );
  const tuple = (names: string[]) => names.join(', ') + (names.length === 1 ? ',' : '');
  members.forEach(m => known.set(m, true));
  ctx.note(
    'info',
    `${fn.text}(...) returns the new ${members.join(', ')} and gradients: rebound here`,
    node,
    'autograd'
  );
  const call = `${ctx.text(fn)}(${out.join(', ')})`;
  return `${value.text}, (${tuple(grads)}) = ${call}\n${ctx.indentOf(node)}${tuple(members)} = ${value.text}`;
}
