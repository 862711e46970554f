// The indicator's choice of words and the enrol form's checks.

import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '../bindings/SyncStatus';
import {
  checkEnrolForm,
  clockAhead,
  clockBehind,
  droppedReportNotices,
  enrolFormIsValid,
  lastPassNotice,
  restoreNotice,
  syncIndicator,
  syncOutcome,
} from './status';

const ENROLLED: SyncStatus = {
  enrolled: true,
  server_url: 'https://polso.example.org',
  team_name: 'Help desk',
  team_key_fingerprint: null,
  last_sync_at: '2026-11-30T09:00:00Z',
  pending_reports: 0,
  resending_reports: 0,
  server_restored_at: null,
  failed_reports: 0,
  dropped_reports: [],
  last_pass: null,
  last_error: null,
  aggregation: { mode: 'one_server' },
};

describe('syncIndicator', () => {
  it('says nothing before enrolment', () => {
    expect(syncIndicator(null)).toBeNull();
    expect(syncIndicator({ ...ENROLLED, enrolled: false, server_url: null, team_name: null, team_key_fingerprint: null })).toBeNull();
  });

  it.each([
    [{}, 'synced', 'sync.indicator_synced', 0],
    [{ pending_reports: 2 }, 'pending', 'sync.indicator_pending', 2],
    [
      { pending_reports: 2, last_error: { code: 'server_unreachable', message: 'refused' } },
      'offline',
      'sync.indicator_offline',
      2,
    ],
    [{ last_error: { code: 'unauthorized', message: 'revoked' } }, 'problem', 'sync.indicator_problem', 0],
    [{ failed_reports: 1 }, 'problem', 'sync.indicator_problem', 0],
    [{ last_pass: { at: '2026-11-30T09:00:00Z', outcome: 'failed', sent: 0 } }, 'problem', 'sync.indicator_problem', 0],
    [{ dropped_reports: [{ week: '2026-W47', reason: 'week_published' }] }, 'synced', 'sync.indicator_synced', 0],
    [
      { pending_reports: 1, last_error: { code: 'week_not_open', message: 'not over' }, clock_ahead_seconds: 7_200 },
      'pending',
      'sync.indicator_pending',
      1,
    ],
  ] as const)('%o is %s', (change, tone, key, count) => {
    expect(syncIndicator({ ...ENROLLED, ...change } as SyncStatus)).toEqual({ tone, key, count });
  });
});

describe('clockAhead', () => {
  it.each([
    [8 * 86_400 + 600, 'sync.clock_days', 8],
    [86_400, 'sync.clock_days', 1],
    [3 * 3_600 + 1_700, 'sync.clock_hours', 3],
    [3_600, 'sync.clock_hours', 1],
    [125, 'sync.clock_minutes', 2],
    [10, 'sync.clock_minutes', 1],
  ] as const)('%d seconds ahead reads as %s %d', (seconds, key, count) => {
    expect(clockAhead({ ...ENROLLED, clock_ahead_seconds: seconds })).toEqual({ key, count });
  });

  it('says nothing when the clocks agree, before enrolment or without a status', () => {
    expect(clockAhead(ENROLLED)).toBeNull();
    expect(clockAhead({ ...ENROLLED, clock_ahead_seconds: 0 })).toBeNull();
    expect(clockAhead({ ...ENROLLED, enrolled: false, clock_ahead_seconds: 7_200 })).toBeNull();
    expect(clockAhead(null)).toBeNull();
  });

  it('is not the clock behind, which is its own notice', () => {
    expect(clockAhead({ ...ENROLLED, clock_ahead_seconds: -7_200 })).toBeNull();
    expect(clockBehind({ ...ENROLLED, clock_ahead_seconds: -7_200 })).toEqual({ key: 'sync.clock_hours', count: 2 });
    expect(clockBehind({ ...ENROLLED, clock_ahead_seconds: -3 * 86_400 })).toEqual({ key: 'sync.clock_days', count: 3 });
    expect(clockBehind({ ...ENROLLED, clock_ahead_seconds: 7_200 })).toBeNull();
    expect(clockBehind({ ...ENROLLED, enrolled: false, clock_ahead_seconds: -7_200 })).toBeNull();
  });
});

describe('droppedReportNotices', () => {
  it('names each dropped week with its reason, newest first', () => {
    const status: SyncStatus = {
      ...ENROLLED,
      dropped_reports: [
        { week: '2026-W01', reason: 'week_before_enrolment' },
        { week: '2026-W47', reason: 'week_published' },
      ],
    };
    expect(droppedReportNotices(status)).toEqual([
      { key: 'sync.dropped_week_published', week: '2026-W47' },
      { key: 'sync.dropped_week_before_enrolment', week: '2026-W01' },
    ]);
  });

  it('says nothing without a status, before enrolment or when nothing was dropped', () => {
    expect(droppedReportNotices(null)).toEqual([]);
    expect(droppedReportNotices(ENROLLED)).toEqual([]);
    const dropped = [{ week: '2026-W47', reason: 'week_published' as const }];
    expect(droppedReportNotices({ ...ENROLLED, enrolled: false, dropped_reports: dropped })).toEqual([]);
  });
});

