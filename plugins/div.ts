/** torch.div is true division; rounding_mode 'floor' and 'trunc' map to their own ops. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { bindCall, signature, subject } from './args';

export function div(node: Node, ctx: HookContext): string | undefined {
  const bound = bindCall(node, ctx, signature(ctx, ['other', 'rounding_mode']));
  const a = subject(node, ctx, bound);
  const b = bound.named.get('other');
  if (!a || !b || bound.splat) {
    return undefined;
  }
  ctx.requireImport('jnp');
  const mode = bound.named.get('rounding_mode')?.replace(/['"]/g, '').trim();
  switch (mode) {
    case undefined:
    case 'None':
      return `jnp.true_divide(${a}, ${b})`;
    case 'floor':
      return `jnp.floor_divide(${a}, ${b})`;
    case 'trunc':
      return `jnp.trunc(jnp.true_divide(${a}, ${b})).astype(jnp.result_type(${a}, ${b}))`;
    default:
      return undefined;
  }
}
