// The UI's one door to the back end. Views get a Backend from `connectBackend()` and call
// it; only this folder knows about Tauri (tauri.ts) or the in-memory mock (mock.ts).

import type { Backend } from './backend';

export type { Backend, CommandName, ShellEvent } from './backend';
import { normaliseError } from './errors';

export { apiError, isApiError, normaliseError } from './errors';

/** Whether the page runs inside the Tauri shell, which injects `__TAURI_INTERNALS__`. */
export function isInsideTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/**
 * The Tauri back end inside the app; in a plain browser (`npm run dev`) the mock, so the
 * whole UI can be used and styled without Rust. Each is loaded lazily, so the app's bundle
 * does not carry the mock and a browser does not load the Tauri API.
 */
export async function connectBackend(): Promise<Backend> {
  if (isInsideTauri()) {
    const { createTauriBackend } = await import('./tauri');
    return createTauriBackend();
  }
  const { createMockBackend, mockOptionsFromQuery } = await import('./mock');
  return createMockBackend(mockOptionsFromQuery(window.location.search));
}

/** A Backend whose every command fails with `error`, for when none could be loaded. */
export function unavailableBackend(error: unknown): Backend {
  const fail = () => Promise.reject(normaliseError(error));
  return {
    getCurrentPulse: fail,
    submitPulse: fail,
    listHistory: fail,
    getSettings: fail,
    updateSettings: fail,
    getReminderStatus: fail,
    snoozeReminder: fail,
    deleteLocalData: fail,
    onShellEvent: () => Promise.resolve(() => {}),
    enrolDevice: fail,
    getSyncStatus: fail,
    syncNow: fail,
    moveServer: fail,
    getHrConnection: fail,
    hrConnect: fail,
    hrDisconnect: fail,
    getHrOverview: fail,
    getHrHeatmap: fail,
    previewCxImport: fail,
    importCx: fail,
    suggestCxMapping: fail,
    getCxMappings: fail,
    saveCxMapping: fail,
    getLinkage: fail,
    getHrUnits: fail,
    getTeamComparison: fail,
    readPrivacyLedger: fail,
    readMyPrivacyLoss: fail,
    readMyTeamMonth: fail,
    recordAction: fail,
    getTeamActions: fail,
    getMyComments: fail,
    writeComment: fail,
    withdrawComment: fail,
    answerAction: fail,
    getTeamComments: fail,
    replyToComment: fail,
    exportFile: fail,
    getAboutQuestions: fail,
    getCareContacts: fail,
    getHrPriorities: fail,
  };
}
