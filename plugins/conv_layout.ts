/**
 * Layout. torch convolutions and pools take channels first (NCHW); Flax's take
 * channels last. Converted code keeps torch's layout for everything around the
 * layer (flatten order, dim indices, ported weights), so each conv call moves
 * the channels last and back: XLA folds the transposes away.
 */
import type { Node } from 'web-tree-sitter';
import type { HookContext } from '../src/engine/context';
import { atom } from '../src/engine/mapping';

/** Permutations to channels-last and back for a conv of `n` spatial dims. */
export function layoutPerms(n: number): [string, string] {
  const spatial = Array.from({ length: n }, (_, i) => i + 2);
  return [`(0, ${spatial.join(', ')}, 1)`, `(0, ${n + 1}, ${spatial.map(d => d - 1).join(', ')})`];
}

export function spatialDims(name: string): number {
  const m = /([123])d$/.exec(name);
  return m ? Number(m[1]) : 2;
}

/** Wrap `f(x)` so it sees channels-last input and returns channels-first output. */
export function channelsLast(call: (x: string) => string, x: string, n: number): string {
  const [to, back] = layoutPerms(n);
  return `${call(`${atom(x)}.transpose${to}`)}.transpose${back}`;
}

/** `self.conv1(x)` -> `self.conv1(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)`. */
export function convCall(node: Node, ctx: HookContext): string | undefined {
  const fn = node.childForFieldName('function');
  const args =
    node.childForFieldName('arguments')?.namedChildren.filter(a => a && a.type !== 'comment') ?? [];
  if (!fn || args.length !== 1 || !args[0] || args[0].type === 'keyword_argument') {
    return undefined;
  }
  const n = spatialDims(ctx.entry?.name ?? '');
  return channelsLast(x => `${ctx.text(fn)}(${x})`, ctx.text(args[0]), n);
}
