/** F.pad lists (left, right) pairs from the last dim backwards; jnp.pad wants one pair per axis, first to last. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { bindCall } from './args';

const MODES: Record<string, string> = {
  constant: 'constant',
  reflect: 'reflect',
  replicate: 'edge',
  circular: 'wrap'
};

export function pad(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, ['input', 'pad', 'mode', 'value']);
  const x = bound.named.get('input');
  const spec = bound.named.get('pad')?.trim();
  if (!x || !spec || !/^[([].*[)\]]$/s.test(spec)) {
    return undefined;
  }
  const items = spec
    .slice(1, -1)
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  if (items.length % 2 !== 0) {
    return undefined;
  }
  const pairs: string[] = [];
  for (let i = items.length - 2; i >= 0; i -= 2) {
    pairs.push(`(${items[i]}, ${items[i + 1]})`);
  }
  const mode = (bound.named.get('mode') ?? "'constant'").replace(/['"]/g, '');
  if (!MODES[mode]) {
    return undefined;
  }
  ctx.requireImport('jnp');
  const width = `[(0, 0)] * (${atom(x)}.ndim - ${pairs.length}) + [${pairs.join(', ')}]`;
  const value = bound.named.get('value');
  const extra =
    mode === 'constant'
      ? value && value !== 'None'
        ? `, constant_values=${value}`
        : ''
      : `, mode='${MODES[mode]}'`;
  return `jnp.pad(${x}, ${width}${extra})`;
}
