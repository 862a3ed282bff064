/**
 * Import fix-up, once every cell is converted: torch imports no longer used are
 * removed, and the JAX/Flax imports the output uses are added once, where the
 * notebook imported torch.
 */
import type { Node } from 'web-tree-sitter';
import type { CellWork } from './cell';
import { lineIndent } from './lines';
import type { TargetInfo } from './context';
import type { SymbolTable } from './symbols';

/** Names used as identifiers in code, outside strings and comments (not after a dot). */
export function identifiersIn(code: string): Set<string> {
  const names = new Set<string>();
  const re =
    /("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|#[^\n]*)|(\.\s*)?\b([A-Za-z_]\w*)\b/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(code))) {
    if (!m[1] && !m[2]) {
      names.add(m[3]);
    }
  }
  return names;
}

export interface ImportPlan {
  /** Aliases still referenced somewhere after conversion, with the cells that use them. */
  residual: Map<string, number[]>;
}

/**
 * Edit the cells' import statements. `code` is each cell's Python after
 * conversion, before the fix-up ('' for cells that hold no Python).
 */
export function fixImports(
  works: (CellWork | undefined)[],
  code: string[],
  symbols: SymbolTable,
  target: TargetInfo,
  comments = true
): ImportPlan {
  // Which cells still use each torch alias; only cells whose text mentions one are scanned.
  const aliases = new Set(works.flatMap(w => w?.torchImports.flatMap(s => s.names) ?? []));
  const used = new Map<string, number[]>();
  code.forEach((text, i) => {
    const mentioned = [...aliases].filter(a => text.includes(a));
    if (mentioned.length === 0) {
      return;
    }
    const names = identifiersIn(importFree(text));
    for (const name of mentioned.filter(a => names.has(a))) {
      used.set(name, [...(used.get(name) ?? []), i]);
    }
  });
  const residual = new Map<string, number[]>();
  const required = new Set<string>();
  works.forEach(w => w?.imports.forEach(a => required.add(a)));
  // `import torch` itself counts as present: leftover torch code keeps it
  const present = new Set([
    ...symbols.otherImports.keys(),
    ...[...symbols.aliases].filter(([local, path]) => local === path).map(([local]) => local)
  ]);
  const wanted = Object.keys(target.imports).filter(a => required.has(a) && !present.has(a));
  let anchored = false;

  works.forEach(work => {
    if (!work) {
      return;
    }
    for (const site of work.torchImports) {
      const keep = site.names.filter(n => used.has(n) && !wanted.includes(n));
      keep.forEach(n => residual.set(n, used.get(n) as number[]));
      const indent = lineIndent(work.edits.source, site.node.startIndex);
      const lines = anchored ? [] : wanted.map(a => importLine(a, target, comments));
      if (!anchored && wanted.includes('torch')) {
        work.flags.partial.push('torch is still used (written in full), so it is imported');
      }
      anchored = true;
      const line = site.node.startPosition.row + 1;
      const from = site.node.text;
      if (keep.length === site.names.length) {
        if (lines.length > 0) {
          work.rewrites.push({ from: '', to: lines.join('\n'), line, rule: 'imports' });
          work.edits.insert(site.node.startIndex, lines.map(l => `${l}\n${indent}`).join(''));
        }
        keptImport(work, site.node, keep, used, comments);
        continue;
      }
      if (keep.length > 0) {
        lines.push(rebuildImport(site.node.text, keep));
      }
      work.rewrites.push({ from, to: lines.join('\n'), line, rule: 'imports' });
      if (lines.length > 0) {
        work.edits.replace(
          site.node.startIndex,
          site.node.endIndex,
          lines.join(`\n${indent}`),
          true
        );
        if (keep.length > 0) {
          keptImport(work, site.node, keep, used, comments);
        }
      } else {
        removeLine(work, site.node.startIndex, site.node.endIndex);
      }
    }
  });
  if (!anchored && wanted.length > 0) {
    const first = works.findIndex(w => w && w.imports.size > 0);
    const work = works[first];
    if (work) {
      const src = work.edits.source;
      const at =
        src.startsWith('__switcheroo_magic_') || src.startsWith('%%') ? src.indexOf('\n') + 1 : 0;
      work.edits.insert(at || 0, wanted.map(a => `${importLine(a, target, comments)}\n`).join(''));
      if (wanted.includes('torch')) {
        work.flags.partial.push('torch is still used (written in full), so it is imported');
      }
    }
  }
  return { residual };
}

/** Drop import lines so that `import torch` does not count as a use of torch. */
const KEPT = '  # switcheroo: kept, torch is still used';

/**
 * A torch import kept because converted cells still use torch: the cell is flagged partial
 * and the line says which cells, so a run without torch fails in an annotated cell.
 */
function keptImport(
  work: CellWork,
  node: Node,
  keep: string[],
  used: Map<string, number[]>,
  comments: boolean
): void {
  const cells = [...new Set(keep.flatMap(n => used.get(n) ?? []))].sort((a, b) => a - b);
  const reason = `torch is still used (cell${cells.length > 1 ? 's' : ''} ${cells.join(', ')}), so its import is kept`;
  work.flags.partial.push(reason);
  const source = work.edits.source;
  const end = source.indexOf('\n', node.endIndex);
  if (
    comments &&
    !source.slice(node.endIndex, end < 0 ? undefined : end).includes('# switcheroo:')
  ) {
    work.edits.append(node.endIndex, KEPT);
  }
}

/** The import line for an alias; torch, imported for code left as is, says so (as a kept import does). */
function importLine(alias: string, target: TargetInfo, comments: boolean): string {
  const line = target.imports[alias];
  return alias === 'torch' && comments ? `${line}${KEPT}` : line;
}

function importFree(code: string): string {
  return code.replace(/^[ \t]*(import|from)\s[^\n]*$/gm, '');
}

function removeLine(work: CellWork, start: number, end: number): void {
  const src = work.edits.source;
  const lineStart = src.lastIndexOf('\n', start - 1) + 1;
  const nl = src.indexOf('\n', end);
  const onlyThis =
    src.slice(lineStart, start).trim() === '' &&
    src.slice(end, nl < 0 ? src.length : nl).trim() === '';
  if (onlyThis) {
    work.edits.replace(lineStart, nl < 0 ? src.length : nl + 1, '', true);
  } else {
    work.edits.replace(start, end, 'pass', true);
  }
}

/** Keep only some of the names an import statement binds. */
function rebuildImport(text: string, keep: string[]): string {
  const from = /^from\s+([\w.]+)\s+import\s+/.exec(text);
  const list = (from ? text.slice(from[0].length) : text.replace(/^import\s+/, ''))
    .replace(/[()\\\n]/g, ' ')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
  const local = (item: string): string => {
    const parts = item.split(/\s+as\s+/);
    return parts[1] ?? parts[0].split('.')[0];
  };
  const items = list.filter(item => keep.includes(local(item)));
  return from ? `from ${from[1]} import ${items.join(', ')}` : `import ${items.join(', ')}`;
}
