/** Converts one parsed cell: walks the tree bottom-up and implements the HookContext. */
import type { Node, Tree, TreeCursor } from 'web-tree-sitter';
import {
  analyzeClass,
  DYNAMIC_LAYER,
  chainRoot,
  dottedName,
  isLocalName,
  recordAssignment,
  recordImport
} from './analysis';
import type { CellFlag, EntryRef, HookContext, Scope, TargetInfo } from './context';
import type { HookRegistry } from './hooks';
import type { Entry, KnowledgeBase } from './knowledge';
import { atom, bindArgs, emitCall, translateArgs, type BoundArgs } from './mapping';
import { lineIndent } from './lines';
import { endsWithPlaceholder } from './magics';
import { EditSet } from './rewrite';
import { TensorInference } from './tensors';
import type { ClassInfo, SymbolTable } from './symbols';
import type { Diagnostic, Level, Rewrite, Settings } from './types';

/** Node types whose text may carry end-of-line comments of the statements inside them. */
const STATEMENT_LEVEL = /(_statement|_definition|^module$|^block$|_clause$)/;

const ENTER_TYPES = new Set(['class_definition', 'function_definition']);
const LEAVE_TYPES = new Set([
  'augmented_assignment',
  'import_statement',
  'import_from_statement',
  'call',
  'attribute',
  'subscript',
  'identifier',
  'assignment',
  'expression_statement',
  'with_statement',
  'decorator',
  'function_definition',
  'class_definition'
]);

export interface ImportSite {
  node: Node;
  /** Local names the statement binds to torch paths. */
  names: string[];
}

/** Everything one cell's conversion produced, kept until the notebook is put together. */
export interface CellWork {
  edits: EditSet;
  tree: Tree;
  rewrites: Rewrite[];
  diagnostics: Diagnostic[];
  flags: { training: string[]; partial: string[] };
  unsupported: Set<string>;
  imports: Set<string>;
  torchImports: ImportSite[];
}

export class CellConverter implements HookContext {
  scope: Scope = {};
  entry?: EntryRef;
  private readonly tensors: TensorInference;
  private readonly work: CellWork;
  private readonly injected = new Set<string>();
  private readonly commented = new Set<string>();
  private readonly removed = new Set<number>();

  constructor(
    tree: Tree,
    source: string,
    readonly settings: Settings,
    readonly target: TargetInfo,
    readonly symbols: SymbolTable,
    readonly kb: KnowledgeBase,
    private readonly hooks: HookRegistry,
    readonly state: Map<string, unknown>
  ) {
    this.tensors = new TensorInference(symbols, kb, n => this.resolve(n));
    this.work = {
      edits: new EditSet(source),
      tree,
      rewrites: [],
      diagnostics: [],
      flags: { training: [], partial: [] },
      unsupported: new Set(),
      imports: new Set(),
      torchImports: []
    };
  }

  /** Walk the tree once: declarations are read on the way down, rewrites made on the way up. */
  run(): CellWork {
    const cursor = this.work.tree.walk();
    const classes: (ClassInfo | undefined)[] = [];
    const methods: (Node | undefined)[] = [];
    let descend = true;
    // Nodes are only materialised for the types handled: it is the costly part of a walk.
    const enter = () => {
      if (ENTER_TYPES.has(cursor.nodeType)) {
        this.enter(cursor.currentNode, classes, methods);
      }
    };
    for (;;) {
      if (descend && cursor.gotoFirstChild()) {
        enter();
        continue;
      }
      const type = cursor.nodeType;
      if (LEAVE_TYPES.has(type) && this.worthVisiting(type, cursor)) {
        this.leave(cursor.currentNode, classes, methods);
      }
      if (cursor.gotoNextSibling()) {
        enter();
        descend = true;
        continue;
      }
      if (!cursor.gotoParent()) {
        break;
      }
      descend = false;
    }
    return this.work;
  }

