/**
 * torch.utils.data over in-memory tensors, as small helpers defined once in the notebook:
 * `TensorDataset(X, y)` -> `ArrayDataset(X, y)` (torch's len() and indexing),
 * `Subset(ds, idx)` -> `ArraySubset(ds, idx)`, `random_split(ds, lengths, generator=g)` ->
 * `random_split_dataset(ds, lengths, key)` (torch's lengths or fractions, a permutation from
 * the generator's key or the threaded `rng_key`), and `DataLoader(ds, batch_size=B,
 * shuffle=S)` -> `ArrayLoader(ds, ...)`: numpy indices, the same batch size and len(), and
 * for shuffling a fresh permutation each epoch from its own key.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { bindCall } from './args';
import { useHelper, type Helper } from './helpers';
import { drawKey, generatorArg, isTopLevel } from './random_keys';

export const ARRAY_DATASET: Helper = {
  name: 'ArrayDataset',
  imports: [],
  code: `class ArrayDataset:
    """TensorDataset over arrays (switcheroo): len() and dataset[i] (or an array of indices) as in torch."""

    def __init__(self, *tensors):
        assert all(len(t) == len(tensors[0]) for t in tensors), "Size mismatch between tensors"
        self.tensors = tensors

    def __len__(self):
        return len(self.tensors[0])

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)
`
};

export const ARRAY_SUBSET: Helper = {
  name: 'ArraySubset',
  imports: ['np'],
  code: `class ArraySubset:
    """Subset (switcheroo): the dataset at the given indices, kept as a numpy array (JAX indexes with arrays, not lists)."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]
`
};

export const RANDOM_SPLIT: Helper = {
  name: 'random_split_dataset',
  imports: ['jax', 'np'],
  uses: [ARRAY_SUBSET],
  code: `def random_split_dataset(dataset, lengths, key):
    """random_split (switcheroo): lengths, or fractions as torch rounds them; a permutation drawn with key."""
    n = len(dataset)
    if abs(sum(lengths) - 1) <= 1e-9 and sum(lengths) <= 1:
        lengths = [int(n * fraction) for fraction in lengths]
        for i in range(n - sum(lengths)):
            lengths[i % len(lengths)] += 1
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = np.asarray(jax.random.permutation(key, n))
    ends = np.cumsum(lengths)
    return [ArraySubset(dataset, order[end - length:end]) for end, length in zip(ends, lengths)]
`
};

export const ARRAY_LOADER: Helper = {
  name: 'ArrayLoader',
  imports: ['jax', 'np'],
  code: `class ArrayLoader:
    """DataLoader over an in-memory dataset or array (switcheroo): batches in order, or reshuffled with a fresh key each epoch."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, key=None):
        self.dataset = dataset
        self.batch_size, self.shuffle, self.drop_last, self.key = batch_size, shuffle, drop_last, key

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = np.arange(n)
        if self.shuffle:
            self.key, sub = jax.random.split(self.key)
            order = np.asarray(jax.random.permutation(sub, n))
        for i in range(0, len(self) * self.batch_size, self.batch_size):
            yield self.dataset[order[i:i + self.batch_size]]
`
};

/** The arguments as written, converted: `(X, y)` -> `X, y`. */
function inner(node: Node, ctx: HookContext): string {
  const args = node.childForFieldName('arguments');
  return args ? ctx.text(args).slice(1, -1) : '';
}

export function dataLoader(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  if (name.endsWith('.TensorDataset') || name.endsWith('.Subset')) {
    const helper = name.endsWith('.Subset') ? ARRAY_SUBSET : ARRAY_DATASET;
    return `${useHelper(node, ctx, helper)}(${inner(node, ctx)})`;
  }
  if (name.endsWith('.random_split')) {
    const bound = bindCall(node, ctx, ['dataset', 'lengths', 'generator']);
    const dataset = bound.named.get('dataset');
    const lengths = bound.named.get('lengths');
    const key = dataset && lengths && drawKey(node, ctx, generatorArg(node, 2));
    if (!key) {
      ctx.note('warning', 'random_split here needs an explicit JAX key argument', node, 'rng');
      return undefined;
    }
    return `${useHelper(node, ctx, RANDOM_SPLIT)}(${dataset}, ${lengths}, key=${key})`;
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
  const loader = useHelper(node, ctx, ARRAY_LOADER);
  if (shuffle !== 'False') {
    parts.push(`key=${drawKey(node, ctx, generatorArg(node))}`);
  }
  ctx.note(
    'info',
    'DataLoader over in-memory arrays: ArrayLoader keeps the batch size, len() and shuffling',
    node,
    'data'
  );
  return `${loader}(${parts.join(', ')})`;
}
