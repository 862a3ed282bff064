/**
 * The conversion preview: one main-area widget per notebook, listing each code
 * cell that would change side by side (original | converted), with an
 * accept/reject toggle and the engine's diagnostics.
 */
import { MergeView } from '@codemirror/merge';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { CellResult, NotebookResult } from '../engine';
import { createDiff } from './diffview';
import { CellSnapshot } from './snapshot';
import { LabSettings } from './settings';

/** Diffs built before the preview is shown; the rest wait until scrolled into view. */
const EAGER_DIFFS = 3;

export type CellStatus = 'changed' | 'unchanged' | 'skipped';

export interface PreviewOptions {
  trans: TranslationBundle;
  /** Indices of the cells to show (all code cells when null). */
  include: Set<number> | null;
  onApply: (accepted: Set<number>) => void;
  onCancel: () => void;
  onReveal: (index: number) => void;
}

export function cellStatus(cell: CellResult): CellStatus {
  if (cell.flags.skipped) {
    return 'skipped';
  }
  return cell.changed ? 'changed' : 'unchanged';
}

export class ConversionPreview extends Widget {
  constructor(options: PreviewOptions) {
    super();
    this._options = options;
    this.addClass('jp-switcheroo-preview');
    this.node.tabIndex = -1;
  }

  get snapshot(): CellSnapshot[] {
    return this._snapshot;
  }

  get result(): NotebookResult | null {
    return this._result;
  }

  /** Indices of the cells currently accepted. */
  get accepted(): Set<number> {
    return new Set(this._accepted);
  }

  /** (Re)render for a new conversion result; every changed cell starts accepted. */
  setResult(snapshot: CellSnapshot[], result: NotebookResult, settings: LabSettings): void {
    this._snapshot = snapshot;
    this._result = result;
    this._accepted.clear();
    for (const cell of this._visibleCells()) {
      if (cell.changed && !snapshot[cell.index]?.readOnly) {
        this._accepted.add(cell.index);
      }
    }
    this._render(settings);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._teardown();
    super.dispose();
  }

  private _visibleCells(): CellResult[] {
    const include = this._options.include;
    return (this._result?.cells ?? []).filter(
      c => c.cellType === 'code' && (include === null || include.has(c.index))
    );
  }

  private _teardown(): void {
    this._observer?.disconnect();
    this._observer = null;
    for (const view of this._views) {
      view.destroy();
    }
    this._views = [];
  }

  private _render(settings: LabSettings): void {
    const trans = this._options.trans;
    this._teardown();
    this.node.textContent = '';
    const cells = this._visibleCells();

    const header = el('div', 'jp-switcheroo-header');
    const counts = { changed: 0, unchanged: 0, partial: 0, skipped: 0 };
    const unsupported = new Set<string>();
    for (const cell of cells) {
      counts[cellStatus(cell)]++;
      if (cell.flags.partial) {
        counts.partial++;
      }
      cell.unsupported.forEach(u => unsupported.add(u));
    }
    const summary = el('div', 'jp-switcheroo-summary');
    const parts: [keyof typeof counts, string][] = [
      ['changed', trans.__('%1 changed', counts.changed)],
      ['unchanged', trans.__('%1 unchanged', counts.unchanged)],
      ['partial', trans.__('%1 partial', counts.partial)],
      ['skipped', trans.__('%1 skipped', counts.skipped)]
    ];
    for (const [key, text] of parts) {
      const span = el('span', 'jp-switcheroo-count', text);
      span.dataset.count = key;
      span.dataset.value = String(counts[key]);
      summary.appendChild(span);
    }
    header.appendChild(summary);
    const unsup = el(
      'div',
      'jp-switcheroo-unsupported',
      unsupported.size > 0
        ? trans.__('Unsupported APIs: %1', [...unsupported].sort().join(', '))
        : trans.__('Unsupported APIs: none')
    );
    unsup.dataset.count = String(unsupported.size);
    header.appendChild(unsup);
    if (settings.batchNormStyle === 'seed') {
      header.appendChild(
        el(
          'div',
          'jp-switcheroo-warning',
          trans.__(
            'BatchNorm style "seed" reproduces the reference plugin: Flax rejects its `mutable=` argument inside a module (TypeError at run time). Use "linen" to get code that runs.'
          )
        )
      );
    }

    const controls = el('div', 'jp-switcheroo-controls');
    const hideLabel = el('label', 'jp-switcheroo-hideUnchanged');
    const hide = document.createElement('input');
    hide.type = 'checkbox';
    hide.checked = this._hideUnchanged;
    hide.addEventListener('change', () => {
      this._hideUnchanged = hide.checked;
      this.toggleClass('jp-mod-hideUnchanged', hide.checked);
    });
    this.toggleClass('jp-mod-hideUnchanged', this._hideUnchanged);
    hideLabel.append(hide, document.createTextNode(' ' + trans.__('Hide unchanged cells')));
    const apply = el(
      'button',
      'jp-switcheroo-apply jp-mod-styled jp-mod-accept',
      trans.__('Apply')
    );
    apply.addEventListener('click', () => this._options.onApply(this.accepted));
    const cancel = el(
      'button',
      'jp-switcheroo-cancel jp-mod-styled jp-mod-reject',
      trans.__('Cancel')
    );
    cancel.addEventListener('click', () => this._options.onCancel());
    controls.append(hideLabel, el('span', 'jp-switcheroo-spacer'), cancel, apply);
    header.appendChild(controls);
    this.node.appendChild(header);

    const list = el('div', 'jp-switcheroo-cells');
    if (counts.changed === 0) {
      list.appendChild(el('div', 'jp-switcheroo-empty', trans.__('Nothing to convert.')));
    }
    const pending = new Map<Element, CellResult>();
    for (const cell of cells) {
      const section = this._renderCell(cell);
      list.appendChild(section);
      if (cellStatus(cell) === 'changed') {
        pending.set(section.querySelector('.jp-switcheroo-diff')!, cell);
      }
    }
    this.node.appendChild(list);

    // Build the editors lazily, when a cell scrolls into view: opening a
    // preview of hundreds of cells stays fast.
    const build = (host: Element) => {
      const cell = pending.get(host);
      if (cell) {
        pending.delete(host);
        this._views.push(createDiff(host as HTMLElement, cell.original, cell.source));
      }
    };
    // The first few are built at once, so the preview opens with diffs shown.
    [...pending.keys()].slice(0, EAGER_DIFFS).forEach(build);
    if (typeof IntersectionObserver === 'undefined') {
      [...pending.keys()].forEach(build);
    } else {
      this._observer = new IntersectionObserver(
        entries => {
          for (const entry of entries) {
            if (entry.isIntersecting) {
              this._observer?.unobserve(entry.target);
              build(entry.target);
            }
          }
        },
        { root: this.node, rootMargin: '400px 0px' }
      );
      pending.forEach((_cell, host) => this._observer!.observe(host));
    }
  }

