/** A read-only side-by-side diff of one cell, built on @codemirror/merge. */
import { python } from '@codemirror/lang-python';
import { syntaxHighlighting } from '@codemirror/language';
import { MergeView } from '@codemirror/merge';
import { EditorState, Extension } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { jupyterHighlightStyle } from '@jupyterlab/codemirror';

/** Colours come from JupyterLab's CSS variables, so light and dark themes both work. */
const theme = EditorView.theme({
  '&': {
    backgroundColor: 'var(--jp-cell-editor-background)',
    color: 'var(--jp-content-font-color1)',
    fontSize: 'var(--jp-code-font-size)'
  },
  '.cm-content': {
    fontFamily: 'var(--jp-code-font-family)',
    caretColor: 'var(--jp-editor-cursor-color)'
  },
  '.cm-gutters': {
    backgroundColor: 'var(--jp-cell-editor-background)',
    color: 'var(--jp-ui-font-color2)',
    border: 'none'
  }
});

function sideExtensions(): Extension[] {
  return [
    EditorView.editable.of(false),
    EditorState.readOnly.of(true),
    EditorView.lineWrapping,
    python(),
    syntaxHighlighting(jupyterHighlightStyle),
    theme
  ];
}

export function createDiff(parent: HTMLElement, original: string, converted: string): MergeView {
  return new MergeView({
    a: { doc: original, extensions: sideExtensions() },
    b: { doc: converted, extensions: sideExtensions() },
    parent,
    highlightChanges: true,
    gutter: true,
    collapseUnchanged: { margin: 3, minSize: 8 }
  });
}