  /** A cheap look at the text before materialising a node: most calls are not torch. */
  private worthVisiting(type: string, cursor: TreeCursor): boolean {
    switch (type) {
      case 'identifier':
        return this.scope.methodName === '__init__';
      case 'call':
      case 'attribute': {
        const text = cursor.nodeText;
        const paren = type === 'call' ? argumentsStart(text) : -1;
        const callee = paren < 0 ? text : text.slice(0, paren);
        const dot = callee.indexOf('.');
        const head = (dot < 0 ? callee : callee.slice(0, dot)).split('[')[0].trim();
        const last = callee.slice(callee.lastIndexOf('.') + 1).trim();
        return (
          this.symbols.aliases.has(head) ||
          (head === 'self' && !!this.scope.cls) ||
          (dot >= 0 && !!this.kb.method(last)) ||
          (type === 'call' && this.symbols.classes.has(head)) ||
          (type === 'call' && this.symbols.functionHooks.has(head)) ||
          this.symbols.objectHooks.has(head) ||
          this.symbols.instances.has(head)
        );
      }
      case 'subscript': {
        // only `model[i]`, `model.layers[i]`: an element of a model's container
        const head = /^\s*(\w+)/.exec(cursor.nodeText)?.[1] ?? '';
        return this.symbols.instances.has(head);
      }
      case 'expression_statement':
      case 'with_statement':
      case 'decorator':
        return this.hooks.mayApply(`structure:${type}/`, cursor.nodeText, this);
      default:
        return true;
    }
  }

  private enter(
    node: Node,
    classes: (ClassInfo | undefined)[],
    methods: (Node | undefined)[]
  ): void {
    const type = node.type;
    if (type === 'class_definition') {
      const info = analyzeClass(node, this.symbols);
      classes.push(info.isModule ? info : undefined);
      this.scope = { cls: classes[classes.length - 1] };
    } else if (type === 'function_definition') {
      if (node.parent?.parent?.type !== 'class_definition') {
        this.hooks.get('function.enter')?.(node, this); // model arguments, before the body
      }
      methods.push(node);
      const cls = classes[classes.length - 1];
      const inClassBody = node.parent?.parent?.type === 'class_definition';
      this.scope =
        cls && inClassBody
          ? { cls, method: node, methodName: node.childForFieldName('name')?.text }
          : { ...this.scope, cls: inClassBody ? undefined : this.scope.cls };
    }
  }

  private leave(
    node: Node,
    classes: (ClassInfo | undefined)[],
    methods: (Node | undefined)[]
  ): void {
    switch (node.type) {
      case 'import_statement':
      case 'import_from_statement':
        this.leaveImport(node);
        return;
      case 'call':
        this.tryRewrite(node, () => this.convertCall(node));
        return;
      case 'attribute':
        if (!this.runStructural('attribute', node)) {
          this.tryRewrite(node, () => this.convertAttribute(node));
        }
        return;
      case 'identifier':
      case 'subscript':
        this.runStructural(node.type, node);
        return;
      case 'assignment':
      case 'augmented_assignment':
        if (node.type === 'assignment') {
          this.recordBinding(node);
        }
        this.runStructural(node.type, node);
        return;
      case 'expression_statement':
      case 'with_statement':
      case 'decorator':
        this.runStructural(node.type, node);
        return;
      case 'function_definition':
        this.runStructural('function_definition', node);
        methods.pop();
        this.restoreScope(classes, methods);
        return;
      case 'class_definition':
        this.runStructural('class_definition', node);
        classes.pop();
        this.restoreScope(classes, methods);
        return;
    }
  }

  private restoreScope(classes: (ClassInfo | undefined)[], methods: (Node | undefined)[]): void {
    const cls = classes[classes.length - 1];
    const method = methods[methods.length - 1];
    const inClass = !!method && method.parent?.parent?.type === 'class_definition';
    this.scope =
      cls && method && inClass
        ? { cls, method, methodName: method.childForFieldName('name')?.text }
        : { cls };
  }

