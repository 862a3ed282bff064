/**
 * A module's own methods called at notebook level (`model.encode(x)`, `model.norm.fit(X)`)
 * run through apply, on the bound model: `model.apply(variables, x, method=model.encode)`,
 * or for a submodule's method `model.apply(variables, method=lambda m: m.norm.fit(X))`. A
 * method that writes the module's buffers (`self.mean.copy_(...)`, `self.count += 1`) gets
 * `mutable=['buffers']`, and as a statement the new buffers are written back into the
 * variables, as torch's in-place writes change the module.
 */
import type { Node } from 'web-tree-sitter';
import { notebookText, type HookContext } from '../src/engine/context';
import type { ClassInfo } from '../src/engine/symbols';
import { BUFFERS } from './module_variables';
import { isTopLevel } from './random_keys';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The source of a method of a module class, from the notebook's cells. */
function methodSource(cls: ClassInfo, method: string, ctx: HookContext): string | undefined {
  const sources = notebookText(ctx);
  const start = sources.search(new RegExp(`^class ${escape(cls.name)}\\b`, 'm'));
  const body = start < 0 ? '' : sources.slice(start).split(/\n(?=\S)/)[0];
  const def = new RegExp(`^([ \\t]+)def ${escape(method)}\\(`, 'm').exec(body);
  if (!def) {
    return undefined;
  }
  const rest = body.slice(def.index);
  const end = rest.slice(1).search(new RegExp(`\\n${def[1]}(?=\\S)(?!\\))`));
  return end < 0 ? rest : rest.slice(0, end + 1);
}

/** Does the method write one of the class's buffers in place, or assign it? */
function writesBuffers(cls: ClassInfo, source: string): boolean {
  if (cls.buffers.size === 0) {
    return false;
  }
  const names = [...cls.buffers].map(escape).join('|');
  return new RegExp(
    `self\\.(${names})\\b(\\.data)?(\\.\\w+_\\(|\\s*(\\[[^\\]]*\\])?\\s*([-+*/@%]|\\*\\*|//)?=(?!=))`
  ).test(source);
}

/**
 * `model.<path>.method(args)` for a method of the module class `cls` at `access` (`.norm`, ''):
 * through apply. `text` undefined: annotated instead; no result: not a method the notebook's
 * source of the class shows (`source` false), or not a call.
 */
export function methodApply(
  node: Node,
  ctx: HookContext,
  name: string,
  vars: string,
  cls: ClassInfo,
  access: string,
  method: string
): { text?: string } | undefined {
  const source = methodSource(cls, method, ctx) ?? (access ? undefined : '');
  const args = node.childForFieldName('arguments');
  if (source === undefined || !args) {
    return undefined;
  }
  const inner = ctx.text(args).slice(1, -1).trim();
  const target = access
    ? `method=lambda m: m${access}.${method}(${inner})`
    : method === 'forward'
      ? inner
      : [inner, `method=${name}.${method}`].filter(Boolean).join(', ');
  if (!writesBuffers(cls, source)) {
    return { text: `${name}.apply(${[vars, target].filter(Boolean).join(', ')})` };
  }
  const call = `${name}.apply(${[vars, target].filter(Boolean).join(', ')}, mutable=['${BUFFERS}'])`;
  const receiver = `${name}${access}.${method}`;
  if (node.parent?.type !== 'expression_statement' || !isTopLevel(node)) {
    const why = `${receiver}(...) writes buffers: ${call} returns (output, the new buffers); write them back into ${vars}`;
    ctx.note('warning', why, node, 'model-method');
    ctx.flagCell('partial', `${receiver}(...) writes buffers`);
    ctx.comment(node, why);
    return {};
  }
  ctx.note(
    'info',
    `${receiver}(...) writes ${cls.name}'s buffers: apply makes '${BUFFERS}' mutable and ${vars} gets the new ones`,
    node,
    'model-method'
  );
  return { text: `${vars} = {**${vars}, **${call}[1]}` };
}
