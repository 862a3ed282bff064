/**
 * Benchmark: converting each corpus notebook 1x, 10x and 100x concatenated, against a
 * bare tree-sitter parse of the same cells measured in the same run. Prints figures;
 * asserts nothing. Targets: conversion within 3x of the bare parse; 200 cells < 150 ms.
 */
import { readdirSync, readFileSync } from 'fs';
import { basename, join } from 'path';
import { nodeParserAssets } from '../src/cli/node_assets';
import { createConverter } from '../src/engine/converter';
import { notebookCells, readNotebook } from '../src/engine/notebook';
import type { CellInput } from '../src/engine/types';

const CORPUS = process.argv[2] ?? join(__dirname, '..', '..', '..', 'shared', 'corpus');

function best(runs: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return min;
}

async function main(): Promise<void> {
  const converter = await createConverter(nodeParserAssets());
  const files = readdirSync(CORPUS)
    .filter(f => f.endsWith('.ipynb'))
    .sort();
  const parseAll = (cells: CellInput[]) => {
    for (const c of cells) {
      if (c.cellType === 'code') {
        converter.parser.parse(c.source).delete();
      }
    }
  };
  const rows: string[][] = [
    ['notebook', 'copies', 'cells', 'KB', 'parse ms', 'convert ms', 'ratio']
  ];
  const ratios: number[] = [];
  for (const file of files) {
    const cells = notebookCells(readNotebook(readFileSync(join(CORPUS, file), 'utf8')));
    for (const copies of [1, 10, 100]) {
      const all = Array.from({ length: copies }, () => cells).flat();
      const kb = all.reduce((n, c) => n + c.source.length, 0) / 1024;
      const runs = copies === 100 ? 3 : 10;
      converter.convertCells(all); // warm up
      const parse = best(runs, () => parseAll(all));
      const convert = best(runs, () => converter.convertCells(all));
      ratios.push(convert / parse);
      rows.push([
        basename(file, '.ipynb'),
        `${copies}x`,
        `${all.length}`,
        kb.toFixed(0),
        parse.toFixed(1),
        convert.toFixed(1),
        (convert / parse).toFixed(2)
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  for (const row of rows) {
    console.log(
      row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
    );
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `\nconvert / parse ratio: median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}, max ${sorted[sorted.length - 1].toFixed(2)} (target: within 3x)`
  );

  // A 200-cell notebook made of corpus code cells, in order.
  const pool = files.flatMap(f =>
    notebookCells(readNotebook(readFileSync(join(CORPUS, f), 'utf8'))).filter(
      c => c.cellType === 'code'
    )
  );
  const big = Array.from({ length: 200 }, (_, i) => pool[i % pool.length]);
  converter.convertCells(big);
  const parse200 = best(5, () => parseAll(big));
  const convert200 = best(5, () => converter.convertCells(big));
  console.log(
    `200-cell notebook: convert ${convert200.toFixed(1)} ms, bare parse ${parse200.toFixed(1)} ms, ratio ${(convert200 / parse200).toFixed(2)} (target: under 150 ms)`
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
