/** `switcheroo convert in.ipynb -o out.ipynb`: the engine from the command line. */
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { basename, dirname, extname, join } from 'path';
import { createConverter, type Converter } from '../engine/converter';
import {
  convertNotebook,
  NotebookFormatError,
  readNotebook,
  writeNotebook
} from '../engine/notebook';
import type { CellResult, NotebookResult, Settings } from '../engine/types';
import { nodeParserAssets } from './node_assets';

const USAGE = `usage: switcheroo convert <input.ipynb|input.py>... [options]

options:
  -o, --output PATH         where to write (one input only; '-' for stdout)
      --in-place            overwrite the input
      --target NAME         flax-linen (default)
      --batch-norm-style S  linen (default, runs in Flax) or seed (the reference
                            plugin's form, which Flax Linen rejects)
      --no-comments         do not write '# switcheroo:' comments into the code
      --json                print a machine-readable report on stdout
      --check               exit 1 when anything could not be converted
  -h, --help                show this help`;

export class UsageError extends Error {}

interface Options {
  inputs: string[];
  output?: string;
  inPlace: boolean;
  json: boolean;
  check: boolean;
  settings: Partial<Settings>;
}

export function parseArgs(argv: string[]): Options | 'help' {
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help') {
    return 'help';
  }
  if (argv[0] !== 'convert') {
    throw new UsageError(`unknown command '${argv[0]}' (expected 'convert')`);
  }
  const options: Options = { inputs: [], inPlace: false, json: false, check: false, settings: {} };
  const value = (i: number, flag: string): string => {
    if (i >= argv.length || argv[i].startsWith('--')) {
      throw new UsageError(`${flag} needs a value`);
    }
    return argv[i];
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '-o':
      case '--output':
        options.output = value(++i, arg);
        break;
      case '--in-place':
        options.inPlace = true;
        break;
      case '--json':
        options.json = true;
        break;
      case '--check':
        options.check = true;
        break;
      case '--no-comments':
        options.settings.comments = false;
        break;
      case '--target': {
        const target = value(++i, arg);
        if (target !== 'flax-linen') {
          throw new UsageError(`unknown --target '${target}' (supported: flax-linen)`);
        }
        options.settings.target = target;
        break;
      }
      case '--batch-norm-style': {
        const style = value(++i, arg);
        if (style !== 'linen' && style !== 'seed') {
          throw new UsageError(`unknown --batch-norm-style '${style}' (linen or seed)`);
        }
        options.settings.batchNormStyle = style;
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') {
          throw new UsageError(`unknown option '${arg}'`);
        }
        options.inputs.push(arg);
    }
  }
  if (options.inputs.length === 0) {
    throw new UsageError('no input file given');
  }
  if (options.output && options.inputs.length > 1) {
    throw new UsageError('-o takes one input; convert several inputs without -o');
  }
  if (options.output && options.inPlace) {
    throw new UsageError('-o and --in-place cannot be used together');
  }
  return options;
}

/** `<stem>-jax.ipynb` / `<stem>_jax.py` next to the input, never the input itself. */
export function defaultOutput(input: string): string {
  const ext = extname(input);
  const stem = basename(input, ext);
  return join(dirname(input), ext === '.py' ? `${stem}_jax.py` : `${stem}-jax${ext}`);
}

interface FileReport {
  input: string;
  output: string;
  result: NotebookResult;
}

function convertFile(converter: Converter, input: string, options: Options): FileReport {
  if (!existsSync(input)) {
    throw new UsageError(`${input}: no such file`);
  }
  const text = readFileSync(input, 'utf8');
  const output = options.inPlace ? input : (options.output ?? defaultOutput(input));
  if (extname(input) === '.py') {
    const result = converter.convertCells([{ source: text, cellType: 'code' }], options.settings);
    write(output, result.cells[0].source);
    return { input, output, result };
  }
  if (extname(input) !== '.ipynb') {
    throw new UsageError(`${input}: expected a .ipynb or .py file`);
  }
  let nb;
  try {
    nb = readNotebook(text);
  } catch (error) {
    if (error instanceof NotebookFormatError) {
      throw new UsageError(`${input}: ${error.message}`);
    }
    throw error;
  }
  const { notebook, result } = convertNotebook(converter, nb, options.settings);
  write(output, writeNotebook(notebook));
  return { input, output, result };
}

function write(output: string, text: string): void {
  if (output === '-') {
    process.stdout.write(text);
  } else {
    writeFileSync(output, text, 'utf8');
  }
}

export function cellLine(cell: CellResult): string {
  const parts: string[] = [];
  if (cell.flags.skipped) {
    parts.push(`skipped: ${cell.flags.skipped}`);
  } else {
    parts.push(cell.changed ? `changed (${cell.rewrites.length} rewrites)` : 'unchanged');
  }
  if (cell.flags.trainingFlag) {
    parts.push('needs training flag');
  }
  if (cell.unsupported.length > 0) {
    parts.push(`unsupported: ${cell.unsupported.join(', ')}`);
  }
  const warnings = cell.diagnostics.filter(d => d.level !== 'info').length;
  if (warnings > 0) {
    parts.push(`${warnings} warning${warnings > 1 ? 's' : ''}`);
  }
  return `  cell ${cell.index + 1}: ${parts.join('; ')}`;
}

export function report(file: FileReport): object {
  return {
    input: file.input,
    output: file.output,
    settings: file.result.settings,
    totals: file.result.totals,
    residualTorch: [...new Set(file.result.cells.flatMap(c => c.residualTorch))].sort(),
    cells: file.result.cells.map(c => ({
      index: c.index,
      cellType: c.cellType,
      changed: c.changed,
      flags: c.flags,
      unsupported: c.unsupported,
      residualTorch: c.residualTorch,
      diagnostics: c.diagnostics,
      rewrites: c.rewrites
    }))
  };
}

export async function main(argv: string[]): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`switcheroo: ${(error as Error).message}\n${USAGE.split('\n')[0]}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (line: string) =>
    (options as Options).json || (options as Options).output === '-'
      ? process.stderr.write(`${line}\n`)
      : process.stdout.write(`${line}\n`);
  if (options.settings.batchNormStyle === 'seed') {
    log(
      "warning: --batch-norm-style seed writes mutable=['batch_stats'] inside modules; Flax Linen raises TypeError: BatchNorm.__call__() got an unexpected keyword argument 'mutable'"
    );
  }
  const converter = await createConverter(nodeParserAssets());
  const reports: FileReport[] = [];
  for (const input of options.inputs) {
    try {
      reports.push(convertFile(converter, input, options));
    } catch (error) {
      if (error instanceof UsageError) {
        process.stderr.write(`switcheroo: ${error.message}\n`);
        return 2;
      }
      throw error;
    }
  }
  for (const file of reports) {
    const t = file.result.totals;
    log(
      `${file.input} -> ${file.output}: ${t.changed} changed, ${t.unchanged} unchanged, ${t.partial} partial, ${t.skipped} skipped` +
        (t.unsupported.length ? `; unsupported: ${t.unsupported.join(', ')}` : '')
    );
    file.result.cells.filter(c => c.cellType === 'code').forEach(c => log(cellLine(c)));
  }
  if (options.json) {
    const body = reports.length === 1 ? report(reports[0]) : reports.map(report);
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  }
  const incomplete = reports.some(
    r => r.result.totals.unsupported.length > 0 || r.result.totals.partial > 0
  );
  return options.check && incomplete ? 1 : 0;
}
