/**
 * Optimizers and the training step. `optimizer = torch.optim.X(model.parameters(), ...)`
 * keeps its (knowledge-base) optax transform and gains `opt_state = optimizer.init(...)`.
 * The step `optimizer.zero_grad(); out = model(x); loss = f(out, y); loss.backward();
 * optimizer.step()` in one block (zero_grad anywhere before backward, gradient clipping just
 * before step, outputs single or unpacked) becomes a loss function of the params,
 * `jax.value_and_grad`, the clipping (grad_clip.ts) and an optax update written back into
 * `variables` (with the new batch statistics).
 * A step that is not in this form is annotated in place, never half converted silently.
 */
import type { Node } from 'web-tree-sitter';
import { notebookText, type HookContext } from '../src/engine/context';
import { clipLines, parseClip, type Clip } from './grad_clip';
import {
  applyModel,
  isParameter,
  isPassedIn,
  modeFlag,
  modelKind,
  variablesOf
} from './model_apply';
import { groupsModel } from './param_groups';
import { firstStatement, freshKey, useGlobalKey } from './random_keys';

export interface OptimizerInfo {
  state: string;
  model: string;
  /** The function (cell:start) that creates it, whose local its state is. */
  scope?: string;
}

export interface Step {
  optimizer: string;
  model: string;
  loss: string;
  zeroGrad?: Node;
  forward: Node[];
  backward: Node;
  /** Gradient clipping between backward and step. */
  clip?: Clip;
  step: Node;
  /** The enclosing function (not a method), whose globals the step rebinds. */
  fn?: Node;
  /** The converted text of each model call in the forward statements, by start index. */
  applied: Map<number, string>;
  /** `if training:` holding zero_grad, backward and step, the forward before it (see guardedStep). */
  guard?: Node;
  dropoutKey(ctx: HookContext): string;
}

export function stateOf(optimizer: string): string {
  return optimizer === 'optimizer' ? 'opt_state' : `${optimizer}_state`;
}

export function optimizers(ctx: HookContext): Map<string, OptimizerInfo> {
  let map = ctx.state.get('optimizers') as Map<string, OptimizerInfo> | undefined;
  if (!map) {
    map = new Map();
    ctx.state.set('optimizers', map);
  }
  return map;
}

function enclosingFunction(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') {
      return p;
    }
  }
  return undefined;
}

function indentOf(node: Node): string {
  const line = node.tree.rootNode.text.split('\n')[node.startPosition.row] ?? '';
  return line.slice(0, node.startPosition.column).replace(/\S.*$/, '');
}

/** `optimizer = optax.sgd(...)` (converted by the knowledge base) + `opt_state = optimizer.init(...)`. */
export function optimizerState(node: Node, ctx: HookContext): string | undefined {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const fn = right?.type === 'call' ? right.childForFieldName('function') : undefined;
  const canonical = fn ? ctx.resolve(fn) : undefined;
  if (
    left?.type !== 'identifier' ||
    !canonical ||
    !/^torch\.optim\.[A-Z]\w*$/.test(canonical) ||
    node.parent?.type !== 'expression_statement'
  ) {
    return undefined;
  }
  const name = left.text;
  const first = right?.childForFieldName('arguments')?.namedChildren[0];
  const params = /^(\w+)\.parameters\(\)$/.exec(first?.text ?? '');
  const groups = first?.type === 'list' && first.namedChildren.some(g => g?.type === 'dictionary');
  const model = params?.[1] ?? (groups ? groupsModel(right as Node, ctx) : undefined);
  if (!model || !ctx.symbols.instances.has(model) || isPassedIn(node, model, ctx)) {
    const why = !model
      ? 'parameter groups or a parameter list: build the optax transform per group (optax.multi_transform)'
      : `${model} is not a model known at notebook level: initialise the state with ${name}.init(params)`;
    ctx.note('warning', `${name}: ${why}`, node, 'optimizer');
    ctx.flagCell('partial', `${name}: optimizer state not initialised`);
    ctx.comment(node, why);
    return undefined;
  }
  const owner = enclosingFunction(node);
  const scope = owner
    ? `${ctx.state.get('notebook.cell') as number}:${owner.startIndex}`
    : undefined;
  const text = ctx.text(node);
  if (!ctx.text(right as Node).startsWith('optax.')) {
    return undefined; // the transform itself was not converted: its own note says why
  }
  optimizers(ctx).set(name, { state: stateOf(name), model, scope });
  return `${text}\n${indentOf(node)}${stateOf(name)} = ${name}.init(${variablesOf(model)}['params'])`;
}

