// The sync status shaped for the screen: the top bar's indicator, the weeks whose report the
// server could never count, and the enrol form's own checks. Pure functions of the status and the form, tested in status.test.ts; the words
// come from the catalogues through the keys these return.

import type { DroppedReportReason } from '../bindings/DroppedReportReason';
import type { EnrolDevice } from '../bindings/EnrolDevice';
import type { ApiError } from '../bindings/ApiError';
import type { SyncStatus } from '../bindings/SyncStatus';
import type { MessageKey } from '../i18n/index.svelte';

/** How the top bar shows the sync status. */
export type IndicatorTone = 'synced' | 'pending' | 'offline' | 'problem';

/** The top bar's indicator: its tone and its message; `null` when not enrolled. */
export interface SyncIndicator {
  tone: IndicatorTone;
  key: MessageKey;
  count: number;
}

/** What the top bar says: nothing before enrolment, then offline, a problem, pending or synced. */
export function syncIndicator(status: SyncStatus | null): SyncIndicator | null {
  if (status === null || !status.enrolled) return null;
  const count = status.pending_reports;
  if (status.last_error?.code === 'server_unreachable') return { tone: 'offline', key: 'sync.indicator_offline', count };
  // A clock ahead of the server's holds reports back; they go once the server's week is over.
  if (status.last_error?.code === 'week_not_open' && status.failed_reports === 0) {
    return { tone: 'pending', key: 'sync.indicator_pending', count };
  }
  if (status.last_error !== null || status.failed_reports > 0 || status.last_pass?.outcome === 'failed') {
    return { tone: 'problem', key: 'sync.indicator_problem', count };
  }
  if (count > 0) return { tone: 'pending', key: 'sync.indicator_pending', count };
  return { tone: 'synced', key: 'sync.indicator_synced', count };
}

/** The last pass that reached for the server, as a sentence: its key, count and when it was. */
export interface LastPassNotice {
  key: MessageKey;
  count: number;
  at: string;
}

const LAST_PASS_KEYS = {
  sent: 'sync.last_pass_sent',
  nothing_to_send: 'sync.last_pass_nothing',
  failed: 'sync.last_pass_failed',
} as const satisfies Record<string, MessageKey>;

/** What the last pass did, for the status card; `null` before the first. */
export function lastPassNotice(status: SyncStatus | null): LastPassNotice | null {
  if (status === null || !status.enrolled || status.last_pass === null) return null;
  const pass = status.last_pass;
  return { key: LAST_PASS_KEYS[pass.outcome], count: pass.sent, at: pass.at };
}

/** What "Sync now" says it did: sent n, nothing to send, or failed and why. */
export interface SyncOutcome {
  tone: 'done' | 'failed';
  key: MessageKey;
  count: number;
  error: ApiError | null;
}

/**
 * The outcome of a "Sync now" from the status it returned. A pass that reached nothing
 * (`last_pass` unchanged) still reports the error it kept, never success.
 */
export function syncOutcome(status: SyncStatus): SyncOutcome {
  const pass = status.last_pass;
  if (status.last_error !== null || pass?.outcome === 'failed') {
    return { tone: 'failed', key: 'sync.outcome_failed', count: 0, error: status.last_error };
  }
  if (pass?.outcome === 'sent') return { tone: 'done', key: 'sync.outcome_sent', count: pass.sent, error: null };
  return { tone: 'done', key: 'sync.outcome_nothing', count: 0, error: null };
}

