/**
 * Gradient modes. JAX differentiates only what jax.grad is given, so
 * `with torch.no_grad():` becomes its body and `@torch.no_grad()` goes away.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';

const MODES = /^torch\.(no_grad|enable_grad|inference_mode|set_grad_enabled)$/;

/** The call itself: handled by its with-statement or decorator, else reported. */
export function gradMode(node: Node, ctx: HookContext): string | undefined {
  const holder = node.parent?.type;
  if (
    holder === 'with_item' ||
    holder === 'decorator' ||
    node.parent?.parent?.type === 'with_item'
  ) {
    return ctx.text(node); // unwrapped by the with / decorator hook below
  }
  const name = ctx.entry?.name ?? '';
  if (name === 'torch.is_grad_enabled') {
    ctx.note(
      'info',
      'JAX has no global gradient mode: torch.is_grad_enabled() becomes False',
      node,
      'grad-mode'
    );
    return 'False';
  }
  if (name === 'torch.set_grad_enabled' && node.parent?.type === 'expression_statement') {
    ctx.note(
      'info',
      'torch.set_grad_enabled(...) has no JAX meaning: gradients are taken with jax.grad',
      node,
      'grad-mode'
    );
    return 'pass';
  }
  return undefined;
}

/** `with torch.no_grad():` + body -> the body, one level less indented. */
export function gradModeWith(node: Node, ctx: HookContext): string | undefined {
  const clause = node.namedChildren[0];
  const items = (clause?.namedChildren ?? []).filter(
    (i): i is Node => !!i && i.type === 'with_item'
  );
  const isMode = (item: Node) => {
    const v = item.namedChildren[0];
    const f = v?.type === 'call' ? v.childForFieldName('function') : undefined;
    return !!f && item.namedChildren.length === 1 && MODES.test(ctx.resolve(f) ?? '');
  };
  if (items.length > 1 && clause && items.some(isMode)) {
    // `with torch.no_grad(), open(f) as fh:` -> `with open(f) as fh:`
    ctx.note(
      'info',
      'the gradient-mode item is dropped: JAX computes gradients only inside jax.grad',
      node,
      'grad-mode'
    );
    ctx.replace(
      clause,
      items
        .filter(i => !isMode(i))
        .map(i => ctx.text(i))
        .join(', ')
    );
    return ctx.text(node);
  }
  const value = items.length === 1 ? items[0]?.namedChildren[0] : undefined;
  const callee = value?.type === 'call' ? value.childForFieldName('function') : undefined;
  const body = node.childForFieldName('body');
  if (
    !callee ||
    !body ||
    !MODES.test(ctx.resolve(callee) ?? '') ||
    items[0]?.namedChildren.length !== 1
  ) {
    return undefined;
  }
  // The body's text with whatever was inserted before its first statement (a key split).
  const text = ctx.text(node).slice(body.startIndex - node.startIndex);
  const outer = ctx.indentOf(node);
  const inner = ctx.indentOf(body);
  const lines = text.split('\n');
  const safe =
    !/'''|"""/.test(text) && lines.slice(1).every(l => l.trim() === '' || l.startsWith(inner));
  ctx.note(
    'info',
    `${callee.text}: JAX computes gradients only inside jax.grad, so the block is unwrapped`,
    node,
    'grad-mode'
  );
  if (!safe) {
    return `if True:  # switcheroo: was ${node.namedChildren[0]?.text}\n${inner}${text}`;
  }
  return lines
    .map((l, i) => (i === 0 ? l : l.trim() === '' ? l : outer + l.slice(inner.length)))
    .join('\n');
}

/** `@torch.no_grad()` above a function is removed. */
export function gradModeDecorator(node: Node, ctx: HookContext): string | undefined {
  const expr = node.namedChildren[0];
  const callee = expr?.type === 'call' ? expr.childForFieldName('function') : expr;
  if (!callee || !MODES.test(ctx.resolve(callee) ?? '')) {
    return undefined;
  }
  ctx.note(
    'info',
    `@${callee.text} removed: JAX computes gradients only inside jax.grad`,
    node,
    'grad-mode'
  );
  ctx.removeStatement(node);
  return ctx.text(node);
}