describe('restoreNotice', () => {
  it('asks to join again when the server no longer knows the device, and counts the re-sends otherwise', () => {
    const unknown = {
      ...ENROLLED,
      pending_reports: 2,
      last_error: { code: 'unauthorized' as const, message: 'this device token is not known' },
    };
    expect(restoreNotice(unknown)).toEqual({ kind: 'join_again', key: 'sync.join_again', count: 2 });
    const restored = { ...ENROLLED, pending_reports: 3, resending_reports: 2, server_restored_at: '2026-12-01T09:00:00Z' };
    expect(restoreNotice(restored)).toEqual({
      kind: 'resending',
      key: 'sync.resending',
      count: 2,
      at: '2026-12-01T09:00:00Z',
    });
    // Joining again comes first: nothing is sent until it has.
    expect(restoreNotice({ ...restored, last_error: unknown.last_error })?.kind).toBe('join_again');
  });

  it('says nothing without a restore, before enrolment or without a status', () => {
    expect(restoreNotice(ENROLLED)).toBeNull();
    expect(restoreNotice({ ...ENROLLED, server_restored_at: '2026-12-01T09:00:00Z' })).toBeNull();
    expect(restoreNotice({ ...ENROLLED, enrolled: false, resending_reports: 1 })).toBeNull();
    expect(restoreNotice(null)).toBeNull();
  });
});

describe('checkEnrolForm', () => {
  it.each([
    ['https://polso.example.org', '7KQM-2XWD-PR9T', {}],
    [' http://127.0.0.1:8080/ ', 'abc', {}],
    ['', '', { server_url: 'sync.server_required', invite_code: 'sync.code_required' }],
    ['polso.example.org', 'x', { server_url: 'sync.server_invalid' }],
    ['ftp://polso.example.org', 'x', { server_url: 'sync.server_invalid' }],
    ['https://polso example.org', 'x', { server_url: 'sync.server_invalid' }],
    ['https://polso.example.org', '   ', { invite_code: 'sync.code_required' }],
  ])('%j with %j', (server_url, invite_code, problems) => {
    const found = checkEnrolForm({ server_url, invite_code });
    expect(found).toEqual(problems);
    expect(enrolFormIsValid(found)).toBe(Object.keys(problems).length === 0);
  });
});

describe('the last pass and the outcome of "Sync now"', () => {
  const AT = '2026-11-30T10:00:00Z';

  it('names what the last pass did, and nothing before the first', () => {
    expect(lastPassNotice(ENROLLED)).toBeNull();
    expect(lastPassNotice({ ...ENROLLED, last_pass: { at: AT, outcome: 'sent', sent: 2 } })).toEqual({
      key: 'sync.last_pass_sent',
      count: 2,
      at: AT,
    });
    expect(lastPassNotice({ ...ENROLLED, last_pass: { at: AT, outcome: 'nothing_to_send', sent: 0 } })?.key).toBe(
      'sync.last_pass_nothing',
    );
    expect(lastPassNotice({ ...ENROLLED, last_pass: { at: AT, outcome: 'failed', sent: 0 } })?.key).toBe(
      'sync.last_pass_failed',
    );
  });

  it('says sent n, nothing to send, or failed with the reason; never success over an error', () => {
    expect(syncOutcome({ ...ENROLLED, last_pass: { at: AT, outcome: 'sent', sent: 3 } })).toEqual({
      tone: 'done',
      key: 'sync.outcome_sent',
      count: 3,
      error: null,
    });
    expect(syncOutcome({ ...ENROLLED, last_pass: { at: AT, outcome: 'nothing_to_send', sent: 0 } }).key).toBe(
      'sync.outcome_nothing',
    );
    const unreachable = { code: 'server_unreachable', message: 'refused' } as const;
    const failed = syncOutcome({
      ...ENROLLED,
      last_pass: { at: AT, outcome: 'failed', sent: 0 },
      last_error: unreachable,
    });
    expect(failed).toEqual({ tone: 'failed', key: 'sync.outcome_failed', count: 0, error: unreachable });
    // An old pass that sent, with an error kept since: failed, not sent.
    expect(
      syncOutcome({ ...ENROLLED, last_pass: { at: AT, outcome: 'sent', sent: 1 }, last_error: unreachable }).tone,
    ).toBe('failed');
  });
});