const CALL_ONLY = (stmt: Node, re: RegExp) =>
  stmt.type === 'expression_statement' && re.test(stmt.text.trim());

/** The statement holding `node`, directly in a block or the module. */
function statementOf(node: Node): Node | undefined {
  let current: Node | null = node;
  while (current?.parent && !['block', 'module'].includes(current.parent.type)) {
    current = current.parent;
  }
  return current?.parent ? current : undefined;
}

function analyse(block: Node, ctx: HookContext): Step | undefined {
  const stmts = block.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  const s = stmts.findIndex(st => {
    const m = /^(\w+)\.step\(\s*\)$/.exec(st.text.trim());
    return st.type === 'expression_statement' && !!m && optimizers(ctx).has(m[1]);
  });
  if (s < 0) {
    return guardedStep(stmts, ctx);
  }
  const optimizer = /^(\w+)\./.exec(stmts[s].text)?.[1] as string;
  const info = optimizers(ctx).get(optimizer) as OptimizerInfo;
  let b = s - 1;
  const clip = b >= 0 ? parseClip(stmts[b], info.model, ctx) : undefined;
  if (clip) {
    b--;
  }
  if (b < 0 || !CALL_ONLY(stmts[b], /^\w+\.backward\(\s*\)$/)) {
    return undefined;
  }
  const zeroGrad = stmts.slice(0, s).find(st => CALL_ONLY(st, zeroGradRe(optimizer)));
  return makeStep(ctx, stmts, b, {
    optimizer,
    model: info.model,
    backward: stmts[b],
    zeroGrad,
    clip,
    step: stmts[s]
  });
}

const zeroGradRe = (optimizer: string) => new RegExp(`^${optimizer}\\.zero_grad\\([^)]*\\)$`);

/**
 * `logits = model(xb); loss = f(logits, yb); if training: zero_grad(); loss.backward(); step()`
 * where `model.train(training)` set the mode from the same flag: the step runs under the guard
 * (the forward inside loss_fn, in training), the forward alone in an `else:` (evaluation).
 */
function guardedStep(stmts: Node[], ctx: HookContext): Step | undefined {
  const g = stmts.findIndex(st => st.type === 'if_statement' && /\.step\(\s*\)/.test(st.text));
  const guard = stmts[g];
  const inner = (guard?.childForFieldName('consequence')?.namedChildren ?? []).filter(
    (c): c is Node => !!c && c.type !== 'comment'
  );
  const m = /^(\w+)\.step\(\s*\)$/.exec(inner[inner.length - 1]?.text.trim() ?? '');
  const info = m ? optimizers(ctx).get(m[1]) : undefined;
  const backward = inner[inner.length - 2];
  if (
    !guard ||
    !m ||
    !info ||
    guard.childForFieldName('alternative') ||
    !backward ||
    !CALL_ONLY(backward, /^\w+\.backward\(\s*\)$/) ||
    !inner.slice(0, -2).every(st => CALL_ONLY(st, zeroGradRe(m[1])))
  ) {
    return undefined;
  }
  const condition = guard.childForFieldName('condition')?.text;
  if (!condition || modeFlag(ctx, guard, info.model) !== condition) {
    return undefined; // the forward outside the guard must run in evaluation when it is false
  }
  return makeStep(ctx, stmts, g, {
    optimizer: m[1],
    model: info.model,
    backward,
    zeroGrad: inner.length > 2 ? inner[0] : undefined,
    step: inner[inner.length - 1],
    guard
  });
}

type StepParts = Pick<
  Step,
  'optimizer' | 'model' | 'backward' | 'zeroGrad' | 'clip' | 'step' | 'guard'
>;

/**
 * The step whose forward statements end just before `stmts[end]`: assignments back to the
 * one that calls the model (zero_grad may sit among them), one of them assigning the loss;
 * the model and optimizer are not parameters of the enclosing function, which is not a method.
 */
