// An in-memory Backend for tests and for `npm run dev` in a plain browser.
//
// It keeps one week's pulse, the history, the settings and the sync status, applies the same rules the
// core applies to a submission (week, state, items, scales, note length, work week) and
// rejects with the same error codes, so the UI's error paths can be exercised without Rust.
// Enrolment accepts the invite codes in `inviteCodes` (compared like the server: case,
// spaces and dashes do not matter) and refuses others with `invite_unknown`.
// Every call is recorded in `calls` for tests to assert on.

import type { ApiError } from '../bindings/ApiError';
import type { ConnectHr } from '../bindings/ConnectHr';
import type { EnrolDevice } from '../bindings/EnrolDevice';
import type { MoveServer } from '../bindings/MoveServer';
import type { HrConnection } from '../bindings/HrConnection';
import type { OrganisationUnits } from '../bindings/OrganisationUnits';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { HistoryWeek } from '../bindings/HistoryWeek';
import type { MetricKey } from '../bindings/MetricKey';
import type { MyHistory } from '../bindings/MyHistory';
import type { PulseView } from '../bindings/PulseView';
import type { ReminderStatus } from '../bindings/ReminderStatus';
import type { Settings } from '../bindings/Settings';
import type { SubmitPulse } from '../bindings/SubmitPulse';
import type { SyncStatus } from '../bindings/SyncStatus';
import type { UpdateSettings } from '../bindings/UpdateSettings';
import { ERROR_CODES, LANGUAGE_PREFERENCES } from '../codes';
import { countCharacters } from '../text';
import type { Backend, CommandName, ShellEvent } from './backend';
import { apiError } from './errors';
import {
  firstRunSettings,
  samplePulse,
  sampleHistory,
  sampleSettings,
  sampleSyncStatus,
  structuredCopy,
  VARIETY_ITEMS,
} from './mock-data';
import {
  sampleHrHeatmap,
  sampleHrPriorities,
  sampleHrOverview,
  sampleHrUnits,
  sampleLinkage,
  samplePrivacyLedger,
  sampleMyPrivacyLoss,
  sampleTeamComparison,
} from './mock-hr';
import { sampleAboutQuestions } from './mock-about';
import { sampleMyTeamMonth } from './mock-team';
import { mockComments } from './mock-comments';
import { careSignalOf } from '../care/care';
import type { CareContacts } from '../bindings/CareContacts';
import { isSurveyExport, sampleCxReport, sampleCxMappingStep, sampleMappedReport, sampleSurveyRefusal } from './mock-cx';
import type { CxSavedMapping } from '../bindings/CxSavedMapping';
import type { TeamAction } from '../bindings/TeamAction';
import type { CxImportReport } from '../bindings/CxImportReport';

/** One recorded call of the mock. */
export interface MockCall {
  command: CommandName;
  args: unknown;
}

/** How to set the mock up; everything has a realistic default. */
export interface MockOptions {
  pulse?: PulseView;
  history?: MyHistory;
  settings?: Settings;
  sync?: SyncStatus;
  /** The invite codes enrolment accepts; `7KQM-2XWD-PR9T` unless told otherwise. */
  inviteCodes?: string[];
  /** The team an accepted invite code enrols to. */
  teamName?: string;
  /** Commands that always fail, with the error they fail with. */
  failures?: Partial<Record<CommandName, ApiError>>;
  /** The clock used for `saved_at`. */
  now?: () => Date;
  /** Where HR stands; not connected unless told otherwise. */
  hr?: HrConnection;
  /** The HR tokens connecting accepts; `ph_demo` unless told otherwise. */
  hrTokens?: string[];
  /** A delay before every answer, to see loading states in `npm run dev`. */
  delayMs?: number;
  /** The organisation's care contacts the device keeps; none unless told otherwise. */
  careContacts?: CareContacts;
}

/** The mock: a Backend plus what tests inspect or change. */
export interface MockBackend extends Backend {
  readonly calls: MockCall[];
  readonly failures: Partial<Record<CommandName, ApiError>>;
  /** The stored pulse, history and settings, as a test may read them. */
  readonly store: {
    pulse: PulseView;
    history: MyHistory;
    settings: Settings;
    sync: SyncStatus;
    hr: HrConnection;
    careContacts: CareContacts;
  };
  /** Sends an event as the shell would (tray menu, reminder). */
  emitShellEvent(event: ShellEvent): void;
}

