/**
 * A layer of a submodule replaced in `__init__`, after the submodule is built:
 * `self.body = Net(...)` then `self.body.head = nn.Identity()`. A Linen submodule builds its
 * layers in its own setup, later, so the replacement is given to it:
 * `self.body = replace_layers(Net(...), head=lambda x: x)`, a helper defined once whose
 * module runs the class's setup and then sets the replacements, as torch's assignment does.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { useHelper, type Helper } from './helpers';

export const REPLACE_LAYERS: Helper = {
  name: 'replace_layers',
  imports: [],
  code: `def replace_layers(module, **layers):
    """module with some of the layers its setup builds replaced (switcheroo), as torch's module.head = nn.Identity() after construction: a subclass whose setup runs the class's, then sets them."""
    cls = type(module)

    def setup(self):
        cls.setup(self)
        for name, layer in layers.items():
            setattr(self, name, layer)

    replaced = type(cls.__name__, (cls,), {'setup': setup, '__module__': cls.__module__})
    return replaced(**{f: getattr(module, f) for f in cls.__dataclass_fields__ if f not in ('parent', 'name')})
`
};

function annotate(node: Node, ctx: HookContext, why: string): undefined {
  ctx.note('warning', why, node, 'replaced-layer');
  ctx.flagCell('partial', why);
  ctx.comment(node, why);
  return undefined;
}

/** `self.body.head = <layer>` in `__init__`: folded into the statement that built `self.body`. */
export function replacedLayer(node: Node, ctx: HookContext): string | undefined {
  const cls = ctx.scope.cls;
  const assign = node.namedChildren[0];
  const left = assign?.type === 'assignment' ? assign.childForFieldName('left') : undefined;
  const right = assign?.childForFieldName('right');
  const holder = left?.type === 'attribute' ? left.childForFieldName('object') : undefined;
  const sub = /^self\.(\w+)$/.exec(holder?.text ?? '')?.[1];
  const layer = left?.childForFieldName('attribute')?.text;
  if (!cls || ctx.scope.methodName !== '__init__' || !sub || !layer || !right || !assign) {
    return undefined;
  }
  const fn = right.type === 'call' ? right.childForFieldName('function') : undefined;
  const resolved = fn ? ctx.resolve(fn) : undefined;
  const isLayer =
    (!!resolved && ctx.kb.lookup(resolved)?.kind === 'layer') ||
    ctx.symbols.classes.get(fn?.text ?? '')?.isModule;
  if (!isLayer) {
    return undefined; // `self.decoder.weight = self.encoder.weight` is not a layer replaced
  }
  const built = cls.layers.get(sub);
  const block = node.parent;
  // the statement that built it: `self.body = Net(...)`, earlier in the same block of __init__
  const earlier = block?.namedChildren.filter(
    (s): s is Node =>
      !!s &&
      s.endIndex <= node.startIndex &&
      s.type === 'expression_statement' &&
      s.namedChildren[0]?.type === 'assignment' &&
      s.namedChildren[0].childForFieldName('left')?.text === `self.${sub}`
  );
  const value =
    earlier?.length === 1 ? earlier[0].namedChildren[0]?.childForFieldName('right') : undefined;
  if (
    !built ||
    !ctx.symbols.classes.has(built) ||
    !value ||
    block?.parent?.type !== 'function_definition'
  ) {
    return annotate(
      node,
      ctx,
      `self.${sub}.${layer} = ...: a layer replaced after its module is built is converted only for a module class of the notebook built once, earlier in __init__`
    );
  }
  const text = ctx.text(value);
  const helper = useHelper(node, ctx, REPLACE_LAYERS);
  const folded = text.startsWith(`${helper}(`) && text.endsWith(')'); // a second layer replaced
  ctx.replace(
    value,
    folded
      ? `${text.slice(0, -1)}, ${layer}=${ctx.text(right)})`
      : `${helper}(${text}, ${layer}=${ctx.text(right)})`
  );
  ctx.note(
    'info',
    `self.${sub}.${layer} replaced: ${built}'s setup builds its layers, then replace_layers sets ${layer}`,
    node,
    'replaced-layer'
  );
  ctx.removeStatement(node);
  return undefined;
}
