/** Converts a notebook's cells as one program, in order, and reports per cell. */
import { builtinHooks } from '../../plugins';
import { CellConverter, type CellWork } from './cell';
import { FLAX_LINEN, type TargetInfo } from './context';
import type { HookRegistry } from './hooks';
import { fixImports, identifiersIn } from './imports';
import { KnowledgeBase } from './knowledge';
import { maskMagics, restoreMagics, type MaskedSource } from './magics';
import { loadPythonParser, type ParserAssets, type PythonParser } from './parser';
import { SymbolTable } from './symbols';
import {
  DEFAULT_SETTINGS,
  type CellInput,
  type CellResult,
  type Diagnostic,
  type NotebookResult,
  type Settings
} from './types';

export async function createConverter(assets: ParserAssets): Promise<Converter> {
  return new Converter(await loadPythonParser(assets));
}

interface Pending {
  masked?: MaskedSource;
  work?: CellWork;
  diagnostics: Diagnostic[];
  skipped?: string;
}

export class Converter {
  constructor(
    readonly parser: PythonParser,
    readonly kb: KnowledgeBase = new KnowledgeBase(),
    readonly hooks: HookRegistry = builtinHooks(),
    readonly target: TargetInfo = FLAX_LINEN
  ) {}

  /** Convert cells as one program, in order. Never throws for bad cell content. */
  convertCells(cells: CellInput[], settings: Partial<Settings> = {}): NotebookResult {
    const options: Settings = { ...DEFAULT_SETTINGS, ...settings };
    const symbols = new SymbolTable();
    const state = new Map<string, unknown>();
    // Hooks that look ahead (the first call site of a model) read the other cells' sources.
    state.set(
      'notebook.sources',
      cells.map(c => (c.cellType === 'code' ? c.source : ''))
    );
    const pending = cells.map((cell, index) => {
      state.set('notebook.cell', index);
      return this.analyse(cell, options, symbols, state);
    });
    let residual = new Map<string, number[]>();
    try {
      // Code that still runs after conversion: converted cells (with their magics, so
      // `%timeit torch.zeros(3)` keeps `import torch`) and cells skipped for a syntax error.
      const code = pending.map((p, i) => {
        if (p.work && p.masked) {
          return restoreMagics(p.work.edits.result(), p.masked) ?? cells[i].source;
        }
        return p.diagnostics.some(d => d.code === 'syntax-error') ? cells[i].source : '';
      });
      residual = fixImports(
        pending.map(p => p.work),
        code,
        symbols,
        this.target,
        options.comments
      ).residual;
    } catch (error) {
      pending.forEach(p => p.work && p.diagnostics.push(internal(error)));
    }
    const results = cells.map((cell, index) =>
      this.finish(cell, index, pending[index], residual, options, symbols)
    );
    pending.forEach(p => p.work?.tree.delete());
    return { cells: results, totals: totals(results), settings: options };
  }

  private analyse(
    cell: CellInput,
    settings: Settings,
    symbols: SymbolTable,
    state: Map<string, unknown>
  ): Pending {
    if (cell.cellType !== 'code' || cell.source.trim() === '') {
      return { diagnostics: [] };
    }
    let masked = maskMagics(cell.source);
    if (masked.skip) {
      return {
        diagnostics: [{ level: 'info', message: masked.skip, line: 1, code: 'other-language' }],
        skipped: masked.skip
      };
    }
    let tree = this.parser.parse(masked.text);
    if (tree.rootNode.hasError && masked.codeLines.length > 0) {
      tree.delete(); // a `%timeit` argument that is not a Python statement: mask the whole line
      masked = maskMagics(cell.source, false);
      tree = this.parser.parse(masked.text);
    }
    if (tree.rootNode.hasError) {
      const line = firstErrorLine(tree.rootNode);
      tree.delete();
      const message = `syntax error on line ${line}: the cell is left untouched`;
      return {
        diagnostics: [{ level: 'error', message, line, code: 'syntax-error' }],
        skipped: message
      };
    }
    try {
      const work = new CellConverter(
        tree,
        masked.text,
        settings,
        this.target,
        symbols,
        this.kb,
        this.hooks,
        state
      ).run();
      const diagnostics = magicWarnings(masked, cell.source, symbols);
      return { masked, work, diagnostics };
    } catch (error) {
      tree.delete();
      return { diagnostics: [internal(error)], skipped: 'internal error' };
    }
  }

