/**
 * torch.optim constructors become optax transforms with torch's hyperparameters
 * written out: Adam's betas and eps, RMSprop's alpha with eps outside the sqrt, and
 * weight decay as torch applies it (coupled L2 for SGD/Adam/RMSprop/Adagrad:
 * optax.add_decayed_weights chained before the transform; decoupled for AdamW).
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { bindCall } from './args';
import { injectsHyperparams } from './lr_schedulers';
import { paramGroups } from './param_groups';

function tuplePair(text: string | undefined): [string, string] | undefined {
  const m = text ? /^\(\s*([^,]+?)\s*,\s*([^,]+?)\s*,?\s*\)$/.exec(text.trim()) : null;
  return m ? [m[1], m[2]] : undefined;
}

const isZero = (v: string | undefined) => v === undefined || /^0(\.0*)?$/.test(v.trim());

/** The call's optimizer: one optax transform, or one per parameter group. */
export function optimizer(node: Node, ctx: HookContext): string | undefined {
  const ref = ctx.entry;
  if (!ref) {
    return undefined;
  }
  const name = ref.name.split('.').pop() as string;
  const bound = bindCall(node, ctx, ref.entry.args ?? []).named;
  const inject = injectsHyperparams(node, ctx);
  const first = node.childForFieldName('arguments')?.namedChildren.find(a => a?.type !== 'comment');
  if (first?.type === 'list' && first.namedChildren.some(g => g?.type === 'dictionary')) {
    const options = new Map([...bound].filter(([k]) => k !== 'params'));
    const build = (o: Map<string, string>) => transform(name, o, node, ctx, inject);
    return paramGroups(node, first, options, ref.entry.args ?? [], build, ctx);
  }
  return transform(name, bound, node, ctx, inject);
}

/**
 * The optax transform for torch optimizer `name` with these (converted) arguments; with
 * `inject`, its hyperparameters live in the state (optax.inject_hyperparams) so that the
 * learning rate can be read and set there.
 */
function transform(
  name: string,
  a: Map<string, string>,
  node: Node,
  ctx: HookContext,
  inject: boolean
): string | undefined {
  const lr = a.get('lr') ?? ctx.entry?.entry.defaults?.learning_rate ?? '1e-3';
  const wd = a.get('weight_decay');
  const optax = (fn: string) => (inject ? `optax.inject_hyperparams(optax.${fn})` : `optax.${fn}`);
  let core: string | undefined;
  switch (name) {
    case 'SGD': {
      if (!isZero(a.get('dampening'))) {
        ctx.note('warning', 'SGD dampening has no optax equivalent', node, 'unsupported-api');
        return undefined;
      }
      const momentum = isZero(a.get('momentum')) ? '' : `, momentum=${a.get('momentum')}`;
      const nesterov =
        a.get('nesterov') && a.get('nesterov') !== 'False' ? `, nesterov=${a.get('nesterov')}` : '';
      core = `${optax('sgd')}(learning_rate=${lr}${momentum}${nesterov})`;
      break;
    }
    case 'Adam':
    case 'AdamW': {
      const [b1, b2] = tuplePair(a.get('betas')) ?? ['0.9', '0.999'];
      if (a.get('betas') && !tuplePair(a.get('betas'))) {
        ctx.note(
          'warning',
          `${name} betas must be a literal pair to be converted`,
          node,
          'unsupported-api'
        );
        return undefined;
      }
      const eps = a.get('eps') ?? '1e-08';
      const amsgrad = a.get('amsgrad') === 'True';
      if (name === 'AdamW') {
        if (amsgrad) {
          ctx.note('warning', 'AdamW with amsgrad has no optax transform', node, 'unsupported-api');
          return undefined;
        }
        ctx.requireImport('optax');
        return `${optax('adamw')}(learning_rate=${lr}, b1=${b1}, b2=${b2}, eps=${eps}, weight_decay=${wd ?? '0.01'})`;
      }
      core = `${optax(amsgrad ? 'amsgrad' : 'adam')}(learning_rate=${lr}, b1=${b1}, b2=${b2}, eps=${eps})`;
      break;
    }
    case 'RMSprop': {
      const momentum = isZero(a.get('momentum')) ? '' : `, momentum=${a.get('momentum')}`;
      const centered = a.get('centered') === 'True' ? ', centered=True' : '';
      core = `${optax('rmsprop')}(learning_rate=${lr}, decay=${a.get('alpha') ?? '0.99'}, eps=${a.get('eps') ?? '1e-08'}, eps_in_sqrt=False${momentum}${centered})`;
      break;
    }
    case 'Adagrad': {
      if (!isZero(a.get('lr_decay'))) {
        ctx.note('warning', 'Adagrad lr_decay has no optax equivalent', node, 'unsupported-api');
        return undefined;
      }
      core = `${optax('adagrad')}(learning_rate=${lr}, initial_accumulator_value=${a.get('initial_accumulator_value') ?? '0.0'}, eps=${a.get('eps') ?? '1e-10'})`;
      break;
    }
    default:
      return undefined;
  }
  ctx.requireImport('optax');
  // torch adds weight_decay * param to the gradient before the update: coupled L2
  return isZero(wd) ? core : `optax.chain(optax.add_decayed_weights(${wd}), ${core})`;
}
