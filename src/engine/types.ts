/** Public data shapes of the engine: what goes in, what comes out. */

export type Target = 'flax-linen';
export type BatchNormStyle = 'linen' | 'seed';

export interface Settings {
  /** Target framework. */
  target: Target;
  /** 'linen' runs in Flax; 'seed' reproduces the reference plugin's output (rejected by Flax). */
  batchNormStyle: BatchNormStyle;
  /** Write annotation comments (`# switcheroo: ...`) into converted code. */
  comments: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  target: 'flax-linen',
  batchNormStyle: 'linen',
  comments: true
};

export type Level = 'info' | 'warning' | 'error';

export interface Diagnostic {
  level: Level;
  message: string;
  /** 1-based line in the cell's original source. */
  line: number;
  /** Stable machine-readable code, e.g. 'unsupported-api', 'syntax-error'. */
  code: string;
}

export interface Rewrite {
  /** Original text of the rewritten node. */
  from: string;
  /** Converted text. */
  to: string;
  /** 1-based line in the cell's original source. */
  line: number;
  /** Knowledge-base key or hook name that produced it. */
  rule: string;
}

export interface CellFlags {
  /** Converted code relies on a `training` flag the caller must pass. */
  trainingFlag: boolean;
  trainingReasons: string[];
  /** Something in the cell could not be converted. */
  partial: boolean;
  /** Set when the cell was left untouched on purpose, with the reason. */
  skipped?: string;
}

export interface CellInput {
  source: string;
  cellType: 'code' | 'markdown' | 'raw';
}

export interface CellResult {
  index: number;
  cellType: CellInput['cellType'];
  original: string;
  source: string;
  changed: boolean;
  rewrites: Rewrite[];
  diagnostics: Diagnostic[];
  flags: CellFlags;
  /** torch APIs found with no mapping, e.g. 'torch.fft.rfft'. */
  unsupported: string[];
  /** torch references left in the converted source. */
  residualTorch: string[];
}

export interface NotebookTotals {
  cells: number;
  codeCells: number;
  changed: number;
  unchanged: number;
  partial: number;
  skipped: number;
  trainingFlag: number;
  unsupported: string[];
}

export interface NotebookResult {
  cells: CellResult[];
  totals: NotebookTotals;
  settings: Settings;
}

/** The metadata object the engine writes under `cell.metadata.switcheroo`. */
export interface CellAnnotation {
  trainingFlag?: boolean;
  reasons?: string[];
  partial?: boolean;
  unsupported?: string[];
}

export const METADATA_KEY = 'switcheroo';
export const TRAINING_TAG = 'switcheroo:training-flag';
export const PARTIAL_TAG = 'switcheroo:partial';