/** The team key fingerprint the mock shows after enrolling with a personal code. */
export const MOCK_TEAM_KEY_FINGERPRINT = '3f9a-0c1d-7be2-5a40-c9d8-16ef-0b37-a2c5';
/** The helper key of the mock's two-server organisation (`?enrolled&two-server`), and its fingerprint. */
export const MOCK_HELPER_KEY = 'u4H8R7/ygNYSJr5IangOAfUvMcJDMVvCqhJ7DW483Tc=';
export const MOCK_HELPER_FINGERPRINT = '6dec-f2d0-558c-3e8d-51fd-a2dc-25b7-7aed';

/** Creates a mock back end with the sample week, history and settings unless told otherwise. */
export function createMockBackend(options: MockOptions = {}): MockBackend {
  const store = {
    pulse: structuredCopy(options.pulse ?? samplePulse()),
    history: structuredCopy(options.history ?? sampleHistory()),
    careContacts: structuredCopy(
      options.careContacts ?? { employee_assistance: null, occupational_doctor: null, trusted_person: null },
    ),
    settings: structuredCopy(options.settings ?? sampleSettings()),
    sync: structuredCopy(options.sync ?? sampleSyncStatus()),
    hr: structuredCopy(options.hr ?? NOT_CONNECTED),
  };
  const hrTokens = options.hrTokens ?? ['ph_demo'];
  const inviteCodes = (options.inviteCodes ?? ['7KQM-2XWD-PR9T']).map(normaliseInviteCode);
  const teamName = options.teamName ?? 'Help desk';
  const failures: Partial<Record<CommandName, ApiError>> = { ...options.failures };
  const calls: MockCall[] = [];
  const now = options.now ?? (() => new Date());
  const delayMs = options.delayMs ?? 0;
  let reminder: ReminderStatus = { pulse_due: false, next_at: null, last_fired_at: null, snoozed_until: null };
  const shellHandlers: ((event: ShellEvent) => void)[] = [];
  const cxMappings: CxSavedMapping[] = [];
  const actions: TeamAction[] = [];
  const comments = mockComments(
    {
      answer: (command, args, work) => answer(command, args, work),
      thisWeek: () => ({ week: store.pulse.week, monday: store.pulse.week_monday }),
      enrolled: () => store.sync.enrolled,
      requireHr: () => requireHrConnection(store.hr),
      today: () => now().toISOString().slice(0, 10),
    },
    (teamId) =>
      sampleHrUnits()
        .departments.flatMap((department) => department.teams)
        .find((unit) => unit.id === teamId)?.name ?? null,
  );

  /** A CX file read as the server would: through a saved mapping when named, else in Polso's layout. */
  function cxReport(csv: string, mapping: string | null, stored: boolean): CxImportReport {
    requireHrConnection(store.hr);
    refuseManager(store.hr);
    if (mapping !== null) {
      const saved = cxMappings.find((candidate) => candidate.name === mapping);
      if (saved === undefined) throw apiError('invalid_input', `no CX mapping is saved as '${mapping}'`);
      const report = sampleMappedReport(saved.mapping, stored);
      return report.errors.length > 0 ? { ...report, stored: false } : report;
    }
    if (isSurveyExport(csv)) return sampleSurveyRefusal();
    const report = sampleCxReport(csv, stored);
    return report.errors.length > 0 ? { ...report, stored: false } : report;
  }

  async function answer<T>(command: CommandName, args: unknown, work: () => T): Promise<T> {
    calls.push({ command, args: structuredCopy(args ?? null) });
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const failure = failures[command];
    if (failure !== undefined) throw structuredCopy(failure);
    return structuredCopy(work());
  }

  return {
    calls,
    failures,
    store,
    getCurrentPulse: () => answer('get_current_pulse', undefined, () => store.pulse),
    submitPulse: (submission) =>
      answer('submit_pulse', { submission }, () => {
        checkSubmission(store.pulse, submission);
        store.pulse = {
          ...store.pulse,
          answers: submission.answers,
          not_applicable: submission.not_applicable,
          work_week: submission.work_week,
          note: submission.note,
          saved_at: now().toISOString(),
          care: careSignalOf(store.pulse.items, submission.answers),
        };
        upsertHistoryWeek(store.history, historyWeekOf(store.pulse));
        return store.pulse;
      }),
    listHistory: () => answer('list_history', undefined, () => store.history),
    getSettings: () => answer('get_settings', undefined, () => store.settings),
    updateSettings: (change: UpdateSettings) =>
      answer('update_settings', { change }, () => {
        if (change.language !== null) {
          if (!(LANGUAGE_PREFERENCES as readonly string[]).includes(change.language)) {
            throw apiError('invalid_setting', `field 'language': unknown language '${change.language}'`);
          }
          store.settings = { ...store.settings, language: change.language };
        }
        if (change.reminder !== undefined) {
          if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(change.reminder.time)) {
            throw apiError('invalid_setting', `reminder time '${change.reminder.time}' is not a time of day such as 11:00`);
          }
          store.settings = { ...store.settings, reminder: change.reminder };
        }
        if (change.autostart !== undefined) store.settings = { ...store.settings, autostart: change.autostart };
        if (change.welcome_seen !== undefined) store.settings = { ...store.settings, welcome_seen: change.welcome_seen };
        return store.settings;
      }),
    getReminderStatus: () => answer('get_reminder_status', undefined, () => reminder),
    snoozeReminder: (length) =>
      answer('snooze_reminder', { length }, () => {
        const hours = length === 'one_hour' ? 1 : 24;
        reminder = { ...reminder, snoozed_until: new Date(now().getTime() + hours * 3_600_000).toISOString() };
        return reminder;
      }),
    deleteLocalData: async () => {
      await answer('delete_local_data', undefined, () => {
        store.settings = firstRunSettings();
        store.history = { weeks: [] };
        store.pulse = { ...store.pulse, answers: [], work_week: null, note: null, saved_at: null };
        store.sync = sampleSyncStatus();
        return null;
      });
    },
    onShellEvent: (handler) => {
      shellHandlers.push(handler);
      return Promise.resolve(() => shellHandlers.splice(shellHandlers.indexOf(handler), 1));
    },
    emitShellEvent: (event) => shellHandlers.forEach((handler) => handler(event)),
    enrolDevice: (form: EnrolDevice) =>
      answer('enrol_device', { form }, () => {
        const server = form.server_url.trim().replace(/\/+$/, '');
        if (!/^https?:\/\/[^\s/:?#@]+(:\d+)?(\/[^\s?#]*)?$/i.test(server)) {
          throw apiError('invalid_server_address', `the server address '${server}' is not an http(s) address`);
        }
        const code = normaliseInviteCode(form.invite_code);
        if (code === '') throw apiError('invalid_input', 'the invite code is empty');
        if (!inviteCodes.includes(code)) throw apiError('invite_unknown', 'the server answered: no such invite code');
        store.sync = {
          enrolled: true,
          server_url: server,
          team_name: teamName,
          // As the app: a fingerprint of the team key for a personal code (P-…), none for an invite code.
          team_key_fingerprint: /^\s*p-/i.test(form.invite_code) ? MOCK_TEAM_KEY_FINGERPRINT : null,
          last_sync_at: now().toISOString(),
          pending_reports: 0,
          resending_reports: 0,
          server_restored_at: null,
          failed_reports: 0,
          dropped_reports: [],
          last_pass: null,
          last_error: null,
          aggregation: { mode: 'one_server' },
        };
        return store.sync;
      }),
    getSyncStatus: () => answer('get_sync_status', undefined, () => store.sync),
    syncNow: () =>
      answer('sync_now', undefined, () => {
        if (store.sync.enrolled) {
          const at = now().toISOString();
          const sent = store.sync.pending_reports;
          const last_pass = { at, outcome: sent > 0 ? ('sent' as const) : ('nothing_to_send' as const), sent };
          store.sync = { ...store.sync, pending_reports: 0, last_error: null, last_sync_at: at, last_pass };
        }
        return store.sync;
      }),
    moveServer: (form: MoveServer) =>
      answer('move_server', { form }, () => {
        if (!store.sync.enrolled) throw apiError('not_enrolled', 'this device has not joined a team');
        const server = normaliseServerUrl(form.server_url);
        // As the app, only a server that answers this device takes it; nothing answers on the
        // reserved .invalid domain (RFC 6761), which is how tests ask for a server that is not there.
        if (new URL(server).hostname.endsWith('.invalid')) {
          throw apiError('server_unreachable', `could not reach the organisation's server at ${server}`);
        }
        const at = now().toISOString();
        store.sync = {
          ...store.sync,
          server_url: server,
          last_error: null,
          last_sync_at: at,
          last_pass: { at, outcome: 'nothing_to_send', sent: 0 },
        };
        return store.sync;
      }),
    getHrConnection: () => answer('get_hr_connection', undefined, () => store.hr),
    hrConnect: (form: ConnectHr) =>
      answer('hr_connect', { form }, () => {
        const server = normaliseServerUrl(form.server_url);
        const token = form.hr_token.trim();
        if (token === '') throw apiError('invalid_input', 'the HR token is empty');
        if (token === MANAGER_TOKEN) {
          store.hr = { connected: true, server_url: server, k: 5, role: 'manager', manager_of: [...MANAGER_TEAMS] };
          return store.hr;
        }
        if (!hrTokens.includes(token)) throw apiError('unauthorized', 'the server answered: unknown HR token');
        store.hr = { connected: true, server_url: server, k: 5, role: 'hr', manager_of: [] };
        return store.hr;
      }),
    hrDisconnect: () =>
      answer('hr_disconnect', undefined, () => {
        store.hr = structuredCopy(NOT_CONNECTED);
        return store.hr;
      }),
    getHrOverview: (query) =>
      answer('get_hr_overview', { query }, () => {
        requireHrConnection(store.hr);
        if (!Number.isInteger(query.weeks) || query.weeks < 4 || query.weeks > 104) {
          throw apiError('invalid_input', `field 'weeks': the overview spans 4 to 104 weeks, not ${query.weeks}`);
        }
        return sampleHrOverview(query.weeks);
      }),
    getHrHeatmap: (query) =>
      answer('get_hr_heatmap', { query }, () => {
        requireHrConnection(store.hr);
        if (!Number.isInteger(query.period_weeks) || query.period_weeks < 1 || query.period_weeks > 26) {
          throw apiError('invalid_input', `field 'period_weeks': a period is 1 to 26 weeks`);
        }
        const heatmap = sampleHrHeatmap();
        const department = query.department ?? null;
        if (department === null) return heatmap;
        // As the server pages it: the department's teams, its own row and the organisation's.
        if (!heatmap.departments.some((row) => row.id === department)) {
          throw apiError('not_found', `there is no department '${department}' within this token's reach`);
        }
        const teams = heatmap.teams.filter((team) => team.department_id === department);
        const ids = new Set(teams.map((team) => team.id));
        return {
          ...heatmap,
          teams,
          cells: heatmap.cells.filter((cell) => ids.has(cell.team_id)),
          departments: heatmap.departments.filter((row) => row.id === department),
        };
      }),
    previewCxImport: (csv, mapping) => answer('preview_cx_import', { csv, mapping }, () => cxReport(csv, mapping, false)),
    importCx: (csv, mapping) => answer('import_cx', { csv, mapping }, () => cxReport(csv, mapping, true)),
    suggestCxMapping: (csv) =>
      answer('suggest_cx_mapping', { csv }, () => {
        requireHrConnection(store.hr);
        refuseManager(store.hr);
        return sampleCxMappingStep(csv);
      }),
    getCxMappings: () =>
      answer('get_cx_mappings', undefined, () => {
        requireHrConnection(store.hr);
        refuseManager(store.hr);
        return { mappings: [...cxMappings].sort((a, b) => a.name.localeCompare(b.name)) };
      }),
    saveCxMapping: (name, mapping) =>
      answer('save_cx_mapping', { name, mapping }, () => {
        requireHrConnection(store.hr);
        refuseManager(store.hr);
        const trimmed = name.trim();
        if (trimmed === '' || [...trimmed].length > 100) {
          throw apiError('invalid_input', "a mapping's name has 1 to 100 characters and no control character");
        }
        if (mapping.header_rows < 1 || mapping.header_rows > 3) {
          throw apiError('invalid_input', `the mapping's header_rows must be 1 to 3, not ${mapping.header_rows}`);
        }
        const saved = { name: trimmed, mapping: structuredCopy(mapping), saved_at: now().toISOString(), organisation_wide: true };
        const index = cxMappings.findIndex((candidate) => candidate.name === trimmed);
        if (index >= 0) cxMappings[index] = saved;
        else cxMappings.push(saved);
        return saved;
      }),
    getLinkage: (query) =>
      answer('get_linkage', { ...query }, () => {
        requireHrConnection(store.hr);
        refuseManager(store.hr);
        return sampleLinkage(query.ex_metric, query.cx_metric, query.lag, query.cx_pooling);
      }),
    getHrUnits: () =>
      answer('get_hr_units', undefined, () => {
        requireHrConnection(store.hr);
        return unitsOf(store.hr);
      }),
    getTeamComparison: (query) =>
      answer('get_team_comparison', { query }, () => {
        requireHrConnection(store.hr);
        if (!Number.isInteger(query.weeks) || query.weeks < 4 || query.weeks > 104) {
          throw apiError('invalid_input', `field 'weeks': the drill-down spans 4 to 104 weeks, not ${query.weeks}`);
        }
        const reachable = unitsOf(store.hr).departments.some((department) =>
          department.teams.some((team) => team.id === query.team_id),
        );
        const comparison = reachable ? sampleTeamComparison(query.team_id, query.weeks) : null;
        if (comparison === null) {
          throw apiError('not_found', `field 'team_id': no team '${query.team_id}' among the teams this HR token reaches`);
        }
        return comparison;
      }),
    readPrivacyLedger: () =>
      answer('read_privacy_ledger', undefined, () => {
        requireHrConnection(store.hr);
        return samplePrivacyLedger();
      }),
    readMyPrivacyLoss: () =>
      answer('read_my_privacy_loss', undefined, () => {
        if (!store.sync.enrolled) throw apiError('not_enrolled', 'this device is not enrolled with an organisation server');
        return sampleMyPrivacyLoss();
      }),
    readMyTeamMonth: () =>
      answer('read_my_team_month', undefined, () => {
        if (!store.sync.enrolled) throw apiError('not_enrolled', 'this device is not enrolled with an organisation server');
        return {
          ...sampleMyTeamMonth(),
          actions: actions.filter((action) => action.team_id === 'team_help'),
          my_verdicts: comments.myVerdicts(),
        };
      }),
    recordAction: (action) =>
      answer('record_action', { action }, () => {
        requireHrConnection(store.hr);
        const team = sampleHrUnits().departments.flatMap((department) => department.teams).find((unit) => unit.id === action.team_id);
        if (team === undefined) throw apiError('not_found', `there is no team '${action.team_id}' within this token's reach`);
        for (const [field, text, max] of [['text', action.text, 500], ['owner', action.owner, 100]] as const) {
          const length = [...text.trim()].length;
          if (length === 0 || length > max) throw apiError('invalid_input', `field '${field}' has 1 to ${max} characters and no control character (${length} given)`);
        }
        if (!/^\d{4}-\d{2}-\d{2}$/.test(action.due.trim())) throw apiError('invalid_input', `field 'due': '${action.due}' is not a date written YYYY-MM-DD`);
        const recorded: TeamAction = {
          id: `act_${actions.length + 1}`,
          team_id: team.id,
          team_name: team.name,
          text: action.text.trim(),
          owner: action.owner.trim(),
          due: action.due.trim(),
          recorded_at: now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          verdicts: null,
        };
        actions.unshift(recorded);
        return recorded;
      }),
    getTeamActions: (teamId) =>
      answer('get_team_actions', { teamId }, () => {
        requireHrConnection(store.hr);
        return { actions: actions.filter((action) => action.team_id === teamId) };
      }),
    exportFile: (file) =>
      answer('export_file', { file }, () => {
        const name = file.suggested_name.replace(/[^\p{L}\p{N}_]/gu, '-').replace(/^-+|-+$/g, '') || 'polso-export';
        return { saved: true, file_name: `${name}.${file.kind}` };
      }),
    getAboutQuestions: (language) =>
      answer('get_about_questions', { language }, () => sampleAboutQuestions(language)),
    getCareContacts: () => answer('get_care_contacts', undefined, () => store.careContacts),
    getHrPriorities: () =>
      answer('get_hr_priorities', undefined, () => {
        requireHrConnection(store.hr);
        refuseManager(store.hr);
        return sampleHrPriorities();
      }),
    ...comments.commands,
  };
}

