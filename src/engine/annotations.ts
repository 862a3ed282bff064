/** What the engine writes into a cell's metadata: a `switcheroo` object plus tags, derived from the result. */
import {
  METADATA_KEY,
  PARTIAL_TAG,
  TRAINING_TAG,
  type CellAnnotation,
  type CellResult
} from './types';

/** New metadata for a cell after conversion: sets or clears metadata.switcheroo and our tags. */
export function annotateMetadata(
  metadata: Record<string, unknown>,
  cell: CellResult
): Record<string, unknown> {
  const flagged = cell.flags.trainingFlag || cell.flags.partial;
  if (!cell.changed && !flagged) {
    return metadata; // nothing new to say: converting twice changes nothing
  }
  const out: Record<string, unknown> = { ...metadata };
  const tags = (Array.isArray(metadata.tags) ? (metadata.tags as string[]) : []).filter(
    t => t !== TRAINING_TAG && t !== PARTIAL_TAG
  );
  delete out[METADATA_KEY];
  delete out.tags; // re-added below, after the annotation: the key order stays the same on reconversion
  // Converting a converted cell again: its training flag came from the torch code it had.
  const previous = cell.changed ? undefined : readAnnotation(metadata);
  if (flagged || previous?.trainingFlag) {
    const note: CellAnnotation = {};
    if (cell.flags.trainingFlag || previous?.trainingFlag) {
      note.trainingFlag = true;
      note.reasons = cell.flags.trainingFlag ? cell.flags.trainingReasons : previous?.reasons;
      tags.push(TRAINING_TAG);
    }
    if (cell.flags.partial) {
      note.partial = true;
      note.unsupported = cell.unsupported;
      tags.push(PARTIAL_TAG);
    }
    out[METADATA_KEY] = note;
  }
  if (tags.length > 0) {
    out.tags = tags;
  }
  return out;
}

/** The annotation a cell carries, if any (used to show badges after a reload). */
export function readAnnotation(
  metadata: Record<string, unknown> | undefined
): CellAnnotation | undefined {
  const value = metadata?.[METADATA_KEY];
  return value && typeof value === 'object' ? (value as CellAnnotation) : undefined;
}
