import { INotebookModel } from '@jupyterlab/notebook';
import { CellInput, Converter, NotebookResult, Settings } from '../engine';

/** A cell as it was when a conversion was computed. */
export interface CellSnapshot {
  id: string;
  source: string;
  cellType: CellInput['cellType'];
  /** The cell's metadata says `editable: false`. */
  readOnly: boolean;
}

/** Read every cell from the shared model (not the widgets: with windowing, some cells have none). */
export function snapshotCells(model: INotebookModel): CellSnapshot[] {
  return model.sharedModel.cells.map(cell => {
    const type = cell.cell_type;
    return {
      id: cell.id,
      source: cell.getSource(),
      cellType: type === 'code' || type === 'markdown' ? type : 'raw',
      readOnly: cell.getMetadata('editable') === false
    };
  });
}

export function convertSnapshot(
  converter: Converter,
  cells: CellSnapshot[],
  settings: Settings
): NotebookResult {
  return converter.convertCells(
    cells.map(c => ({ source: c.source, cellType: c.cellType })),
    settings
  );
}
