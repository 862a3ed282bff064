/**
 * Attributes of a model read outside apply. A Flax module's submodules, parameters and
 * statistics exist only inside apply or in its variables, so: `model.training` is the mode
 * the notebook last set (torch starts in training mode); `net.bn1.running_mean`,
 * `net.fc1.weight` and, for a layer used as the model, `model.weight` read the variables,
 * in torch's layout (`.data` is the array itself); `net.conv1` used as a layer is the
 * submodule of the bound model, channels kept first. In-place updates of a parameter
 * (`model.weight.data.normal_(0, 0.01)`) assign into the variables (see `parameterAt`).
 * Anything else is annotated.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';
import { channelsLast, spatialDims } from './conv_layout';
import { isPassedIn, variablesOf } from './model_apply';
import { dottedName } from '../src/engine/analysis';
import { BUFFERS } from './module_variables';

type Layout = (x: string) => string;

/** A leaf's collection, its Flax name, and the expressions from Flax's layout to torch's and back. */
type LeafKind = [string, string, Layout, Layout];

/** A torch layer's parameter or buffer, as its converted layer holds it. */
function leafOf(layer: string, attr: string): LeafKind | undefined {
  const same = (x: string) => x;
  const kind = layer.replace(/^torch\.nn\./, '');
  if (/^BatchNorm[123]d$|^LayerNorm$|^GroupNorm$/.test(kind)) {
    const table: Record<string, [string, string]> = {
      running_mean: ['batch_stats', 'mean'],
      running_var: ['batch_stats', 'var'],
      weight: ['params', 'scale'],
      bias: ['params', 'bias']
    };
    const hit = table[attr];
    return hit && (kind.startsWith('BatchNorm') || hit[0] === 'params')
      ? [...hit, same, same]
      : undefined;
  }
  if (attr === 'bias' && /^(Linear|Conv[123]d)$/.test(kind)) {
    return ['params', 'bias', same, same];
  }
  if (attr === 'weight' && kind === 'Linear') {
    const t = (x: string) => `${atom(x)}.T`;
    return ['params', 'kernel', t, t];
  }
  if (attr === 'weight' && /^Conv[123]d$/.test(kind)) {
    const n = spatialDims(kind);
    const toTorch = [n + 1, n, ...Array.from({ length: n }, (_, i) => i)]; // HWIO -> OIHW
    const fromTorch = toTorch.map((_, i) => toTorch.indexOf(i));
    const perm = (p: number[]) => (x: string) => `jnp.transpose(${x}, (${p.join(', ')}))`;
    return ['params', 'kernel', perm(toTorch), perm(fromTorch)];
  }
  if (attr === 'weight' && kind === 'Embedding') {
    return ['params', 'embedding', same, same];
  }
  if (/^(LSTM|GRU|RNN)$/.test(kind) && /^(weight|bias)_(ih|hh)_l\d+(_reverse)?$/.test(attr)) {
    return ['params', attr, same, same]; // RecurrentLayer keeps torch's names and layouts
  }
  if (kind === 'MultiheadAttention' && /^(in_proj_(weight|bias)|[qkv]_proj_weight)$/.test(attr)) {
    return ['params', attr, same, same]; // MultiheadAttention keeps torch's names and layouts
  }
  return undefined;
}

/** Submodules of torch layers that the converted layer keeps under the same name. */
const SUBMODULES: Record<string, Record<string, string>> = {
  'torch.nn.MultiheadAttention': { out_proj: 'torch.nn.Linear' }
};

/** A parameter or statistic in a model's variables, in Flax's layout, and its layout conversions. */
export interface Leaf {
  /** `variables['params']['fc']['kernel']`: readable, and assignable (init returns plain dicts). */
  store: string;
  toTorch: Layout;
  fromTorch: Layout;
}

/** The torch layer or module class holding the leaf at `model.<holder>.<leaf>`. */
function holderOf(ctx: HookContext, model: string, holder: string[]): string | undefined {
  const own = ctx.symbols.instances.get(model);
  if (holder.length === 0) {
    return own; // `model = nn.Linear(...)`: `model.weight`; `net.pos_emb`
  }
  if (own && !ctx.symbols.classes.has(own)) {
    return holder.length === 1 ? SUBMODULES[own]?.[holder[0]] : undefined; // `mha.out_proj.weight`
  }
  const layers = layersAlong(ctx, model, holder);
  return layers?.length === holder.length ? layers[layers.length - 1] : undefined;
}

/** A parameter or buffer a module class registers itself (`self.w = nn.Parameter(...)`), unchanged. */
function ownVariable(ctx: HookContext, cls: string, attr: string): LeafKind | undefined {
  const info = ctx.symbols.classes.get(cls);
  const same = (x: string) => x;
  const collection = info?.params.has(attr) ? 'params' : info?.buffers.has(attr) ? BUFFERS : '';
  return collection ? [collection, attr, same, same] : undefined;
}

/** The leaf at `model.<path>`: along user module classes, or the layer itself when the model is one. */
function leafAt(ctx: HookContext, model: string, path: string[]): Leaf | undefined {
  const holder = path.slice(0, -1); // the submodules holding the leaf
  const attr = path[path.length - 1];
  const layer = holderOf(ctx, model, holder);
  const leaf = layer ? (ownVariable(ctx, layer, attr) ?? leafOf(layer, attr)) : undefined;
  if (!leaf) {
    return undefined;
  }
  const [collection, flaxName, toTorch, fromTorch] = leaf;
  const keys = [...holder, flaxName].map(k => `['${k}']`).join('');
  ctx.requireImport('jnp');
  return { store: `${variablesOf(model)}['${collection}']${keys}`, toTorch, fromTorch };
}

