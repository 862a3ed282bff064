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
import { defineCallLayer } from './dynamic_layers';
import { chainRoot, DYNAMIC_LAYER, dottedName, isLocalName } from '../src/engine/analysis';
import { needsCallSite } from './containers';
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

/** A parameter or buffer a module class registers itself (`self.w = nn.Parameter(...)`), unchanged. */
function ownVariable(ctx: HookContext, cls: string, attr: string): LeafKind | undefined {
  const info = ctx.symbols.classes.get(cls);
  const same = (x: string) => x;
  const collection = info?.params.has(attr) ? 'params' : info?.buffers.has(attr) ? BUFFERS : '';
  return collection ? [collection, attr, same, same] : undefined;
}

/** A parameter or statistic in a model's variables, in Flax's layout, and its layout conversions. */
export interface Leaf {
  /** `variables['params']['fc']['kernel']`: readable, and assignable (init returns plain dicts). */
  store: string;
  toTorch: Layout;
  fromTorch: Layout;
}

/** `tied[2].weight` -> ['tied', '[2]', 'weight']: names, attributes and literal indices; else undefined. */
export function chainParts(node: Node | null): string[] | undefined {
  if (node?.type === 'identifier') {
    return [node.text];
  }
  if (node?.type === 'attribute') {
    const object = chainParts(node.childForFieldName('object'));
    const attr = node.childForFieldName('attribute')?.text;
    return object && attr ? [...object, attr] : undefined;
  }
  if (node?.type === 'subscript') {
    const value = chainParts(node.childForFieldName('value'));
    const index = node.childrenForFieldName('subscript');
    return value && index.length === 1 && /^(\d+|'\w+'|"\w+")$/.test(index[0]?.text ?? '')
      ? [...value, `[${index[0]?.text}]`]
      : undefined;
  }
  return undefined;
}

/** Parts back to Python: `['tied', '[2]', 'weight']` -> `tied[2].weight`. */
function joinParts(parts: string[]): string {
  return parts.map((p, i) => (i === 0 || p.startsWith('[') ? p : `.${p}`)).join('');
}

const SEQUENTIAL = 'torch.nn.Sequential';
const ELEMENTS = 'model_attributes.sequential:';

/**
 * `tied = nn.Sequential(nn.Linear(4, 8), shared, nn.ReLU(), shared)` at notebook level: what each
 * element is and where Flax keeps it. The same module given twice is one submodule (its
 * parameters shared, as in torch), named after its first position.
 */
export function recordSequentialModel(node: Node, ctx: HookContext): void {
  const assign = node.parent?.type === 'assignment' ? node.parent : undefined;
  const left = assign?.childForFieldName('left');
  if (left?.type !== 'identifier' || !assign?.childForFieldName('right')?.equals(node)) {
    return;
  }
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (a): a is Node => !!a && a.type !== 'comment'
  );
  const elements = args.map((a, i): [string | undefined, number] => {
    if (a.type === 'identifier') {
      return [ctx.symbols.instances.get(a.text), args.findIndex(b => b.text === a.text)];
    }
    const fn = a.type === 'call' ? a.childForFieldName('function') : undefined;
    const name = fn ? dottedName(fn) : undefined;
    return [
      fn
        ? (ctx.resolve(fn) ?? (ctx.symbols.classes.has(name ?? '') ? name : undefined))
        : undefined,
      i
    ];
  });
  ctx.state.set(`${ELEMENTS}${left.text}`, elements);
}

/** A module reached from a model: what it is, the Flax names down to it, and its Python path on the bound model. */
export interface Reached {
  layer: string | undefined;
  keys: string[];
  access: string;
}

/**
 * The modules along `path` from a model, as far as they are known: attributes of user module
 * classes, and elements of containers (`model.blocks[0]` is Flax's `blocks_0`, `seq[2]` of an
 * nn.Sequential is its `layers_2`).
 */
