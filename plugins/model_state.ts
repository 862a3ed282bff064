/**
 * A model's state is its variables. `model.state_dict()` is `variables` (params, buffers and
 * batch statistics, in Flax's nested layout); read by key (`.keys()`, `.items()`, `sd[k]`) it
 * is `state_dict_of(variables)`, one flat dict keyed by Flax's dotted names (annotated: not
 * torch's keys). `model.load_state_dict(state, strict)` -> `load_state_dict_into(variables,
 * state, strict)`: the leaves copied into the variables in place, as torch copies them into
 * the module, with torch's missing and unexpected keys returned (and raised when strict); a
 * submodule's (`net.body.load_state_dict(s)`) gets its place in the variables. JAX arrays are
 * immutable, so a state_dict() value is a snapshot: torch's shares storage with the model and
 * follows later training, so one kept in a name (not copied, not passed to a call such as
 * torch.save) is annotated. An optimizer's state is its optax state:
 * `optimizer.state_dict()` is `opt_state`, `optimizer.load_state_dict(s)` rebinds it.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { useHelper, type Helper } from './helpers';
import { variablesOf } from './model_apply';
import { isTopLevel } from './random_keys';
import { optimizers } from './training_step';

export const STATE_DICT_OF: Helper = {
  name: 'state_dict_of',
  imports: ['jax'],
  code: `def state_dict_of(variables):
    """model.state_dict() read by key (switcheroo): the leaves of every collection (params, buffers, batch_stats) in one flat dict, keyed by their dotted path in Flax's names (head.kernel, blocks_0.bias), in Flax's layouts."""
    return {jax.tree_util.keystr(path, simple=True, separator='.'): leaf for collection in variables.values() for path, leaf in jax.tree_util.tree_leaves_with_path(collection)}
`
};

export const LOAD_STATE_DICT_INTO: Helper = {
  name: 'load_state_dict_into',
  imports: ['jax', 'jnp'],
  uses: [STATE_DICT_OF],
  code: `class IncompatibleKeys:
    """What load_state_dict returns in torch (switcheroo): the keys the module has and the state lacks, and the other way round."""

    def __init__(self, missing_keys, unexpected_keys):
        self.missing_keys, self.unexpected_keys = missing_keys, unexpected_keys

    def __iter__(self):
        return iter((self.missing_keys, self.unexpected_keys))

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return '<All keys matched successfully>'
        return f'_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})'


def load_state_dict_into(variables, state, strict=True, path=()):
    """module.load_state_dict(state, strict) (switcheroo): the leaves of state (variables, or a state_dict_of dict) copied in place into variables, under the submodule at path, in each leaf's dtype; returns torch's missing and unexpected keys, raised when strict; a shape that differs raises, as in torch."""
    if state and all(isinstance(v, dict) for v in state.values()):
        state = state_dict_of(state)
    own = {}
    for tree in variables.values():
        for name in path:
            tree = tree.get(name, {})
        for keys, _ in jax.tree_util.tree_leaves_with_path(tree):
            own[jax.tree_util.keystr(keys, simple=True, separator='.')] = (tree, [k.key for k in keys])
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    if strict and (missing or unexpected):
        raise RuntimeError(f'Error(s) in loading state_dict: missing keys {missing}, unexpected keys {unexpected}')
    for key, (tree, names) in own.items():
        if key in state:
            for name in names[:-1]:
                tree = tree[name]
            value = jnp.asarray(state[key], dtype=tree[names[-1]].dtype)
            if value.shape != tree[names[-1]].shape:
                raise RuntimeError(f'size mismatch for {key}: copying a param with shape {value.shape}, the shape in current model is {tree[names[-1]].shape}')
            tree[names[-1]] = value
    return IncompatibleKeys(missing, unexpected)
`
};

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

/**
 * `model.state_dict()` -> `variables`; `model.load_state_dict(s)` ->
 * `load_state_dict_into(variables, s)`. `path` is the place of a submodule receiver in the
 * variables (`net.body` -> `['body']`).
 */
export function modelState(
  node: Node,
  ctx: HookContext,
  name: string,
  path: string[] = []
): string | undefined {
  const fn = node.childForFieldName('function');
  const receiver = fn?.childForFieldName('object')?.text ?? name;
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
    if (args.length > 0 || path.length > 0) {
      return annotate(
        node,
        ctx,
        `${receiver}.state_dict(...): the state is ${vars}, with Flax's nested names (params/batch_stats), not torch's keys`
      );
    }
    if (read) {
      const why = `${receiver}.state_dict() read by key: Flax's dotted names and layouts (head.kernel, blocks_0.bias), not torch's (head.weight, blocks.0.bias)`;
      ctx.note('warning', why, node, 'model-state');
      ctx.flagCell('partial', why);
      ctx.comment(node, why);
      return `${useHelper(node, ctx, STATE_DICT_OF)}(${vars})`;
    }
    if (!passed(node)) {
      const why = `${receiver}.state_dict() is a snapshot of ${vars} (JAX arrays are immutable); torch's shares storage with the model and follows later training`;
      ctx.note('warning', why, node, 'model-state');
      ctx.comment(node, why);
    }
    return vars;
  }
  if (method !== 'load_state_dict') {
    return undefined;
  }
  const named = new Map(
    args.flatMap(a =>
      a.type === 'keyword_argument'
        ? [[a.childForFieldName('name')?.text ?? '', a.childForFieldName('value') as Node]]
        : []
    )
  );
  const positional = args.filter(a => a.type !== 'keyword_argument');
  const state = positional[0] ?? named.get('state_dict');
  const strict = positional[1] ?? named.get('strict');
  const extra = [...named.keys()].filter(k => k !== 'state_dict' && k !== 'strict');
  if (!state || positional.length > 2 || extra.length > 0) {
    return annotate(
      node,
      ctx,
      `${receiver}.load_state_dict(...): only the state and strict are converted (load_state_dict_into(${vars}, state, strict))`
    );
  }
  const options = [
    ...(strict ? [`strict=${ctx.text(strict)}`] : []),
    ...(path.length > 0 ? [`path=(${path.map(p => `'${p}'`).join(', ')},)`] : [])
  ];
  ctx.note(
    'info',
    `${receiver}.load_state_dict(...): the state is copied into ${vars} in place`,
    node,
    'model-state'
  );
  return `${useHelper(node, ctx, LOAD_STATE_DICT_INTO)}(${[vars, ctx.text(state), ...options].join(', ')})`;
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
