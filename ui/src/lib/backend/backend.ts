// The typed contract between the UI and the back end: one function per Tauri command.
//
// Every function rejects with an ApiError ({code, message}) and nothing else; the
// implementations normalise whatever their transport throws (see errors.ts). Views receive
// a Backend and never know whether it is Tauri or the in-memory mock.

import type { AboutQuestions } from '../bindings/AboutQuestions';
import type { CareContacts } from '../bindings/CareContacts';
import type { HrPriorities } from '../bindings/HrPriorities';
import type { ConnectHr } from '../bindings/ConnectHr';
import type { EnrolDevice } from '../bindings/EnrolDevice';
import type { MoveServer } from '../bindings/MoveServer';
import type { ExportFile } from '../bindings/ExportFile';
import type { ExportOutcome } from '../bindings/ExportOutcome';
import type { OrganisationUnits } from '../bindings/OrganisationUnits';
import type { TeamComparison } from '../bindings/TeamComparison';
import type { TeamComparisonQuery } from '../bindings/TeamComparisonQuery';
import type { CxImportReport } from '../bindings/CxImportReport';
import type { CxMapping } from '../bindings/CxMapping';
import type { CxMappingList } from '../bindings/CxMappingList';
import type { CxMappingStep } from '../bindings/CxMappingStep';
import type { CxSavedMapping } from '../bindings/CxSavedMapping';
import type { DevicePrivacyLoss } from '../bindings/DevicePrivacyLoss';
import type { MyTeamMonth } from '../bindings/MyTeamMonth';
import type { ActionList } from '../bindings/ActionList';
import type { NewAction } from '../bindings/NewAction';
import type { TeamAction } from '../bindings/TeamAction';
import type { AnswerAction } from '../bindings/AnswerAction';
import type { CommentReply } from '../bindings/CommentReply';
import type { MyComments } from '../bindings/MyComments';
import type { MyVerdict } from '../bindings/MyVerdict';
import type { NewReply } from '../bindings/NewReply';
import type { TeamComments } from '../bindings/TeamComments';
import type { WriteComment } from '../bindings/WriteComment';
import type { PrivacyLedger } from '../bindings/PrivacyLedger';
import type { HrConnection } from '../bindings/HrConnection';
import type { HrHeatmap } from '../bindings/HrHeatmap';
import type { HrHeatmapQuery } from '../bindings/HrHeatmapQuery';
import type { HrOverview } from '../bindings/HrOverview';
import type { HrOverviewQuery } from '../bindings/HrOverviewQuery';
import type { LanguageCode } from '../bindings/LanguageCode';
import type { LinkageQuery } from '../bindings/LinkageQuery';
import type { LinkageView } from '../bindings/LinkageView';
import type { MyHistory } from '../bindings/MyHistory';
import type { PulseView } from '../bindings/PulseView';
import type { ReminderStatus } from '../bindings/ReminderStatus';
import type { SnoozeLengthDto } from '../bindings/SnoozeLengthDto';
import type { Settings } from '../bindings/Settings';
import type { SubmitPulse } from '../bindings/SubmitPulse';
import type { SyncStatus } from '../bindings/SyncStatus';
import type { UpdateSettings } from '../bindings/UpdateSettings';

