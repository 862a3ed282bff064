/**
 * Data over in-memory tensors. `TensorDataset(X, y)` is the tuple `(X, y)`;
 * `DataLoader(dataset, batch_size=B, shuffle=S)` becomes `ArrayLoader(dataset, ...)`, a small
 * iterator defined once in the notebook: numpy indices, the same batch size and len(), and
 * for shuffling a fresh permutation each epoch from a key split off the threaded `rng_key`.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { bindCall } from './args';
import { useHelper, type Helper } from './helpers';
import { freshKey, isTopLevel } from './random_keys';

export const ARRAY_LOADER: Helper = {
  name: 'ArrayLoader',
  imports: ['jax', 'np'],
  code: `class ArrayLoader:
    """DataLoader over in-memory arrays (switcheroo): batches in order, or reshuffled with a fresh key each epoch."""

    def __init__(self, arrays, batch_size=1, shuffle=False, drop_last=False, key=None):
        self.arrays = arrays if isinstance(arrays, tuple) else (arrays,)
        self.batch_size, self.shuffle, self.drop_last, self.key = batch_size, shuffle, drop_last, key

    def __len__(self):
        n = len(self.arrays[0])
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.arrays[0])
        order = np.arange(n)
        if self.shuffle:
            self.key, sub = jax.random.split(self.key)
            order = np.asarray(jax.random.permutation(sub, n))
        for i in range(0, len(self) * self.batch_size, self.batch_size):
            idx = order[i:i + self.batch_size]
            yield tuple(a[idx] for a in self.arrays)
`
};

function args(node: Node): Node[] {
  return (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment'
  );
}

export function dataLoader(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  if (name.endsWith('.TensorDataset')) {
    const all = args(node);
    if (
      all.length === 0 ||
      all.some(
        a =>
          a.type !== 'identifier' &&
          a.type !== 'subscript' &&
          a.type !== 'call' &&
          a.type !== 'attribute'
      )
    ) {
      return undefined;
    }
    const inLoader =
      node.parent?.parent?.type === 'call' &&
      /DataLoader$/.test(node.parent.parent.childForFieldName('function')?.text ?? '');
    if (!inLoader) {
      ctx.note(
        'info',
        'TensorDataset becomes the tuple of its arrays: len() and indexing of the dataset differ',
        node,
        'data'
      );
    }
    return `(${all.map(a => ctx.text(a)).join(', ')}${all.length === 1 ? ',' : ''})`;
  }
  const bound = bindCall(node, ctx, []);
  const dataset = bound.named.get('dataset');
  const blocked = ['sampler', 'batch_sampler', 'collate_fn'].find(
    k => bound.named.has(k) && bound.named.get(k) !== 'None'
  );
  if (!dataset || blocked || bound.splat) {
    return undefined;
  }
  const shuffle = bound.named.get('shuffle') ?? 'False';
  const parts = [dataset, `batch_size=${bound.named.get('batch_size') ?? '1'}`];
  if (shuffle !== 'False') {
    if (!isTopLevel(node)) {
      ctx.note(
        'warning',
        'a shuffled DataLoader inside a function needs a key argument',
        node,
        'rng'
      );
      return undefined;
    }
    parts.push(`shuffle=${shuffle}`);
  }
  if (bound.named.has('drop_last')) {
    parts.push(`drop_last=${bound.named.get('drop_last')}`);
  }
  useHelper(node, ctx, ARRAY_LOADER);
  if (shuffle !== 'False') {
    parts.push(`key=${freshKey(node, ctx)}`);
  }
  ctx.note(
    'info',
    'DataLoader over in-memory arrays: ArrayLoader keeps the batch size, len() and shuffling',
    node,
    'data'
  );
  return `ArrayLoader(${parts.join(', ')})`;
}