  /** Hooks registered for a node type by the structural pass: `structure:<type>/<plugin>`. */
  /** Runs the structural hooks for a node type until one rewrites it; true if one did. */
  private runStructural(type: string, node: Node): boolean {
    for (const hook of this.hooks.withPrefix(`structure:${type}/`)) {
      let out: string | undefined;
      this.tryRewrite(node, () => (out = hook(node, this)), `structure:${type}`);
      if (out !== undefined) {
        return true;
      }
    }
    return false;
  }

  private tryRewrite(node: Node, make: () => string | undefined, rule?: string): void {
    let text: string | undefined;
    const before = this.entry;
    try {
      text = make();
    } catch (error) {
      this.note(
        'error',
        `internal error while converting: ${(error as Error).message}`,
        node,
        'internal-error'
      );
      this.flagCell('partial', 'internal error');
    } finally {
      this.entry = before;
    }
    if (text !== undefined && text !== this.text(node)) {
      this.record(node, text, rule ?? this.lastRule ?? node.type);
    }
    this.lastRule = undefined;
  }

  private lastRule?: string;

  private record(node: Node, text: string, rule: string): void {
    const parent = node.parent?.type ?? '';
    if (
      text.startsWith('lambda ') &&
      /^(call|attribute|subscript|binary_operator|unary_operator)$/.test(parent)
    ) {
      text = `(${text})`; // `nn.MaxPool2d(2)(x)` -> `(lambda x: ...)(x)`
    }
    text = fstringSafe(node, text);
    this.work.rewrites.push({ from: node.text, to: text, line: node.startPosition.row + 1, rule });
    this.work.edits.replace(node.startIndex, node.endIndex, text, STATEMENT_LEVEL.test(node.type));
  }

  // ---- imports -------------------------------------------------------------

  private leaveImport(node: Node): void {
    const names = recordImport(node, this.symbols);
    if (names.length > 0) {
      this.work.torchImports.push({ node, names });
    }
  }

  // ---- calls and attributes ------------------------------------------------

  resolve(node: Node): string | undefined {
    const dotted = dottedName(node);
    return dotted === undefined ? undefined : this.symbols.resolveDotted(dotted);
  }

  private convertCall(node: Node): string | undefined {
    const fn = node.childForFieldName('function');
    if (!fn) {
      return undefined;
    }
    const canonical = this.resolve(fn);
    if (canonical) {
      const entry = this.kb.lookup(canonical);
      return entry
        ? this.applyEntry(node, { name: canonical, entry })
        : this.unsupported(node, canonical);
    }
    if (fn.type === 'identifier' && this.isModel(fn.text, node)) {
      return this.hooks.get('model.call')?.(node, this); // `model(x)` outside the module
    }
    const functionHook = fn.type === 'identifier' && this.symbols.functionHooks.get(fn.text);
    if (functionHook) {
      return this.hooks.get(functionHook)?.(node, this); // a plain function a plugin rewrote
    }
    if (fn.type !== 'attribute') {
      return undefined;
    }
    const object = fn.childForFieldName('object');
    if (
      object &&
      /^(identifier|attribute|subscript)$/.test(object.type) &&
      this.isModel(chainRoot(object), node)
    ) {
      const out = this.hooks.get('model.method')?.(node, this); // `model.parameters()`, `model.body.state_dict()`
      if (out !== undefined) {
        return out;
      }
    }
    const out = object ? this.objectHook(node, object) : undefined; // `scheduler.step()`
    if (out !== undefined) {
      return out;
    }
    const name = fn.childForFieldName('attribute')?.text ?? '';
    const ctor = object?.type === 'call' ? object.childForFieldName('function') : null;
    const built = ctor ? this.resolve(ctor) : undefined;
    const builtEntry = built ? this.kb.lookup(`${built}.${name}`) : undefined;
    if (builtEntry) {
      return this.applyEntry(node, { name: `${built}.${name}`, entry: builtEntry }); // `torch.Generator().manual_seed(0)`
    }
    if (object?.text === 'self' && this.scope.cls?.layers.has(name)) {
      return this.convertLayerCall(node, this.scope.cls.layers.get(name) as string);
    }
    if (object?.text === 'self' && this.scope.cls) {
      return this.hooks.get('method.call')?.(node, this);
    }
    if (name === 'item' && object?.type === 'identifier') {
      const out = this.hooks.get('scalar.item')?.(node, this); // `loss.item()` of a training step
      if (out !== undefined) {
        return out;
      }
    }
    const entry = this.kb.method(name);
    if (
      entry &&
      entry.kind === 'method' &&
      object &&
      this.tensors.isReceiver(object, name, node, this.scope.cls)
    ) {
      return this.applyEntry(node, { name: `torch.Tensor.${name}`, entry });
    }
    return undefined;
  }

