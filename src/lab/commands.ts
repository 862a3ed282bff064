/** Command ids and the controller that runs them. */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { applyConversion, ApplyReport, undoConversion } from './apply';
import { convertToCopy } from './copy';
import { switcherooIcon } from './icons';
import { getConverter } from './loader';
import { ConversionPreview } from './preview';
import { engineSettings, LabSettings } from './settings';
import { convertSnapshot, snapshotCells } from './snapshot';

export const CommandIDs = {
  previewNotebook: 'switcheroo:preview-notebook',
  previewSelected: 'switcheroo:preview-selected',
  convertToCopy: 'switcheroo:convert-to-copy',
  undo: 'switcheroo:undo',
  toolbarAction: 'switcheroo:toolbar-action'
} as const;

export const PALETTE_CATEGORY = 'Switcheroo';

type PreviewWidget = MainAreaWidget<ConversionPreview>;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function cellList(indices: number[]): string {
  return indices.map(i => String(i + 1)).join(', ');
}

export class SwitcherooController {
  constructor(
    private readonly app: JupyterFrontEnd,
    private readonly tracker: INotebookTracker,
    private readonly trans: TranslationBundle,
    private readonly settings: () => LabSettings
  ) {}

  /** Register every command on the application's command registry. */
  addCommands(): void {
    const { commands } = this.app;
    const trans = this.trans;
    const hasNotebook = () => this.tracker.currentWidget !== null;
    commands.addCommand(CommandIDs.previewNotebook, {
      label: trans.__('Preview Conversion to JAX/Flax'),
      caption: trans.__('Preview the conversion of every PyTorch cell to JAX/Flax'),
      icon: switcherooIcon,
      isEnabled: hasNotebook,
      execute: () => this._guard(() => this.preview(null))
    });
    commands.addCommand(CommandIDs.previewSelected, {
      label: trans.__('Preview Conversion of Selected Cells'),
      caption: trans.__('Preview the conversion of the selected cells to JAX/Flax'),
      isEnabled: hasNotebook,
      execute: () => this._guard(() => this.preview(this._selectedIndices()))
    });
    commands.addCommand(CommandIDs.convertToCopy, {
      label: trans.__('Convert to a New JAX/Flax Notebook'),
      caption: trans.__('Write <name>-jax.ipynb next to this notebook and open it'),
      isEnabled: hasNotebook,
      execute: () => this._guard(() => this.convertToCopy())
    });
    commands.addCommand(CommandIDs.undo, {
      label: trans.__('Undo Last Conversion'),
      caption: trans.__('Restore the sources the last conversion replaced'),
      isEnabled: hasNotebook,
      execute: () => this._guard(async () => this.undo())
    });
    commands.addCommand(CommandIDs.toolbarAction, {
      label: () =>
        this.settings().toolbarAction === 'convert-to-copy'
          ? trans.__('Convert to a New JAX/Flax Notebook')
          : trans.__('Preview Conversion to JAX/Flax'),
      caption: () =>
        this.settings().toolbarAction === 'convert-to-copy'
          ? trans.__('Switcheroo: convert this notebook to JAX/Flax in a new notebook')
          : trans.__('Switcheroo: preview the conversion of this notebook to JAX/Flax'),
      icon: switcherooIcon,
      isEnabled: hasNotebook,
      execute: () =>
        this._guard(() =>
          this.settings().toolbarAction === 'convert-to-copy'
            ? this.convertToCopy()
            : this.preview(null)
        )
    });
  }

  /** Re-run open previews with new settings. */
  settingsChanged(): void {
    for (const [, widget] of this._previews) {
      const preview = widget.content;
      if (preview.result) {
        void this._guard(async () => {
          const converter = await getConverter();
          const settings = this.settings();
          preview.setResult(
            preview.snapshot,
            convertSnapshot(converter, preview.snapshot, engineSettings(settings)),
            settings
          );
        });
      }
    }
    this.app.commands.notifyCommandChanged(CommandIDs.toolbarAction);
  }

  async preview(include: Set<number> | null): Promise<void> {
    const panel = this.tracker.currentWidget;
    if (!panel) {
      return;
    }
    await panel.context.ready;
    const model = panel.content.model;
    if (!model) {
      return;
    }
    const converter = await getConverter();
    const settings = this.settings();
    const snapshot = snapshotCells(model);
    const result = convertSnapshot(converter, snapshot, engineSettings(settings));

    this._previews.get(panel.id)?.dispose();
    const content = new ConversionPreview({
      trans: this.trans,
      include,
      onApply: accepted =>
        void this._guard(() => {
          const report = applyConversion(model, content.snapshot, content.result!, accepted);
          widget.dispose();
          this._notifyApplied(report);
        }),
      onCancel: () => widget.dispose(),
      onReveal: index => this._reveal(panel, index)
    });
    content.setResult(snapshot, result, settings);
    const widget: PreviewWidget = new MainAreaWidget({ content });
    widget.id = `switcheroo-preview-${panel.id}`;
    widget.title.label = this.trans.__('Switcheroo: %1', panel.title.label);
    widget.title.icon = switcherooIcon;
    widget.title.closable = true;
    widget.addClass('jp-switcheroo-previewPanel');
    this._previews.set(panel.id, widget);
    widget.disposed.connect(() => {
      if (this._previews.get(panel.id) === widget) {
        this._previews.delete(panel.id);
      }
    });
    panel.disposed.connect(() => widget.dispose());
    this.app.shell.add(widget, 'main', { mode: 'split-right', ref: panel.id });
    if (!widget.parent) {
      // Notebook 7 keeps a single main-area widget per page and ignores the
      // request: show the preview in the right sidebar instead.
      this.app.shell.add(widget, 'right', { rank: 1000 });
    }
    this.app.shell.activateById(widget.id);
  }

