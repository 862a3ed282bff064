/** Where the wasm files are when the engine runs in Node (CLI, tests, benchmark). */
import { readFileSync } from 'fs';
import type { ParserAssets } from '../engine/parser';

export function nodeParserAssets(): ParserAssets {
  // Bytes from this realm: jest and Node both accept a fresh Uint8Array.
  const wasm = readFileSync(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
  return { language: new Uint8Array(wasm) };
}
