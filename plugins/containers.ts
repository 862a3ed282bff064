/** nn.Sequential / ModuleList / ModuleDict / Identity: containers of layers. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';

/** Layers that nn.Sequential cannot feed: they need the training flag or a layout change. */
const NEEDS_CALL_SITE = /^torch\.nn\.(BatchNorm[123]d|Dropout\w*|Conv\w*)$/;

/**
 * Layers held in a container are called where no call site names them, so they get
 * neither the training flag nor the layout change: say so, and mark the cell partial.
 */
function warnSpecialLayers(node: Node, ctx: HookContext, container: string): void {
  for (const call of node.descendantsOfType('call')) {
    const fn = call?.childForFieldName('function');
    const layer = fn ? ctx.resolve(fn) : undefined;
    if (call && layer && NEEDS_CALL_SITE.test(layer)) {
      const short = layer.replace('torch.nn.', 'nn.');
      ctx.note(
        'warning',
        `${short} inside ${container}: no call site passes it the training flag or the NCHW layout; call the layers one by one`,
        call,
        'container'
      );
      ctx.flagCell('partial', `${short} inside ${container}`);
      ctx.comment(node, `${short} inside ${container} needs its own call site`);
    }
  }
}

/** `nn.Sequential(a, b)` -> `nn.Sequential([a, b])`. */
export function sequential(node: Node, ctx: HookContext): string | undefined {
  const args =
    node
      .childForFieldName('arguments')
      ?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
  if (args.some(a => a.type === 'keyword_argument' || a.type === 'dictionary_splat')) {
    return undefined;
  }
  warnSpecialLayers(node, ctx, 'nn.Sequential');
  ctx.requireImport('nn');
  const list =
    args.length === 1 && args[0].type === 'list_splat'
      ? ctx.text(args[0]).slice(1)
      : `[${args.map(a => ctx.text(a)).join(', ')}]`;
  return `nn.Sequential(${list})`;
}

/** `nn.ModuleList([...])` -> `[...]`; `nn.ModuleDict({...})` -> `{...}`: Linen registers plain containers in setup. */
export function moduleList(node: Node, ctx: HookContext): string | undefined {
  const args =
    node
      .childForFieldName('arguments')
      ?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
  if (args.length === 0) {
    return ctx.entry?.name.endsWith('Dict') ? '{}' : '[]';
  }
  if (args.length !== 1 || args[0].type === 'keyword_argument') {
    return undefined;
  }
  warnSpecialLayers(node, ctx, ctx.entry?.name.replace('torch.nn.', 'nn.') ?? 'a container');
  const text = ctx.text(args[0]);
  return /^[[{]/.test(text)
    ? text
    : ctx.entry?.name.endsWith('Dict')
      ? `dict(${text})`
      : `list(${text})`;
}

/** `nn.Identity()` -> `lambda x: x`. */
export function identity(): string {
  return 'lambda x: x';
}