  async convertToCopy(): Promise<void> {
    const panel = this.tracker.currentWidget;
    if (!panel) {
      return;
    }
    await panel.context.ready;
    const converter = await getConverter();
    const { path, result } = await convertToCopy(
      panel,
      converter,
      engineSettings(this.settings()),
      this.app.serviceManager.contents
    );
    await this.app.commands.execute('docmanager:open', { path });
    const t = result.totals;
    const text = this.trans.__(
      'Wrote %1: %2 cells converted, %3 skipped.',
      path,
      t.changed,
      t.skipped
    );
    if (t.partial > 0) {
      Notification.warning(
        text + ' ' + this.trans.__('%1 cells were converted only partly.', t.partial),
        { autoClose: 8000 }
      );
    } else {
      Notification.success(text, { autoClose: 5000 });
    }
  }

  undo(): void {
    const panel = this.tracker.currentWidget;
    const model = panel?.content.model;
    if (!model) {
      return;
    }
    const report = undoConversion(model);
    if (!report) {
      Notification.info(this.trans.__('No conversion to undo in this notebook.'), {
        autoClose: 4000
      });
      return;
    }
    if (report.edited > 0) {
      Notification.warning(
        this.trans.__(
          'Restored %1 cells; %2 cells edited since the conversion were left as they are.',
          report.restored,
          report.edited
        ),
        { autoClose: 8000 }
      );
    } else {
      Notification.success(
        this.trans._n('Restored %1 cell.', 'Restored %1 cells.', report.restored, report.restored),
        {
          autoClose: 4000
        }
      );
    }
  }

  private _notifyApplied(report: ApplyReport): void {
    const trans = this.trans;
    const skipped = [...report.stale, ...report.readOnly, ...report.missing];
    let text = trans._n(
      'Converted %1 cell.',
      'Converted %1 cells.',
      report.applied.length,
      report.applied.length
    );
    if (report.trainingFlag.length > 0) {
      text +=
        ' ' +
        trans._n(
          '%1 relies on a `training` flag (cell %2).',
          '%1 rely on a `training` flag (cells %2).',
          report.trainingFlag.length,
          report.trainingFlag.length,
          cellList(report.trainingFlag)
        );
    }
    if (skipped.length > 0) {
      const parts: string[] = [];
      if (report.stale.length) {
        parts.push(trans.__('edited since the preview: cells %1', cellList(report.stale)));
      }
      if (report.readOnly.length) {
        parts.push(trans.__('read-only: cells %1', cellList(report.readOnly)));
      }
      if (report.missing.length) {
        parts.push(trans.__('deleted: cells %1', cellList(report.missing)));
      }
      Notification.warning(text + ' ' + trans.__('Skipped %1', parts.join('; ')), {
        autoClose: 10000
      });
    } else if (report.partial.length > 0) {
      Notification.warning(
        text + ' ' + trans.__('Partly converted: cells %1.', cellList(report.partial)),
        { autoClose: 8000 }
      );
    } else {
      Notification.success(text, { autoClose: 5000 });
    }
  }

  private _selectedIndices(): Set<number> {
    const notebook = this.tracker.currentWidget?.content;
    const out = new Set<number>();
    notebook?.widgets.forEach((cell, i) => {
      if (notebook.isSelectedOrActive(cell)) {
        out.add(i);
      }
    });
    return out;
  }

  private _reveal(panel: NotebookPanel, index: number): void {
    const notebook = panel.content;
    if (index < notebook.widgets.length) {
      notebook.activeCellIndex = index;
      void notebook.scrollToItem(index, 'start');
    }
  }

  /** Run a command body; report any failure as a notification, never as an unhandled error. */
  private async _guard(body: () => Promise<void> | void): Promise<void> {
    try {
      await body();
    } catch (error) {
      console.error('switcheroo:', error);
      Notification.error(this.trans.__('Switcheroo failed: %1', message(error)), {
        autoClose: false
      });
    }
  }

  private _previews = new Map<string, PreviewWidget>();
}
