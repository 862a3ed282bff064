/** Reads declarations into the symbol table: imports, module classes, instances, tensors. */
import type { Node } from 'web-tree-sitter';
import type { ClassInfo, SymbolTable } from './symbols';

/** `a.b.c` for a chain of identifiers and attributes, else undefined. */
export function dottedName(node: Node | null): string | undefined {
  if (!node) {
    return undefined;
  }
  if (node.type === 'identifier') {
    return node.text;
  }
  if (node.type === 'attribute') {
    const object = dottedName(node.childForFieldName('object'));
    const attr = node.childForFieldName('attribute');
    return object && attr ? `${object}.${attr.text}` : undefined;
  }
  return undefined;
}

/** The name at the root of a chain of attributes and subscripts: `tied` for `tied[2].weight`. */
export function chainRoot(node: Node): string {
  let current: Node | null = node;
  while (current?.type === 'attribute' || current?.type === 'subscript') {
    current = current.childForFieldName(current.type === 'attribute' ? 'object' : 'value');
  }
  return current?.type === 'identifier' ? current.text : '';
}

function bind(symbols: SymbolTable, local: string, module: string, bound: string[]): void {
  if (module === 'torch' || module.startsWith('torch.')) {
    symbols.aliases.set(local, module);
    symbols.otherImports.delete(local);
    bound.push(local);
  } else {
    symbols.otherImports.set(local, module);
    symbols.aliases.delete(local);
  }
}

/** Record the names an import statement binds; returns those bound to torch. */
export function recordImport(node: Node, symbols: SymbolTable): string[] {
  const bound: string[] = [];
  if (node.type === 'import_statement') {
    for (const name of node.childrenForFieldName('name')) {
      if (!name) {
        continue;
      }
      if (name.type === 'aliased_import') {
        const module = name.childForFieldName('name')?.text ?? '';
        bind(symbols, name.childForFieldName('alias')?.text ?? module, module, bound);
      } else {
        const head = name.text.split('.')[0];
        bind(symbols, head, head, bound);
      }
    }
    return bound;
  }
  const module = node.childForFieldName('module_name')?.text ?? '';
  for (const name of node.childrenForFieldName('name')) {
    if (!name) {
      continue;
    }
    if (name.type === 'aliased_import') {
      const imported = name.childForFieldName('name')?.text ?? '';
      bind(
        symbols,
        name.childForFieldName('alias')?.text ?? imported,
        `${module}.${imported}`,
        bound
      );
    } else {
      bind(symbols, name.text, `${module}.${name.text}`, bound);
    }
  }
  return bound;
}

export function isBatchNorm(layer: string | undefined): boolean {
  return !!layer && /^torch\.nn\.BatchNorm[123]d$/.test(layer);
}

/** A layer attribute whose kind is known only at run time (assigned in branches, or `nn.Sequential(*layers)`). */
export const DYNAMIC_LAYER = 'torch.nn.Module';

interface Assigned {
  layer?: string;
  /** Under an if / for / with / try in __init__. */
  nested: boolean;
  /** `nn.Sequential(*layers)`: elements unknown. */
  splat: boolean;
  elements?: (string | undefined)[];
}

/** Layers a plain call cannot apply: the training flag or the NCHW layout, directly or inside. */
export function needsOwnCall(
  layer: string | undefined,
  elements: (string | undefined)[] | undefined,
  symbols: SymbolTable
): boolean {
  const own = (l: string | undefined) =>
    !!l &&
    (/^torch\.nn\.(BatchNorm[123]d|Dropout\w*|Conv\w*)$/.test(l) ||
      !!symbols.classes.get(l)?.trainingReasons.length ||
      !!symbols.classes.get(l)?.hasBatchStats);
  return own(layer) || (layer === 'torch.nn.Sequential' && !!elements?.some(own));
}

/** The assignments of a function body, with whether each sits under a compound statement. */
function* assignmentsIn(block: Node | null, nested: boolean): Generator<[Node, boolean]> {
  for (const stmt of block?.namedChildren ?? []) {
    if (!stmt || /_definition$/.test(stmt.type)) {
      continue;
    }
    if (stmt.type === 'expression_statement') {
      const assign = stmt.namedChildren[0];
      if (assign?.type === 'assignment') {
        yield [assign, nested];
      }
      continue;
    }
    for (const part of stmt.namedChildren) {
      if (part?.type === 'block') {
        yield* assignmentsIn(part, true);
      } else if (part && /_clause$/.test(part.type)) {
        yield* assignmentsIn(part.namedChildren.find(c => c?.type === 'block') ?? null, true);
      }
    }
  }
}

