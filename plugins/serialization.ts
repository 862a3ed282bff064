/**
 * torch.save / torch.load. torch pickles any object (state dicts, checkpoint dicts with an
 * epoch, whole tensors) into a file; JAX arrays, variables dicts and optax states pickle as
 * they are, so `torch.save(obj, f)` -> `save_object(obj, f)` and `torch.load(f)` ->
 * `load_object(f)`, two helpers defined once in the notebook. map_location and weights_only
 * have nothing to do (JAX places arrays on its default device; pickle has no weights-only
 * mode, which is said).
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { bindCall } from './args';
import { useHelper, type Helper } from './helpers';

export const SAVE_OBJECT: Helper = {
  name: 'save_object',
  imports: [],
  code: `def save_object(obj, f):
    """torch.save (switcheroo): obj pickled into f, a path or a binary file; JAX arrays, variables and optax states pickle as they are."""
    import pickle

    if hasattr(f, 'write'):
        pickle.dump(obj, f)
    else:
        with open(f, 'wb') as file:
            pickle.dump(obj, file)
`
};

export const LOAD_OBJECT: Helper = {
  name: 'load_object',
  imports: [],
  code: `def load_object(f):
    """torch.load (switcheroo): the object save_object pickled into f, a path or a binary file. pickle runs what the file holds: load only files you trust."""
    import pickle

    if hasattr(f, 'read'):
        return pickle.load(f)
    with open(f, 'rb') as file:
        return pickle.load(file)
`
};

export function serialization(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  const bound = bindCall(node, ctx, []);
  if (bound.splat) {
    return undefined;
  }
  if (name === 'torch.save') {
    const obj = bound.named.get('obj');
    const f = bound.named.get('f');
    return obj && f ? `${useHelper(node, ctx, SAVE_OBJECT)}(${obj}, ${f})` : undefined;
  }
  const f = bound.named.get('f');
  if (!f) {
    return undefined;
  }
  const dropped = ['map_location', 'weights_only', 'mmap'].filter(a => bound.named.has(a));
  if (dropped.length > 0) {
    ctx.note(
      'info',
      `torch.load(${dropped.join(', ')}=...) dropped: JAX loads arrays on its default device, and pickle has no weights-only mode`,
      node,
      'serialization'
    );
  }
  return `${useHelper(node, ctx, LOAD_OBJECT)}(${f})`;
}
