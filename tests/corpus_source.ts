/** The shared PyTorch corpus, next to the repository (../shared/corpus), read as code cells. */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';

export const CORPUS_DIR = join(__dirname, '..', '..', 'shared', 'corpus');

export function corpusNotebooks(): string[] {
  if (!existsSync(CORPUS_DIR)) {
    throw new Error(`the corpus is missing: expected notebooks in ${CORPUS_DIR}`);
  }
  return readdirSync(CORPUS_DIR)
    .filter(f => f.endsWith('.ipynb'))
    .sort()
    .map(f => join(CORPUS_DIR, f));
}

export function codeCells(path: string): string[] {
  const nb = JSON.parse(readFileSync(path, 'utf8'));
  return nb.cells
    .filter((c: { cell_type: string }) => c.cell_type === 'code')
    .map((c: { source: string | string[] }) => [c.source].flat().join(''));
}
