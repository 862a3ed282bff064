/**
 * Which expressions hold tensors. Tensor methods are found by name (`x.view(...)`), so a
 * name shared with str, list, dict or numpy (`split`, `sum`, `items`) converts only on a
 * receiver known to be a tensor: a torch result, a layer's output, a name bound to one.
 */
import type { Node } from 'web-tree-sitter';
import { dottedName, returnsTensor } from './analysis';
import type { KnowledgeBase } from './knowledge';
import type { ClassInfo, SymbolTable } from './symbols';

/** Methods whose names are common on str, list, dict or numpy: convert only on known tensors. */
const AMBIGUOUS_METHODS = new Set([
  'split',
  'index',
  'copy',
  'repeat',
  'count',
  'sort',
  'all',
  'any',
  'get',
  'items',
  'keys',
  'values',
  'append',
  'extend',
  'pop',
  'update',
  'format',
  'join',
  'replace',
  'strip',
  'add',
  'apply',
  'numpy',
  'clone',
  'round',
  'flip',
  'max',
  'min',
  'mean',
  'sum',
  'std',
  'var',
  'prod',
  'argmax',
  'argmin',
  'cumsum',
  'item',
  'tolist',
  'type',
  'fill',
  'reshape',
  'transpose',
  'astype'
]);

/** Module names never hold tensors, imported or not yet. */
const MODULE_NAMES = new Set([
  'torch',
  'nn',
  'F',
  'optim',
  'np',
  'numpy',
  'jnp',
  'jax',
  'math',
  'os',
  'sys',
  'random',
  'optax',
  'flax',
  'self',
  'cls',
  'super'
]);

/** Device moves apply to models as well as tensors. */
const DEVICE_METHODS = new Set(['to', 'cuda', 'cpu']);

/** Keywords that only torch uses: a call carrying one is a tensor call. */
const TORCH_KEYWORDS = /^(dim|keepdim|unbiased|correction)$/;

export class TensorInference {
  constructor(
    private readonly symbols: SymbolTable,
    private readonly kb: KnowledgeBase,
    private readonly resolve: (node: Node) => string | undefined
  ) {}

  /** Could this receiver of `method` be a tensor? Literals, modules, models and other libraries are not. */
  isReceiver(object: Node, method: string, call: Node, cls?: ClassInfo): boolean {
    if (
      [
        'string',
        'list',
        'dictionary',
        'set',
        'integer',
        'float',
        'concatenated_string',
        'list_comprehension'
      ].includes(object.type)
    ) {
      return false;
    }
    const dotted = dottedName(object);
    if (dotted) {
      const [head, attr, more] = dotted.split('.');
      if (head === 'self' && !more && (cls?.params.has(attr) || cls?.buffers.has(attr))) {
        return true; // the module's own parameter or buffer
      }
      if (
        MODULE_NAMES.has(head) ||
        this.symbols.aliases.has(head) ||
        this.symbols.otherImports.has(head)
      ) {
        return false;
      }
      if (this.symbols.nonTensors.has(dotted) && !DEVICE_METHODS.has(method)) {
        return false;
      }
      if (this.symbols.instances.has(dotted)) {
        return DEVICE_METHODS.has(method);
      }
      if (head === 'self' && cls?.layers.has(dotted.split('.')[1] ?? '')) {
        return false;
      }
    }
    if (!AMBIGUOUS_METHODS.has(method)) {
      return true;
    }
    if (this.produces(object)) {
      return true;
    }
    const args =
      call.type === 'call' ? (call.childForFieldName('arguments')?.namedChildren ?? []) : [];
    if (method === 'transpose' && args.filter(a => a && a.type !== 'comment').length === 2) {
      // two dims is torch's swap; numpy's two-argument form permutes a 2-D array, where
      // the swap is the same array except for the identity permutation nobody writes
      return true;
    }
    if (
      args.some(
        a =>
          a &&
          this.resolve(a.type === 'keyword_argument' ? (a.childForFieldName('value') as Node) : a)
      )
    ) {
      return true; // x.type(torch.float32), x.to(torch.long)
    }
    return args.some(
      a =>
        a?.type === 'keyword_argument' &&
        TORCH_KEYWORDS.test(a.childForFieldName('name')?.text ?? '')
    );
  }

  /** Is this expression known to produce a tensor (a torch call, a tensor method, a known name)? */
  produces(node: Node | null, depth = 3): boolean {
    if (!node || depth < 0) {
      return false;
    }
    switch (node.type) {
      case 'identifier':
        return this.symbols.tensors.has(node.text);
      case 'parenthesized_expression':
        return this.produces(node.namedChildren[0], depth);
      case 'subscript':
        return this.produces(node.childForFieldName('value'), depth - 1);
      case 'comparison_operator':
        return node.namedChildren.some(c => this.produces(c, depth - 1));
      case 'binary_operator':
        return (
          this.produces(node.childForFieldName('left'), depth - 1) ||
          this.produces(node.childForFieldName('right'), depth - 1)
        );
      case 'call': {
        const fn = node.childForFieldName('function');
        const canonical = fn ? this.resolve(fn) : undefined;
        if (canonical) {
          return returnsTensor(canonical);
        }
        if (fn?.type === 'identifier' && this.symbols.instances.has(fn.text)) {
          return true; // a model's output
        }
        const method =
          fn?.type === 'attribute' ? (fn.childForFieldName('attribute')?.text ?? '') : '';
        return (
          !!this.kb.method(method) &&
          this.produces(fn?.childForFieldName('object') ?? null, depth - 1)
        );
      }
      case 'attribute':
        return (
          this.kb.method(node.childForFieldName('attribute')?.text ?? '')?.kind === 'property' &&
          this.produces(node.childForFieldName('object'), depth - 1)
        );
      default:
        return false;
    }
  }
}