  /** `self.bn1(x)`: the layer's call hook (`<hook>.call`) or the training keyword. */
  private convertLayerCall(node: Node, layer: string): string | undefined {
    if (layer === DYNAMIC_LAYER) {
      return this.hooks.get('layer.dynamic_call')?.(node, this); // its kind is known at run time
    }
    const userClass = this.symbols.classes.get(layer);
    if (userClass) {
      const hook = this.hooks.get('submodule.call');
      return hook?.(node, this);
    }
    const entry = this.kb.lookup(layer);
    const hook = entry?.hook ? this.hooks.get(`${entry.hook}.call`) : undefined;
    if (entry && hook) {
      this.entry = { name: layer, entry };
      this.lastRule = `${entry.hook}.call`;
      return hook(node, this);
    }
    if (entry?.training) {
      const generic = this.hooks.get('training.call');
      this.entry = { name: layer, entry };
      return generic?.(node, this);
    }
    return undefined;
  }

  private applyEntry(node: Node, ref: EntryRef): string | undefined {
    this.entry = ref;
    this.lastRule = ref.name;
    const blocked = node.type === 'call' ? this.blockedArg(node, ref.entry) : undefined;
    if (blocked) {
      return this.unsupported(node, `${ref.name}(${blocked}=...)`, 'is not converted');
    }
    if (ref.entry.hook) {
      const hook = this.hooks.get(ref.entry.hook);
      // An entry with a hook belongs to it: when the hook declines, the call is left as is,
      // with the hook's own explanation when it gave one.
      const before = this.work.diagnostics.length;
      const out = hook?.(node, this);
      if (out !== undefined) {
        return out;
      }
      const said = this.work.diagnostics.slice(before).find(d => d.code === 'unsupported-api');
      if (said) {
        this.work.diagnostics.splice(this.work.diagnostics.indexOf(said), 1);
        return this.unsupported(
          node,
          ref.name,
          said.message.replace(`${ref.name} `, '').replace(/; left as is$/, '')
        );
      }
      return this.unsupported(node, ref.name, hook ? 'is not converted in this form' : undefined);
    }
    return this.mapCall(node, ref);
  }

