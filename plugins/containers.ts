/** nn.Sequential / ModuleList / ModuleDict / Identity: containers of layers. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';

/** Layers that nn.Sequential cannot feed: they need the training flag or a layout change. */
const NEEDS_CALL_SITE = /^torch\.nn\.(BatchNorm[123]d|Dropout\w*|Conv\w*)$/;

/** `nn.Sequential(a, b)` -> `nn.Sequential([a, b])`. */
export function sequential(node: Node, ctx: HookContext): string | undefined {
  const args =
    node
      .childForFieldName('arguments')
      ?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
  if (args.some(a => a.type === 'keyword_argument' || a.type === 'dictionary_splat')) {
    return undefined;
  }
  for (const arg of args) {
    const layer =
      arg.type === 'call' ? ctx.resolve(arg.childForFieldName('function') as Node) : undefined;
    if (layer && NEEDS_CALL_SITE.test(layer)) {
      const short = layer.replace('torch.nn.', 'nn.');
      ctx.note(
        'warning',
        `${short} inside nn.Sequential: Flax's Sequential passes no training flag or layout to it; call the layers one by one`,
        arg,
        'sequential'
      );
      ctx.flagCell('partial', `${short} inside nn.Sequential`);
      ctx.comment(node, `${short} inside nn.Sequential needs its own call site`);
    }
  }
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