function modulesAlong(ctx: HookContext, model: string, path: string[]): Reached[] {
  const out: Reached[] = [];
  const own = ctx.symbols.instances.get(model);
  let here: Reached = { layer: own, keys: [], access: '' };
  let elements: [string | undefined, number][] | undefined =
    own === SEQUENTIAL ? (ctx.state.get(`${ELEMENTS}${model}`) as typeof elements) : undefined;
  let unrolled = false;
  for (const part of path) {
    const index = /^\[(\d+)\]$/.exec(part)?.[1];
    let next: Reached | undefined;
    if (!part.startsWith('[')) {
      const cls = here.layer ? ctx.symbols.classes.get(here.layer) : undefined;
      const layer = cls?.layers.get(part) ?? SUBMODULES[here.layer ?? '']?.[part];
      const kinds = cls?.sequences.get(part);
      const each = cls?.lists.get(part); // a ModuleList of one kind
      next = layer
        ? { layer, keys: [...here.keys, part], access: `${here.access}.${part}` }
        : undefined;
      elements = kinds?.map((kind, i) => [kind, i]) ?? (each ? [[each, 0]] : undefined);
      unrolled = layer === SEQUENTIAL && !!kinds?.some(k => needsCallSite(k, ctx));
    } else if (
      index !== undefined &&
      elements &&
      here.layer &&
      /^torch\.nn\.(Sequential|ModuleList)$/.test(here.layer)
    ) {
      const i = Number(index);
      const same = elements.every(([kind]) => kind === elements?.[0][0]);
      const [kind, at] = elements[i] ?? (same ? [elements[0][0], i] : [undefined, i]);
      const last = here.keys[here.keys.length - 1];
      // a module's list attribute is registered as `name_i`; nn.Sequential keeps `layers`
      const flat = here.layer !== SEQUENTIAL || unrolled;
      next = {
        layer: kind,
        keys:
          flat && last
            ? [...here.keys.slice(0, -1), `${last}_${at}`]
            : [...here.keys, `layers_${at}`],
        access: flat ? `${here.access}[${i}]` : `${here.access}.layers[${i}]`
      };
      elements = undefined;
    }
    if (!next?.layer) {
      break;
    }
    out.push(next);
    here = next;
  }
  return out;
}

/** The submodule at `model.<path>` when every step of the path is known: what it is and its place in the variables. */
export function submoduleAt(ctx: HookContext, model: string, path: string[]): Reached | undefined {
  const reached = modulesAlong(ctx, model, path);
  return reached.length === path.length ? reached[reached.length - 1] : undefined;
}

/** The leaf at `model.<path>`: along user module classes and containers, or the layer itself when the model is one. */
function leafAt(ctx: HookContext, model: string, path: string[]): Leaf | undefined {
  const own = ctx.symbols.instances.get(model);
  const holder = path.slice(0, -1); // the submodules holding the leaf
  const reached = modulesAlong(ctx, model, holder);
  let at: Reached | undefined = reached[reached.length - 1];
  if (holder.length === 0) {
    at = own ? { layer: own, keys: [], access: '' } : undefined; // `model.weight` of `model = nn.Linear(...)`; `net.pos`
  } else if (reached.length !== holder.length) {
    at = undefined;
  }
  const attr = path[path.length - 1];
  const leaf =
    at?.layer && attr ? (ownVariable(ctx, at.layer, attr) ?? leafOf(at.layer, attr)) : undefined;
  if (!at || !leaf) {
    return undefined;
  }
  const [collection, flaxName, toTorch, fromTorch] = leaf;
  const keys = [...at.keys, flaxName].map(k => `['${k}']`).join('');
  ctx.requireImport('jnp');
  return { store: `${variablesOf(model)}['${collection}']${keys}`, toTorch, fromTorch };
}

/**
 * The model parameter an expression names (`model.weight`, `net.fc.bias`, `seq[0].weight`, with
 * or without `.data`), for in-place updates: they read `toTorch(store)` and assign `store`.
 */
export function parameterAt(node: Node, ctx: HookContext): Leaf | undefined {
  const parts = chainParts(node) ?? [];
  if (parts[parts.length - 1] === 'data') {
    parts.pop();
  }
  if (parts.length < 2 || !ctx.symbols.instances.has(parts[0]) || isPassedIn(node, parts[0], ctx)) {
    return undefined;
  }
  return leafAt(ctx, parts[0], parts.slice(1));
}