function makeStep(
  ctx: HookContext,
  stmts: Node[],
  end: number,
  parts: StepParts
): Step | undefined {
  const loss = /^(\w+)\./.exec(parts.backward.text)?.[1] as string;
  const callRe = new RegExp(`(?<![\\w.])${parts.model}\\(`);
  const forward: Node[] = [];
  let b = end - 1;
  for (; b >= 0; b--) {
    const st = stmts[b];
    if (st === parts.zeroGrad) {
      continue;
    }
    if (st.type !== 'expression_statement' || st.namedChildren[0]?.type !== 'assignment') {
      return undefined;
    }
    forward.unshift(st);
    if (callRe.test(st.text)) {
      break;
    }
  }
  const assignsLoss = forward.some(st =>
    namesIn(st.namedChildren[0]?.childForFieldName('left')).includes(loss)
  );
  const anchor = parts.guard ?? parts.step;
  const fn = enclosingFunction(anchor);
  if (
    b < 0 ||
    !assignsLoss ||
    (fn && (isPassedIn(anchor, parts.model, ctx) || isPassedIn(anchor, parts.optimizer, ctx))) ||
    (fn && fn.parent?.parent?.type === 'class_definition')
  ) {
    return undefined;
  }
  let key: string | undefined;
  return {
    ...parts,
    loss,
    forward,
    fn,
    applied: new Map(),
    dropoutKey(c: HookContext) {
      key ??= freshKey(forward[0], c);
      return key;
    }
  };
}

/** A block's step, analysed once per cell and block. */
function cachedStep(block: Node, ctx: HookContext): Step | undefined {
  const cacheKey = `step:${ctx.state.get('notebook.cell') as number}:${block.startIndex}`;
  let step = ctx.state.get(cacheKey) as Step | null | undefined;
  if (step === undefined) {
    step = analyse(block, ctx) ?? null;
    ctx.state.set(cacheKey, step);
  }
  return step ?? undefined;
}

/** The training step of the block holding a node's statement, and that statement. */
export function stepAround(node: Node, ctx: HookContext): { step: Step; stmt: Node } | undefined {
  const stmt = statementOf(node);
  const block = stmt?.parent;
  if (!stmt || block?.type !== 'block' || !/\.step\(\s*\)/.test(block.text)) {
    return undefined;
  }
  const step = cachedStep(block, ctx);
  return step ? { step, stmt } : undefined;
}

/** The training step a node belongs to, when it is one of the step's forward statements. */
export function findStep(node: Node, ctx: HookContext): Step | undefined {
  const found = stepAround(node, ctx);
  return found?.step.forward.some(f => f.equals(found.stmt)) ? found.step : undefined;
}