  private convertAttribute(node: Node): string | undefined {
    const parent = node.parent;
    if (parent?.type === 'attribute' && parent.childForFieldName('object')?.equals(node)) {
      return undefined; // part of a longer dotted name
    }
    if (parent?.type === 'call' && parent.childForFieldName('function')?.equals(node)) {
      const object = node.childForFieldName('object');
      if (
        (object?.type === 'attribute' || object?.type === 'subscript') &&
        this.isModel(chainRoot(object), node)
      ) {
        const out = this.hooks.get('model.attribute')?.(object, this); // `net.fc.weight.abs()`
        if (out !== undefined) {
          this.replace(object, out);
        }
      }
      return undefined; // the call converts it
    }
    if (parent?.type === 'argument_list' && parent.parent?.type === 'class_definition') {
      return undefined; // base classes belong to the class hook
    }
    const canonical = this.resolve(node);
    if (canonical) {
      const entry = this.kb.lookup(canonical);
      if (entry?.kind === 'layer') {
        // a layer class used as a value (`isinstance(m, nn.Linear)`), not built
        this.entry = { name: canonical, entry };
        this.lastRule = canonical;
        return this.hooks.get('layer.class')?.(node, this);
      }
      if (entry?.target && (entry.kind === 'attribute' || entry.kind === 'function')) {
        this.lastRule = canonical;
        this.requireFor(entry.target);
        return entry.target;
      }
      if (entry?.hook) {
        return this.applyEntry(node, { name: canonical, entry });
      }
      return this.unsupported(node, canonical);
    }
    const name = node.childForFieldName('attribute')?.text ?? '';
    const object = node.childForFieldName('object');
    const out = object ? this.objectHook(node, object) : undefined; // `optimizer.param_groups`
    if (out !== undefined) {
      return out;
    }
    if (object && this.isModel(chainRoot(object), node)) {
      return this.hooks.get('model.attribute')?.(node, this); // `net.conv1`, `net.bn1.running_mean`
    }
    const entry = this.kb.method(name);
    if (
      entry?.kind !== 'property' ||
      !object ||
      !this.tensors.isReceiver(object, name, node, this.scope.cls)
    ) {
      return undefined;
    }
    this.entry = { name: `torch.Tensor.${name}`, entry };
    this.lastRule = this.entry.name;
    if (entry.hook) {
      const out = this.hooks.get(entry.hook)?.(node, this);
      if (out !== undefined) {
        return out;
      }
    }
    if (!entry.target) {
      return this.unsupported(node, this.entry.name);
    }
    this.requireFor(entry.target);
    const receiver = this.text(object);
    return entry.target.startsWith('.')
      ? `${atom(receiver)}${entry.target}`
      : `${entry.target}(${receiver})`;
  }

  /** Is `name` at `node` a notebook model (not a local of a function or comprehension that shadows it)? */
  private isModel(name: string, node: Node): boolean {
    return this.symbols.instances.has(name) && !isLocalName(node, name);
  }

  /** The hook of a plugin-tracked object for `obj.attr` or `obj.method(...)`, if any. */
  private objectHook(node: Node, object: Node): string | undefined {
    const hook = object.type === 'identifier' && this.symbols.objectHooks.get(object.text);
    return hook ? this.hooks.get(hook)?.(node, this) : undefined;
  }

  /** What an assignment binds, in any scope: a model, a tensor (a torch result or a layer's output), or neither. */
  private recordBinding(node: Node): void {
    recordAssignment(node, this.symbols);
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if ((left?.type === 'pattern_list' || left?.type === 'tuple_pattern') && right) {
      this.recordUnpacking(left, right);
      return;
    }
    if (left?.type !== 'identifier' || !right || this.symbols.tensors.has(left.text)) {
      return;
    }
    if (this.isLayerCall(right) || this.tensors.produces(right)) {
      this.symbols.tensors.add(left.text);
      this.symbols.nonTensors.delete(left.text);
    }
  }

  /** `self.fc(x)`: a call of one of the enclosing module's layers. */
  private isLayerCall(node: Node): boolean {
    const fn = node.type === 'call' ? node.childForFieldName('function') : undefined;
    return (
      fn?.type === 'attribute' &&
      fn.childForFieldName('object')?.text === 'self' &&
      !!this.scope.cls?.layers.has(fn.childForFieldName('attribute')?.text ?? '')
    );
  }