/** The server's address as the back end normalises it, or `invalid_server_address`. */
function normaliseServerUrl(text: string): string {
  const server = text.trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/:?#@]+(:\d+)?(\/[^\s?#]*)?$/i.test(server)) {
    throw apiError('invalid_server_address', `the server address '${server}' is not an http(s) address`);
  }
  return server;
}

/** HR's reads need a connection, as in the back end. */
/** Not connected to an organisation server. */
const NOT_CONNECTED: HrConnection = { connected: false, server_url: null, k: null, role: null, manager_of: [] };

/** The token that connects as the manager of [`MANAGER_TEAMS`] (issue 16). */
export const MANAGER_TOKEN = 'ph_manager';

/** The sample manager's team. */
const MANAGER_TEAMS = [{ id: 'team_help', name: 'Help desk' }];

/** The units the connection reaches, as the server lists them: a manager's teams only. */
function unitsOf(hr: HrConnection): OrganisationUnits {
  const units = sampleHrUnits();
  if (hr.role !== 'manager') return units;
  const mine = new Set(hr.manager_of.map((team) => team.id));
  return {
    ...units,
    role: 'manager',
    departments: units.departments
      .map((department) => ({ ...department, teams: department.teams.filter((team) => mine.has(team.id)) }))
      .filter((department) => department.teams.length > 0),
  };
}

