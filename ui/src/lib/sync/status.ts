// The sync status shaped for the screen: the top bar's indicator, the weeks whose report the
// server could never count, and the enrol form's own checks. Pure functions of the status and the form, tested in status.test.ts; the words
// come from the catalogues through the keys these return.

import type { DroppedReportReason } from '../bindings/DroppedReportReason';
import type { EnrolDevice } from '../bindings/EnrolDevice';
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
  if (status.last_error !== null || status.failed_reports > 0) {
    return { tone: 'problem', key: 'sync.indicator_problem', count };
  }
  if (count > 0) return { tone: 'pending', key: 'sync.indicator_pending', count };
  return { tone: 'synced', key: 'sync.indicator_synced', count };
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
  const server = form.server_url.trim();
  if (server === '') {
    problems.server_url = 'sync.server_required';
  } else if (!/^https?:\/\/[^\s/:?#@]+(:\d+)?(\/[^\s?#]*)?$/i.test(server)) {
    problems.server_url = 'sync.server_invalid';
  }
  if (form.invite_code.trim() === '') problems.invite_code = 'sync.code_required';
  return problems;
}

/** Whether the form has no problem. */
export function enrolFormIsValid(problems: EnrolFormProblems): boolean {
  return problems.server_url === undefined && problems.invite_code === undefined;
}
