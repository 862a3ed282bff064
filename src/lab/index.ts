/** JupyterLab plugin wiring: commands, palette, settings, badges. */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { trackBadges } from './badges';
import { CommandIDs, PALETTE_CATEGORY, SwitcherooController } from './commands';
import { DEFAULT_LAB_SETTINGS, LabSettings, readSettings } from './settings';

export const PLUGIN_ID = 'jupyterlab-switcheroo:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Convert PyTorch notebook code to JAX/Flax, with a cell-level diff preview.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_switcheroo');
    let settings: LabSettings = { ...DEFAULT_LAB_SETTINGS };
    const controller = new SwitcherooController(app, tracker, trans, () => settings);
    controller.addCommands();

    if (palette) {
      for (const command of [
        CommandIDs.previewNotebook,
        CommandIDs.previewSelected,
        CommandIDs.convertToCopy,
        CommandIDs.undo
      ]) {
        palette.addItem({ command, category: PALETTE_CATEGORY });
      }
    }

    trackBadges(tracker, trans);

    const refreshEnabled = () => {
      for (const id of Object.values(CommandIDs)) {
        app.commands.notifyCommandChanged(id);
      }
    };
    tracker.currentChanged.connect(refreshEnabled);

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(loaded => {
          settings = readSettings(loaded);
          loaded.changed.connect(() => {
            settings = readSettings(loaded);
            controller.settingsChanged();
          });
          controller.settingsChanged();
        })
        .catch(reason => console.error('switcheroo: cannot load settings', reason));
    }
  }
};

export default plugin;