/**
 * The model parameter an expression names (`model.weight`, `net.fc.bias`, with or without
 * `.data`), for in-place updates: they read `toTorch(store)` and assign `store`.
 */
export function parameterAt(node: Node, ctx: HookContext): Leaf | undefined {
  const parts = (dottedName(node) ?? '').split('.');
  if (parts[parts.length - 1] === 'data') {
    parts.pop();
  }
  if (parts.length < 2 || !ctx.symbols.instances.has(parts[0]) || isPassedIn(node, parts[0], ctx)) {
    return undefined;
  }
  return leafAt(ctx, parts[0], parts.slice(1));
}

/** The layers along `path` from a model's class: user module classes are followed. */
function layersAlong(ctx: HookContext, model: string, path: string[]): string[] | undefined {
  const out: string[] = [];
  let cls = ctx.symbols.classOf(model);
  for (const part of path) {
    const layer = cls?.layers.get(part) ?? SUBMODULES[out[out.length - 1]]?.[part];
    if (!layer) {
      return out.length ? out : undefined;
    }
    out.push(layer);
    cls = ctx.symbols.classes.get(layer);
  }
  return out;
}

/** `text` (a prefix of the node's dotted name) converted; `whole` when it is the whole node. */
function convert(text: string, node: Node, whole: boolean, ctx: HookContext): string | undefined {
  const [name, ...path] = text.split('.');
  if (path[path.length - 1] === 'training') {
    const mode = ctx.symbols.modes.get(name) ?? 'train';
    ctx.comment(node, `${text}: the mode last set in the notebook (apply takes training=)`);
    return mode === 'train' ? 'True' : 'False';
  }
  const leaf = leafAt(ctx, name, path);
  if (leaf) {
    return leaf.toTorch(leaf.store);
  }
  const layers = layersAlong(ctx, name, path);
  if (!layers) {
    return undefined;
  }
  const layer = layers[layers.length - 1];
  const indexed = whole && node.parent?.type === 'subscript' && CONTAINERS.test(layer);
  if (indexed) {
    // `model.blocks[0].attn(x)`; a bound module has no torch attributes (`.weight`) to read
    const called = layers.length === path.length && calledAt(node.parent as Node);
    return called ? `${name}.bind(${variablesOf(name)}).${path.join('.')}` : undefined;
  }
  const usedAsLayer = whole && node.parent?.type !== 'attribute';
  if (layers.length !== path.length || !usedAsLayer || /BatchNorm|Dropout/.test(layer)) {
    return undefined;
  }
  return `lambda x: ${layerCall(name, path, layer, 'x')}`;
}

/** Is `node` (through attributes, `net.blocks[0].attn`) the function of a call? A bound module has no torch attributes. */
function calledAt(node: Node): boolean {
  let top = node;
  while (top.parent?.type === 'attribute' && top.parent.childForFieldName('object')?.equals(top)) {
    top = top.parent;
  }
  const call = top.parent;
  return call?.type === 'call' && !!call.childForFieldName('function')?.equals(top);
}

/** Containers that stay a list or dict of submodules in setup, indexed as in torch. */
const CONTAINERS = /^torch\.nn\.Module(List|Dict)$/;

/** A submodule of the bound model called on `x`: `net.conv1(x)`, channels kept first. */
export function layerCall(name: string, path: string[], layer: string, x: string): string {
  const bound = `${name}.bind(${variablesOf(name)}).${path.join('.')}`;
  return /^torch\.nn\.Conv[123]d$/.test(layer)
    ? channelsLast(v => `${bound}(${v})`, x, spatialDims(layer))
    : `${bound}(${x})`;
}

export function modelAttribute(node: Node, ctx: HookContext): string | undefined {
  const name = node.text.split('.')[0];
  if (isPassedIn(node, name, ctx)) {
    return undefined;
  }
  // the longest converted prefix of the chain: `net.fc.weight.shape` -> `<weight>.shape`
  const parts = node.text.split('.');
  for (let end = parts.length; end > 1; end--) {
    const out = convert(parts.slice(0, end).join('.'), node, end === parts.length, ctx);
    if (out !== undefined) {
      const rest = parts.slice(end);
      return [out, ...(rest[0] === 'data' ? rest.slice(1) : rest)].join('.'); // a JAX array is its own data
    }
  }
  const vars = variablesOf(name);
  if (parts[parts.length - 1] === 'num_batches_tracked') {
    // no value to give: NaN keeps the notebook running and cannot pass for a count
    const why = `${node.text}: Flax's BatchNorm keeps no count of batches (fixed momentum); NaN stands in`;
    ctx.note('warning', why, node, 'model-attribute');
    ctx.flagCell('partial', `${node.text} has no Flax counterpart`);
    ctx.comment(node, why);
    ctx.requireImport('jnp');
    return 'jnp.asarray(jnp.nan)';
  }
  const why = `${node.text}: a Flax module's layers, parameters and statistics live in ${vars} (${vars}['params'], ${vars}['batch_stats']) or inside apply`;
  ctx.note('warning', why, node, 'model-attribute');
  ctx.flagCell('partial', `${node.text} read outside apply`);
  ctx.comment(node, `${node.text} is not converted: read ${vars}['params'] or use ${name}.apply`);
  return undefined;
}
