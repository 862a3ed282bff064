/** Convert a notebook into a new file `<name>-jax.ipynb`, leaving the original untouched. */
import { PathExt } from '@jupyterlab/coreutils';
import * as nbformat from '@jupyterlab/nbformat';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Contents } from '@jupyterlab/services';
import { annotateMetadata, CellInput, Converter, NotebookResult, Settings } from '../engine';

export interface CopyResult {
  path: string;
  result: NotebookResult;
}

function sourceOf(cell: nbformat.ICell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

export function copyPath(path: string, suffix = ''): string {
  const dir = PathExt.dirname(path);
  const base = PathExt.basename(path, PathExt.extname(path));
  return PathExt.join(dir, `${base}-jax${suffix}.ipynb`);
}

async function exists(contents: Contents.IManager, path: string): Promise<boolean> {
  try {
    await contents.get(path, { content: false });
    return true;
  } catch {
    return false;
  }
}

/** Pick `<name>-jax.ipynb`, or `<name>-jax-1.ipynb`, ... if that exists: never clobber a file. */
export async function freeCopyPath(contents: Contents.IManager, path: string): Promise<string> {
  let candidate = copyPath(path);
  for (let n = 1; await exists(contents, candidate); n++) {
    candidate = copyPath(path, `-${n}`);
  }
  return candidate;
}

export async function convertToCopy(
  panel: NotebookPanel,
  converter: Converter,
  settings: Settings,
  contents: Contents.IManager
): Promise<CopyResult> {
  const content = panel.context.model.toJSON() as nbformat.INotebookContent;
  const inputs: CellInput[] = content.cells.map(cell => ({
    source: sourceOf(cell),
    cellType: cell.cell_type === 'code' || cell.cell_type === 'markdown' ? cell.cell_type : 'raw'
  }));
  const result = converter.convertCells(inputs, settings);
  const cells = content.cells.map((cell, i) => {
    const res = result.cells[i];
    if (!res || !res.changed || cell.metadata?.editable === false) {
      return cell;
    }
    return {
      ...cell,
      source: res.source,
      metadata: annotateMetadata(
        (cell.metadata ?? {}) as Record<string, unknown>,
        res
      ) as nbformat.ICellMetadata
    };
  });
  const path = await freeCopyPath(contents, panel.context.path);
  await contents.save(path, {
    type: 'notebook',
    format: 'json',
    content: { ...content, cells }
  });
  return { path, result };
}
