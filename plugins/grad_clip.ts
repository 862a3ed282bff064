/**
 * Gradient clipping between `loss.backward()` and `optimizer.step()`. In the converted
 * training step it clips `grads` before the optax update, with torch's formulas:
 * `clip_grad_norm_` scales by min(1, max_norm / (total_norm + 1e-6)) and returns the total
 * norm before clipping; `clip_grad_value_` clamps each element. Anywhere else it is reported.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { stepAround } from './training_step';

export interface Clip {
  stmt: Node;
  kind: 'norm' | 'value';
  /** The name the total norm is bound to (clip_grad_norm_ only). */
  target?: string;
  /** The original text of max_norm / clip_value, converted when the step is written. */
  limit: Node;
}

const CLIP = /^torch\.nn\.utils\.(clip_grad_norm_|clip_grad_value_)$/;

function argument(call: Node, index: number, name: string): Node | undefined {
  const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment'
  );
  const keyword = args.find(
    a => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name
  );
  if (keyword) {
    return keyword.childForFieldName('value') ?? undefined;
  }
  const positional = args.filter(a => a.type !== 'keyword_argument');
  return positional[index];
}

/**
 * `[norm =] torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)` (2-norm, no error
 * on non-finite) or `clip_grad_value_(model.parameters(), v)` on the step's model.
 */
export function parseClip(stmt: Node, model: string, ctx: HookContext): Clip | undefined {
  const expr = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
  const assign = expr?.type === 'assignment' ? expr : undefined;
  const left = assign?.childForFieldName('left');
  const call = assign ? assign.childForFieldName('right') : expr;
  const fn = call?.type === 'call' ? call.childForFieldName('function') : undefined;
  const which = fn ? CLIP.exec(ctx.resolve(fn) ?? '')?.[1] : undefined;
  if (!call || !which || stmt.namedChildren.length !== 1 || (left && left.type !== 'identifier')) {
    return undefined;
  }
  const norm = which === 'clip_grad_norm_';
  const params = argument(call, 0, 'parameters');
  const limit = argument(call, 1, norm ? 'max_norm' : 'clip_value');
  const normType = argument(call, 2, 'norm_type')?.text;
  const strict = argument(call, 3, 'error_if_nonfinite')?.text;
  if (
    params?.text !== `${model}.parameters()` ||
    !limit ||
    (norm && normType !== undefined && !/^2(\.0*)?$/.test(normType)) ||
    (norm && strict !== undefined && strict !== 'False')
  ) {
    return undefined;
  }
  return { stmt, kind: norm ? 'norm' : 'value', target: left?.text, limit };
}

/** The lines that clip `grads` (after jax.value_and_grad, before the optax update). */
export function clipLines(clip: Clip, ctx: HookContext): string[] {
  ctx.requireImport('jax');
  ctx.requireImport('jnp');
  const limit = ctx.text(clip.limit);
  if (clip.kind === 'value') {
    return [
      `grads = jax.tree_util.tree_map(lambda g: jnp.clip(g, -${atom(limit)}, ${limit}), grads)`
    ];
  }
  ctx.requireImport('optax');
  const norm = clip.target ?? 'grad_norm';
  return [
    `${norm} = optax.global_norm(grads)`,
    `grads = jax.tree_util.tree_map(lambda g: g * jnp.minimum(1.0, ${atom(limit)} / (${norm} + 1e-6)), grads)`
  ];
}

/** The clip call itself: rewritten with its training step, reported anywhere else. */
export function clipGrad(node: Node, ctx: HookContext): string | undefined {
  const found = stepAround(node, ctx);
  if (found?.step.clip?.stmt.equals(found.stmt)) {
    return ctx.text(node); // the step hook writes the clipping and removes this statement
  }
  ctx.note(
    'warning',
    `${ctx.entry?.name ?? 'gradient clipping'} is converted between loss.backward() and optimizer.step() of a converted training step, on model.parameters()`,
    node,
    'unsupported-api'
  );
  return undefined;
}
