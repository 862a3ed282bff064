/** The engine's public surface. Imports nothing from JupyterLab. */
export * from './types';
export { createConverter, Converter } from './converter';
export type { ParserAssets } from './parser';
export { annotateMetadata } from './annotations';
