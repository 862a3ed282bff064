/** Loads web-tree-sitter and the Python grammar; the caller says where the wasm files are. */
import { Language, Parser, type Tree } from 'web-tree-sitter';

export interface ParserAssets {
  /** Options passed to web-tree-sitter's Parser.init, e.g. { locateFile } for tree-sitter.wasm. */
  init?: Record<string, unknown>;
  /** tree-sitter-python.wasm: a URL string or the bytes. */
  language: string | Uint8Array;
}

export interface PythonParser {
  parse(source: string): Tree;
}

let runtime: Promise<void> | undefined;

export async function loadPythonParser(assets: ParserAssets): Promise<PythonParser> {
  // Parser.init may run once per page or process; later calls share it.
  runtime ??= Parser.init(assets.init as never);
  await runtime;
  const language = await Language.load(assets.language);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    parse(source: string): Tree {
      const tree = parser.parse(source);
      if (!tree) {
        throw new Error('tree-sitter returned no tree');
      }
      return tree;
    }
  };
}