  private _renderCell(cell: CellResult): HTMLElement {
    const trans = this._options.trans;
    const status = cellStatus(cell);
    const readOnly = this._snapshot[cell.index]?.readOnly ?? false;
    const section = el('section', 'jp-switcheroo-cell');
    section.dataset.cellIndex = String(cell.index);
    section.dataset.status = status;
    if (cell.diagnostics.length > 0) {
      section.dataset.diagnostics = String(cell.diagnostics.length);
    }

    const head = el('div', 'jp-switcheroo-cellHeader');
    const title = el('button', 'jp-switcheroo-cellTitle', trans.__('Cell %1', cell.index + 1));
    title.title = trans.__('Show this cell in the notebook');
    title.addEventListener('click', () => this._options.onReveal(cell.index));
    head.appendChild(title);
    if (cell.flags.trainingFlag) {
      const tag = el(
        'span',
        'jp-switcheroo-tag jp-switcheroo-tag-training',
        trans.__('training flag')
      );
      tag.title = cell.flags.trainingReasons.join('\n');
      head.appendChild(tag);
    }
    if (cell.flags.partial) {
      head.appendChild(
        el('span', 'jp-switcheroo-tag jp-switcheroo-tag-partial', trans.__('partial'))
      );
    }
    if (cell.flags.skipped) {
      head.appendChild(
        el(
          'span',
          'jp-switcheroo-tag jp-switcheroo-tag-skipped',
          trans.__('skipped: %1', cell.flags.skipped)
        )
      );
    }
    if (status === 'unchanged') {
      head.appendChild(el('span', 'jp-switcheroo-tag', trans.__('unchanged')));
    }
    head.appendChild(el('span', 'jp-switcheroo-spacer'));
    if (status === 'changed') {
      const label = el('label', 'jp-switcheroo-acceptLabel');
      const toggle = document.createElement('input');
      toggle.type = 'checkbox';
      toggle.className = 'jp-switcheroo-accept';
      toggle.checked = this._accepted.has(cell.index);
      toggle.disabled = readOnly;
      toggle.addEventListener('change', () => {
        if (toggle.checked) {
          this._accepted.add(cell.index);
        } else {
          this._accepted.delete(cell.index);
        }
        section.classList.toggle('jp-mod-rejected', !toggle.checked);
      });
      label.append(
        toggle,
        document.createTextNode(' ' + (readOnly ? trans.__('read-only') : trans.__('Accept')))
      );
      head.appendChild(label);
      section.classList.toggle('jp-mod-rejected', !toggle.checked);
    }
    section.appendChild(head);

    if (status === 'changed') {
      const sides = el('div', 'jp-switcheroo-sides');
      sides.append(
        el('span', '', trans.__('PyTorch (original)')),
        el('span', '', trans.__('JAX/Flax (converted)'))
      );
      section.append(sides, el('div', 'jp-switcheroo-diff'));
    } else {
      section.appendChild(el('pre', 'jp-switcheroo-source', cell.original));
    }

    if (cell.diagnostics.length > 0) {
      const list = el('ul', 'jp-switcheroo-diagnostics');
      for (const d of cell.diagnostics) {
        const item = el(
          'li',
          'jp-switcheroo-diagnostic',
          trans.__('line %1: %2', d.line, d.message)
        );
        item.dataset.level = d.level;
        item.dataset.code = d.code;
        list.appendChild(item);
      }
      section.appendChild(list);
    }
    return section;
  }

  private _options: PreviewOptions;
  private _snapshot: CellSnapshot[] = [];
  private _result: NotebookResult | null = null;
  private _accepted = new Set<number>();
  private _hideUnchanged = true;
  private _views: MergeView[] = [];
  private _observer: IntersectionObserver | null = null;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}