/** The layer a call builds: a canonical torch layer or a module class of the notebook. */
function builtLayer(node: Node | null | undefined, symbols: SymbolTable): string | undefined {
  const f = node?.type === 'call' ? dottedName(node.childForFieldName('function')) : undefined;
  return f ? (symbols.resolveDotted(f) ?? (symbols.classes.has(f) ? f : undefined)) : undefined;
}

/** What each element of an nn.Sequential is: a canonical torch layer or a module class of the notebook. */
function sequenceElements(args: Node[], symbols: SymbolTable): (string | undefined)[] {
  return args.map(a => builtLayer(a, symbols));
}

/** Read a class: is it an nn.Module, its constructor fields, which attribute holds which layer. */
export function analyzeClass(node: Node, symbols: SymbolTable): ClassInfo {
  const name = node.childForFieldName('name')?.text ?? '';
  const supers = node.childForFieldName('superclasses')?.namedChildren ?? [];
  const isModule = supers.some(s => {
    const dotted = dottedName(s);
    if (!dotted) {
      return false;
    }
    return (
      symbols.resolveDotted(dotted) === 'torch.nn.Module' || !!symbols.classes.get(dotted)?.isModule
    );
  });
  const info: ClassInfo = {
    name,
    isModule,
    layers: new Map(),
    fields: [],
    trainingReasons: [],
    methodsWithTraining: new Set(),
    sequences: new Map(),
    hasBatchStats: false,
    params: new Set(),
    buffers: new Set(),
    lists: new Map()
  };
  const body = node.childForFieldName('body');
  const init = body?.namedChildren.find(
    c => c?.type === 'function_definition' && c.childForFieldName('name')?.text === '__init__'
  );
  if (isModule && init) {
    for (const param of init.childForFieldName('parameters')?.namedChildren.slice(1) ?? []) {
      const id = param?.type === 'identifier' ? param : param?.namedChildren[0];
      if (id?.type === 'identifier') {
        info.fields.push(id.text);
      }
    }
    for (const stmt of init.descendantsOfType('expression_statement')) {
      recordRegistration(stmt?.namedChildren[0], info, symbols); // in any block (`if bias:`)
    }
    // every `self.x = Layer(...)`, also under if/for/with/try, with the kind of layer it holds
    const assigned = new Map<string, Assigned[]>();
    for (const [assign, nested] of assignmentsIn(init.childForFieldName('body'), false)) {
      const left = assign.childForFieldName('left');
      const right = assign.childForFieldName('right');
      if (left?.type !== 'attribute' || left.childForFieldName('object')?.text !== 'self') {
        continue;
      }
      const attr = left.childForFieldName('attribute')?.text ?? '';
      const callee =
        right?.type === 'call' ? dottedName(right.childForFieldName('function')) : undefined;
      const layer = callee
        ? (symbols.resolveDotted(callee) ?? (symbols.classes.has(callee) ? callee : undefined))
        : undefined;
      const args = (
        right?.type === 'call' ? right.childForFieldName('arguments') : null
      )?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment');
      if (layer === PARAMETER) {
        continue; // recorded with the registrations
      }
      const element =
        layer === 'torch.nn.ModuleList' && right ? listElement(right, symbols) : undefined;
      if (element && !nested) {
        info.lists.set(attr, element);
      }
      const list = assigned.get(attr) ?? [];
      assigned.set(attr, list);
      list.push({
        layer,
        nested,
        splat: layer === 'torch.nn.Sequential' && !!args?.some(a => a.type === 'list_splat'),
        // what each element of a Sequential is, so a call of the whole can be unrolled
        elements:
          layer === 'torch.nn.Sequential' ? sequenceElements(args ?? [], symbols) : undefined
      });
    }
    for (const [attr, list] of assigned) {
      const special = (a: Assigned) => a.splat || needsOwnCall(a.layer, a.elements, symbols);
      const [first] = list;
      const statistics = (a: Assigned) =>
        a.splat ||
        [a.layer, ...(a.elements ?? [])].some(
          e => isBatchNorm(e) || !!(e && symbols.classes.get(e)?.hasBatchStats)
        );
      if ((list.length > 1 || first.nested || first.splat) && list.some(special)) {
        // which layer it holds is decided at run time: its call sites dispatch on it
        info.layers.set(attr, DYNAMIC_LAYER);
        info.hasBatchStats ||= list.some(statistics);
      } else if (first.layer && list.every(a => a.layer === first.layer)) {
        info.layers.set(attr, first.layer);
        info.hasBatchStats ||= statistics(first);
        if (first.elements && list.length === 1) {
          info.sequences.set(attr, first.elements);
        }
      }
    }
  }
  symbols.classes.set(name, info);
  return info;
}

