import fc from 'fast-check';
import { codeCells, corpusNotebooks } from './corpus_source';
import { getConverter } from './helpers';

const LINES = corpusNotebooks().flatMap(p => codeCells(p).flatMap(c => c.split('\n')));
const UNICODE = ['é', '数据', '🎉', '\u00a0', 'ß', '\t', '"', "'", '#', '\\'];

/** A cell: corpus lines, then mutated (lines deleted, duplicated or cut, unicode inserted). */
const cellArb = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: LINES.length - 1 }), { minLength: 1, maxLength: 12 }),
    fc.array(
      fc.tuple(
        fc.constantFrom('delete', 'duplicate', 'cut', 'unicode'),
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...UNICODE)
      ),
      { maxLength: 3 }
    )
  )
  .map(([picks, mutations]) => {
    const lines = picks.map(i => LINES[i]);
    for (const [kind, a, b, text] of mutations) {
      const i = a % lines.length;
      if (kind === 'delete' && lines.length > 1) {
        lines.splice(i, 1);
      } else if (kind === 'duplicate') {
        lines.splice(i, 0, lines[i]);
      } else if (kind === 'cut') {
        lines[i] = lines[i].slice(0, b % (lines[i].length + 1));
      } else {
        const at = b % (lines[i].length + 1);
        lines[i] = lines[i].slice(0, at) + text + lines[i].slice(at);
      }
    }
    return lines.join('\n');
  });

describe('properties over mutated corpus code', () => {
  test('never throws, keeps the cell count, is idempotent, never breaks a cell that parsed', async () => {
    const converter = await getConverter();
    const parsesClean = (code: string) => {
      const tree = converter.parser.parse(code);
      const ok = !tree.rootNode.hasError;
      tree.delete();
      return ok;
    };
    fc.assert(
      fc.property(fc.array(cellArb, { minLength: 1, maxLength: 4 }), cells => {
        const input = cells.map(source => ({ source, cellType: 'code' as const }));
        const once = converter.convertCells(input);
        expect(once.cells).toHaveLength(cells.length);
        const twice = converter.convertCells(
          once.cells.map(c => ({ source: c.source, cellType: 'code' as const }))
        );
        expect(twice.cells.map(c => c.source)).toEqual(once.cells.map(c => c.source));
        once.cells.forEach((cell, i) => {
          if (!cell.flags.skipped && parsesClean(cells[i])) {
            expect(parsesClean(cell.source)).toBe(true);
          }
        });
      }),
      { numRuns: 300, seed: 20261125 }
    );
  });
});
