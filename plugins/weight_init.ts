/**
 * torch.nn.init. `nn.init.X_(t, ...)` fills a tensor in place; here the tensor is rebound to a
 * draw of its shape and dtype (`t = <draw>`), the key split off the threaded `rng_key`, fans
 * computed as torch computes them, in torch's layout (weight `[out, in, *kernel]`).
 *
 * Module parameters do not exist before Flax's `init`, so init code runs after it, on the
 * variables: the init statements of `__init__` (nn.init calls, `self.apply(fn)`, calls of
 * methods that initialise) move into a `torch_init(self)` method, and each `model.init` at
 * notebook level is followed by `apply_torch_init(model, variables, None, sample)`, which runs
 * the `torch_init` of every module in the tree, children first as torch builds them.
 * `model.apply(fn)` at notebook level becomes `apply_torch_init(model, variables, fn, sample)`.
 * There, modules are `TorchView`s: `isinstance` sees the Flax class, `m.weight` / `m.bias`
 * read and write the variables in torch's names and layout, `modules()` and `apply(fn)` walk
 * the submodules (emitted once into the notebook, like ArrayLoader).
 */
import type { Node } from 'web-tree-sitter';
import { notebookText, type HookContext } from '../src/engine/context';
import type { ClassInfo } from '../src/engine/symbols';
import { atom } from '../src/engine/mapping';
import { bindCall } from './args';
import { variablesOf } from './model_apply';
import { freshKey, isTopLevel, splitKey, useGlobalKey } from './random_keys';

