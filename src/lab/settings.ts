import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { DEFAULT_SETTINGS, Settings } from '../engine';

export type ToolbarAction = 'preview' | 'convert-to-copy';

export interface LabSettings extends Settings {
  toolbarAction: ToolbarAction;
}

export const DEFAULT_LAB_SETTINGS: LabSettings = {
  ...DEFAULT_SETTINGS,
  toolbarAction: 'preview'
};

/** Read the composite settings into a plain object, falling back to defaults. */
export function readSettings(settings: ISettingRegistry.ISettings | null): LabSettings {
  if (!settings) {
    return { ...DEFAULT_LAB_SETTINGS };
  }
  const c = settings.composite as Partial<LabSettings>;
  return {
    target: c.target === 'flax-linen' ? c.target : DEFAULT_LAB_SETTINGS.target,
    batchNormStyle: c.batchNormStyle === 'seed' ? 'seed' : 'linen',
    comments: typeof c.comments === 'boolean' ? c.comments : DEFAULT_LAB_SETTINGS.comments,
    toolbarAction: c.toolbarAction === 'convert-to-copy' ? 'convert-to-copy' : 'preview'
  };
}

/** The subset of settings the engine reads. */
export function engineSettings(s: LabSettings): Settings {
  return { target: s.target, batchNormStyle: s.batchNormStyle, comments: s.comments };
}
