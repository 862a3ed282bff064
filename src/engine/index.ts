/** The engine's public surface. Imports nothing from JupyterLab. */
export * from './types';
export { createConverter, Converter } from './converter';
export type { ParserAssets } from './parser';
export { annotateMetadata, readAnnotation } from './annotations';
export {
  convertNotebook,
  readNotebook,
  writeNotebook,
  notebookCells,
  NotebookFormatError
} from './notebook';
export type { NotebookJSON } from './notebook';
export { KnowledgeBase } from './knowledge';