export const TORCH_VIEW = `def _kernel_to_torch(k):
    return jnp.transpose(k, (k.ndim - 1, k.ndim - 2, *range(k.ndim - 2)))


def _kernel_from_torch(w):
    return jnp.transpose(w, (*range(2, w.ndim), 1, 0))


class TorchView:
    """A Flax module with its variables, as torch's init code sees it (switcheroo): isinstance() sees the Flax class; weight, bias, running_mean and running_var read and write the variables in torch's names and layout; submodules are attributes; modules(), children() and apply(fn) walk them; a name in the class's torch_attributes reads the attribute setup gives it."""

    NAMES = {
        nn.Dense: {'weight': ('params', 'kernel', True), 'bias': ('params', 'bias', False)},
        nn.Conv: {'weight': ('params', 'kernel', True), 'bias': ('params', 'bias', False)},
        nn.Embed: {'weight': ('params', 'embedding', False)},
        nn.BatchNorm: {'weight': ('params', 'scale', False), 'bias': ('params', 'bias', False), 'running_mean': ('batch_stats', 'mean', False), 'running_var': ('batch_stats', 'var', False)},
        nn.LayerNorm: {'weight': ('params', 'scale', False), 'bias': ('params', 'bias', False)},
        nn.GroupNorm: {'weight': ('params', 'scale', False), 'bias': ('params', 'bias', False)},
    }

    def __init__(self, module, variables, path):
        self.__dict__.update(_module=module, _variables=variables, _path=path, _children={})

    @property
    def __class__(self):
        return type(self._module)

    def _leaf(self, name):
        names = next((v for k, v in self.NAMES.items() if isinstance(self._module, k)), {})
        collection, flax_name, kernel = names.get(name, (None, name, False))
        for col in [collection] if collection else list(self._variables):
            node = self._variables.get(col, {})
            for part in self._path:
                node = node.get(part, {})
            if collection or not isinstance(node.get(flax_name, {}), dict):
                return node, flax_name, kernel
        return None

    def __getattr__(self, name):
        leaf = self._leaf(name)
        if leaf is not None:
            node, key, kernel = leaf
            value = node.get(key)
            return _kernel_to_torch(value) if kernel and value is not None else value
        if name in self._children:
            return self._children[name]
        items = [v for k, v in self._children.items() if k.startswith(name + '_') and k[len(name) + 1:].isdigit()]
        if items:
            return items
        method = inspect.getattr_static(type(self._module), name, None)
        if inspect.isfunction(method):
            return method.__get__(self)
        renamed = getattr(type(self._module), 'torch_attributes', {})
        if name in renamed:  # torch's name for a value Flax keeps apart from the constructor field
            return getattr(self._module.bind({col: self._subtree(col) for col in self._variables}), renamed[name])
        return getattr(self._module, name)

    def _subtree(self, collection):
        node = self._variables.get(collection, {})
        for part in self._path:
            node = node.get(part, {})
        return node

    def __setattr__(self, name, value):
        leaf = self._leaf(name)
        if leaf is None or leaf[1] not in leaf[0]:
            raise AttributeError(f'{type(self._module).__name__} has no parameter {name!r} to set')
        node, key, kernel = leaf
        value = jnp.asarray(_kernel_from_torch(value) if kernel else value, node[key].dtype)
        if value.shape != node[key].shape:
            raise ValueError(f'{name}: shape {value.shape}, expected that of {key} {node[key].shape}')
        node[key] = value

    def __getitem__(self, index):
        return list(self._children.values())[index]

    def __iter__(self):
        return iter(self._children.values())

    def __len__(self):
        return len(self._children)

    def children(self):
        return iter(self._children.values())

    def named_children(self):
        return iter(self._children.items())

    def modules(self):
        yield self
        for child in self._children.values():
            yield from child.modules()

    def apply(self, fn):
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self


def apply_torch_init(module, variables, fn, *args, **kwargs):
    """torch's init code run on Flax variables (switcheroo): fn on every submodule, as torch's module.apply(fn), or, when fn is None, each module's torch_init() (the init code of its __init__), children first as torch builds them. args are a sample input: the module is traced (shapes only) to find its submodules."""
    key = jax.random.key(0)
    paths = module.module_paths({'params': key, 'dropout': key, 'sample': key}, *args, **kwargs)
    copy = lambda tree: {k: copy(v) if isinstance(v, dict) else v for k, v in tree.items()}
    variables = copy(variables)
    views = {path: TorchView(m, variables, tuple(path.split('/')) if path else ()) for path, m in paths.items()}
    for path in list(views):  # containers applied layer by layer are not traced: add them
        while path:
            parent, _, name = path.rpartition('/')
            if parent not in views:
                views[parent] = TorchView(None, variables, tuple(parent.split('/')) if parent else ())
            views[parent]._children.setdefault(name, views[path])
            path = parent
    views[''].apply(fn if fn is not None else lambda m: m.torch_init() if hasattr(m.__class__, 'torch_init') else None)
    return variables
`;

const DEFINED = 'weight_init.view_defined';
const CLASSES = 'weight_init.classes';
/** The method that holds the init code of `__init__`. */
export const INIT_METHOD = 'torch_init';