/** What a manager's token is refused, as the server refuses it. */
function refuseManager(hr: HrConnection): void {
  if (hr.role === 'manager') throw apiError('forbidden', 'a manager token reads its own teams\' results only');
}

function requireHrConnection(hr: HrConnection): void {
  if (!hr.connected) throw apiError('unauthorized', 'HR is not connected to an organisation server');
}

/** An invite code as the server compares it: upper case, without spaces or dashes. */
function normaliseInviteCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

/** The core's rules for a submission, in the order the core checks them. */
function checkSubmission(pulse: PulseView, submission: SubmitPulse): void {
  if (submission.week !== pulse.week) {
    throw apiError('invalid_week', `field 'week': '${submission.week}' is not this week (${pulse.week})`);
  }
  if (pulse.state === 'closed') throw apiError('week_closed', `week ${pulse.week} is closed`);
  if (pulse.state === 'not_yet_open') throw apiError('week_not_open', `week ${pulse.week} is not open yet`);
  if (submission.answers.length === 0 && submission.not_applicable.length === 0) {
    throw apiError('no_answers', 'the submission has no answers');
  }
  const seen = new Set<string>();
  for (const itemId of submission.not_applicable) {
    const item = pulse.items.find((candidate) => candidate.id === itemId);
    if (item === undefined) throw apiError('item_not_in_week', `item '${itemId}' is not in week ${pulse.week}`);
    if (item.not_applicable === null) {
      throw apiError('invalid_input', `item '${itemId}' cannot be marked not applicable; answer it or skip it`);
    }
    if (submission.answers.some((answer) => answer.item_id === itemId)) {
      throw apiError('duplicate_answer', `item '${itemId}' is both answered and marked not applicable; keep one`);
    }
  }
  for (const answer of submission.answers) {
    const item = pulse.items.find((candidate) => candidate.id === answer.item_id);
    if (item === undefined) {
      throw apiError('item_not_in_week', `item '${answer.item_id}' is not in week ${pulse.week}`);
    }
    if (seen.has(answer.item_id)) throw apiError('duplicate_answer', `item '${answer.item_id}' is answered twice`);
    seen.add(answer.item_id);
    if (!Number.isInteger(answer.value) || answer.value < item.scale.min || answer.value > item.scale.max) {
      throw apiError(
        'value_out_of_scale',
        `item '${answer.item_id}': ${answer.value} is outside ${item.scale.min}..${item.scale.max}`,
      );
    }
  }
  if (submission.note !== null && countCharacters(submission.note) > pulse.note_max_chars) {
    throw apiError('note_too_long', `field 'note': longer than ${pulse.note_max_chars} characters`);
  }
  const work = submission.work_week;
  if (work !== null) {
    const valid =
      Number.isInteger(work.office_days) &&
      Number.isInteger(work.remote_days) &&
      work.office_days >= 0 &&
      work.remote_days >= 0 &&
      work.office_days + work.remote_days <= 7;
    if (!valid) throw apiError('invalid_work_week', 'field \'work_week\': days must be 0 to 7 in all');
  }
}

