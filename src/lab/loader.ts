/**
 * Loads the engine once per page. The two wasm files are emitted as assets of
 * the extension bundle by the JupyterLab builder, because they are referenced
 * with `new URL(<relative path>, import.meta.url)` (paths relative to the
 * compiled file in lib/src/lab/).
 */
import { Converter, createConverter } from '../engine';

let pending: Promise<Converter> | null = null;

export function getConverter(): Promise<Converter> {
  if (!pending) {
    const runtime = new URL(
      '../../../node_modules/web-tree-sitter/tree-sitter.wasm',
      import.meta.url
    ).href;
    const language = new URL(
      '../../../node_modules/tree-sitter-python/tree-sitter-python.wasm',
      import.meta.url
    ).href;
    pending = createConverter({
      init: { locateFile: () => runtime },
      language
    });
    // A failed load may be retried on the next command.
    pending.catch(() => {
      pending = null;
    });
  }
  return pending;
}
