/**
 * TEMPORARY engine stub (branch `lab`): replaced by the real engine on merge.
 */
import { CellAnnotation, CellResult, METADATA_KEY, PARTIAL_TAG, TRAINING_TAG } from './types';

/** New metadata for a cell after conversion: sets/clears metadata.switcheroo and the tags TRAINING_TAG / PARTIAL_TAG. */
export function annotateMetadata(
  metadata: Record<string, unknown>,
  cell: CellResult
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...metadata };
  const tags = new Set(Array.isArray(metadata.tags) ? (metadata.tags as string[]) : []);
  tags.delete(TRAINING_TAG);
  tags.delete(PARTIAL_TAG);
  const note: CellAnnotation = {};
  if (cell.flags.trainingFlag) {
    note.trainingFlag = true;
    note.reasons = [...cell.flags.trainingReasons];
    tags.add(TRAINING_TAG);
  }
  if (cell.flags.partial) {
    note.partial = true;
    note.unsupported = [...cell.unsupported];
    tags.add(PARTIAL_TAG);
  }
  if (Object.keys(note).length > 0) {
    next[METADATA_KEY] = note;
  } else {
    delete next[METADATA_KEY];
  }
  if (tags.size > 0) {
    next.tags = [...tags];
  } else {
    delete next.tags;
  }
  return next;
}
