/** The default rewrite of a knowledge-base entry: bind torch's arguments, convert, rename, emit. */
import type { Node } from 'web-tree-sitter';
import type { Entry } from './knowledge';
import { VALUE_CONVERTERS } from './values';

export interface BoundArgs {
  /** torch argument name -> converted text, in call order. */
  named: Map<string, string>;
  /** Positional arguments that matched no parameter. */
  extra: string[];
  /** The call used *args or **kwargs: binding is not reliable. */
  splat: boolean;
}

/** Bind a call's arguments to the entry's torch parameter names. */
export function bindArgs(call: Node, entry: Entry, text: (n: Node) => string): BoundArgs {
  const named = new Map<string, string>();
  const extra: string[] = [];
  const varargs: string[] = [];
  let splat = false;
  const params = entry.args ?? [];
  let index = 0;
  const argList = call.childForFieldName('arguments');
  for (const arg of argList?.namedChildren ?? []) {
    if (!arg || arg.type === 'comment') {
      continue;
    }
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text ?? '';
      const value = arg.childForFieldName('value');
      named.set(name, value ? text(value) : '');
    } else if (arg.type === 'list_splat' || arg.type === 'dictionary_splat') {
      splat = true;
      extra.push(text(arg));
    } else if (index < params.length) {
      named.set(params[index++], text(arg));
    } else if (entry.varargs) {
      varargs.push(text(arg));
    } else {
      extra.push(text(arg));
    }
  }
  if (entry.varargs && varargs.length > 0) {
    named.set(entry.varargs, varargs.length === 1 ? varargs[0] : `(${varargs.join(', ')})`);
  }
  return { named, extra, splat };
}

/** Apply converters, drops, renames and defaults: JAX-side name -> text, in call order. */
export function translateArgs(bound: BoundArgs, entry: Entry): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of bound.named) {
    if (entry.drop?.includes(name)) {
      continue;
    }
    const converter = entry.convert?.[name];
    const converted = converter ? (VALUE_CONVERTERS[converter]?.(value) ?? value) : value;
    out.set(entry.rename?.[name] ?? name, converted);
  }
  for (const [name, value] of Object.entries(entry.defaults ?? {})) {
    if (!out.has(name)) {
      out.set(name, value);
    }
  }
  return out;
}

/** Emit `target(args)`: names in `positional` first, in order, the rest as keywords. */
export function emitCall(
  target: string,
  args: Map<string, string>,
  entry: Entry,
  leading: string[] = []
): string {
  const parts = [...leading];
  const rest = new Map(args);
  for (const name of entry.positional ?? []) {
    if (!rest.has(name)) {
      break;
    }
    parts.push(rest.get(name) as string);
    rest.delete(name);
  }
  for (const [name, value] of rest) {
    parts.push(`${name}=${value}`);
  }
  return `${target}(${parts.join(', ')})`;
}

/** Wrap text in parentheses unless it is already an atom (name, call, subscript, literal). */
export function atom(text: string): string {
  const t = text.trim();
  if (/^[\w.]+$/.test(t)) {
    return t;
  }
  let depth = 0;
  let quote = '';
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (quote) {
      if (ch === '\\') {
        i++;
      } else if (ch === quote) {
        quote = '';
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if ('([{'.includes(ch)) {
      depth++;
    } else if (')]}'.includes(ch)) {
      depth--;
    } else if (depth === 0 && !/[\w.]/.test(ch)) {
      return `(${t})`;
    }
  }
  return t;
}

/** Add a keyword argument to call text `f(a, b)` -> `f(a, b, kw=v)`. */
export function withKeyword(callText: string, keyword: string): string {
  const close = callText.lastIndexOf(')');
  const inner = callText.slice(callText.indexOf('(') + 1, close).trimEnd();
  const open = callText.indexOf('(');
  const sep = inner.length === 0 ? '' : inner.endsWith(',') ? ' ' : ', ';
  return `${callText.slice(0, open + 1)}${inner}${sep}${keyword}${callText.slice(close)}`;
}