/** A Python float literal for a number computed here. */
function num(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

function literal(text: string | undefined): number | undefined {
  return text !== undefined && /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(text.trim())
    ? Number(text)
    : undefined;
}

function unquote(text: string | undefined): string | undefined {
  return text === undefined ? undefined : /^(['"])(\w+)\1$/.exec(text.trim())?.[2];
}

/** torch's calculate_gain, squared (the variance scale): a number, or an expression of the slope. */
function gainSquared(nonlinearity: string, param: string | undefined): number | string | undefined {
  if (/^(linear|sigmoid|conv[123]d|conv_transpose[123]d)$/.test(nonlinearity)) {
    return 1;
  }
  const table: Record<string, number> = { relu: 2, tanh: 25 / 9, selu: 9 / 16 };
  if (nonlinearity in table) {
    return table[nonlinearity];
  }
  if (nonlinearity !== 'leaky_relu') {
    return undefined;
  }
  const slope = param ?? '0.01';
  const value = literal(slope);
  return value !== undefined ? 2 / (1 + value * value) : `2.0 / (1 + ${atom(slope)} ** 2)`;
}

/** `nn.init.calculate_gain('relu')` -> `1.4142135623730951`. */
function calculateGain(bound: Map<string, string>): string | undefined {
  const nonlinearity = unquote(bound.get('nonlinearity'));
  const squared = nonlinearity ? gainSquared(nonlinearity, bound.get('param')) : undefined;
  if (squared === undefined) {
    return undefined;
  }
  return typeof squared === 'number' ? num(Math.sqrt(squared)) : `(${squared}) ** 0.5`;
}

type Draw =
  | { value: (t: string, key: string) => string; random: true }
  | { value: (t: string) => string; random: false };

/** The value an init function gives a tensor `t`, or why it is not converted. */
function drawFor(fn: string, bound: Map<string, string>): Draw | string {
  const axes = 'in_axis=1, out_axis=0'; // torch's layout: fan_in from dim 1, fan_out from dim 0
  const shape = (t: string) => `${atom(t)}.shape, ${atom(t)}.dtype`;
  const vs = (scale: string, mode: string, distribution: string) => (t: string, key: string) =>
    `nn.initializers.variance_scaling(${scale}, '${mode}', '${distribution}', ${axes})(${key}, ${shape(t)})`;
  switch (fn) {
    case 'zeros_':
      return { random: false, value: t => `jnp.zeros_like(${t})` };
    case 'ones_':
      return { random: false, value: t => `jnp.ones_like(${t})` };
    case 'constant_': {
      const val = bound.get('val');
      return val === undefined
        ? 'needs val'
        : { random: false, value: t => `jnp.full_like(${t}, ${val})` };
    }
    case 'eye_':
      return { random: false, value: t => `jnp.eye(*${atom(t)}.shape, dtype=${atom(t)}.dtype)` };
    case 'uniform_': {
      const a = bound.get('a') ?? '0.0';
      const b = bound.get('b') ?? '1.0';
      return {
        random: true,
        value: (t, key) => `jax.random.uniform(${key}, ${shape(t)}, ${a}, ${b})`
      };
    }
    case 'normal_': {
      const mean = bound.get('mean') ?? '0.0';
      const std = bound.get('std') ?? '1.0';
      return {
        random: true,
        value: (t, key) => {
          const base = `jax.random.normal(${key}, ${shape(t)})`;
          const scaled = literal(std) === 1 ? base : `${atom(std)} * ${base}`;
          return literal(mean) === 0 ? scaled : `${atom(mean)} + ${scaled}`;
        }
      };
    }
    case 'trunc_normal_': {
      const mean = bound.get('mean') ?? '0.0';
      const std = bound.get('std') ?? '1.0';
      const [m, s] = [literal(mean), literal(std)];
      // torch truncates at the absolute bounds a, b; jax at bounds in units of std around 0
      const bound_ = (x: string) => {
        const v = literal(x);
        return v !== undefined && m !== undefined && s !== undefined
          ? num((v - m) / s)
          : `(${x} - ${atom(mean)}) / ${atom(std)}`;
      };
      const lo = bound_(bound.get('a') ?? '-2.0');
      const hi = bound_(bound.get('b') ?? '2.0');
      return {
        random: true,
        value: (t, key) => {
          const base = `jax.random.truncated_normal(${key}, ${lo}, ${hi}, ${shape(t)})`;
          const scaled = s === 1 ? base : `${atom(std)} * ${base}`;
          return m === 0 ? scaled : `${atom(mean)} + ${scaled}`;
        }
      };
    }
    case 'xavier_uniform_':
    case 'xavier_normal_': {
      const gain = bound.get('gain') ?? '1.0';
      const g = literal(gain);
      const scale = g !== undefined ? num(g * g) : `${atom(gain)} ** 2`;
      return {
        random: true,
        value: vs(scale, 'fan_avg', fn === 'xavier_uniform_' ? 'uniform' : 'normal')
      };
    }
    case 'kaiming_uniform_':
    case 'kaiming_normal_': {
      const mode = unquote(bound.get('mode') ?? "'fan_in'");
      const nonlinearity = unquote(bound.get('nonlinearity') ?? "'leaky_relu'");
      const scale = nonlinearity ? gainSquared(nonlinearity, bound.get('a') ?? '0') : undefined;
      if (scale === undefined || (mode !== 'fan_in' && mode !== 'fan_out')) {
        return 'needs mode and nonlinearity as literal strings torch knows';
      }
      const text = typeof scale === 'number' ? num(scale) : scale;
      return {
        random: true,
        value: vs(text, mode, fn === 'kaiming_uniform_' ? 'uniform' : 'normal')
      };
    }
    case 'orthogonal_': {
      const gain = bound.get('gain') ?? '1.0';
      return {
        random: true,
        value: (t, key) =>
          `nn.initializers.orthogonal(scale=${gain}, column_axis=0)(${key}, ${shape(t)})`
      };
    }
    default:
      return 'has no JAX/Flax form here';
  }
}

function unsupported(node: Node, ctx: HookContext, why: string): undefined {
  const name = ctx.entry?.name ?? 'torch.nn.init';
  ctx.note('warning', `${name} ${why}; left as is`, node, 'unsupported-api');
  return undefined;
}

/** The tensor argument: a name, attribute or subscript the draw can be assigned back to. */
function tensorArg(node: Node): Node | undefined {
  const first = node
    .childForFieldName('arguments')
    ?.namedChildren.find(a => a && a.type !== 'comment');
  const value = first?.type === 'keyword_argument' ? first.childForFieldName('value') : first;
  return value ?? undefined;
}

/** `t.data` shares t's storage: initialising it initialises t. */
function withoutData(node: Node): Node {
  return node.type === 'attribute' && node.childForFieldName('attribute')?.text === 'data'
    ? (node.childForFieldName('object') ?? node)
    : node;
}

/** `t = value`, or for `w[i]`, `w = w.at[i].set(value)`; undefined when t cannot be assigned. */
function assignBack(target: Node, value: string, ctx: HookContext): string | undefined {
  if (target.type === 'identifier' || target.type === 'attribute') {
    return `${ctx.text(target)} = ${value}`;
  }
  const base = target.childForFieldName('value');
  const index = target.childForFieldName('subscript');
  if (target.type === 'subscript' && base && index && /^(identifier|attribute)$/.test(base.type)) {
    return `${ctx.text(base)} = ${ctx.text(base)}.at[${ctx.text(index)}].set(${value})`;
  }
  return undefined;
}

/** The `nn.init.*` hook. */
export function weightInit(node: Node, ctx: HookContext): string | undefined {
  const name = ctx.entry?.name ?? '';
  const fn = name.split('.').pop() ?? '';
  const bound = bindCall(node, ctx, []).named;
  if (fn === 'calculate_gain') {
    return (
      calculateGain(bound) ?? unsupported(node, ctx, 'needs a literal nonlinearity torch knows')
    );
  }
  const draw = drawFor(fn, bound);
  const arg = tensorArg(node);
  if (typeof draw === 'string' || !arg) {
    return unsupported(node, ctx, typeof draw === 'string' ? draw : 'needs a tensor');
  }
  const target = withoutData(arg);
  const t = ctx.text(target);
  const statement = node.parent?.type === 'expression_statement';
  const inInit = ctx.scope.methodName === '__init__' && !!ctx.scope.cls;
  const method = ctx.scope.methodName;
  if (draw.random && (method === 'forward' || method === '__call__')) {
    return unsupported(
      node,
      ctx,
      'inside forward is not converted (Flax draws parameters in init)'
    );
  }
  let key = '';
  let split = '';
  if (draw.random) {
    if (inInit && statement) {
      // moved into torch_init with its statement: the key split travels with it
      const s = splitKey(node, ctx);
      [key, split] = [s.key, `${s.line}\n${ctx.indentOf(node)}`];
    } else if (isTopLevel(node) || useGlobalKey(node, ctx, undefined, true)) {
      key = freshKey(node, ctx);
    } else {
      return unsupported(node, ctx, 'inside a lambda or comprehension needs a key argument');
    }
    ctx.requireImport('jax'); // the key split
  }
  const value = draw.random ? draw.value(t, key) : draw.value(t);
  for (const alias of ['jax', 'jnp', 'nn']) {
    if (value.startsWith(`${alias}.`) || value.includes(` ${alias}.`)) {
      ctx.requireImport(alias);
    }
  }
  const assigned = assignBack(target, value, ctx);
  const rhs =
    node.parent?.type === 'assignment' && node.parent.childForFieldName('right')?.equals(node);
  if ((statement || rhs) && assigned) {
    return split + assigned;
  }
  if (statement || /^(identifier|attribute|subscript)$/.test(target.type)) {
    const why = `${name.replace('torch.', '')}: ${t} is not updated in place here; assign the result to it`;
    ctx.note('warning', why, node, 'weight-init');
    ctx.flagCell('partial', `${name} result not assigned`);
    ctx.comment(node, why);
  }
  return split + value;
}

// ---- init code of module classes -------------------------------------------------

interface ClassInit {
  /** Methods that run on TorchViews: called from the init statements, directly or not. */
  methods: Set<string>;
  /** The init statements of `__init__`. */
  statements: Node[];
}

function methodsOf(cls: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const item of cls.childForFieldName('body')?.namedChildren ?? []) {
    const fn = item?.type === 'decorated_definition' ? item.childForFieldName('definition') : item;
    const name =
      fn?.type === 'function_definition' ? fn.childForFieldName('name')?.text : undefined;
    if (fn && name) {
      out.set(name, fn);
    }
  }
  return out;
}

/** Calls in `node` that initialise: nn.init, `self.apply(fn)`, or a method that initialises. */
function initialises(node: Node, methods: Set<string>, ctx: HookContext): boolean {
  return node.descendantsOfType('call').some(call => {
    const fn = call?.childForFieldName('function');
    if (!fn) {
      return false;
    }
    const called = /^self\.(\w+)$/.exec(fn.text)?.[1];
    return (
      (ctx.resolve(fn) ?? '').startsWith('torch.nn.init.') ||
      called === 'apply' ||
      (!!called && methods.has(called))
    );
  });
}

/** The class's init statements and init methods (computed once per class). */
function classInit(classNode: Node, ctx: HookContext): ClassInit {
  const cacheKey = `weight_init:${ctx.state.get('notebook.cell') as number}:${classNode.startIndex}`;
  const cached = ctx.state.get(cacheKey) as ClassInit | undefined;
  if (cached) {
    return cached;
  }
  const all = methodsOf(classNode);
  const init = all.get('__init__');
  const statements = (init?.childForFieldName('body')?.namedChildren ?? []).filter(
    (s): s is Node => !!s && s.type !== 'comment' && !/_definition$/.test(s.type)
  );
  const methods = new Set<string>();
  // fixed point: a method that calls an init method initialises too
  for (let grew = true; grew;) {
    grew = false;
    for (const [name, fn] of all) {
      const body = fn.childForFieldName('body');
      if (name !== '__init__' && !methods.has(name) && body && initialises(body, methods, ctx)) {
        methods.add(name);
        grew = true;
      }
    }
  }
  const chosen = statements.filter(s => initialises(s, methods, ctx));
  // methods passed to self.apply(...) run on views too
  for (const s of chosen) {
    for (const m of s.text.matchAll(/self\.apply\(\s*self\.(\w+)\s*\)/g)) {
      methods.add(m[1]);
    }
  }
  const reached = new Set<string>();
  const visit = (text: string) => {
    for (const m of text.matchAll(/self\.(\w+)/g)) {
      if (methods.has(m[1]) && !reached.has(m[1])) {
        reached.add(m[1]);
        visit(all.get(m[1])?.text ?? '');
      }
    }
  };
  chosen.forEach(s => visit(s.text));
  const info = { methods: reached, statements: chosen };
  ctx.state.set(cacheKey, info);
  return info;
}

/**
 * Does `node`, in a method of a module class, run on TorchViews (torch's names), not in Flax:
 * in torch_init (the init statements of `__init__`) or a method they call?
 */
export function runsOnViews(node: Node, classNode: Node, ctx: HookContext): boolean {
  const info = classInit(classNode, ctx);
  const method = ctx.scope.method?.childForFieldName('name')?.text ?? '';
  return (
    info.methods.has(method) ||
    method === INIT_METHOD ||
    info.statements.some(s => s.startIndex <= node.startIndex && node.endIndex <= s.endIndex)
  );
}

function classNodeOf(fn: Node): Node | undefined {
  let p = fn.parent;
  if (p?.type === 'decorated_definition') {
    p = p.parent;
  }
  return p?.type === 'block' && p.parent?.type === 'class_definition' ? p.parent : undefined;
}

/**
 * Leaving a module class's method: `__init__` hands its init statements to a new
 * `torch_init(self)` method; methods they call get `@nn.nowrap` (they run on views, outside Flax).
 */
export function initMethods(fn: Node, ctx: HookContext): string | undefined {
  const cls = ctx.scope.cls;
  const classNode = classNodeOf(fn);
  const name = fn.childForFieldName('name')?.text ?? '';
  if (!cls || !classNode || ctx.scope.method?.id !== fn.id) {
    return undefined;
  }
  const info = classInit(classNode, ctx);
  if (name !== '__init__') {
    const decorators = fn.parent?.type === 'decorated_definition' ? fn.parent.text : '';
    if (
      info.methods.has(name) &&
      !/@(staticmethod|classmethod)\b/.test(decorators.split('def ')[0])
    ) {
      ctx.requireImport('nn');
      ctx.insertBefore(fn, '@nn.nowrap');
    }
    return undefined;
  }
  if (info.statements.length === 0) {
    return undefined;
  }
  const mixed = info.statements.filter(s =>
    s
      .descendantsOfType('assignment')
      .some(a => /^self\.\w+$/.test(a?.childForFieldName('left')?.text ?? ''))
  );
  if (mixed.length > 0 || methodsOf(classNode).has(INIT_METHOD)) {
    const why = mixed.length
      ? 'init code mixed with layer definitions: Flax builds the layers in setup and draws their parameters in init'
      : `${INIT_METHOD} is already a method of ${cls.name}`;
    ctx.note('warning', `${cls.name}: ${why}`, fn, 'weight-init');
    ctx.flagCell('partial', `${cls.name}: init code not moved`);
    ctx.comment(mixed[0] ?? fn, why);
    return undefined;
  }
  const indent = ctx.indentOf(fn);
  const inner = ctx.indentOf(info.statements[0]);
  const moved = info.statements.map(s => ctx.text(s));
  const usesKey = moved.some(t => /\brng_key\b/.test(t));
  const note = ctx.settings.comments
    ? '  # switcheroo: the init code of __init__; apply_torch_init runs it on the variables after init'
    : '';
  const lines = [
    '@nn.nowrap',
    `${indent}def ${INIT_METHOD}(self):${note}`,
    ...(usesKey ? [`${inner}global rng_key`] : []),
    ...moved.map(t => `${inner}${t}`)
  ];
  info.statements.forEach(s => ctx.removeStatement(s));
  const body = classNode.childForFieldName('body');
  const items = body?.namedChildren.filter((c): c is Node => !!c) ?? [];
  const own = items.findIndex(c => c.startIndex <= fn.startIndex && fn.endIndex <= c.endIndex);
  const next = items.slice(own + 1).find(c => c.type !== 'comment');
  ctx.requireImport('nn');
  if (next) {
    ctx.insertBefore(next, `${lines.join('\n')}\n`);
  } else {
    ctx.insertBefore(fn, `${lines.join('\n')}\n`);
  }
  const classes = (ctx.state.get(CLASSES) as Set<string> | undefined) ?? new Set<string>();
  ctx.state.set(CLASSES, classes.add(cls.name));
  defineView(classNode, ctx); // before the class: models of it are initialised with it
  ctx.note(
    'info',
    `${cls.name}: the init code of __init__ moved to ${INIT_METHOD}(), run on the variables after init by apply_torch_init`,
    fn,
    'weight-init'
  );
  return undefined;
}

/**
 * Could a model of this class hold a module whose __init__ had init code? Its class, or a
 * module class its source names (a layer, an element built in a loop or a helper), may.
 */
export function needsTorchInit(
  cls: ClassInfo | undefined,
  ctx: HookContext,
  seen = new Set<string>()
): boolean {
  const classes = ctx.state.get(CLASSES) as Set<string> | undefined;
  if (!cls || !classes?.size || seen.has(cls.name)) {
    return false;
  }
  seen.add(cls.name);
  if (classes.has(cls.name)) {
    return true;
  }
  const sources = notebookText(ctx);
  const start = sources.search(new RegExp(`^class ${cls.name}\\b`, 'm'));
  const body = start < 0 ? '' : sources.slice(start).split(/\n(?=\S)/)[0];
  return [...ctx.symbols.classes.values()].some(
    other =>
      other.isModule &&
      other.name !== cls.name &&
      new RegExp(`\\b${other.name}\\b`).test(body) &&
      needsTorchInit(other, ctx, seen)
  );
}

function defineView(node: Node, ctx: HookContext): void {
  if (!ctx.state.get(DEFINED)) {
    ctx.state.set(DEFINED, true);
    ctx.insertBefore(node, `${TORCH_VIEW}\n`, true);
  }
  for (const alias of ['inspect', 'jax', 'jnp', 'nn']) {
    ctx.requireImport(alias);
  }
}

/** After `variables = model.init(key, sample)`: the torch init code of its modules, when there is some. */
export function torchInitLine(
  node: Node,
  model: string,
  sample: string,
  ctx: HookContext
): string | undefined {
  ctx.state.set(`weight_init.sample:${model}`, sample);
  if (!needsTorchInit(ctx.symbols.classOf(model), ctx)) {
    return undefined;
  }
  defineView(node, ctx);
  const vars = variablesOf(model);
  return `${vars} = apply_torch_init(${model}, ${vars}, None, ${sample})`;
}

/** `model.apply(init_fn)` at notebook level: fn on every submodule's view, the variables rebound. */
export function moduleApply(node: Node, model: string, ctx: HookContext): string | undefined {
  const args =
    node.childForFieldName('arguments')?.namedChildren.filter(a => a && a.type !== 'comment') ?? [];
  if (args.length !== 1 || !args[0] || args[0].type === 'keyword_argument') {
    return undefined;
  }
  if (node.parent?.type !== 'expression_statement' || !isTopLevel(node)) {
    const why = `${model}.apply(fn) re-initialises ${variablesOf(model)}: write it as a statement at notebook level`;
    ctx.note('warning', why, node, 'weight-init');
    ctx.flagCell('partial', `${model}.apply(fn) not converted`);
    ctx.comment(node, why);
    return undefined;
  }
  const sample =
    (ctx.state.get(`weight_init.sample:${model}`) as string | undefined) ?? 'SAMPLE_INPUT';
  defineView(node, ctx);
  const vars = variablesOf(model);
  ctx.note(
    'info',
    `${model}.apply(fn): fn runs on a TorchView of each submodule; ${vars} is rebound`,
    node,
    'weight-init'
  );
  return `${vars} = apply_torch_init(${model}, ${vars}, ${ctx.text(args[0])}, ${sample})`;
}
