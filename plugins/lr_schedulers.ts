/**
 * Learning-rate schedulers. torch's scheduler counts its own step() calls (usually epochs) and
 * writes each parameter group's lr; optax counts updates. So the optimizer keeps its learning
 * rate in its state (optax.inject_hyperparams, when the notebook schedules it or reads
 * `optimizer.param_groups[i]['lr']`), and the scheduler becomes `EpochLR`, a helper defined once:
 * an optax schedule per group, from the group's initial rate, evaluated at the count of
 * `scheduler.step()` calls, which return the state with the new rates
 * (`opt_state = scheduler.step(opt_state)`). StepLR, MultiStepLR, ExponentialLR and
 * CosineAnnealingLR are converted (each starts at the initial rate, as in torch); other
 * schedulers are annotated.
 */
import type { Node } from 'web-tree-sitter';
import { laterCode, type HookContext } from '../src/engine/context';
import { bindCall } from './args';
import { useHelper, type Helper } from './helpers';
import { isTopLevel } from './random_keys';
import { optimizers } from './training_step';
import { optimizerState } from './model_state';

const INJECTED = 'lr.injected';
const SCHEDULERS = 'lr.schedulers';
/** Optimizers that have a scheduler already. */
const SCHEDULED = 'lr.scheduled';
const OPTIMIZER_HOOK = 'optimizer.object';
const SCHEDULER_HOOK = 'lr_scheduler.object';

export const LEARNING_RATES: Helper = {
  name: 'learning_rates',
  imports: ['jax'],
  code: `def learning_rates(opt_state):
    """The learning rate of each parameter group, in order, from an optax state built with optax.inject_hyperparams (switcheroo)."""
    injected = lambda s: hasattr(s, 'hyperparams')
    return [float(s.hyperparams['learning_rate']) for s in jax.tree_util.tree_leaves(opt_state, is_leaf=injected) if injected(s)]
`
};