/** How far this computer's clock runs ahead of the server's, or behind it, in the largest whole unit. */
export interface ClockAhead {
  key: 'sync.clock_days' | 'sync.clock_hours' | 'sync.clock_minutes';
  count: number;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How far ahead this computer's clock ran when the server last said a week was not over yet by
 * its clock, rounded to days, hours or minutes (at least one); `null` when it has not.
 */
export function clockAhead(status: SyncStatus | null): ClockAhead | null {
  const seconds = status?.clock_ahead_seconds;
  if (seconds === undefined || seconds <= 0 || status === null || !status.enrolled) return null;
  return amount(seconds);
}

/**
 * How far behind the server's this computer's clock ran when the server last answered a report
 * (the server's time in its acknowledgement), rounded as [clockAhead]; `null` when it does not.
 * The app does not send earlier for it: when a report leaves stays this computer's to decide.
 */
export function clockBehind(status: SyncStatus | null): ClockAhead | null {
  const seconds = status?.clock_ahead_seconds;
  if (seconds === undefined || seconds >= 0 || status === null || !status.enrolled) return null;
  return amount(-seconds);
}

function amount(seconds: number): ClockAhead {
  if (seconds >= DAY) return { key: 'sync.clock_days', count: Math.round(seconds / DAY) };
  if (seconds >= HOUR) return { key: 'sync.clock_hours', count: Math.round(seconds / HOUR) };
  return { key: 'sync.clock_minutes', count: Math.max(1, Math.round(seconds / MINUTE)) };
}

/** What the status card says about a server restored from a backup, when it matters. */
export type RestoreNotice =
  | { kind: 'resending'; key: 'sync.resending'; count: number; at: string | null }
  | { kind: 'join_again'; key: 'sync.join_again'; count: number };

/**
 * What a restore of the organisation's server means for this device: the server no longer knows
 * its token (restored from a backup taken before it joined, or the device was removed), so it
 * must join again with a new invite code, its reports kept meanwhile; or the server announced a
 * new generation and the reports it may have lost are being sent again. `null` otherwise.
 */
export function restoreNotice(status: SyncStatus | null): RestoreNotice | null {
  if (status === null || !status.enrolled) return null;
  if (status.last_error?.code === 'unauthorized') {
    return { kind: 'join_again', key: 'sync.join_again', count: status.pending_reports };
  }
  if (status.resending_reports > 0) {
    return { kind: 'resending', key: 'sync.resending', count: status.resending_reports, at: status.server_restored_at };
  }
  return null;
}

/** One week whose report was dropped, as a sentence: its message key and the week it names. */
export interface DroppedReportNotice {
  key: MessageKey;
  week: string;
}

const DROPPED_REPORT_KEYS: Record<DroppedReportReason, MessageKey> = {
  week_published: 'sync.dropped_week_published',
  week_before_enrolment: 'sync.dropped_week_before_enrolment',
};

/**
 * The weeks whose report the server can never count, newest first, each with the sentence that
 * says why. They are news, not problems: they never change the indicator's tone.
 */
export function droppedReportNotices(status: SyncStatus | null): DroppedReportNotice[] {
  if (status === null || !status.enrolled) return [];
  return [...status.dropped_reports]
    .sort((left, right) => right.week.localeCompare(left.week))
    .map((report) => ({ key: DROPPED_REPORT_KEYS[report.reason], week: report.week }));
}

/** The problems of the enrol form, by field, before anything is sent. */
export interface EnrolFormProblems {
  server_url?: MessageKey;
  invite_code?: MessageKey;
}

/** Checks the form as the back end will: an http(s) address with a host, and a code. */
export function checkEnrolForm(form: EnrolDevice): EnrolFormProblems {
  const problems: EnrolFormProblems = {};
  const serverProblem = checkServerAddress(form.server_url);
  if (serverProblem !== undefined) problems.server_url = serverProblem;
  if (form.invite_code.trim() === '') problems.invite_code = 'sync.code_required';
  return problems;
}

/** What is wrong with a server address as typed (the message key), or `undefined` when it is well formed. */
export function checkServerAddress(text: string): 'sync.server_required' | 'sync.server_invalid' | undefined {
  const server = text.trim();
  if (server === '') return 'sync.server_required';
  if (!/^https?:\/\/[^\s/:?#@]+(:\d+)?(\/[^\s?#]*)?$/i.test(server)) return 'sync.server_invalid';
  return undefined;
}

/** Whether the form has no problem. */
export function enrolFormIsValid(problems: EnrolFormProblems): boolean {
  return problems.server_url === undefined && problems.invite_code === undefined;
}
