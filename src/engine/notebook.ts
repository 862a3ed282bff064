/** .ipynb in and out: cells to convert, and the converted notebook with everything else kept. */
import { annotateMetadata } from './annotations';
import type { Converter } from './converter';
import type { CellInput, NotebookResult, Settings } from './types';

export class NotebookFormatError extends Error {}

interface RawCell {
  cell_type: string;
  source: string | string[];
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface NotebookJSON {
  cells: RawCell[];
  nbformat: number;
  [key: string]: unknown;
}

/** Check the shape of a parsed .ipynb; throws NotebookFormatError with a clear message. */
export function readNotebook(text: string): NotebookJSON {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new NotebookFormatError(`not valid JSON (${(error as Error).message})`);
  }
  const nb = data as NotebookJSON;
  if (!nb || typeof nb !== 'object' || !Array.isArray(nb.cells)) {
    throw new NotebookFormatError('not a Jupyter notebook: no "cells" list');
  }
  if (typeof nb.nbformat !== 'number' || nb.nbformat < 4) {
    throw new NotebookFormatError(
      `unsupported notebook format ${String(nb.nbformat)} (nbformat 4 is needed)`
    );
  }
  nb.cells.forEach((cell, i) => {
    const ok =
      cell &&
      typeof cell === 'object' &&
      typeof cell.cell_type === 'string' &&
      (typeof cell.source === 'string' ||
        (Array.isArray(cell.source) && cell.source.every(s => typeof s === 'string')));
    if (!ok) {
      throw new NotebookFormatError(
        `cell ${i + 1} is malformed (needs cell_type and a string source)`
      );
    }
  });
  return nb;
}

export function cellSource(cell: RawCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Write source back in the form the notebook used (a string, or a list of lines). */
function withSource(cell: RawCell, source: string): string | string[] {
  if (!Array.isArray(cell.source)) {
    return source;
  }
  return source.split(/(?<=\n)/).filter(line => line.length > 0);
}

export function notebookCells(nb: NotebookJSON): CellInput[] {
  return nb.cells.map(cell => ({
    source: cellSource(cell),
    cellType:
      cell.cell_type === 'code' ? 'code' : cell.cell_type === 'markdown' ? 'markdown' : 'raw'
  }));
}

/** Convert a notebook: a new notebook object (the input is not modified) and the report. */
export function convertNotebook(
  converter: Converter,
  nb: NotebookJSON,
  settings: Partial<Settings> = {}
): { notebook: NotebookJSON; result: NotebookResult } {
  const result = converter.convertCells(notebookCells(nb), settings);
  const cells = nb.cells.map((cell, i) => {
    const r = result.cells[i];
    if (cell.cell_type !== 'code' || r.flags.skipped) {
      return cell;
    }
    const metadata = annotateMetadata(cell.metadata ?? {}, r);
    return { ...cell, source: r.changed ? withSource(cell, r.source) : cell.source, metadata };
  });
  return { notebook: { ...nb, cells }, result };
}

/** Serialise the way Jupyter does: one-space indent and a final newline. */
export function writeNotebook(nb: NotebookJSON): string {
  return JSON.stringify(nb, null, 1) + '\n';
}
