/**
 * nn.Module classes become Linen modules: the base class, `__init__` -> `setup`
 * with constructor arguments as dataclass fields, `super().__init__()` removed,
 * `forward` -> `__call__`.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import type { ClassInfo } from '../src/engine/symbols';

const PARAM_TYPES = ['typed_parameter', 'typed_default_parameter', 'default_parameter'];

function inInit(ctx: HookContext): ClassInfo | undefined {
  return ctx.scope.methodName === '__init__' ? ctx.scope.cls : undefined;
}

/** `name: type = default` for each constructor parameter. */
function fieldLines(init: Node, ctx: HookContext): string[] {
  const lines: string[] = [];
  for (const param of init.childForFieldName('parameters')?.namedChildren.slice(1) ?? []) {
    if (!param || (param.type !== 'identifier' && !PARAM_TYPES.includes(param.type))) {
      if (param && param.type !== 'comment') {
        ctx.note(
          'warning',
          `${param.text} in __init__ has no dataclass field form; pass those values as named fields`,
          param,
          'module-field'
        );
        ctx.flagCell('partial', `${param.text} in __init__`);
      }
      continue;
    }
    const name =
      param.type === 'identifier'
        ? param.text
        : (param.childForFieldName('name') ?? param.namedChildren[0])?.text;
    const annotation = param.childForFieldName('type')?.text;
    const value = param.childForFieldName('value');
    const type = annotation ?? literalType(value) ?? 'Any';
    if (type === 'Any') {
      ctx.requireImport('Any');
    }
    if (name === 'name' || name === 'parent') {
      ctx.note(
        'warning',
        `a field named '${name}' clashes with Flax's own Module.${name}: rename the argument`,
        param,
        'module-field'
      );
      ctx.flagCell('partial', `field '${name}' is reserved in Flax`);
      ctx.comment(param, `'${name}' is reserved by Flax modules; rename it`);
    }
    lines.push(value ? `${name}: ${type} = ${ctx.text(value)}` : `${name}: ${type}`);
  }
  return lines;
}

function literalType(value: Node | null): string | undefined {
  switch (value?.type) {
    case 'integer':
      return 'int';
    case 'float':
      return 'float';
    case 'true':
    case 'false':
      return 'bool';
    case 'string':
      return 'str';
    case 'tuple':
      return 'tuple';
    default:
      return undefined;
  }
}

export function moduleClass(node: Node, ctx: HookContext): string | undefined {
  const info = ctx.symbols.classes.get(node.childForFieldName('name')?.text ?? '');
  if (!info?.isModule) {
    return undefined;
  }
  for (const base of node.childForFieldName('superclasses')?.namedChildren ?? []) {
    if (base && ctx.resolve(base) === 'torch.nn.Module') {
      ctx.requireImport('nn');
      ctx.replace(base, 'nn.Module');
    }
  }
  const body = node.childForFieldName('body');
  const init = body?.namedChildren.find(
    c => c?.type === 'function_definition' && c.childForFieldName('name')?.text === '__init__'
  );
  const fields = init ? fieldLines(init, ctx) : [];
  // the first statement left: an __init__ with only fields and super().__init__() is gone
  const first = body ? ctx.remaining(body).find(c => !isDocstring(c)) : undefined;
  if (fields.length > 0 && first) {
    const indent = ctx.indentOf(first);
    ctx.replace(first, `${fields.join(`\n${indent}`)}\n\n${indent}${ctx.text(first)}`);
  }
  return undefined;
}

function isDocstring(node: Node): boolean {
  return node.type === 'expression_statement' && node.namedChildren[0]?.type === 'string';
}

/** `forward` -> `__call__`; `__init__(self, ...)` -> `setup(self)`, or gone when nothing is left in it. */
export function moduleMethod(node: Node, ctx: HookContext): string | undefined {
  const cls = ctx.scope.cls;
  if (!cls || ctx.scope.method?.id !== node.id) {
    return undefined;
  }
  const name = node.childForFieldName('name');
  if (name?.text === 'forward') {
    ctx.replace(name, '__call__');
  } else if (name?.text === '__init__') {
    const body = node.childForFieldName('body');
    const remaining = body ? ctx.remaining(body) : [];
    if (remaining.length === 0) {
      ctx.removeStatement(node);
      return undefined;
    }
    ctx.replace(name, 'setup');
    const params = node.childForFieldName('parameters');
    if (params) {
      ctx.replace(params, `(${params.namedChildren[0]?.text ?? 'self'})`);
    }
  }
  return undefined;
}

/** `super().__init__()` and `self.x = x` for a field disappear from setup. */
export function initStatement(node: Node, ctx: HookContext): string | undefined {
  const cls = inInit(ctx);
  const expr = node.namedChildren[0];
  if (!cls || !expr) {
    return undefined;
  }
  if (
    expr.type === 'call' &&
    /^super\(.*\)\.__init__$/.test(expr.childForFieldName('function')?.text ?? '')
  ) {
    ctx.removeStatement(node);
  } else if (expr.type === 'assignment') {
    const left = expr.childForFieldName('left');
    const right = expr.childForFieldName('right');
    const attr =
      left?.type === 'attribute' && left.childForFieldName('object')?.text === 'self'
        ? left.childForFieldName('attribute')?.text
        : undefined;
    if (attr && right?.type === 'identifier' && right.text === attr && cls.fields.includes(attr)) {
      ctx.removeStatement(node); // any other value of a field's name: see shadowed_fields
    }
  }
  return undefined;
}

/** A constructor argument used in `__init__` is the field `self.x` in setup. */
export function fieldReference(node: Node, ctx: HookContext): string | undefined {
  const cls = inInit(ctx);
  if (!cls || !cls.fields.includes(node.text)) {
    return undefined;
  }
  const parent = node.parent;
  if (
    !parent ||
    parent.type === 'parameters' ||
    PARAM_TYPES.includes(parent.type) ||
    (parent.type === 'keyword_argument' && parent.childForFieldName('name')?.equals(node))
  ) {
    return undefined;
  }
  if (parent.type === 'attribute' && parent.childForFieldName('attribute')?.equals(node)) {
    return undefined;
  }
  return `self.${node.text}`;
}
