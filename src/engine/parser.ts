/**
 * TEMPORARY engine stub (branch `lab`): replaced by the real engine on merge.
 * Loads web-tree-sitter and the Python grammar from the given assets.
 */
import { Language, Parser } from 'web-tree-sitter';

export interface ParserAssets {
  /** Options passed to web-tree-sitter's Parser.init, e.g. { locateFile } for tree-sitter.wasm. */
  init?: Record<string, unknown>;
  /** tree-sitter-python.wasm: a URL string or the bytes. */
  language: string | Uint8Array;
}

export async function createParser(assets: ParserAssets): Promise<Parser> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  await Parser.init(assets.init as any);
  const language = await Language.load(assets.language);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}