/** The week as history shows it, scored like the core: 0–100 per metric, the mean of its items. */
function historyWeekOf(pulse: PulseView): HistoryWeek {
  const sums = new Map<MetricKey, { total: number; count: number }>();
  for (const answer of pulse.answers) {
    const item = pulse.items.find((candidate) => candidate.id === answer.item_id);
    if (item === undefined) continue;
    const score = ((answer.value - item.scale.min) / (item.scale.max - item.scale.min)) * 100;
    const sum = sums.get(item.metric) ?? { total: 0, count: 0 };
    sums.set(item.metric, { total: sum.total + score, count: sum.count + 1 });
  }
  return {
    week: pulse.week,
    week_monday: pulse.week_monday,
    scores: [...sums].map(([metric, sum]) => ({ metric, score: sum.total / sum.count })),
    work_week: pulse.work_week,
    note: pulse.note,
    care: pulse.care,
  };
}

function upsertHistoryWeek(history: MyHistory, week: HistoryWeek): void {
  const index = history.weeks.findIndex((candidate) => candidate.week === week.week);
  if (index === -1) {
    history.weeks.push(week);
    history.weeks.sort((left, right) => left.week_monday.localeCompare(right.week_monday));
  } else {
    history.weeks[index] = week;
  }
}

/**
 * Lets `npm run dev` show every state by URL: `?fail=keyring_unavailable` makes
 * `get_current_pulse` fail with that code, `?state=closed` (or `not_yet_open`) sets the
 * week's state, `?answered` starts from a saved week, `?empty` starts with no history,
 * `?variety` swaps the last two questions for the burnout and eNPS items (long labels, a 0–10
 * scale), `?slow` delays every answer by 600 ms, `?enrolled` starts enrolled to a team and
 * `?offline` starts enrolled with two reports waiting and the server unreachable, `?hr`
 * starts connected as HR (the token `ph_demo` connects otherwise), and `?welcome` starts as
 * a first run, with the welcome.
 */
