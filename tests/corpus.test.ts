import { readFileSync } from 'fs';
import { basename } from 'path';
import { identifiersIn } from '../src/engine/imports';
import { convertNotebook, readNotebook } from '../src/engine/notebook';
import { corpusNotebooks } from './corpus_source';
import { getConverter } from './helpers';

describe.each(corpusNotebooks().map(p => [basename(p), p]))('corpus %s', (_name, path) => {
  test('every output cell parses cleanly when its input did; leftover torch is reported', async () => {
    const converter = await getConverter();
    const nb = readNotebook(readFileSync(path, 'utf8'));
    const { notebook, result } = convertNotebook(converter, nb);
    const parses = (code: string) => {
      const tree = converter.parser.parse(code);
      const ok = !tree.rootNode.hasError;
      tree.delete();
      return ok;
    };
    result.cells.forEach((cell, i) => {
      expect(notebook.cells[i].cell_type).toBe(nb.cells[i].cell_type);
      if (cell.cellType !== 'code' || cell.flags.skipped) {
        return;
      }
      const magicFree = (s: string) => s.replace(/^[ \t]*[%!].*$/gm, 'pass');
      if (parses(magicFree(cell.original))) {
        expect({ cell: i + 1, parses: parses(magicFree(cell.source)) }).toEqual({
          cell: i + 1,
          parses: true
        });
      }
      // a torch name left in the code is always in the report
      if (identifiersIn(cell.source.replace(/^\s*(import|from)\s.*$/gm, '')).has('torch')) {
        expect(cell.residualTorch.length).toBeGreaterThan(0);
      }
    });
    expect(result.totals.codeCells).toBe(nb.cells.filter(c => c.cell_type === 'code').length);
    expect(result.totals.changed).toBeGreaterThan(0);
  });
});
