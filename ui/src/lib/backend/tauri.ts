// The Backend over Tauri IPC. This file is the only one in the UI that imports
// @tauri-apps/api (STYLE.md, point 11); a tidy test checks that.

import { invoke } from '@tauri-apps/api/core';
import type { CxImportReport } from '../bindings/CxImportReport';
import type { HrConnection } from '../bindings/HrConnection';
import type { HrHeatmap } from '../bindings/HrHeatmap';
import type { HrOverview } from '../bindings/HrOverview';
import type { LinkageView } from '../bindings/LinkageView';
import type { MyHistory } from '../bindings/MyHistory';
import type { PulseView } from '../bindings/PulseView';
import type { Settings } from '../bindings/Settings';
import type { SyncStatus } from '../bindings/SyncStatus';
import type { Backend, CommandName } from './backend';
import { normaliseError } from './errors';

async function call<T>(command: CommandName, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw normaliseError(error);
  }
}

/** A Backend that calls the Tauri shell's commands. */
export function createTauriBackend(): Backend {
  return {
    getCurrentPulse: () => call<PulseView>('get_current_pulse'),
    submitPulse: (submission) => call<PulseView>('submit_pulse', { submission }),
    listHistory: () => call<MyHistory>('list_history'),
    getSettings: () => call<Settings>('get_settings'),
    updateSettings: (change) => call<Settings>('update_settings', { change }),
    enrolDevice: (form) => call<SyncStatus>('enrol_device', { form }),
    getSyncStatus: () => call<SyncStatus>('get_sync_status'),
    syncNow: () => call<SyncStatus>('sync_now'),
    getHrConnection: () => call<HrConnection>('get_hr_connection'),
    hrConnect: (form) => call<HrConnection>('hr_connect', { form }),
    hrDisconnect: () => call<HrConnection>('hr_disconnect'),
    getHrOverview: (query) => call<HrOverview>('get_hr_overview', { query }),
    getHrHeatmap: (query) => call<HrHeatmap>('get_hr_heatmap', { query }),
    previewCxImport: (csv) => call<CxImportReport>('preview_cx_import', { csv }),
    importCx: (csv) => call<CxImportReport>('import_cx', { csv }),
    getLinkage: (query) => call<LinkageView>('get_linkage', { ...query }),
  };
}