/** `parts` (a prefix of the node's chain) converted; `whole` when it is the whole node. */
function convert(
  parts: string[],
  node: Node,
  whole: boolean,
  ctx: HookContext
): string | undefined {
  const [name, ...path] = parts;
  const text = joinParts(parts);
  if (path[path.length - 1] === 'training') {
    const mode = ctx.symbols.modes.get(name) ?? 'train';
    ctx.comment(node, `${text}: the mode last set in the notebook (apply takes training=)`);
    return mode === 'train' ? 'True' : 'False';
  }
  const leaf = leafAt(ctx, name, path);
  if (leaf) {
    return leaf.toTorch(leaf.store);
  }
  const reached = modulesAlong(ctx, name, path);
  if (reached.length === 0) {
    return undefined;
  }
  const { layer, access } = reached[reached.length - 1];
  const usedAsLayer = whole && !/^(attribute|subscript)$/.test(node.parent?.type ?? '');
  if (reached.length !== path.length || !usedAsLayer || /BatchNorm|Dropout/.test(layer ?? '')) {
    return undefined;
  }
  const bound = `${name}.bind(${variablesOf(name)})${access}`;
  const holder = node.parent?.type === 'argument_list' ? node.parent.parent : node.parent;
  const looked =
    node.parent?.type === 'comparison_operator' ||
    (holder?.type === 'call' &&
      /^(type|print|repr|str|isinstance)$/.test(holder.childForFieldName('function')?.text ?? ''));
  if (looked) {
    if (ctx.symbols.instances.get(name) === SEQUENTIAL && !access.includes('.', 1)) {
      return `${name}${access}`; // an element of a notebook nn.Sequential: its (unbound) module, shared ones the same object
    }
    ctx.comment(node, `${text} is the bound Flax submodule: its type and repr are Flax's`);
    return bound;
  }
  const call = node.parent;
  if (
    call?.type === 'call' &&
    call.childForFieldName('function')?.equals(node) &&
    layer !== DYNAMIC_LAYER &&
    !/^torch\.nn\.Conv/.test(layer ?? '')
  ) {
    return bound; // `net.blocks[1](x)`: the bound submodule, applied
  }
  if (layer === DYNAMIC_LAYER) {
    defineCallLayer(node, ctx); // a layer chosen at run time: applied as it turns out to be
    return `lambda x: call_layer(${bound}, x)`;
  }
  return `lambda x: ${layerCall(name, access, layer ?? '', 'x')}`;
}

/** A submodule of the bound model called on `x`: `net.conv1(x)`, channels kept first; `access` is its path (`.conv1`). */
export function layerCall(name: string, access: string, layer: string, x: string): string {
  const bound = `${name}.bind(${variablesOf(name)})${access}`;
  return /^torch\.nn\.Conv[123]d$/.test(layer)
    ? channelsLast(v => `${bound}(${v})`, x, spatialDims(layer))
    : `${bound}(${x})`;
}

export function modelAttribute(node: Node, ctx: HookContext): string | undefined {
  const parts = chainParts(node);
  const name = chainRoot(node);
  if (isPassedIn(node, name, ctx)) {
    return undefined;
  }
  if (!parts) {
    return undefined; // `tied[4].weight[0, 0]`: its chain (`tied[4].weight`) is converted, or annotated, on its own
  }
  // the longest converted prefix of the chain: `net.fc.weight.shape` -> `<weight>.shape`
  for (let end = parts.length; end > 1; end--) {
    const out = convert(parts.slice(0, end), node, end === parts.length, ctx);
    if (out !== undefined) {
      const rest = parts.slice(end);
      return joinParts([out, ...(rest[0] === 'data' ? rest.slice(1) : rest)]); // a JAX array is its own data
    }
  }
  const parent = node.parent;
  const call = parent?.type === 'attribute' ? parent.parent : undefined;
  if (
    call?.type === 'call' &&
    call.childForFieldName('function')?.equals(parent as Node) &&
    submoduleAt(ctx, name, parts.slice(1))
  ) {
    return undefined; // `model.body.load_state_dict(s)`: the method call is converted, or annotated, as a whole
  }
  if (
    parent?.type === 'subscript' &&
    parent.childForFieldName('value')?.equals(node) &&
    chainParts(parent)
  ) {
    return undefined; // `net.blocks` of `net.blocks[0]`: the element is converted, or annotated, as a whole
  }
  return annotateAttribute(node, name, ctx);
}

/**
 * `tied[2]` (an element of a model's container) looked at or called; chains that go on
 * (`tied[2].weight`) are the attribute hook's.
 */
export function modelSubscript(node: Node, ctx: HookContext): string | undefined {
  const parent = node.parent;
  const inChain =
    (parent?.type === 'attribute' && parent.childForFieldName('object')?.equals(node)) ||
    (parent?.type === 'subscript' && parent.childForFieldName('value')?.equals(node));
  const target =
    /assignment$/.test(parent?.type ?? '') && parent?.childForFieldName('left')?.equals(node);
  const parts = chainParts(node);
  if (
    inChain ||
    target ||
    !parts ||
    !ctx.symbols.instances.has(parts[0]) ||
    isLocalName(node, parts[0]) ||
    isPassedIn(node, parts[0], ctx)
  ) {
    return undefined;
  }
  for (let end = parts.length; end > 1; end--) {
    const out = convert(parts.slice(0, end), node, end === parts.length, ctx);
    if (out !== undefined) {
      return joinParts([out, ...parts.slice(end)]);
    }
  }
  return undefined;
}

function annotateAttribute(node: Node, name: string, ctx: HookContext): string | undefined {
  const parts = node.text.split('.');
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
