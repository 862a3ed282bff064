/**
 * IPython syntax is not Python: line magics, shell escapes and `?` help parse as
 * ERROR nodes. They are swapped for placeholder names before parsing and put back
 * byte for byte afterwards. Cell magics that run another language skip the cell.
 */

/** Cell magics whose body is Python and may be converted. */
const PYTHON_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun', 'debug', 'autoreload']);

export interface MaskedSource {
  text: string;
  /** placeholder -> original text */
  placeholders: Map<string, string>;
  /** Set when the whole cell must be left alone, with the reason. */
  skip?: string;
  /** 1-based lines holding a line magic or shell escape whose text is not converted. */
  magicLines: number[];
  /** 1-based lines of `%time` / `%timeit` whose statement is exposed to conversion. */
  codeLines: number[];
}

const PREFIX = '__switcheroo_magic_';

/**
 * Line magics whose argument is a Python statement run in the notebook's namespace: the
 * magic and its options become a placeholder statement, `__switcheroo_magic_0__; stmt`,
 * so the statement is converted like any other, on the same line.
 */
const CODE_MAGIC =
  /^%(?:time(?:\s+--no-raise-error)?|timeit(?:\s+-(?:[tcqo]*[nrp]\s*\d+|[tcqo]+|v\s*\w+))*)\s+(?=[^\s!%?-])/;
const CODE_SEPARATOR = '; ';

/** Does a statement's text end with a magic placeholder (the magic before `; stmt`)? */
export function endsWithPlaceholder(text: string): boolean {
  return new RegExp(`${PREFIX}\\d+__$`).test(text);
}

/** Does this line (already known to start a statement) hold IPython-only syntax? */
function magicSpan(line: string): [number, number] | undefined {
  const indent = line.length - line.trimStart().length;
  const body = line.slice(indent).replace(/\s+$/, '');
  if (!body) {
    return undefined;
  }
  if (body[0] === '%' || body[0] === '!') {
    return [indent, indent + body.length];
  }
  if (/^\?{1,2}[\w.]+$/.test(body) || /^[\w.]+\?{1,2}$/.test(body)) {
    return [indent, indent + body.length];
  }
  // `files = !ls` and `t = %timeit -o f()`
  const assigned = /^([\w.]+(\s*,\s*[\w.]+)*\s*=\s*)([%!].*)$/.exec(body);
  if (assigned) {
    return [indent + assigned[1].length, indent + body.length];
  }
  return undefined;
}

/**
 * Lines that start a statement: not inside brackets, a string or after a
 * backslash continuation. A small scanner is enough; it only has to be right
 * about where statements begin.
 */
function statementStarts(text: string): boolean[] {
  const lines = text.split('\n');
  const starts: boolean[] = new Array(lines.length).fill(false);
  let depth = 0;
  let quote = ''; // active string delimiter: ', ", ''' or """
  let continued = false;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li];
    starts[li] = depth === 0 && quote === '' && !continued;
    continued = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quote) {
        if (ch === '\\') {
          i++;
        } else if (line.startsWith(quote, i)) {
          i += quote.length - 1;
          quote = '';
        }
        continue;
      }
      if (ch === '#') {
        break;
      } else if (ch === '"' || ch === "'") {
        quote = line.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
        i += quote.length - 1;
      } else if (ch === '(' || ch === '[' || ch === '{') {
        depth++;
      } else if (ch === ')' || ch === ']' || ch === '}') {
        depth = Math.max(0, depth - 1);
      } else if (ch === '\\' && i === line.replace(/\r$/, '').length - 1) {
        continued = true;
      }
    }
    if (quote.length === 1) {
      quote = ''; // an unterminated one-line string ends at the newline
    }
  }
  return starts;
}

/** `exposeCode`: let the statements of `%time` / `%timeit` be converted (off when they do not parse). */
export function maskMagics(source: string, exposeCode = true): MaskedSource {
  const placeholders = new Map<string, string>();
  const magicLines: number[] = [];
  const codeLines: number[] = [];
  const first = source.split('\n', 1)[0].trim();
  const cellMagic = /^%%(\S+)/.exec(first);
  if (cellMagic && !PYTHON_CELL_MAGICS.has(cellMagic[1])) {
    return {
      text: source,
      placeholders,
      magicLines,
      codeLines,
      skip: `cell magic %%${cellMagic[1]} runs code that is not Python; left untouched`
    };
  }
  if (!/[%!?]/.test(source)) {
    return { text: source, placeholders, magicLines, codeLines };
  }
  const lines = source.split('\n');
  const starts = statementStarts(source);
  for (let li = 0; li < lines.length; li++) {
    if (!starts[li]) {
      continue;
    }
    const line = lines[li].endsWith('\r') ? lines[li].slice(0, -1) : lines[li];
    const span = magicSpan(line);
    if (!span) {
      continue;
    }
    const name = `${PREFIX}${placeholders.size}__`;
    const magic = line.slice(span[0], span[1]);
    const code = exposeCode ? CODE_MAGIC.exec(magic) : null;
    if (code) {
      placeholders.set(name + CODE_SEPARATOR, code[0]);
      lines[li] =
        lines[li].slice(0, span[0]) +
        name +
        CODE_SEPARATOR +
        lines[li].slice(span[0] + code[0].length);
      codeLines.push(li + 1);
      continue;
    }
    placeholders.set(name, magic);
    lines[li] = lines[li].slice(0, span[0]) + name + lines[li].slice(span[1]);
    magicLines.push(li + 1);
  }
  return { text: lines.join('\n'), placeholders, magicLines, codeLines };
}

/** Put the original magics back; undefined if a placeholder went missing. */
export function restoreMagics(text: string, masked: MaskedSource): string | undefined {
  let out = text;
  for (const [name, original] of masked.placeholders) {
    if (!out.includes(name)) {
      return undefined;
    }
    out = out.split(name).join(original);
  }
  return out;
}

export function isPlaceholder(name: string): boolean {
  return name.startsWith(PREFIX);
}