  /**
   * `out, (h, c) = model(x)` / `self.lstm(x)` / `torch.max(x, 1)`: every name bound is a
   * tensor; `a, b = x, f(y)` pairs names with values; `h, w = x.shape` binds sizes. Names
   * bound to values not known are left as they were.
   */
  private recordUnpacking(left: Node, right: Node): void {
    const names = (n: Node) =>
      n.descendantsOfType('identifier').flatMap(id => (id && id.text !== '_' ? [id.text] : []));
    if (/\.(shape|size\(\s*\))$/.test(right.text)) {
      for (const name of names(left)) {
        this.symbols.tensors.delete(name);
        this.symbols.nonTensors.add(name); // sizes
      }
      return;
    }
    const fn = right.type === 'call' ? right.childForFieldName('function') : undefined;
    const canonical = fn ? this.resolve(fn) : undefined;
    const whole =
      this.isLayerCall(right) ||
      (fn?.type === 'identifier' && this.symbols.instances.has(fn.text)) ||
      (!!canonical && this.tensors.produces(right));
    const targets = left.namedChildren.filter((c): c is Node => !!c);
    const values = right.type === 'expression_list' ? right.namedChildren : [];
    for (const [i, target] of targets.entries()) {
      const value = values.length === targets.length ? values[i] : undefined;
      if (whole || (value && target.type === 'identifier' && this.tensors.produces(value))) {
        for (const name of names(target)) {
          this.symbols.tensors.add(name);
          this.symbols.nonTensors.delete(name);
        }
      }
    }
  }

  isTensor(node: Node): boolean {
    return this.tensors.produces(node);
  }

  mapCall(node: Node, ref: EntryRef): string | undefined {
    const { entry, name } = ref;
    if (!entry.target) {
      return this.unsupported(node, name);
    }
    const bound = this.bind(node, entry);
    this.requireFor(entry.target);
    const fn = node.childForFieldName('function');
    const receiver = entry.kind === 'method' ? fn?.childForFieldName('object') : undefined;
    if (bound.splat) {
      this.note(
        'info',
        `${name} is called with *args/**kwargs: arguments passed through unchanged`,
        node,
        'splat-args'
      );
      const args = node.childForFieldName('arguments');
      const inner = args ? this.text(args) : '()';
      if (receiver && !entry.target.startsWith('.')) {
        return `${entry.target}(${this.text(receiver)}, ${inner.slice(1)}`;
      }
      return `${receiver ? atom(this.text(receiver)) : ''}${entry.target}${inner}`;
    }
    const args = translateArgs(bound, entry);
    if (receiver && entry.target.startsWith('.')) {
      return emitCall(`${atom(this.text(receiver))}${entry.target}`, args, entry, bound.extra);
    }
    if (receiver && entry.positional?.includes('self')) {
      args.set('self', unparen(this.text(receiver))); // `x.masked_fill(m, v)` -> `jnp.where(m, v, x)`
      return emitCall(entry.target, args, entry, bound.extra);
    }
    const leading = receiver ? [unparen(this.text(receiver)), ...bound.extra] : bound.extra;
    return emitCall(entry.target, args, entry, leading);
  }

  /** An argument the entry cannot convert, given with a value other than None. */
  private blockedArg(node: Node, entry: Entry): string | undefined {
    if (!entry.unsupportedArgs) {
      return undefined;
    }
    const bound = this.bind(node, entry);
    return entry.unsupportedArgs.find(
      a => bound.named.has(a) && bound.named.get(a)?.trim() !== 'None'
    );
  }

  bind(node: Node, entry: Entry): BoundArgs {
    return bindArgs(node, entry, n => this.text(n));
  }

  /** Leave an unmapped torch API as it is, reported and marked. */
  private unsupported(node: Node, name: string, reason = 'has no JAX/Flax mapping'): undefined {
    this.work.unsupported.add(name);
    this.note('warning', `${name} ${reason}; left as is`, node, 'unsupported-api');
    this.flagCell('partial', `${name} ${reason}`);
    this.comment(node, `${name} ${reason}; left as is`);
    this.keepTorchMeaning(node);
    return undefined;
  }

