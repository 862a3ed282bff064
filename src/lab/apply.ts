import { INotebookModel } from '@jupyterlab/notebook';
import type { ISharedCell } from '@jupyter/ydoc';
import type { PartialJSONValue } from '@lumino/coreutils';
import { annotateMetadata, METADATA_KEY, NotebookResult } from '../engine';
import { CellSnapshot } from './snapshot';

/** What happened to each accepted cell, by index in the preview's snapshot. */
export interface ApplyReport {
  applied: number[];
  /** The source changed after the preview was computed: not overwritten. */
  stale: number[];
  /** `editable: false`. */
  readOnly: number[];
  /** The cell was deleted after the preview was computed. */
  missing: number[];
  /** Applied cells the engine could convert only partly. */
  partial: number[];
  trainingFlag: number[];
}

interface AppliedCell {
  id: string;
  original: string;
  converted: string;
  metadata: Record<string, unknown>;
}

/** Last conversion applied to each notebook, for the explicit undo command. */
const lastApplied = new WeakMap<INotebookModel, AppliedCell[]>();

type WithUndoManager = { undoManager?: { stopCapturing(): void } | null };

function stopCapturing(model: INotebookModel): void {
  // Keep edits made just before or after out of the conversion's undo step.
  (model.sharedModel as unknown as WithUndoManager).undoManager?.stopCapturing();
}

function writeMetadata(cell: ISharedCell, next: Record<string, unknown>): void {
  const before = cell.getMetadata() as Record<string, unknown>;
  for (const key of Object.keys(before)) {
    if (!(key in next)) {
      cell.deleteMetadata(key);
    }
  }
  for (const [key, value] of Object.entries(next)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) {
      cell.setMetadata(key, value as PartialJSONValue);
    }
  }
}

/**
 * Write the accepted cells of a conversion into the notebook, in one
 * shared-model transaction (one undo step). Outputs, execution counts, ids and
 * unrelated metadata are left as they are.
 */
export function applyConversion(
  model: INotebookModel,
  snapshot: CellSnapshot[],
  result: NotebookResult,
  accepted: Iterable<number>
): ApplyReport {
  const report: ApplyReport = {
    applied: [],
    stale: [],
    readOnly: [],
    missing: [],
    partial: [],
    trainingFlag: []
  };
  const byId = new Map<string, ISharedCell>();
  for (const cell of model.sharedModel.cells) {
    byId.set(cell.id, cell);
  }
  const record: AppliedCell[] = [];
  const indices = [...accepted].sort((a, b) => a - b);
  stopCapturing(model);
  model.sharedModel.transact(() => {
    for (const index of indices) {
      const res = result.cells[index];
      const snap = snapshot[index];
      if (!res || !snap || !res.changed) {
        continue;
      }
      const cell = byId.get(snap.id);
      if (!cell) {
        report.missing.push(index);
        continue;
      }
      if (cell.getMetadata('editable') === false) {
        report.readOnly.push(index);
        continue;
      }
      if (cell.getSource() !== snap.source) {
        report.stale.push(index);
        continue;
      }
      const metadata = cell.getMetadata() as Record<string, unknown>;
      record.push({
        id: snap.id,
        original: snap.source,
        converted: res.source,
        metadata: JSON.parse(JSON.stringify(metadata))
      });
      cell.setSource(res.source);
      writeMetadata(cell, annotateMetadata(metadata, res));
      report.applied.push(index);
      if (res.flags.partial) {
        report.partial.push(index);
      }
      if (res.flags.trainingFlag) {
        report.trainingFlag.push(index);
      }
    }
  });
  stopCapturing(model);
  if (record.length > 0) {
    lastApplied.set(model, record);
  }
  return report;
}

export interface UndoReport {
  restored: number;
  /** Cells edited since the conversion: left as they are. */
  edited: number;
}

/**
 * Restore the sources and metadata written by the last conversion, in one
 * transaction. Cells edited since then are left alone. Null when there is
 * nothing to undo.
 */
export function undoConversion(model: INotebookModel): UndoReport | null {
  const record = lastApplied.get(model);
  if (!record) {
    return null;
  }
  const byId = new Map<string, ISharedCell>();
  for (const cell of model.sharedModel.cells) {
    byId.set(cell.id, cell);
  }
  const report: UndoReport = { restored: 0, edited: 0 };
  stopCapturing(model);
  model.sharedModel.transact(() => {
    for (const entry of record) {
      const cell = byId.get(entry.id);
      if (!cell) {
        continue;
      }
      if (cell.getSource() !== entry.converted) {
        report.edited++;
        continue;
      }
      cell.setSource(entry.original);
      const current = cell.getMetadata() as Record<string, unknown>;
      const restored: Record<string, unknown> = { ...current };
      for (const key of [METADATA_KEY, 'tags']) {
        if (key in entry.metadata) {
          restored[key] = entry.metadata[key];
        } else {
          delete restored[key];
        }
      }
      writeMetadata(cell, restored);
      report.restored++;
    }
  });
  stopCapturing(model);
  lastApplied.delete(model);
  return report;
}