  private finish(
    cell: CellInput,
    index: number,
    p: Pending,
    residual: Map<string, number[]>,
    settings: Settings,
    symbols: SymbolTable
  ): CellResult {
    const result: CellResult = {
      index,
      cellType: cell.cellType,
      original: cell.source,
      source: cell.source,
      changed: false,
      rewrites: [],
      diagnostics: [...p.diagnostics],
      flags: { trainingFlag: false, trainingReasons: [], partial: false, skipped: p.skipped },
      unsupported: [],
      residualTorch: []
    };
    const work = p.work;
    if (!work || !p.masked) {
      return result;
    }
    let restored = restoreMagics(work.edits.result(), p.masked);
    if (restored === undefined) {
      result.diagnostics.push({
        level: 'error',
        message: 'a magic line could not be restored; the cell is left untouched',
        line: 1,
        code: 'magic-lost'
      });
      result.flags.skipped = 'magic could not be restored';
      return result;
    }
    // A cell that ended without a newline still does, even if its last line was removed.
    result.source =
      !cell.source.endsWith('\n') && restored.endsWith('\n') ? restored.slice(0, -1) : restored;
    restored = result.source;
    result.changed = restored !== cell.source;
    result.rewrites = work.rewrites;
    result.diagnostics.push(...work.diagnostics);
    result.diagnostics.sort((a, b) => a.line - b.line);
    result.unsupported = [...work.unsupported];
    result.flags.trainingFlag = work.flags.training.length > 0;
    result.flags.trainingReasons = work.flags.training;
    result.flags.partial = work.flags.partial.length > 0;
    // torch names left in this cell: unmapped APIs, and kept torch aliases it uses
    const kept = [...residual]
      .filter(
        ([alias, users]) =>
          users.includes(index) &&
          !result.unsupported.some(u => u.startsWith(symbols.aliases.get(alias) ?? alias))
      )
      .map(([alias]) => alias);
    result.residualTorch = [...result.unsupported, ...kept];
    if (
      settings.batchNormStyle === 'seed' &&
      work.rewrites.some(r => r.rule === 'batch_norm.call')
    ) {
      result.diagnostics.push({
        level: 'warning',
        message:
          "batchNormStyle 'seed' writes mutable=['batch_stats'] inside the module: Flax Linen raises TypeError: BatchNorm.__call__() got an unexpected keyword argument 'mutable'",
        line: 1,
        code: 'seed-style'
      });
    }
    return result;
  }
}

function internal(error: unknown): Diagnostic {
  return {
    level: 'error',
    message: `internal error: ${(error as Error)?.message ?? error}; the cell is left untouched`,
    line: 1,
    code: 'internal-error'
  };
}

function firstErrorLine(root: import('web-tree-sitter').Node): number {
  const cursor = root.walk();
  for (;;) {
    const node = cursor.currentNode;
    if (node.isError || node.isMissing) {
      return node.startPosition.row + 1;
    }
    if (node.hasError && cursor.gotoFirstChild()) {
      continue;
    }
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        return 1;
      }
    }
  }
}

/** Torch code inside a magic line is not converted: say so. */
function magicWarnings(masked: MaskedSource, source: string, symbols: SymbolTable): Diagnostic[] {
  const lines = source.split('\n');
  const out: Diagnostic[] = [];
  for (const line of masked.magicLines) {
    const names = identifiersIn(lines[line - 1].replace(/^\s*[%!?]+\w*/, ''));
    if ([...symbols.aliases.keys()].some(a => names.has(a))) {
      out.push({
        level: 'warning',
        message: 'torch code inside a magic line is not converted',
        line,
        code: 'magic-torch'
      });
    }
  }
  return out;
}

function totals(cells: CellResult[]): NotebookResult['totals'] {
  const code = cells.filter(c => c.cellType === 'code');
  return {
    cells: cells.length,
    codeCells: code.length,
    changed: code.filter(c => c.changed).length,
    unchanged: code.filter(c => !c.changed && !c.flags.skipped).length,
    partial: code.filter(c => c.flags.partial).length,
    skipped: code.filter(c => c.flags.skipped).length,
    trainingFlag: code.filter(c => c.flags.trainingFlag).length,
    unsupported: [...new Set(code.flatMap(c => c.unsupported))].sort()
  };
}