export const EPOCH_LR: Helper = {
  name: 'EpochLR',
  imports: ['jax', 'jnp'],
  uses: [LEARNING_RATES],
  code: `class EpochLR:
    """A torch LR scheduler over an optax state built with optax.inject_hyperparams (switcheroo): step() counts calls, as torch does, and sets each group's learning rate to its schedule at that count."""

    def __init__(self, opt_state, schedule):
        self.schedules = [schedule(lr) for lr in learning_rates(opt_state)]
        self.last_epoch = 0

    def get_last_lr(self):
        return [float(s(self.last_epoch)) for s in self.schedules]

    def step(self, opt_state):
        self.last_epoch += 1
        lrs = iter(self.get_last_lr())
        injected = lambda s: hasattr(s, 'hyperparams')
        def set_lr(s):
            lr = jnp.asarray(next(lrs), s.hyperparams['learning_rate'].dtype)
            return s._replace(hyperparams={**s.hyperparams, 'learning_rate': lr})
        return jax.tree_util.tree_map(lambda s: set_lr(s) if injected(s) else s, opt_state, is_leaf=injected)
`
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The name an assignment `name = <node>` binds, if that is the node's statement. */
function assignedName(node: Node): string | undefined {
  const parent = node.parent;
  const left = parent?.type === 'assignment' ? parent.childForFieldName('left') : undefined;
  return left?.type === 'identifier' && parent?.parent?.type === 'expression_statement'
    ? left.text
    : undefined;
}

/**
 * For `optimizer = torch.optim.X(...)`: does the notebook schedule this optimizer's learning
 * rate or read it (`optimizer.param_groups`)? Then its hyperparameters go into its state.
 */
export function injectsHyperparams(call: Node, ctx: HookContext): boolean {
  const name = assignedName(call);
  if (!name) {
    return false;
  }
  ctx.symbols.objectHooks.set(name, OPTIMIZER_HOOK);
  const later = laterCode(ctx, call, name);
  const reads = new RegExp(`(?<![\\w.])${escape(name)}\\.param_groups\\b`).test(later);
  const scheduled = [
    ...later.matchAll(new RegExp(`(?<![\\w.])([\\w.]+)\\(\\s*${escape(name)}\\s*[,)]`, 'g'))
  ].some(m => ctx.symbols.resolveDotted(m[1])?.startsWith('torch.optim.lr_scheduler.'));
  const injected = (ctx.state.get(INJECTED) as Set<string> | undefined) ?? new Set<string>();
  ctx.state.set(INJECTED, injected);
  (ctx.state.get(SCHEDULED) as Set<string> | undefined)?.delete(name); // a new optimizer
  if (reads || scheduled) {
    injected.add(name);
  } else {
    injected.delete(name);
  }
  return reads || scheduled;
}

/** The optimizer's state name when its learning rate lives in that state. */
function injectedState(optimizer: string, ctx: HookContext): string | undefined {
  const injected = ctx.state.get(INJECTED) as Set<string> | undefined;
  return injected?.has(optimizer) ? optimizers(ctx).get(optimizer)?.state : undefined;
}

function annotate(node: Node, ctx: HookContext, why: string, flag: string): undefined {
  ctx.note('warning', why, node, 'lr-scheduler');
  ctx.flagCell('partial', flag);
  ctx.comment(node, why);
  return undefined;
}

/** The optax schedule of a torch scheduler, as a function of a group's initial `lr`. */
function schedule(kind: string, a: Map<string, string>): string | undefined {
  switch (kind) {
    case 'StepLR': {
      const size = a.get('step_size');
      const gamma = a.get('gamma') ?? '0.1';
      return size
        ? `optax.exponential_decay(init_value=lr, transition_steps=${size}, decay_rate=${gamma}, staircase=True)`
        : undefined;
    }
    case 'MultiStepLR': {
      const milestones = a.get('milestones');
      const gamma = a.get('gamma') ?? '0.1';
      if (!milestones) {
        return undefined;
      }
      const literal = /^\[([\s\d,]*)\]$/.exec(milestones.trim());
      let scales: string;
      if (literal) {
        // torch multiplies by gamma once per occurrence of a milestone
        const counts = new Map<string, number>();
        for (const m of literal[1]
          .split(',')
          .map(s => s.trim())
          .filter(Boolean)) {
          counts.set(m, (counts.get(m) ?? 0) + 1);
        }
        const scale = (n: number) => (n === 1 ? gamma : `${gamma} ** ${n}`);
        scales = `{${[...counts].map(([m, n]) => `${m}: ${scale(n)}`).join(', ')}}`;
      } else {
        scales = `{m: ${gamma} ** list(${milestones}).count(m) for m in ${milestones}}`;
      }
      return `optax.piecewise_constant_schedule(init_value=lr, boundaries_and_scales=${scales})`;
    }
    case 'ExponentialLR': {
      const gamma = a.get('gamma');
      return gamma
        ? `optax.exponential_decay(init_value=lr, transition_steps=1, decay_rate=${gamma})`
        : undefined;
    }
    case 'CosineAnnealingLR': {
      const t = a.get('T_max');
      const eta = a.get('eta_min') ?? '0.0';
      // torch's rate keeps following the cosine after T_max (it rises again); optax's
      // cosine_decay_schedule would stay at eta_min, so the formula is written out
      return t
        ? `lambda epoch: ${eta} + (lr - ${eta}) * (1 + jnp.cos(jnp.pi * epoch / ${t})) / 2`
        : undefined;
    }
    default:
      return undefined;
  }
}

/** `StepLR(optimizer, step_size=4, gamma=0.5)` -> `EpochLR(opt_state, lambda lr: <schedule>)`. */
export function lrScheduler(node: Node, ctx: HookContext): string | undefined {
  const ref = ctx.entry;
  if (!ref) {
    return undefined;
  }
  const kind = ref.name.split('.').pop() as string;
  const a = bindCall(node, ctx, ref.entry.args ?? []).named;
  const optimizer = a.get('optimizer') ?? '';
  const state = injectedState(optimizer, ctx);
  const last = a.get('last_epoch');
  const fn = schedule(kind, a);
  const name = assignedName(node);
  const scheduled = (ctx.state.get(SCHEDULED) as Set<string> | undefined) ?? new Set<string>();
  ctx.state.set(SCHEDULED, scheduled);
  let why: string | undefined;
  if (!state) {
    why = `its optimizer ${optimizer} is not an optimizer converted in this notebook`;
  } else if (scheduled.has(optimizer)) {
    why = `a second scheduler on ${optimizer} (torch chains them) is not converted`;
  } else if (last !== undefined && last.trim() !== '-1') {
    why = 'last_epoch (resuming) is not converted';
  } else if (!name || !isTopLevel(node)) {
    why = 'is converted only when assigned to a name at notebook level';
  }
  if (why || !fn || !name) {
    ctx.note('warning', `${ref.name} ${why ?? 'is not converted'}`, node, 'unsupported-api');
    return undefined;
  }
  scheduled.add(optimizer);
  const epochLR = useHelper(node, ctx, EPOCH_LR);
  const schedulers = (ctx.state.get(SCHEDULERS) as Map<string, string> | undefined) ?? new Map();
  ctx.state.set(SCHEDULERS, schedulers.set(name, state as string));
  ctx.symbols.objectHooks.set(name, SCHEDULER_HOOK);
  ctx.requireImport('jax');
  ctx.requireImport('jnp');
  ctx.requireImport('optax');
  ctx.note(
    'info',
    `${kind}: an optax schedule per parameter group at the count of ${name}.step() calls, written into ${state}`,
    node,
    'lr-scheduler'
  );
  return `${epochLR}(${state}, lambda lr: ${fn})`;
}

/** `scheduler.step()` -> `opt_state = scheduler.step(opt_state)`; other uses stay (EpochLR has them) or are annotated. */
export function schedulerUse(node: Node, ctx: HookContext): string | undefined {
  const fn = node.type === 'call' ? node.childForFieldName('function') : node;
  const name = fn?.childForFieldName('object')?.text ?? '';
  const member = fn?.childForFieldName('attribute')?.text ?? '';
  const state = (ctx.state.get(SCHEDULERS) as Map<string, string> | undefined)?.get(name);
  if (!state) {
    return undefined;
  }
  if (node.type === 'call' && member === 'step') {
    const args = node.childForFieldName('arguments')?.namedChildren ?? [];
    if (args.some(a => a?.type !== 'comment')) {
      return annotate(
        node,
        ctx,
        `${name}.step(...) with an argument is not converted`,
        `${name}.step(...)`
      );
    }
    if (node.parent?.type !== 'expression_statement' || !isTopLevel(node)) {
      return annotate(
        node,
        ctx,
        `${name}.step() returns the new ${state}: call it as a statement at notebook level`,
        `${name}.step()`
      );
    }
    return `${state} = ${name}.step(${state})`;
  }
  if (member === 'get_last_lr' || member === 'last_epoch') {
    return undefined; // EpochLR has them
  }
  return annotate(
    node,
    ctx,
    `${name}.${member} is not converted (EpochLR has step(), get_last_lr() and last_epoch)`,
    `${name}.${member}`
  );
}

/** `optimizer.param_groups[i]['lr']` -> `learning_rates(opt_state)[i]`; other uses annotated. */
export function optimizerUse(node: Node, ctx: HookContext): string | undefined {
  if (node.type === 'call') {
    return optimizerState(node, ctx); // state_dict(); step(), zero_grad(): the training step converts them
  }
  if (node.childForFieldName('attribute')?.text !== 'param_groups') {
    return undefined;
  }
  const name = node.childForFieldName('object')?.text ?? '';
  const state = injectedState(name, ctx);
  const group = node.parent;
  const lr = group?.parent;
  const index = group?.type === 'subscript' ? group.childForFieldName('subscript') : undefined;
  const key = lr?.type === 'subscript' ? lr.childForFieldName('subscript')?.text : undefined;
  const write =
    lr?.parent?.type === 'assignment' || lr?.parent?.type === 'augmented_assignment'
      ? lr.parent.childForFieldName('left')?.equals(lr)
      : false;
  if (!state || !index || !/^(['"])lr\1$/.test(key ?? '') || write || !lr) {
    return annotate(
      node,
      ctx,
      `${name}.param_groups: only reading param_groups[i]['lr'] is converted (the learning rates live in ${stateOrDefault(name, ctx)})`,
      `${name}.param_groups`
    );
  }
  ctx.replace(lr, `${useHelper(node, ctx, LEARNING_RATES)}(${state})[${ctx.text(index)}]`);
  return ctx.text(node); // the subscript around it carries the rewrite
}

function stateOrDefault(name: string, ctx: HookContext): string {
  return optimizers(ctx).get(name)?.state ?? 'the optimizer state';
}
