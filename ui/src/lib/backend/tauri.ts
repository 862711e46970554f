// The Backend over Tauri IPC. This file is the only one in the UI that imports
// @tauri-apps/api (STYLE.md, point 11); a tidy test checks that.

import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { CommentReply } from '../bindings/CommentReply';
import type { MyComments } from '../bindings/MyComments';
import type { MyVerdict } from '../bindings/MyVerdict';
import type { TeamComments } from '../bindings/TeamComments';
import type { AboutQuestions } from '../bindings/AboutQuestions';
import type { CareContacts } from '../bindings/CareContacts';
import type { HrPriorities } from '../bindings/HrPriorities';
import type { CxImportReport } from '../bindings/CxImportReport';
import type { CxMappingList } from '../bindings/CxMappingList';
import type { CxMappingStep } from '../bindings/CxMappingStep';
import type { CxSavedMapping } from '../bindings/CxSavedMapping';
import type { DevicePrivacyLoss } from '../bindings/DevicePrivacyLoss';
import type { MyTeamMonth } from '../bindings/MyTeamMonth';
import type { ActionList } from '../bindings/ActionList';
import type { TeamAction } from '../bindings/TeamAction';
import type { PrivacyLedger } from '../bindings/PrivacyLedger';
import type { ExportOutcome } from '../bindings/ExportOutcome';
import type { HrConnection } from '../bindings/HrConnection';
import type { OrganisationUnits } from '../bindings/OrganisationUnits';
import type { TeamComparison } from '../bindings/TeamComparison';
import type { HrHeatmap } from '../bindings/HrHeatmap';
import type { HrOverview } from '../bindings/HrOverview';
import type { LinkageView } from '../bindings/LinkageView';
import type { MyHistory } from '../bindings/MyHistory';
import type { PulseView } from '../bindings/PulseView';
import type { ReminderStatus } from '../bindings/ReminderStatus';
import type { Settings } from '../bindings/Settings';
import type { SyncStatus } from '../bindings/SyncStatus';
import type { Backend, CommandName, ShellEvent } from './backend';
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
    getCareContacts: () => call<CareContacts>('get_care_contacts'),
    getSettings: () => call<Settings>('get_settings'),
    updateSettings: (change) => call<Settings>('update_settings', { change }),
    getReminderStatus: () => call<ReminderStatus>('get_reminder_status'),
    snoozeReminder: (length) => call<ReminderStatus>('snooze_reminder', { length }),
    deleteLocalData: () => call<void>('delete_local_data'),
    onShellEvent: async (handler) => {
      const stops = await Promise.all([
        listen<string>('polso://navigate', (event) => {
          if (event.payload === 'pulse' || event.payload === 'history') handler({ kind: 'navigate', view: event.payload });
        }),
        listen('polso://reminder-fired', () => handler({ kind: 'reminder_fired' } satisfies ShellEvent)),
      ]);
      return () => stops.forEach((stop) => stop());
    },
    enrolDevice: (form) => call<SyncStatus>('enrol_device', { form }),
    getSyncStatus: () => call<SyncStatus>('get_sync_status'),
    syncNow: () => call<SyncStatus>('sync_now'),
    moveServer: (form) => call<SyncStatus>('move_server', { form }),
    getHrConnection: () => call<HrConnection>('get_hr_connection'),
    hrConnect: (form) => call<HrConnection>('hr_connect', { form }),
    hrDisconnect: () => call<HrConnection>('hr_disconnect'),
    getHrOverview: (query) => call<HrOverview>('get_hr_overview', { query }),
    getHrHeatmap: (query) => call<HrHeatmap>('get_hr_heatmap', { query }),
    previewCxImport: (csv, mapping) => call<CxImportReport>('preview_cx_import', { csv, mapping }),
    importCx: (csv, mapping) => call<CxImportReport>('import_cx', { csv, mapping }),
    suggestCxMapping: (csv) => call<CxMappingStep>('suggest_cx_mapping', { csv }),
    getCxMappings: () => call<CxMappingList>('get_cx_mappings'),
    saveCxMapping: (name, mapping) => call<CxSavedMapping>('save_cx_mapping', { name, mapping }),
    getLinkage: (query) => call<LinkageView>('get_linkage', { ...query }),
    getHrUnits: () => call<OrganisationUnits>('get_hr_units'),
    getTeamComparison: (query) => call<TeamComparison>('get_team_comparison', { query }),
    readPrivacyLedger: () => call<PrivacyLedger>('read_privacy_ledger'),
    readMyPrivacyLoss: () => call<DevicePrivacyLoss>('read_my_privacy_loss'),
    readMyTeamMonth: () => call<MyTeamMonth>('read_my_team_month'),
    recordAction: (action) => call<TeamAction>('record_action', { action }),
    getTeamActions: (teamId) => call<ActionList>('get_team_actions', { teamId }),
    getMyComments: () => call<MyComments>('get_my_comments'),
    writeComment: (comment) => call<MyComments>('write_comment', { comment }),
    withdrawComment: () => call<MyComments>('withdraw_comment'),
    answerAction: (answer) => call<MyVerdict[]>('answer_action', { answer }),
    getTeamComments: (teamId) => call<TeamComments>('get_team_comments', { teamId }),
    replyToComment: (commentId, reply) => call<CommentReply>('reply_to_comment', { commentId, reply }),
    exportFile: (file) => call<ExportOutcome>('export_file', { file }),
    getAboutQuestions: (language) => call<AboutQuestions>('get_about_questions', { language }),
    getHrPriorities: () => call<HrPriorities>('get_hr_priorities'),
  };
}

