/**
 * A model's state is its variables. `model.state_dict()` is `variables` (params and batch
 * statistics, in Flax's nested layout) and `model.load_state_dict(state)` rebinds them. JAX
 * arrays are immutable, so the value is a snapshot: torch's state_dict shares storage with
 * the model and follows later training, so one kept in a name (not copied, not passed to a
 * call such as torch.save) is annotated. An optimizer's state is its optax state:
 * `optimizer.state_dict()` is `opt_state`, `optimizer.load_state_dict(s)` rebinds it.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { variablesOf } from './model_apply';
import { isTopLevel } from './random_keys';
import { optimizers } from './training_step';

function annotate(node: Node, ctx: HookContext, why: string): undefined {
  ctx.note('warning', why, node, 'model-state');
  ctx.flagCell('partial', why);
  ctx.comment(node, why);
  return undefined;
}

/** Is `node` within a call's arguments (consumed at once: copy.deepcopy, torch.save...)? */
function passed(node: Node): boolean {
  for (let p = node.parent; p && !/_statement$|^block$|^module$/.test(p.type); p = p.parent) {
    if (p.type === 'argument_list') {
      return true;
    }
  }
  return false;
}

/** `model.state_dict()` -> `variables`; `model.load_state_dict(s)` -> `variables = s`. */
export function modelState(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const name = fn?.childForFieldName('object')?.text ?? '';
  const method = fn?.childForFieldName('attribute')?.text;
  const vars = variablesOf(name);
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment'
  );
  if (method === 'state_dict') {
    const parent = node.parent;
    const read =
      (parent?.type === 'attribute' && parent.childForFieldName('object')?.equals(node)) ||
      (parent?.type === 'subscript' && parent.childForFieldName('value')?.equals(node));
    if (args.length > 0 || read) {
      return annotate(
        node,
        ctx,
        `${name}.state_dict(): the state is ${vars}, with Flax's nested names (params/batch_stats), not torch's keys`
      );
    }
    if (!passed(node)) {
      const why = `${name}.state_dict() is a snapshot of ${vars} (JAX arrays are immutable); torch's shares storage with the model and follows later training`;
      ctx.note('warning', why, node, 'model-state');
      ctx.comment(node, why);
    }
    return vars;
  }
  if (method !== 'load_state_dict') {
    return undefined;
  }
  const strict = args.find(a => a.childForFieldName('name')?.text === 'strict');
  const state = args[0]?.type === 'keyword_argument' ? args[0].childForFieldName('value') : args[0];
  if (
    !state ||
    args.length !== (strict ? 2 : 1) ||
    (strict && strict.childForFieldName('value')?.text !== 'True') ||
    node.parent?.type !== 'expression_statement' ||
    !isTopLevel(node)
  ) {
    return annotate(
      node,
      ctx,
      `${name}.load_state_dict(...): rebind the variables instead (${vars} = state), as a statement at notebook level, with every key`
    );
  }
  ctx.note('info', `${name}.load_state_dict(...): ${vars} rebound`, node, 'model-state');
  return `${vars} = ${ctx.text(state)}`;
}

/** `optimizer.state_dict()` -> its optax state; `optimizer.load_state_dict(s)` -> `opt_state = s`. */
export function optimizerState(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const name = fn?.childForFieldName('object')?.text ?? '';
  const method = fn?.childForFieldName('attribute')?.text;
  const state = optimizers(ctx).get(name)?.state;
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment'
  );
  if (!state || (method !== 'state_dict' && method !== 'load_state_dict')) {
    return undefined;
  }
  if (method === 'state_dict') {
    return args.length === 0 ? state : undefined;
  }
  const value = args[0]?.type === 'keyword_argument' ? args[0].childForFieldName('value') : args[0];
  if (
    args.length !== 1 ||
    !value ||
    node.parent?.type !== 'expression_statement' ||
    !isTopLevel(node)
  ) {
    return annotate(
      node,
      ctx,
      `${name}.load_state_dict(...): rebind the optimizer state instead (${state} = state), as a statement at notebook level`
    );
  }
  ctx.note('info', `${name}.load_state_dict(...): ${state} rebound`, node, 'model-state');
  return `${state} = ${ctx.text(value)}`;
}
