/**
 * A torch layer class used as a value, not called: `isinstance(m, nn.Linear)`,
 * `type(m) is nn.Conv2d`. The test becomes one on the Flax class (`nn.Dense`, `nn.Conv`...).
 * Flax has one class where torch has several (Conv1d/2d/3d are all `nn.Conv`): when the
 * notebook uses more than one of them, a conv test also checks the kernel's rank, and a
 * BatchNorm test, which cannot tell them apart, is annotated. Layers that become functions
 * in JAX (activations, pooling, Identity) have no class to test: annotated, as is any other
 * use of a class as a value (a class passed on to be built later would get torch's arguments).
 */
import type { Node } from 'web-tree-sitter';
import { notebookText, type HookContext } from '../src/engine/context';

/** Flax module classes: `nn.Dense`, not functions such as `nn.max_pool`. */
const FLAX_CLASS = /^nn\.[A-Z]\w*$/;

/** Torch layers that share one Flax class; convs are told apart by the rank of their kernel. */
const FAMILIES = [/^torch\.nn\.(Conv)([123])d$/, /^torch\.nn\.(BatchNorm)([123])d$/];

/** Left as torch's class, written in full (`nn` is flax.linen now), and annotated. */
function annotate(node: Node, ctx: HookContext, why: string): string {
  const name = ctx.entry?.name ?? node.text;
  ctx.note('warning', `${name} used as a class: ${why}`, node, 'layer-class');
  ctx.flagCell('partial', `${name} used as a class`);
  ctx.comment(node, `${name.replace('torch.nn.', 'nn.')} as a class: ${why}`);
  ctx.requireImport('torch');
  return name;
}

/** Does the notebook use another member of the family (`Conv1d` next to `Conv2d`)? */
function familyShared(base: string, dims: string, ctx: HookContext): boolean {
  const sources = notebookText(ctx);
  const others = ['1', '2', '3'].filter(d => d !== dims).map(d => `${base}${d}d`);
  return new RegExp(`\\b(${others.join('|')})\\b`).test(sources);
}

/** The isinstance / issubclass call whose class argument `node` is (directly or in a tuple). */
function classTest(node: Node): { call: Node; subject: Node; direct: boolean } | undefined {
  const holder = node.parent?.type === 'tuple' ? node.parent : node;
  const args = holder.parent;
  const call = args?.parent;
  const fn = call?.type === 'call' ? call.childForFieldName('function')?.text : undefined;
  const items = args?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
  if (
    args?.type !== 'argument_list' ||
    !call ||
    (fn !== 'isinstance' && fn !== 'issubclass') ||
    items.length !== 2 ||
    !items[1].equals(holder)
  ) {
    return undefined;
  }
  return { call, subject: items[0], direct: holder.equals(node) };
}

/** `type(m) is nn.Linear`, `type(m) == nn.Linear`: a comparison with the class. */
function inComparison(node: Node): boolean {
  return node.parent?.type === 'comparison_operator';
}

export function layerClass(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  const target = ctx.entry?.entry.target;
  const test = classTest(node);
  if (!test && !inComparison(node)) {
    return annotate(node, ctx, 'only isinstance/issubclass tests and comparisons are converted');
  }
  if (!target) {
    return annotate(node, ctx, 'it has no single Flax class to test');
  }
  if (!FLAX_CLASS.test(target)) {
    return annotate(node, ctx, 'it becomes a function in JAX/Flax, so there is no class to test');
  }
  ctx.requireImport('nn');
  const family = FAMILIES.map(re => re.exec(name)).find(m => m);
  if (!family || !familyShared(family[1], family[2], ctx)) {
    return target;
  }
  const [, base, dims] = family;
  const isinstance = test?.call.childForFieldName('function')?.text === 'isinstance';
  if (base !== 'Conv' || !test?.direct || !isinstance) {
    return annotate(
      node,
      ctx,
      `Flax's ${target} also stands for the other nn.${base}*d layers this notebook uses`
    );
  }
  // `isinstance(m, nn.Conv2d)` -> `isinstance(m, nn.Conv) and jnp.size(m.kernel_size) == 2`
  ctx.requireImport('jnp');
  const subject = ctx.text(test.subject);
  const whole = `isinstance(${subject}, ${target}) and jnp.size(${subject}.kernel_size) == ${dims}`;
  const bare = /^(if_statement|elif_clause|while_statement|assignment|conditional_expression)$/;
  ctx.replace(test.call, bare.test(test.call.parent?.type ?? '') ? whole : `(${whole})`);
  return undefined;
}
