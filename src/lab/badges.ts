/**
 * Training-flag badges: a CSS class and a tooltip on every cell whose metadata
 * says `switcheroo.trainingFlag`. Derived from the metadata only, so the badges
 * come back when the notebook is reloaded.
 */
import { Cell, ICellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { CellAnnotation, METADATA_KEY } from '../engine';

export const TRAINING_CLASS = 'jp-switcheroo-trainingFlag';
const BADGE_CLASS = 'jp-switcheroo-badge';

export function annotationOf(model: ICellModel): CellAnnotation | null {
  const value = model.getMetadata(METADATA_KEY);
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as CellAnnotation)
    : null;
}

function decorate(cell: Cell, trans: TranslationBundle): void {
  const note = annotationOf(cell.model);
  const flagged = note?.trainingFlag === true;
  cell.toggleClass(TRAINING_CLASS, flagged);
  let badge = cell.node.querySelector<HTMLElement>(`:scope > .${BADGE_CLASS}`);
  if (!flagged) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement('div');
    badge.className = BADGE_CLASS;
    badge.textContent = trans.__('training flag');
    cell.node.appendChild(badge);
  }
  const reasons = (note?.reasons ?? []).join('\n');
  badge.title =
    trans.__('This cell relies on a `training` flag (switcheroo).') +
    (reasons ? '\n' + reasons : '');
  cell.node.dataset.switcherooReason = reasons;
}

/** Keep badges in sync for every notebook the tracker knows. */
export function trackBadges(tracker: INotebookTracker, trans: TranslationBundle): void {
  const scheduled = new WeakSet<NotebookPanel>();
  const refresh = (panel: NotebookPanel) => {
    if (scheduled.has(panel) || panel.isDisposed) {
      return;
    }
    scheduled.add(panel);
    requestAnimationFrame(() => {
      scheduled.delete(panel);
      if (!panel.isDisposed) {
        panel.content.widgets.forEach(cell => decorate(cell, trans));
      }
    });
  };
  const watched = new WeakSet<ICellModel>();
  const watchCells = (panel: NotebookPanel) => {
    const model = panel.content.model;
    if (!model) {
      return;
    }
    for (let i = 0; i < model.cells.length; i++) {
      const cell = model.cells.get(i);
      if (!watched.has(cell)) {
        watched.add(cell);
        cell.metadataChanged.connect(() => refresh(panel));
      }
    }
  };
  tracker.widgetAdded.connect((_sender, panel) => {
    const connect = () => {
      const model = panel.content.model;
      if (!model) {
        return;
      }
      watchCells(panel);
      model.cells.changed.connect(() => {
        watchCells(panel);
        refresh(panel);
      });
      refresh(panel);
    };
    panel.context.ready.then(connect).catch(() => undefined);
    panel.content.modelChanged.connect(() => void panel.context.ready.then(connect));
  });
}