export function mockOptionsFromQuery(search: string): MockOptions {
  const query = new URLSearchParams(search);
  const options: MockOptions = {};
  const fail = query.get('fail');
  if (fail !== null && (ERROR_CODES as readonly string[]).includes(fail)) {
    options.failures = { get_current_pulse: apiError(fail as ErrorCode, `mock failure: ${fail}`) };
  }
  if (query.has('slow')) options.delayMs = 600;
  if (query.has('welcome')) options.settings = firstRunSettings();
  if (query.has('empty')) options.history = { weeks: [] };
  if (query.has('enrolled') || query.has('offline')) {
    options.sync = {
      enrolled: true,
      server_url: 'https://polso.example.org',
      team_name: 'Help desk',
      team_key_fingerprint: MOCK_TEAM_KEY_FINGERPRINT,
      last_sync_at: '2026-11-23T09:00:00Z',
      pending_reports: query.has('offline') ? 2 : 0,
      resending_reports: 0,
      server_restored_at: null,
      failed_reports: 0,
      dropped_reports: [],
      last_pass: null,
      last_error: query.has('offline')
        ? { code: 'server_unreachable', message: 'mock: the server could not be reached' }
        : null,
      aggregation: query.has('two-server')
        ? {
            mode: 'two_server',
            helper: { party: 'RSU Acme Assistenza', public_key: MOCK_HELPER_KEY, fingerprint: MOCK_HELPER_FINGERPRINT },
            from_week: '2026-W40',
          }
        : { mode: 'one_server' },
    };
  }
  if (query.has('hr')) options.hr = { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] };
  const state = query.get('state');
  const answered = query.has('answered') || state === 'closed';
  const pulse = samplePulse();
  if (query.has('variety')) pulse.items.splice(3, 2, ...structuredCopy(VARIETY_ITEMS));
  if (state === 'closed' || state === 'not_yet_open') pulse.state = state;
  if (answered) {
    const values = [4, 4, 3, 4, 2];
    pulse.answers = pulse.items.map((item, index) => ({
      item_id: item.id,
      value: Math.min(item.scale.max, Math.max(item.scale.min, values[index] ?? item.scale.min)),
    }));
    pulse.work_week = { office_days: 2, remote_days: 3 };
    pulse.note = 'Quiet week; the release went out on Thursday.';
    pulse.saved_at = '2026-11-25T16:40:00+01:00';
  }
  options.pulse = pulse;
  return options;
}