  /**
   * A torch layer left as is must stay torch: its call sites get no Flax treatment,
   * and a name the output rebinds (`nn` is flax.linen now) is written out in full.
   */
  private keepTorchMeaning(node: Node): void {
    const assign = node.parent?.type === 'assignment' ? node.parent : undefined;
    const left = assign?.childForFieldName('left');
    if (
      this.scope.methodName === '__init__' &&
      left?.type === 'attribute' &&
      left.childForFieldName('object')?.text === 'self'
    ) {
      this.scope.cls?.layers.delete(left.childForFieldName('attribute')?.text ?? '');
    }
    const ref = node.type === 'call' ? node.childForFieldName('function') : node;
    const dotted = dottedName(ref);
    const head = dotted?.split('.')[0] ?? '';
    const canonical = dotted ? this.symbols.resolveDotted(dotted) : undefined;
    if (ref && canonical && head in this.target.imports && canonical !== dotted) {
      this.requireImport('torch');
      this.replace(ref, canonical);
    }
  }

  requireFor(target: string): void {
    const head = target.startsWith('.') ? '' : target.split('.')[0];
    if (head in this.target.imports) {
      this.requireImport(head);
    }
  }

  // ---- HookContext -----------------------------------------------------------

  text(node: Node): string {
    return this.work.edits.text(node.startIndex, node.endIndex, STATEMENT_LEVEL.test(node.type));
  }

  requireImport(alias: string): void {
    this.work.imports.add(alias);
  }

  injectSignatureArg(fn: Node, param: string): void {
    const key = `${fn.startIndex}:${param.split(/[:=]/)[0].trim()}`;
    if (this.injected.has(key)) {
      return;
    }
    this.injected.add(key);
    const params = fn.childForFieldName('parameters');
    if (!params) {
      return;
    }
    const named = params.namedChildren.filter((p): p is Node => !!p && p.type !== 'comment');
    if (
      named.some(
        p =>
          (p.type === 'identifier' ? p : p.namedChildren[0])?.text === param.split(/[:=]/)[0].trim()
      )
    ) {
      return; // already there
    }
    const kwargs = named.find(p => p.type === 'dictionary_splat_pattern');
    if (kwargs) {
      this.work.edits.insert(kwargs.startIndex, `${param}, `);
      return;
    }
    const closing = params.endIndex - 1;
    const before = this.work.edits.source.slice(params.startIndex + 1, closing).trimEnd();
    const sep = before.length === 0 ? '' : before.endsWith(',') ? ' ' : ', ';
    this.work.edits.insert(closing, `${sep}${param}`);
  }

  note(level: Level, message: string, node: Node, code: string): void {
    const line = node.startPosition.row + 1;
    if (
      !this.work.diagnostics.some(d => d.code === code && d.line === line && d.message === message)
    ) {
      this.work.diagnostics.push({ level, message, line, code });
    }
  }

  flagCell(flag: CellFlag, reason: string): void {
    const list = flag === 'training-flag' ? this.work.flags.training : this.work.flags.partial;
    if (!list.includes(reason)) {
      list.push(reason);
    }
  }

  comment(node: Node, message: string): void {
    if (!this.settings.comments) {
      return;
    }
    const stmt = statementOf(node);
    const key = `${stmt.endIndex}:${message}`;
    if (this.commented.has(key)) {
      return;
    }
    this.commented.add(key);
    const source = this.work.edits.source;
    const at = lineEndOf(stmt, source);
    const lineEnd = source.indexOf('\n', at);
    if (source.slice(at, lineEnd < 0 ? undefined : lineEnd).includes(`# switcheroo: ${message}`)) {
      return; // converted before: the note is already there
    }
    this.work.edits.append(at, `  # switcheroo: ${message}`);
  }

  replace(node: Node, text: string): void {
    if (text !== this.text(node)) {
      this.record(node, text, this.lastRule ?? node.type);
    }
  }