const PARAMETER = 'torch.nn.Parameter';

/** Does `node` construct an nn.Parameter? */
function isParameter(node: Node | null | undefined, symbols: SymbolTable): boolean {
  const ctor = node?.type === 'call' ? dottedName(node.childForFieldName('function')) : undefined;
  return !!ctor && symbols.resolveDotted(ctor) === PARAMETER;
}

/**
 * The parameters and buffers a statement of `__init__` registers: `self.w = nn.Parameter(t)`,
 * `self.register_parameter('w', nn.Parameter(t))`, `self.register_buffer('mask', t)`.
 */
function recordRegistration(
  expr: Node | null | undefined,
  info: ClassInfo,
  symbols: SymbolTable
): void {
  if (expr?.type === 'assignment') {
    const left = expr.childForFieldName('left');
    if (
      left?.type === 'attribute' &&
      left.childForFieldName('object')?.text === 'self' &&
      isParameter(expr.childForFieldName('right'), symbols)
    ) {
      info.params.add(left.childForFieldName('attribute')?.text ?? '');
    }
    return;
  }
  const fn = expr?.type === 'call' ? expr.childForFieldName('function') : undefined;
  if (fn?.type !== 'attribute' || fn.childForFieldName('object')?.text !== 'self') {
    return;
  }
  const method = fn.childForFieldName('attribute')?.text;
  const args = (expr?.childForFieldName('arguments')?.namedChildren ?? []).filter(
    a => a?.type !== 'comment'
  );
  const attr = args[0]?.type === 'string' ? /^['"](\w+)['"]$/.exec(args[0].text)?.[1] : undefined;
  if (!attr || !args[1] || args[1].type === 'none') {
    return;
  }
  if (method === 'register_buffer') {
    info.buffers.add(attr);
  } else if (method === 'register_parameter' && isParameter(args[1], symbols)) {
    info.params.add(attr);
  }
}

/** The one kind of element of `nn.ModuleList([Block(...) for _ in ...])` or `nn.ModuleList([A(), A()])`. */
function listElement(call: Node, symbols: SymbolTable): string | undefined {
  const arg = call.childForFieldName('arguments')?.namedChildren.find(a => a?.type !== 'comment');
  let items: (Node | null)[] = [];
  if (arg?.type === 'list_comprehension') {
    items = [arg.childForFieldName('body')];
  } else if (arg?.type === 'list') {
    items = arg.namedChildren;
  }
  const kinds = new Set(
    items.map(item => {
      const f = item?.type === 'call' ? dottedName(item.childForFieldName('function')) : undefined;
      return f ? (symbols.resolveDotted(f) ?? (symbols.classes.has(f) ? f : '')) : '';
    })
  );
  const [kind] = kinds;
  return kinds.size === 1 && kind ? kind : undefined;
}

/** torch APIs whose result is not a tensor: layers, optimizers, devices, generators, flags. */
const NOT_TENSORS =
  /^torch\.(nn\.(?!Parameter\b)[A-Z]|optim|device|Generator|cuda|backends|utils|manual_seed|seed|no_grad|enable_grad|set_grad_enabled|inference_mode|is_\w+|save|load|get_\w+|set_\w+)/;

/** torch layers that hold parameters and are used as whole models at notebook level. */
export const MODEL_LAYERS =
  /^torch\.nn\.(Sequential|Linear|Conv[123]d|Embedding|LSTM|GRU|RNN|Dropout|MultiheadAttention)$/;

export function returnsTensor(canonical: string): boolean {
  return !NOT_TENSORS.test(canonical);
}

/** Record what a top-level assignment binds: a model instance, a tensor, or neither. */
export function recordAssignment(node: Node, symbols: SymbolTable): void {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (left?.type !== 'identifier' || !right) {
    return;
  }
  const name = left.text;
  symbols.instances.delete(name);
  symbols.tensors.delete(name);
  symbols.nonTensors.delete(name);
  let value: Node = right;
  // `Net().to(device)` is still the Net instance
  while (
    value.type === 'call' &&
    /\.(to|cuda|cpu|train|eval|float|double)$/.test(value.childForFieldName('function')?.text ?? '')
  ) {
    value = value.childForFieldName('function')?.childForFieldName('object') ?? value;
  }
  if (value.type === 'call') {
    const callee = dottedName(value.childForFieldName('function'));
    if (callee && symbols.classes.get(callee)?.isModule) {
      symbols.instances.set(name, callee);
      return;
    }
    if (callee && symbols.resolveDotted(callee)?.startsWith('torch.')) {
      const canonical = symbols.resolveDotted(callee) as string;
      if (MODEL_LAYERS.test(canonical)) {
        symbols.instances.set(name, canonical); // `model = nn.Sequential(...)` is a model too
        return;
      }
      if (!returnsTensor(canonical)) {
        symbols.nonTensors.add(name);
      } else {
        symbols.tensors.add(name);
      }
      return;
    }
  }
  if (
    [
      'string',
      'list',
      'dictionary',
      'set',
      'list_comprehension',
      'dictionary_comprehension',
      'concatenated_string'
    ].includes(right.type)
  ) {
    symbols.nonTensors.add(name);
  }
}

/** Node types whose names are their own: a name bound inside is local to them. */
const LOCAL_SCOPES = /^(function_definition|lambda|\w+_comprehension|generator_expression)$/;

/** The identifiers an assignment or loop target binds (`a`, `a, (b, c)`; not `x.a` or `x[i]`). */
function targetNames(target: Node | null): string[] {
  if (!target) {
    return [];
  }
  if (target.type === 'identifier') {
    return [target.text];
  }
  if (
    /^(pattern_list|tuple_pattern|list_pattern|parenthesized_expression|list_splat_pattern)$/.test(
      target.type
    )
  ) {
    return target.namedChildren.flatMap(c => targetNames(c));
  }
  return [];
}

/** Does `scope` itself (not a scope nested in it) bind `name`: an assignment, loop, `with ... as`, or parameter of a lambda or comprehension? */
function bindsOwn(scope: Node, name: string): boolean {
  if (scope.type === 'lambda') {
    const params = scope.childForFieldName('parameters');
    return !!params?.namedChildren.some(
      p => (p?.type === 'identifier' ? p : p?.namedChildren[0])?.text === name
    );
  }
  const targets = scope.descendantsOfType([
    'assignment',
    'augmented_assignment',
    'for_statement',
    'for_in_clause',
    'as_pattern'
  ]);
  return targets.some(t => {
    if (!t || nearestScope(t) !== scope.id) {
      return false;
    }
    const target =
      t.type === 'as_pattern'
        ? (t.childForFieldName('alias')?.namedChildren[0] ?? null)
        : t.childForFieldName('left');
    return targetNames(target).includes(name);
  });
}

/** The id of the innermost local scope around a node (0 at notebook level). */
function nearestScope(node: Node): number {
  for (let p = node.parent; p; p = p.parent) {
    if (LOCAL_SCOPES.test(p.type)) {
      return p.id;
    }
  }
  return 0;
}

/**
 * Is `name` at `node` a local of a function, lambda or comprehension around it (`for layer in
 * self.layers: layer(x)`), not the notebook-level name it shadows? Parameters of functions are
 * left out: model_arguments decides what a function's model parameters are.
 */
export function isLocalName(node: Node, name: string): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (!LOCAL_SCOPES.test(p.type)) {
      continue;
    }
    if (
      p.type === 'function_definition' &&
      p
        .childForFieldName('body')
        ?.descendantsOfType('global_statement')
        .some(g => nearestScope(g as Node) === p.id && g?.namedChildren.some(n => n?.text === name))
    ) {
      return false;
    }
    if (bindsOwn(p, name)) {
      return true;
    }
  }
  return false;
}
