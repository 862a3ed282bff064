/**
 * TEMPORARY engine stub (branch `lab`): just enough behaviour to drive the
 * JupyterLab UI. Replaced by the real engine on merge.
 */
import type { Parser } from 'web-tree-sitter';
import { createParser, ParserAssets } from './parser';
import {
  CellInput,
  CellResult,
  DEFAULT_SETTINGS,
  Diagnostic,
  NotebookResult,
  NotebookTotals,
  Rewrite,
  Settings
} from './types';

export async function createConverter(assets: ParserAssets): Promise<Converter> {
  return new Converter(await createParser(assets));
}

const LINE_MAGIC = /^([ \t]*)([%!].*)$/gm;

export class Converter {
  constructor(private readonly parser: Parser) {}

  /** Convert cells as one program, in order. Never throws for bad cell content. */
  convertCells(cells: CellInput[], settings?: Partial<Settings>): NotebookResult {
    const s: Settings = { ...DEFAULT_SETTINGS, ...(settings ?? {}) };
    const results = cells.map((cell, index) => this.convertOne(cell, index, s));
    const totals: NotebookTotals = {
      cells: results.length,
      codeCells: results.filter(r => r.cellType === 'code').length,
      changed: results.filter(r => r.changed).length,
      unchanged: results.filter(r => r.cellType === 'code' && !r.changed && !r.flags.skipped)
        .length,
      partial: results.filter(r => r.flags.partial).length,
      skipped: results.filter(r => r.flags.skipped).length,
      trainingFlag: results.filter(r => r.flags.trainingFlag).length,
      unsupported: [...new Set(results.flatMap(r => r.unsupported))].sort()
    };
    return { cells: results, totals, settings: s };
  }

  private convertOne(cell: CellInput, index: number, s: Settings): CellResult {
    const result: CellResult = {
      index,
      cellType: cell.cellType,
      original: cell.source,
      source: cell.source,
      changed: false,
      rewrites: [],
      diagnostics: [],
      flags: { trainingFlag: false, trainingReasons: [], partial: false },
      unsupported: [],
      residualTorch: []
    };
    if (cell.cellType !== 'code') {
      return result;
    }
    const src = cell.source;
    if (/^\s*%%/.test(src)) {
      const magic = src.trim().split(/\s/)[0];
      result.flags.skipped = `cell magic ${magic}`;
      result.diagnostics.push(
        diag('info', `Cell magic ${magic}: cell left untouched.`, 1, 'cell-magic')
      );
      return result;
    }
    const masked = src.replace(
      LINE_MAGIC,
      (_m, indent: string, rest: string) =>
        indent + 'pass' + ' '.repeat(Math.max(0, rest.length - 4))
    );
    const tree = this.parser.parse(masked);
    if (!tree || tree.rootNode.hasError) {
      let line = 1;
      const err = tree?.rootNode.descendantsOfType('ERROR')[0];
      if (err) {
        line = err.startPosition.row + 1;
      }
      tree?.delete();
      result.flags.skipped = 'syntax error';
      result.diagnostics.push(
        diag('error', 'Syntax error: cell left untouched.', line, 'syntax-error')
      );
      return result;
    }
    tree.delete();

    const rewrites: Rewrite[] = [];
    const lines = src.split('\n');
    const out = lines.map((text, i) => {
      let t = text;
      const rules: [RegExp, string, string][] = [
        [/^import torch$/, 'import jax.numpy as jnp', 'import torch'],
        [/^import torch\.nn as nn$/, 'import flax.linen as nn', 'import torch.nn'],
        [/\btorch\.(?!fft)/g, 'jnp.', 'torch.*']
      ];
      for (const [re, to, rule] of rules) {
        const before = t;
        t = t.replace(re, to);
        if (t !== before) {
          rewrites.push({ from: before.trim(), to: t.trim(), line: i + 1, rule });
        }
      }
      const fft = /\btorch\.fft\.\w+/.exec(t);
      if (fft) {
        result.unsupported.push(fft[0]);
        result.residualTorch.push(fft[0]);
        result.diagnostics.push(
          diag('warning', `No JAX mapping for ${fft[0]}.`, i + 1, 'unsupported-api')
        );
      }
      if (/nn\.(BatchNorm\w*|Dropout)\(/.test(text)) {
        const reason = `line ${i + 1}: ${/nn\.(BatchNorm\w*|Dropout)/.exec(text)![0]} needs a training flag`;
        result.flags.trainingReasons.push(reason);
        result.diagnostics.push(
          diag('info', `Relies on a \`training\` flag (${reason}).`, i + 1, 'training-flag')
        );
        if (/BatchNorm/.test(text) && s.batchNormStyle === 'seed') {
          result.diagnostics.push(
            diag(
              'warning',
              'batchNormStyle "seed": Flax rejects the mutable= form inside a module.',
              i + 1,
              'seed-batchnorm'
            )
          );
        }
      }
      return t;
    });
    result.flags.trainingFlag = result.flags.trainingReasons.length > 0;
    result.flags.partial = result.unsupported.length > 0;
    let source = out.join('\n');
    if (s.comments && result.flags.trainingFlag && source !== src) {
      source = '# switcheroo: relies on a `training` flag\n' + source;
    }
    result.source = source;
    result.rewrites = rewrites;
    result.changed = source !== src;
    return result;
  }
}

function diag(level: Diagnostic['level'], message: string, line: number, code: string): Diagnostic {
  return { level, message, line, code };
}
