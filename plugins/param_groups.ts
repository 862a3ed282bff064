/**
 * torch parameter groups: `torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05},
 * {'params': no_decay, 'weight_decay': 0.0}], lr=3e-3)`. Each group is its own optax transform
 * (the constructor's options, overridden by the group's), combined by optax.multi_transform
 * over a label per leaf of the model's params. The group lists hold the very leaf arrays of
 * the params tree (built from `model.named_parameters()` / `model.parameters()`), so a helper
 * defined once labels each leaf with the index of the group holding it; a leaf in no group is
 * not updated, as torch leaves a parameter it was not given (optax.set_to_zero()).
 */
import type { Node } from 'web-tree-sitter';
import { notebookSources, type HookContext } from '../src/engine/context';
import { useHelper, type Helper } from './helpers';
import { variablesOf } from './model_apply';

export const PARAM_GROUP_LABELS: Helper = {
  name: 'param_group_labels',
  imports: ['jax'],
  code: `def param_group_labels(params, *groups):
    """torch parameter groups as optax labels (switcheroo): each leaf of params gets the index of the group holding that very array; a leaf in no group gets len(groups)."""
    index = {}
    for i, group in enumerate(groups):
        for p in group:
            if id(p) in index:
                raise ValueError('some parameters appear in more than one parameter group')
            index[id(p)] = i
    if not index.keys() <= {id(p) for p in jax.tree_util.tree_leaves(params)}:
        raise ValueError('a parameter group holds arrays that are not leaves of these params')
    return jax.tree_util.tree_map(lambda p: index.get(id(p), len(groups)), params)
`
};

/** Notebook models whose parameters `text` iterates (`net.parameters()`, `net.named_parameters()`). */
function modelsIn(text: string, ctx: HookContext): Set<string> {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?<![\w.])(\w+)\.(?:named_)?parameters\(/g)) {
    if (ctx.symbols.instances.has(m[1])) {
      found.add(m[1]);
    }
  }
  return found;
}

/**
 * The notebook model whose parameters the groups hold: the one model whose parameters the
 * groups iterate, or else the nearest earlier top-level statement (this cell, then earlier
 * cells) that names a group's list and iterates one model's parameters.
 */
export function groupsModel(call: Node, ctx: HookContext): string | undefined {
  const args = call.childForFieldName('arguments')?.text ?? '';
  const direct = modelsIn(args, ctx);
  if (direct.size > 0) {
    return direct.size === 1 ? [...direct][0] : undefined;
  }
  // the names the groups' 'params' values use
  const values = (call.childForFieldName('arguments')?.namedChildren[0]?.namedChildren ?? [])
    .flatMap(group => group?.namedChildren ?? [])
    .filter(pair => pair?.type === 'pair' && keyOf(pair) === 'params');
  const names = new Set(
    values.flatMap(v => v?.descendantsOfType('identifier').map(id => id?.text ?? '') ?? [])
  );
  const sources = notebookSources(ctx);
  const cell = (ctx.state.get('notebook.cell') as number | undefined) ?? 0;
  const before = [...sources.slice(0, cell), call.tree.rootNode.text.slice(0, call.startIndex)];
  const statements = before.flatMap(text => text.split(/\n(?=\S)/)).reverse();
  for (const statement of statements) {
    const words = new Set(statement.match(/[A-Za-z_]\w*/g) ?? []);
    const found = [...names].some(n => words.has(n)) ? modelsIn(statement, ctx) : new Set();
    if (found.size > 0) {
      return found.size === 1 ? ([...found][0] as string) : undefined;
    }
  }
  return undefined;
}

/** A string key of a dict literal: `'params'` -> params. */
function keyOf(pair: Node): string | undefined {
  const key = pair.childForFieldName('key');
  return /^(['"])(\w+)\1$/.exec(key?.text ?? '')?.[2];
}

function unsupported(node: Node, ctx: HookContext, why: string): undefined {
  ctx.note('warning', `${ctx.entry?.name} ${why}`, node, 'unsupported-api');
  return undefined;
}

/** `[{'params': ..., 'lr': ...}, ...]`: optax.multi_transform of one transform per group. */
export function paramGroups(
  call: Node,
  list: Node,
  options: Map<string, string>,
  known: string[],
  build: (options: Map<string, string>) => string | undefined,
  ctx: HookContext
): string | undefined {
  const model = groupsModel(call, ctx);
  if (!model) {
    return unsupported(
      call,
      ctx,
      'parameter groups: the model whose parameters they hold is not known'
    );
  }
  const groups: string[] = [];
  const transforms: string[] = [];
  for (const group of list.namedChildren) {
    if (!group || group.type === 'comment') {
      continue;
    }
    const pairs = group.namedChildren.filter((p): p is Node => !!p && p.type !== 'comment');
    if (group.type !== 'dictionary' || pairs.some(p => p.type !== 'pair' || !keyOf(p))) {
      return unsupported(group, ctx, 'parameter groups must be dict literals with string keys');
    }
    const own = new Map(options);
    let params: string | undefined;
    for (const pair of pairs) {
      const key = keyOf(pair) as string;
      const value = ctx.text(pair.childForFieldName('value') as Node);
      if (key === 'params') {
        params = value;
      } else if (known.includes(key)) {
        own.set(key, value);
      } else {
        ctx.note('info', `parameter group option '${key}' is not used by optax`, pair, 'optimizer');
      }
    }
    const tx = params ? build(own) : undefined;
    if (!params || !tx) {
      return params ? undefined : unsupported(group, ctx, "a parameter group without 'params'");
    }
    groups.push(params);
    transforms.push(tx);
  }
  const labeller = useHelper(call, ctx, PARAM_GROUP_LABELS);
  ctx.requireImport('optax');
  ctx.note(
    'info',
    `parameter groups: one optax transform per group (optax.multi_transform); leaves of ${variablesOf(model)}['params'] in no group are not updated`,
    call,
    'optimizer'
  );
  const indent = ctx.indentOf(call);
  const entries = [...transforms, 'optax.set_to_zero()'].map(
    (tx, i) => `${indent}    ${i}: ${tx},`
  );
  const labels = `${labeller}(${variablesOf(model)}['params'], ${groups.join(', ')})`;
  return `optax.multi_transform({\n${entries.join('\n')}\n${indent}}, ${labels})`;
}
