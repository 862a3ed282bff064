/** torch.linalg results that are named tuples in torch and plain tuples in jnp.linalg. */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';

const FIELDS: Record<string, string[]> = {
  'torch.linalg.lstsq': ['solution', 'residuals', 'rank', 'singular_values']
};

/** `torch.linalg.lstsq(A, B).solution` -> `jnp.linalg.lstsq(A, B)[0]`. */
export function namedResult(node: Node, ctx: HookContext): string | undefined {
  const ref = ctx.entry;
  const fields = ref ? FIELDS[ref.name] : undefined;
  const call = ref && fields ? ctx.mapCall(node, ref) : undefined;
  const parent = node.parent;
  if (!call || parent?.type !== 'attribute' || !parent.childForFieldName('object')?.equals(node)) {
    return call;
  }
  const field = parent.childForFieldName('attribute')?.text ?? '';
  const index = (fields as string[]).indexOf(field);
  if (index < 0 || field === 'residuals' || field === 'rank') {
    return call; // residuals and rank follow other conventions in jnp: not comparable
  }
  // The field access is replaced whole; the call itself keeps its source text.
  ctx.replace(parent, `${call}[${index}]`);
  return ctx.text(node);
}
