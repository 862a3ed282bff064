/**
 * BatchNorm. The constructor keeps torch's numbers (momentum m -> 1 - m, eps ->
 * epsilon, both written out); the call inside a module reads the training flag.
 * The reference plugin's form (`mutable=[...]` and `[0]` inside the module) is
 * kept as the 'seed' style only: Flax Linen rejects it with a TypeError, so the
 * default is the form that runs, and `mutable` belongs at the model.apply call.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { translateArgs, withKeyword } from '../src/engine/mapping';
import { formatNumber, VALUE_CONVERTERS } from '../src/engine/values';
import { requireTraining } from './state_flag_injection';

const TORCH_MOMENTUM = '0.1';
const TORCH_EPS = '1e-05';

/** `nn.BatchNorm2d(C, eps=e, momentum=m)` -> `nn.BatchNorm(momentum=1-m, epsilon=e, axis=1)`. */
export function batchNorm(node: Node, ctx: HookContext): string | undefined {
  const ref = ctx.entry;
  if (!ref) {
    return undefined;
  }
  const bound = ctx.bind(node, ref.entry);
  if (bound.splat) {
    return undefined;
  }
  const momentum = bound.named.get('momentum') ?? TORCH_MOMENTUM;
  if (momentum.trim() === 'None') {
    ctx.note(
      'warning',
      'BatchNorm momentum=None (cumulative average) has no Flax equivalent',
      node,
      'unsupported-api'
    );
    ctx.flagCell('partial', 'BatchNorm momentum=None');
    return undefined;
  }
  const eps = bound.named.get('eps') ?? TORCH_EPS;
  const parts = [
    `momentum=${VALUE_CONVERTERS.one_minus(momentum)}`,
    `epsilon=${/^[\d.eE+-]+$/.test(eps) ? formatEps(eps) : eps}`
  ];
  parts.push('axis=1'); // channels stay on axis 1 as in torch: (N, C), (N, C, L), NCHW
  const affine = bound.named.get('affine');
  if (affine && affine !== 'True') {
    parts.push(`use_scale=${affine}`, `use_bias=${affine}`);
  }
  if (bound.named.has('track_running_stats') && bound.named.get('track_running_stats') !== 'True') {
    ctx.note(
      'warning',
      'track_running_stats=False: Flax always keeps batch_stats; pass use_running_average=False to match',
      node,
      'semantics'
    );
  }
  const rest = translateArgs(
    { ...bound, named: new Map([...bound.named].filter(([k]) => ['dtype'].includes(k))) },
    {
      kind: 'layer'
    }
  );
  for (const [k, v] of rest) {
    parts.push(`${k}=${v}`);
  }
  ctx.requireImport('nn');
  return `nn.BatchNorm(${parts.join(', ')})`;
}

function formatEps(eps: string): string {
  const value = Number(eps);
  return value < 1e-3 ? value.toExponential().replace(/e-(\d)$/, 'e-0$1') : formatNumber(value);
}

/** `self.bn1(x)` -> `self.bn1(x, use_running_average=not training)` (or the seed form). */
export function batchNormCall(node: Node, ctx: HookContext): string | undefined {
  requireTraining(
    ctx,
    node,
    `${ctx.entry?.name.replace('torch.nn.', 'nn.') ?? 'BatchNorm'} uses batch statistics in training and running averages in evaluation`
  );
  const call = withKeyword(ctx.text(node), 'use_running_average=not training');
  if (ctx.settings.batchNormStyle === 'seed') {
    ctx.note(
      'warning',
      "seed style: Flax Linen raises TypeError: BatchNorm.__call__() got an unexpected keyword argument 'mutable'",
      node,
      'seed-style'
    );
    return `${withKeyword(call, "mutable=['batch_stats']")}[0]`;
  }
  return call;
}
