/**
 * Indexed assignment. JAX arrays are immutable: `x[mask] = 0` becomes
 * `x = x.at[mask].set(0)` and `x[:, 1] += 2` becomes `x = x.at[:, 1].add(2)`.
 * Only for receivers known or very likely to be arrays: a list stays a list.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { parameterAt } from './model_attributes';

const AUGMENTED: Record<string, (v: string) => string> = {
  '+=': v => `add(${v})`,
  '-=': v => `add(-${atom(v)})`,
  '*=': v => `multiply(${v})`,
  '/=': v => `divide(${v})`,
  '**=': v => `power(${v})`
};

export function indexedAssignment(node: Node, ctx: HookContext): string | undefined {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  const base = left?.type === 'subscript' ? left.childForFieldName('value') : undefined;
  if (!left || !right || !base || (base.type !== 'identifier' && base.type !== 'attribute')) {
    return undefined;
  }
  const param = base.type === 'attribute' ? parameterAt(base, ctx) : undefined;
  if (param) {
    // a model's parameter (`seq[0].weight.data[0, 0] = v`): indexed in torch's layout, stored in its variables
    const index = left
      .childrenForFieldName('subscript')
      .map(i => (i ? ctx.text(i) : ''))
      .join(', ');
    const current = atom(param.toTorch(param.store));
    const update =
      node.type === 'assignment'
        ? `set(${ctx.text(right)})`
        : AUGMENTED[node.children.find(c => c?.type.endsWith('='))?.type ?? '']?.(ctx.text(right));
    return update && `${param.store} = ${param.fromTorch(`${current}.at[${index}].${update}`)}`;
  }
  const known = ctx.isTensor(base);
  const likely = !ctx.symbols.nonTensors.has(base.text) && ctx.isTensor(right);
  if (!known && !likely) {
    return undefined;
  }
  const b = ctx.text(base);
  const index = ctx.text(left).slice(b.length + 1, -1);
  const value = ctx.text(right);
  if (node.type === 'assignment') {
    return `${b} = ${b}.at[${index}].set(${value})`;
  }
  const op = node.children.find(c => c?.type.endsWith('='))?.type ?? '';
  const update = AUGMENTED[op];
  return update ? `${b} = ${b}.at[${index}].${update(value)}` : undefined;
}