/** The back end's commands, as the UI calls them. */
export interface Backend {
  /** This week's pulse with what has been answered so far (`get_current_pulse`). */
  getCurrentPulse(): Promise<PulseView>;
  /** Saves this week's answers and returns the pulse as saved (`submit_pulse`). */
  submitPulse(submission: SubmitPulse): Promise<PulseView>;
  /** The employee's own answered weeks, oldest first (`list_history`). */
  listHistory(): Promise<MyHistory>;
  /** The settings as stored, plus the system's language and locale (`get_settings`). */
  getSettings(): Promise<Settings>;
  /** Applies a change of settings and returns them as stored (`update_settings`). */
  updateSettings(change: UpdateSettings): Promise<Settings>;
  /** Where the weekly reminder stands (`get_reminder_status`). */
  getReminderStatus(): Promise<ReminderStatus>;
  /** Snoozes the weekly reminder (`snooze_reminder`). */
  snoozeReminder(length: SnoozeLengthDto): Promise<ReminderStatus>;
  /** Deletes the local store, its key and the tokens; the app is then as on its first run (`delete_local_data`). */
  deleteLocalData(): Promise<void>;
  /** Calls `handler` on each event the shell sends (tray menu, reminder); returns how to stop. */
  onShellEvent(handler: (event: ShellEvent) => void): Promise<() => void>;
  /** Redeems an invite code at the organisation server and returns the new status (`enrol_device`). */
  enrolDevice(form: EnrolDevice): Promise<SyncStatus>;
  /** Where this device stands with the organisation server (`get_sync_status`). */
  getSyncStatus(): Promise<SyncStatus>;
  /** Sends the reports that are due now, retrying failed ones at once (`sync_now`). */
  syncNow(): Promise<SyncStatus>;
  /** Follows the organisation server to its new address, once the server there knows this device (`move_server`). */
  moveServer(form: MoveServer): Promise<SyncStatus>;
  /** Where HR stands with the organisation server (`get_hr_connection`). */
  getHrConnection(): Promise<HrConnection>;
  /** Checks the server and HR token by a real read, then keeps them (`hr_connect`). */
  hrConnect(form: ConnectHr): Promise<HrConnection>;
  /** Forgets the HR token and the server (`hr_disconnect`). */
  hrDisconnect(): Promise<HrConnection>;
  /** The organisation's trends and responses per week (`get_hr_overview`). */
  getHrOverview(query: HrOverviewQuery): Promise<HrOverview>;
  /** The team × metric heatmap, latest period against the one before (`get_hr_heatmap`). */
  getHrHeatmap(query: HrHeatmapQuery): Promise<HrHeatmap>;
  /** Checks a CX file at the server, through a saved mapping when named, storing nothing (`preview_cx_import`). */
  previewCxImport(csv: string, mapping: string | null): Promise<CxImportReport>;
  /** Checks a CX file, through a saved mapping when named, and stores it when it has no error (`import_cx`). */
  importCx(csv: string, mapping: string | null): Promise<CxImportReport>;
  /** The server's suggested mapping of a survey tool's export (`suggest_cx_mapping`). */
  suggestCxMapping(csv: string): Promise<CxMappingStep>;
  /** The organisation's saved CX mappings (`get_cx_mappings`). */
  getCxMappings(): Promise<CxMappingList>;
  /** Saves a CX mapping under the source's name (`save_cx_mapping`). */
  saveCxMapping(name: string, mapping: CxMapping): Promise<CxSavedMapping>;
  /** EX–CX linkage at each pair's strongest lag, one pair in detail (`get_linkage`). */
  getLinkage(query: LinkageQuery): Promise<LinkageView>;
  /** The departments and teams the HR token reaches (`get_hr_units`). */
  getHrUnits(): Promise<OrganisationUnits>;
  /** One team's trends beside its department's and the organisation's (`get_team_comparison`). */
  getTeamComparison(query: TeamComparisonQuery): Promise<TeamComparison>;
  /** The ε each team in the HR token's scope spent this year (`read_privacy_ledger`). */
  readPrivacyLedger(): Promise<PrivacyLedger>;
  /** The ε spent this year on each person of this device's team (`read_my_privacy_loss`). */
  readMyPrivacyLoss(): Promise<DevicePrivacyLoss>;
  /** The last published month of this device's team, its department and the organisation (`read_my_team_month`). */
  readMyTeamMonth(): Promise<MyTeamMonth>;
  /** Records what HR will do for a team (`record_action`). */
  recordAction(action: NewAction): Promise<TeamAction>;
  /** The actions recorded for a team, newest first (`get_team_actions`). */
  getTeamActions(teamId: string): Promise<ActionList>;
  /** The employee's comments with HR's replies as last read; the store only (`get_my_comments`). */
  getMyComments(): Promise<MyComments>;
  /** Writes (or rewrites) this week's comment, kept on the device until the week closes (`write_comment`). */
  writeComment(comment: WriteComment): Promise<MyComments>;
  /** Withdraws this week's comment while it is a draft (`withdraw_comment`). */
  withdrawComment(): Promise<MyComments>;
  /** Keeps the employee's "did it help?" about an action, sent after the app's random delay (`answer_action`). */
  answerAction(answer: AnswerAction): Promise<MyVerdict[]>;
  /** A team's released comments, for HR or the team's manager (`get_team_comments`). */
  getTeamComments(teamId: string): Promise<TeamComments>;
  /** HR's (or the manager's) reply to a released comment (`reply_to_comment`). */
  replyToComment(commentId: string, reply: NewReply): Promise<CommentReply>;
  /** Saves a table or a chart where the person picks in the save dialog (`export_file`). */
  exportFile(file: ExportFile): Promise<ExportOutcome>;
  /** Every source of the item bank with the items Polso asks from it, in `language` (`get_about_questions`). */
  getAboutQuestions(language: LanguageCode): Promise<AboutQuestions>;
  /** The organisation's care contacts as last read with the server check; reads the device's store only (`get_care_contacts`). */
  getCareContacts(): Promise<CareContacts>;
  /** Which drivers move with engagement across teams and periods, ranked (`get_hr_priorities`). */
  getHrPriorities(): Promise<HrPriorities>;
}

/** The names of the Tauri commands, exactly as the shell registers them. */
export type CommandName =
  | 'get_current_pulse'
  | 'submit_pulse'
  | 'list_history'
  | 'get_settings'
  | 'update_settings'
  | 'get_reminder_status'
  | 'snooze_reminder'
  | 'delete_local_data'
  | 'enrol_device'
  | 'get_sync_status'
  | 'sync_now'
  | 'move_server'
  | 'get_hr_connection'
  | 'hr_connect'
  | 'hr_disconnect'
  | 'get_hr_overview'
  | 'get_hr_heatmap'
  | 'preview_cx_import'
  | 'import_cx'
  | 'suggest_cx_mapping'
  | 'get_cx_mappings'
  | 'save_cx_mapping'
  | 'get_linkage'
  | 'get_hr_units'
  | 'get_team_comparison'
  | 'read_privacy_ledger'
  | 'read_my_privacy_loss'
  | 'read_my_team_month'
  | 'record_action'
  | 'get_team_actions'
  | 'get_my_comments'
  | 'write_comment'
  | 'withdraw_comment'
  | 'answer_action'
  | 'get_team_comments'
  | 'reply_to_comment'
  | 'export_file'
  | 'get_about_questions'
  | 'get_care_contacts'
  | 'get_hr_priorities';

/** What the shell tells the window by itself: open a view (tray menu, a click on the
 *  reminder), or a reminder just fired. */
export type ShellEvent = { kind: 'navigate'; view: 'pulse' | 'history' } | { kind: 'reminder_fired' };
