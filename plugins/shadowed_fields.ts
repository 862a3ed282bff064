/**
 * A constructor argument whose attribute `__init__` gives another value: `self.bias =
 * nn.Parameter(...)` (or `register_parameter('bias', None)`) after `bias=True` was an
 * argument, `self.n = n * 2`. In Flax the argument is a dataclass field, frozen, so the value
 * torch keeps under that name lives under another one, `self.bias_`: set in setup, and read
 * there after it is set and in the other methods that run in Flax. The bare argument stays the
 * field. Init code run on TorchViews keeps torch's names: the class's `torch_attributes` maps
 * them to the attributes setup sets.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { runsOnViews } from './weight_init';

/** Field -> where `__init__` first gives it another value (its start), and the Flax attribute for it. */
type Shadowed = Map<string, { at: number; name: string }>;

function classNodeOf(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'class_definition') {
      return p;
    }
  }
  return undefined;
}

/** The fields of a module class that `__init__` rebinds, computed once per class. */
export function shadowedFields(classNode: Node, ctx: HookContext): Shadowed {
  const key = `shadowed:${ctx.state.get('notebook.cell') as number}:${classNode.startIndex}`;
  const cached = ctx.state.get(key) as Shadowed | undefined;
  if (cached) {
    return cached;
  }
  const out: Shadowed = new Map();
  const cls = ctx.symbols.classes.get(classNode.childForFieldName('name')?.text ?? '');
  const init = classNode
    .childForFieldName('body')
    ?.namedChildren.find(
      c => c?.type === 'function_definition' && c.childForFieldName('name')?.text === '__init__'
    );
  const add = (field: string, at: number) => {
    if (cls?.fields.includes(field) && !out.has(field)) {
      let name = `${field}_`;
      while (new RegExp(`\\bself\\.${name}\\b`).test(classNode.text)) {
        name += '_';
      }
      out.set(field, { at, name });
    }
  };
  for (const n of init?.descendantsOfType(['assignment', 'call']) ?? []) {
    if (n?.type === 'assignment') {
      const attr = /^self\.(\w+)$/.exec(n.childForFieldName('left')?.text ?? '')?.[1];
      if (attr && n.childForFieldName('right')?.text !== attr) {
        add(attr, n.startIndex); // `self.x = x` stores the argument itself: the field
      }
    } else if (
      n &&
      /^self\.register_(parameter|buffer)$/.test(n.childForFieldName('function')?.text ?? '')
    ) {
      const first = n.childForFieldName('arguments')?.namedChildren[0];
      const attr = /^['"](\w+)['"]$/.exec(first?.text ?? '')?.[1];
      if (attr) {
        add(attr, n.startIndex);
      }
    }
  }
  ctx.state.set(key, out);
  return out;
}

/** The attribute Flax keeps torch's `self.<attr>` under, where `node` is in a module class. */
export function flaxAttribute(node: Node, attr: string, ctx: HookContext): string {
  const classNode = ctx.scope.cls ? classNodeOf(node) : undefined;
  const shadow = classNode ? shadowedFields(classNode, ctx).get(attr) : undefined;
  if (!shadow || !classNode || runsOnViews(node, classNode, ctx)) {
    return attr;
  }
  // in __init__, the field until the value is given (the target of that assignment included)
  const target =
    node.parent?.type === 'assignment' && node.parent.childForFieldName('left')?.equals(node);
  const before = ctx.scope.methodName === '__init__' && node.startIndex < shadow.at && !target;
  return before ? attr : shadow.name;
}

/** `self.bias` -> `self.bias_` where it means the value `__init__` gave it, not the field. */
export function shadowedRead(node: Node, ctx: HookContext): string | undefined {
  const attr = node.childForFieldName('attribute')?.text ?? '';
  if (node.childForFieldName('object')?.text !== 'self' || !ctx.scope.cls) {
    return undefined;
  }
  const name = flaxAttribute(node, attr, ctx);
  return name === attr ? undefined : `self.${name}`;
}

/** The class gets `torch_attributes = {'bias': 'bias_'}`: TorchViews read torch's names through it. */
export function shadowedClass(node: Node, ctx: HookContext): string | undefined {
  const shadowed = ctx.symbols.classes.get(node.childForFieldName('name')?.text ?? '')?.isModule
    ? shadowedFields(node, ctx)
    : undefined;
  const first = node.childForFieldName('body')?.namedChildren.find(c => c && c.type !== 'comment');
  if (!shadowed?.size || !first) {
    return undefined;
  }
  const names = [...shadowed].map(([field, { name }]) => `'${field}': '${name}'`).join(', ');
  const fields = [...shadowed.keys()].join(', ');
  const note = ctx.settings.comments
    ? `  # switcheroo: torch's self.${[...shadowed.keys()].join(', self.')} after __init__ (${fields} ${shadowed.size > 1 ? 'are constructor fields' : 'is a constructor field'} in Flax)`
    : '';
  ctx.insertBefore(first, `torch_attributes = {${names}}${note}`);
  ctx.note(
    'info',
    `${[...shadowed].map(([f, { name }]) => `self.${f} -> self.${name}`).join(', ')}: ${fields} ${shadowed.size > 1 ? 'stay the constructor fields' : 'stays the constructor field'}`,
    node,
    'module-field'
  );
  return undefined;
}