  insertBefore(node: Node, line: string, topLevel = false): void {
    let stmt = statementOf(node);
    while (topLevel && stmt.parent && stmt.parent.type !== 'module') {
      stmt = stmt.parent;
    }
    const magic = stmt.previousNamedSibling;
    if (magic?.endPosition.row === stmt.startPosition.row && endsWithPlaceholder(magic.text)) {
      stmt = magic; // `%time stmt`: before the magic, not inside it
    }
    this.work.edits.insert(stmt.startIndex, `${line}\n${this.indentOf(stmt)}`);
  }

  indentOf(node: Node): string {
    return lineIndent(this.work.edits.source, node.startIndex);
  }

  removeStatement(node: Node): void {
    if (this.removed.has(node.startIndex)) {
      return;
    }
    this.removed.add(node.startIndex);
    const next = node.nextSibling;
    const prev = node.previousSibling;
    const edits = this.work.edits;
    this.work.rewrites.push({
      from: node.text,
      to: '',
      line: node.startPosition.row + 1,
      rule: 'remove'
    });
    if (next) {
      edits.replace(node.startIndex, next.startIndex, '', true);
    } else if (prev) {
      edits.replace(prev.endIndex, node.endIndex, '', true);
    } else {
      edits.replace(node.startIndex, node.endIndex, 'pass', true);
    }
  }

  /** Statements of a block that have not been removed. */
  remaining(block: Node): Node[] {
    return block.namedChildren.filter(
      (c): c is Node => !!c && c.type !== 'comment' && !this.removed.has(c.startIndex)
    );
  }
}

/** Where a call's argument list starts: the `(` matching its last `)` (the callee may hold parentheses). */
function argumentsStart(text: string): number {
  const first = text.indexOf('(');
  if (first !== 0 && !text.slice(0, first).includes(')')) {
    return first; // `f.g(...)`: the common case, no scan
  }
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    depth += text[i] === ')' ? 1 : text[i] === '(' ? -1 : 0;
    if (depth === 0) {
      return i;
    }
  }
  return first;
}

/**
 * Inside an f-string's braces, Python before 3.12 rejects the string's own quote: a
 * replacement there (`variables['params']` in `f'{...}'`) takes the other quote.
 */
function fstringSafe(node: Node, text: string): string {
  if (!text.includes("'") && !text.includes('"')) {
    return text; // no quote to swap: skip the walk up the tree
  }
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'interpolation') {
      const quote = /^[a-zA-Z]*(['"])/.exec(p.parent?.text ?? '')?.[1];
      const other = quote === "'" ? '"' : "'";
      return quote && text.includes(quote) && !text.includes(other)
        ? text.split(quote).join(other)
        : text;
    }
  }
  return text;
}

/** `(a - b)` -> `a - b` when the parentheses wrap the whole text. */
function unparen(text: string): string {
  if (!text.startsWith('(') || !text.endsWith(')')) {
    return text;
  }
  let depth = 0;
  for (let i = 0; i < text.length - 1; i++) {
    depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    if (depth === 0) {
      return text; // `(a) + (b)`
    }
  }
  return text.slice(1, -1);
}

/** The simple statement (or clause header) holding a node. */
function statementOf(node: Node): Node {
  let current: Node = node;
  while (current.parent && !['block', 'module'].includes(current.parent.type)) {
    if (/_statement$/.test(current.type) && current.type !== 'expression_statement') {
      break;
    }
    current = current.parent;
  }
  return current;
}

/** End of the last line a statement's header occupies (for compound statements, the header). */
function lineEndOf(stmt: Node, source: string): number {
  const body = stmt.childForFieldName('body') ?? stmt.childForFieldName('consequence');
  if (body) {
    // the header's own `:` token, not a colon in a comment after it (`# switcheroo: ...`)
    const colon = stmt.children
      .filter((c): c is Node => !!c && c.type === ':' && c.startIndex < body.startIndex)
      .pop();
    return colon ? colon.endIndex : source.lastIndexOf(':', body.startIndex) + 1;
  }
  return stmt.endIndex;
}