/** `optimizer.step()` closing a recognised step: the whole step, rewritten; else annotated. */
export function trainingStep(node: Node, ctx: HookContext): string | undefined {
  const m = /^(\w+)\.step\(\s*\)$/.exec(node.text.trim());
  if (!m || !optimizers(ctx).has(m[1]) || node.type !== 'expression_statement') {
    return undefined;
  }
  const block = node.parent;
  const first = ownStep(node, ctx);
  if (!first || !first.step.equals(node)) {
    const why =
      'training step not recognised (expected zero_grad, forward assignments, loss.backward(), optionally clip_grad_norm_/clip_grad_value_ on model.parameters(), step in one block, with the model and optimizer defined at notebook level): write it with jax.value_and_grad and optax'; // prettier-ignore
    ctx.note('warning', why, node, 'training-step');
    ctx.flagCell('partial', 'training step not recognised');
    ctx.comment(node, 'training step not recognised: use jax.value_and_grad and optax');
    return undefined;
  }
  const step = first;
  const kind = modelKind(ctx, step.model);
  const vars = variablesOf(step.model);
  const state = stateOf(step.optimizer);
  const indent = indentOf(node);
  const body: string[] = [];
  const assigned: string[] = [];
  for (const st of step.forward) {
    const assign = st.namedChildren[0] as Node;
    const left = assign.childForFieldName('left');
    for (const id of namesIn(left)) {
      if (!assigned.includes(id)) {
        assigned.push(id);
      }
    }
    let text = ctx.text(st);
    if (kind.batchStats) {
      const right = assign.childForFieldName('right');
      const fn = right?.type === 'call' ? right.childForFieldName('function') : undefined;
      if (fn?.text === step.model && left) {
        const out = left.type === 'pattern_list' ? `(${ctx.text(left)})` : ctx.text(left);
        text = `${out}, updates = ${ctx.text(right as Node)}`;
      } else {
        const call = st
          .descendantsOfType('call')
          .find(c => c?.childForFieldName('function')?.text === step.model);
        const callText = call && step.applied.get(call.startIndex);
        if (callText && text.includes(callText)) {
          const out = freshName('out', step.forward);
          body.push(`${out}, updates = ${callText}`);
          text = text.split(callText).join(out); // a hook may repeat its argument
        } else if (call) {
          const why = `${step.model}(...) here returns the output and the new batch statistics: split them (out, updates = ${step.model}.apply(...))`;
          ctx.note('warning', why, call, 'training-step');
          ctx.flagCell('partial', 'batch statistics of a model call not split out');
          ctx.comment(st, why);
        }
      }
    }
    body.push(
      ...text.split('\n').map((l, i) => (i === 0 ? l : l.replace(new RegExp(`^${indent}`), '')))
    );
  }
  const last = step.guard ?? node; // the forward's results are read after it
  const later = ((step.guard?.parent ?? block) as Node).namedChildren
    .filter((c): c is Node => !!c && c.startIndex > last.endIndex)
    .map(c => c.text)
    .join('\n');
  const aux = assigned.filter(
    n => n !== step.loss && n !== '_' && new RegExp(`\\b${n}\\b`).test(later)
  );
  if (kind.batchStats) {
    aux.push('updates');
  }
  const auxText = aux.length === 1 ? aux[0] : `(${aux.join(', ')})`;
  const ret = aux.length === 0 ? step.loss : `${step.loss}, ${auxText}`;
  const lhs = aux.length === 0 ? step.loss : `(${step.loss}, ${auxText})`;
  const merged = kind.batchStats ? '**updates, ' : '';
  ctx.requireImport('jax');
  ctx.requireImport('optax');
  const lossFn = notebookFreshName('loss_fn', ctx);
  const lines = [
    `def ${lossFn}(params):`,
    ...body.map(l => `    ${l}`),
    `    return ${ret}`,
    `${lhs}, grads = jax.value_and_grad(${lossFn}${aux.length ? ', has_aux=True' : ''})(${vars}['params'])`,
    ...(step.clip ? clipLines(step.clip, ctx) : []),
    `param_updates, ${state} = ${step.optimizer}.update(grads, ${state}, ${vars}['params'])`,
    `${vars} = {**${vars}, ${merged}'params': optax.apply_updates(${vars}['params'], param_updates)}`
  ];
  const losses = (ctx.state.get('step.losses') as Set<string> | undefined) ?? new Set<string>();
  ctx.state.set('step.losses', losses.add(step.loss));
  // (read before the forward is removed: a removal drops the edits inside)
  const otherwise = step.guard ? `\n${evaluationBranch(step, ctx)}` : '';
  const extra = [step.zeroGrad, step.clip?.stmt].filter((st): st is Node => !!st);
  for (const st of [...step.forward, step.backward, ...extra]) {
    ctx.removeStatement(st);
  }
  if (step.fn) {
    // notebook-level state is rebound; parameters and the function's own optimizer are local
    const scope = `${ctx.state.get('notebook.cell') as number}:${step.fn.startIndex}`;
    const local = optimizers(ctx).get(step.optimizer)?.scope === scope;
    const names = [
      ...(isParameter(node, step.model) ? [] : [vars]),
      ...(local || isParameter(node, step.optimizer) ? [] : [state])
    ];
    if (kind.dropout) {
      useGlobalKey(node, ctx);
    }
    const fnBody = firstStatement(step.fn);
    if (
      fnBody &&
      names.length > 0 &&
      !ctx.state.get(`global:${step.fn.startIndex}:${ctx.state.get('notebook.cell')}`)
    ) {
      ctx.state.set(`global:${step.fn.startIndex}:${ctx.state.get('notebook.cell')}`, true);
      ctx.insertBefore(fnBody, `global ${names.join(', ')}`);
    }
  }
  ctx.note(
    'info',
    `training step: loss_fn + jax.value_and_grad + ${step.optimizer}.update; ${vars} and ${state} are rebound`,
    node,
    'training-step'
  );
  return lines.map((l, i) => (i === 0 ? l : indent + l)).join('\n') + otherwise;
}

