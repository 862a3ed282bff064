/** Shared by the tests: one converter per test file, and short ways to convert code. */
import { nodeParserAssets } from '../src/cli/node_assets';
import { Converter, createConverter } from '../src/engine/converter';
import type { CellInput, CellResult, NotebookResult, Settings } from '../src/engine/types';

let converter: Promise<Converter> | undefined;

export function getConverter(): Promise<Converter> {
  converter ??= createConverter(nodeParserAssets());
  return converter;
}

/** Convert one code cell. */
export async function convertCell(
  source: string,
  settings: Partial<Settings> = {}
): Promise<CellResult> {
  return (await getConverter()).convertCells([{ source, cellType: 'code' }], settings).cells[0];
}

/** Convert one code cell and return only its new source. */
export async function convert(source: string, settings: Partial<Settings> = {}): Promise<string> {
  return (await convertCell(source, settings)).source;
}

/** Convert several code cells as one notebook. */
export async function convertCode(
  sources: string[],
  settings: Partial<Settings> = {}
): Promise<NotebookResult> {
  const cells: CellInput[] = sources.map(source => ({ source, cellType: 'code' }));
  return (await getConverter()).convertCells(cells, settings);
}

/** Dedent a template literal: tests write code indented inside the test body. */
export function py(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce(
    (acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''),
    ''
  );
  const lines = raw
    .replace(/^\n/, '')
    .replace(/\n[ \t]*$/, '\n')
    .split('\n');
  const indent = Math.min(...lines.filter(l => l.trim()).map(l => l.length - l.trimStart().length));
  return lines.map(l => l.slice(indent)).join('\n');
}
