/** Devices: JAX places arrays on its default device; the torch device API maps to jax.devices(). */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { bindCall } from './args';

export function device(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  ctx.requireImport('jax');
  if (name === 'torch.cuda.is_available') {
    return "any(d.platform == 'gpu' for d in jax.devices())";
  }
  if (name === 'torch.cuda.device_count') {
    return "len([d for d in jax.devices() if d.platform == 'gpu'])";
  }
  const bound = bindCall(node, ctx, ['type', 'index']).named;
  const kind = bound.get('type')?.trim() ?? '';
  const literal = /^(['"])(\w+)(?::(\d+))?\1$/.exec(kind);
  const index = literal?.[3] ?? bound.get('index') ?? '0';
  if (literal?.[2] === 'cpu') {
    return `jax.devices('cpu')[${index}]`;
  }
  if (literal?.[2] === 'cuda') {
    return `jax.devices('gpu')[${index}]`;
  }
  return 'jax.devices()[0]';
}