/** `else:` and the forward in evaluation, after a guarded step (the step is the guard's last statement). */
function evaluationBranch(step: Step, ctx: HookContext): string {
  const guard = step.guard as Node;
  const outer = indentOf(guard);
  const inner = indentOf(step.step);
  const body = step.forward.flatMap(st => {
    let text = ctx.text(st);
    const call = st
      .descendantsOfType('call')
      .find(c => c?.childForFieldName('function')?.text === step.model);
    const evaluated = call ? applyModel(call, ctx, true) : undefined;
    if (call && evaluated) {
      text = text.replace(ctx.text(call), evaluated);
    }
    return text.split('\n').map((l, i) => (i === 0 ? inner + l : inner.slice(outer.length) + l));
  });
  return [`${outer}else:`, ...body].join('\n');
}

/** The step a statement belongs to: in its own block, or the guarded step of the block around its `if`. */
function ownStep(stmt: Node, ctx: HookContext): Step | undefined {
  const block = stmt.parent;
  if (block?.type !== 'block') {
    return undefined;
  }
  const guard = block.parent;
  const outer = guard?.type === 'if_statement' ? guard.parent : undefined;
  const step = findStepOf(block, ctx);
  return step ?? (outer?.type === 'block' ? cachedStep(outer, ctx) : undefined);
}

function findStepOf(block: Node, ctx: HookContext): Step | undefined {
  const firstStmt = block.namedChildren.find(c => c?.type !== 'comment');
  if (!firstStmt) {
    return undefined;
  }
  return cachedStep(block, ctx);
}

/** `base`, or `base_1`, `base_2`... when the statements already use the name. */
function freshName(base: string, statements: Node[]): string {
  const used = (n: string) => statements.some(st => new RegExp(`\\b${n}\\b`).test(st.text));
  let name = base;
  for (let i = 1; used(name); i++) {
    name = `${base}_${i}`;
  }
  return name;
}

/**
 * `base`, or `base_1`... when the notebook's own code names it: the step's function is
 * defined where the step is, so it must not rebind a name of the notebook (a `loss_fn = nn.MSELoss()`).
 */
function notebookFreshName(base: string, ctx: HookContext): string {
  const sources = notebookText(ctx);
  let name = base;
  for (let i = 1; new RegExp(`\\b${name}\\b`).test(sources); i++) {
    name = `${base}_${i}`;
  }
  return name;
}

/** The names an assignment target binds. */
function namesIn(left: Node | null | undefined): string[] {
  if (!left) {
    return [];
  }
  if (left.type === 'identifier') {
    return [left.text];
  }
  return left.descendantsOfType('identifier').flatMap(id => (id ? [id.text] : []));
}

/** `y.backward()` outside a recognised training step: autograd on tensors, annotated. */
export function backwardStatement(node: Node, ctx: HookContext): string | undefined {
  const call = node.namedChildren[0];
  const fn = call?.type === 'call' ? call.childForFieldName('function') : undefined;
  if (node.namedChildren.length !== 1 || fn?.childForFieldName('attribute')?.text !== 'backward') {
    return undefined;
  }
  const step = ownStep(node, ctx);
  if (step?.backward.equals(node)) {
    return undefined; // the step hook rewrites it
  }
  const why = `${fn.text}() is torch autograd: take the gradient with jax.grad of the computation`;
  ctx.note('warning', why, node, 'autograd');
  ctx.flagCell('partial', 'autograd (.backward()) not converted');
  ctx.comment(node, 'not converted: .backward() has no JAX form; use jax.grad');
  return undefined;
}

/** `loss.item()` on the loss of a converted training step -> `float(loss)`. */
export function lossItem(node: Node, ctx: HookContext): string | undefined {
  const object = node.childForFieldName('function')?.childForFieldName('object');
  const args = node.childForFieldName('arguments')?.namedChildren ?? [];
  const losses = ctx.state.get('step.losses') as Set<string> | undefined;
  if (!object || args.length > 0 || !losses?.has(object.text)) {
    return undefined;
  }
  return `float(${object.text})`;
}
