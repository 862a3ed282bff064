/** Pooling keeps torch's NCHW layout; pool strides default to the window, as in torch. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { VALUE_CONVERTERS } from '../src/engine/values';
import { bindCall } from './args';
import { channelsLast, spatialDims } from './conv_layout';

const MAX_ARGS = ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'];
const AVG_ARGS = [
  'kernel_size',
  'stride',
  'padding',
  'ceil_mode',
  'count_include_pad',
  'divisor_override'
];

/** `F.max_pool2d(x, 2)` and `nn.MaxPool2d(2)` (as a function of x in setup). */
export function pool(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  const isMax = /max_?pool/i.test(name);
  const layer = ctx.entry?.entry.kind === 'layer';
  const params = isMax ? MAX_ARGS : AVG_ARGS;
  const bound = bindCall(node, ctx, layer ? params : ['input', ...params]);
  const n = spatialDims(name);
  const tuple = VALUE_CONVERTERS[n === 1 ? 'single' : n === 2 ? 'pair' : 'triple'];
  const kernel = bound.named.get('kernel_size');
  if (!kernel || bound.splat) {
    return undefined;
  }
  for (const flag of ['return_indices', 'ceil_mode', 'divisor_override', 'dilation']) {
    const v = bound.named.get(flag);
    if (v && v !== 'False' && v !== 'None' && !/^\(?1(,\s*1)*\)?$/.test(v.trim())) {
      ctx.note(
        'warning',
        `${name} with ${flag}=${v} has no Flax equivalent`,
        node,
        'unsupported-api'
      );
      return undefined;
    }
  }
  const stride = bound.named.get('stride');
  const window = tuple(kernel);
  const strides = stride && stride !== 'None' ? tuple(stride) : window;
  const padding = bound.named.get('padding');
  const pad =
    padding && padding !== '0' ? `, padding=${VALUE_CONVERTERS[`conv_padding${n}d`](padding)}` : '';
  const countPad =
    !isMax && bound.named.get('count_include_pad') === 'False' ? ', count_include_pad=False' : '';
  ctx.requireImport('nn');
  const op = (x: string) =>
    `nn.${isMax ? 'max' : 'avg'}_pool(${x}, window_shape=${window}, strides=${strides}${pad}${countPad})`;
  if (layer) {
    return `lambda x: ${channelsLast(op, 'x', n)}`;
  }
  const x = bound.named.get('input');
  return x ? channelsLast(op, x, n) : undefined;
}

/** Adaptive average pooling to size 1 is a mean over the spatial dims. */
export function adaptiveAvgPool(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  const layer = ctx.entry?.entry.kind === 'layer';
  const bound = bindCall(node, ctx, layer ? ['output_size'] : ['input', 'output_size']);
  const size = bound.named.get('output_size')?.replace(/\s/g, '');
  const n = spatialDims(name);
  if (!size) {
    return undefined;
  }
  const axes = Array.from({ length: n }, (_, i) => i + 2).join(', ');
  let mean = (x: string) => `${x}.mean(axis=(${axes}${n === 1 ? ',' : ''}), keepdims=True)`;
  if (!/^(1|\((1,)+1?\)|\(1,?\))$/.test(size)) {
    // Output size k: equal windows when the input size is a multiple of k (torch's windows then agree)
    const sizes = /^\d+$/.test(size)
      ? Array(n).fill(size)
      : size
          .replace(/^\(|\)$/g, '')
          .split(',')
          .filter(Boolean);
    if (sizes.length !== n || sizes.some(s => !/^\d+$/.test(s))) {
      return undefined;
    }
    ctx.note(
      'info',
      `adaptive pooling to ${size}: exact when each input size is a multiple of the output size`,
      node,
      'semantics'
    );
    mean = (x: string) => {
      const split = sizes.map((s, i) => `${s}, ${x}.shape[${i + 2}] // ${s}`).join(', ');
      const inner = sizes.map((_, i) => 3 + 2 * i).join(', ');
      return `${x}.reshape(${x}.shape[:2] + (${split})).mean(axis=(${inner}${n === 1 ? ',' : ''}))`;
    };
  }
  if (layer) {
    return `lambda x: ${mean('x')}`;
  }
  const x = bound.named.get('input');
  return x ? mean(x.includes(' ') ? `(${x})` : x) : undefined;
}
