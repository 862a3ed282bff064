/** The notebook-wide symbol table: one program, cells analysed in order. */

export interface ClassInfo {
  name: string;
  /** Subclasses torch.nn.Module. */
  isModule: boolean;
  /** attribute -> canonical torch layer (torch.nn.BatchNorm2d) or a user class name. */
  layers: Map<string, string>;
  /** Constructor parameters that become dataclass fields. */
  fields: string[];
  /** Why `__call__` needs `training`; empty when it does not. */
  trainingReasons: string[];
  /** nn.Sequential attributes: what each element is (canonical torch layer or user class). */
  sequences: Map<string, (string | undefined)[]>;
  /** Methods that take `training` (so calls to them pass it on). */
  methodsWithTraining: Set<string>;
  /** Holds BatchNorm state (batch_stats) directly or through a submodule. */
  hasBatchStats: boolean;
  /** Attributes holding an nn.Parameter of the class itself (Flax `self.param`). */
  params: Set<string>;
  /** Attributes registered as buffers (the 'buffers' variables collection). */
  buffers: Set<string>;
  /** nn.ModuleList attributes: the module class or layer of their elements, when one kind. */
  lists: Map<string, string>;
}

/**
 * A plain function that takes models (and their optimizers) as arguments. Flax keeps the
 * parameters outside the module, so each model argument is followed by its variables and
 * each optimizer argument by its state; a function that trains returns the new ones.
 */
export interface ModelFunction {
  /** The function's parameter names, in order. */
  params: string[];
  /** Parameters with a default value (a call may leave them out). */
  optional: string[];
  /** Model parameter -> its position, the module class its call sites pass, its inputs in the body. */
  models: Map<string, { index: number; cls: string; inputs: string[] }>;
  /** Optimizer parameter -> its position and the model parameter it steps. */
  optimizers: Map<string, { index: number; model: string }>;
  /** Parameters whose new state the function returns (after its own return value). */
  returns: string[];
  /** Some `return` in the function returns a value. */
  hasValue: boolean;
}

export class SymbolTable {
  /** local name -> canonical torch path: 'torch', 'torch.nn', 'torch.nn.Linear'. */
  readonly aliases = new Map<string, string>();
  /** Names bound by non-torch imports (jnp, np, optax...) -> module path. */
  readonly otherImports = new Map<string, string>();
  readonly classes = new Map<string, ClassInfo>();
  /** variable -> user module class it holds. */
  readonly instances = new Map<string, string>();
  /** Recorded model.train() / model.eval() calls: variable -> last mode. */
  readonly modes = new Map<string, 'train' | 'eval'>();
  /**
   * `model.train(flag)` with a value known only at run time: variable -> the flag's expression
   * and the function it was set in (`cell:start`), where it holds.
   */
  readonly modeFlags = new Map<string, { expr: string; scope: string }>();
  /** Functions that take models as arguments, by name. */
  readonly modelFunctions = new Map<string, ModelFunction>();
  /** Plain functions whose call sites a plugin rewrites: name -> the hook for the calls. */
  readonly functionHooks = new Map<string, string>();
  /** Objects (an optimizer, an LR scheduler) whose attributes and method calls a plugin rewrites: name -> the hook. */
  readonly objectHooks = new Map<string, string>();
  /** Names known to hold tensors, and names known not to. */
  readonly tensors = new Set<string>();
  readonly nonTensors = new Set<string>();

  /** Canonical torch name for a dotted reference, or undefined when it is not torch. */
  resolveDotted(dotted: string): string | undefined {
    const dot = dotted.indexOf('.');
    const head = dot < 0 ? dotted : dotted.slice(0, dot);
    const base = this.aliases.get(head);
    if (base === undefined) {
      return undefined;
    }
    return dot < 0 ? base : base + dotted.slice(dot);
  }

  classOf(instance: string): ClassInfo | undefined {
    const name = this.instances.get(instance);
    return name === undefined ? undefined : this.classes.get(name);
  }
}
