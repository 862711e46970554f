import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { SubmitPulse } from '../bindings/SubmitPulse';
import { createMockBackend, mockOptionsFromQuery, type MockOptions } from './mock';
import { samplePulse } from './mock-data';

const GOOD: SubmitPulse = {
  week: '2026-W48',
  not_applicable: [],
  answers: [
    { item_id: 'wb.1', value: 4 },
    { item_id: 'eng.2', value: 5 },
  ],
  work_week: { office_days: 2, remote_days: 3 },
  note: 'fine',
};

describe('the mock back end', () => {
  it('serves a realistic open week of five items', async () => {
    const pulse = await createMockBackend().getCurrentPulse();
    expect(pulse.state).toBe('open');
    expect(pulse.items).toHaveLength(5);
    expect(pulse.items[0]?.scale.labels).toHaveLength(5);
    expect(pulse.saved_at).toBeNull();
  });

  it('saves a submission, records the call and adds the week to the history', async () => {
    const backend = createMockBackend({ now: () => new Date('2026-11-25T10:00:00Z') });
    const saved = await backend.submitPulse(GOOD);
    expect(saved.answers).toEqual(GOOD.answers);
    expect(saved.saved_at).toBe('2026-11-25T10:00:00.000Z');
    expect(backend.calls).toEqual([{ command: 'submit_pulse', args: { submission: GOOD } }]);
    const history = await backend.listHistory();
    const week = history.weeks[history.weeks.length - 1];
    expect(week?.week).toBe('2026-W48');
    expect(week?.scores).toEqual([
      { metric: 'wellbeing', score: 75 },
      { metric: 'engagement', score: 100 },
    ]);
  });

  it('hands out copies, never its own state', async () => {
    const backend = createMockBackend();
    const pulse = await backend.getCurrentPulse();
    pulse.items.length = 0;
    expect((await backend.getCurrentPulse()).items).toHaveLength(5);
  });

  const rejected: [ErrorCode, MockOptions, SubmitPulse][] = [
    ['week_closed', { pulse: { ...samplePulse(), state: 'closed' as const } }, GOOD],
    ['week_not_open', { pulse: { ...samplePulse(), state: 'not_yet_open' as const } }, GOOD],
    ['invalid_week', {}, { ...GOOD, week: '2026-W47' }],
    ['no_answers', {}, { ...GOOD, answers: [] }],
    ['item_not_in_week', {}, { ...GOOD, answers: [{ item_id: 'trust.1', value: 3 }] }],
    ['duplicate_answer', {}, { ...GOOD, answers: [{ item_id: 'wb.1', value: 3 }, { item_id: 'wb.1', value: 4 }] }],
    ['value_out_of_scale', {}, { ...GOOD, answers: [{ item_id: 'wb.1', value: 6 }] }],
    ['note_too_long', {}, { ...GOOD, note: 'x'.repeat(2001) }],
    ['invalid_work_week', {}, { ...GOOD, work_week: { office_days: 5, remote_days: 3 } }],
  ];
  it.each(rejected)('rejects with %s', async (code, options, submission) => {
    await expect(createMockBackend(options).submitPulse(submission)).rejects.toMatchObject({ code });
  });

  it('counts a note in characters, not UTF-16 units', async () => {
    const note = '😀'.repeat(2000);
    await expect(createMockBackend().submitPulse({ ...GOOD, note })).resolves.toMatchObject({ note });
  });

  it('fails a command on request', async () => {
    const backend = createMockBackend({
      failures: { get_current_pulse: { code: 'keyring_unavailable', message: 'locked' } },
    });
    await expect(backend.getCurrentPulse()).rejects.toEqual({ code: 'keyring_unavailable', message: 'locked' });
  });

  it('updates the language and refuses an unknown one', async () => {
    const backend = createMockBackend();
    expect(await backend.updateSettings({ language: 'it' })).toMatchObject({ language: 'it' });
    expect(await backend.updateSettings({ language: null })).toMatchObject({ language: 'it' });
    await expect(
      backend.updateSettings({ language: 'fr' as unknown as 'it' }),
    ).rejects.toMatchObject({ code: 'invalid_setting' });
  });
});

describe('the privacy ledger in the mock', () => {
  it('serves HR the ledger only when connected', async () => {
    const offline = createMockBackend();
    await expect(offline.readPrivacyLedger()).rejects.toMatchObject({ code: 'unauthorized' });
    const backend = createMockBackend({ hr: { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] } });
    const ledger = await backend.readPrivacyLedger();
    expect(ledger).toMatchObject({ year: 2026, dp_on: true, epsilon_per_cell: 0.1 });
    expect(ledger.teams.length).toBeGreaterThan(0);
    expect(backend.calls.at(-1)).toEqual({ command: 'read_privacy_ledger', args: null });
  });

  it('serves the device its own loss only when enrolled', async () => {
    await expect(createMockBackend().readMyPrivacyLoss()).rejects.toMatchObject({ code: 'not_enrolled' });
    const backend = createMockBackend(mockOptionsFromQuery('?enrolled'));
    const loss = await backend.readMyPrivacyLoss();
    expect(loss).toMatchObject({ year: 2026, dp_on: true });
    expect(loss.epsilon).toBeGreaterThan(0);
    expect(backend.calls.at(-1)).toEqual({ command: 'read_my_privacy_loss', args: null });
  });

  it('serves HR views whose latest week is not yet published and says when it will be', async () => {
    const backend = createMockBackend({ hr: { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] } });
    const overview = await backend.getHrOverview({ weeks: 12 });
    expect(overview.published_through).toBe('2026-W46');
    expect(overview.next_publication?.week).toBe('2026-W47');
    expect(overview.participation.at(-1)).toMatchObject({ week: '2026-W47', published: false, suppressed: false });
    const heatmap = await backend.getHrHeatmap({ period_weeks: 4 });
    expect(heatmap.current.to).toBe('2026-W46');
    const team = await backend.getTeamComparison({ team_id: 'team_help', weeks: 12 });
    expect(team.next_publication?.week).toBe('2026-W47');
  });
});

describe('mockOptionsFromQuery', () => {
  it('reads a failure, a state and an empty history from the URL', () => {
    const options = mockOptionsFromQuery('?fail=store_corrupt&state=closed&empty');
    expect(options.failures?.get_current_pulse?.code).toBe('store_corrupt');
    expect(options.pulse?.state).toBe('closed');
    expect(options.pulse?.answers).toHaveLength(5);
    expect(options.history).toEqual({ weeks: [] });
  });

  it('ignores codes it does not know', () => {
    expect(mockOptionsFromQuery('?fail=nonsense').failures).toBeUndefined();
  });
});

describe('the variety week', () => {
  it('has a burnout item with long labels and an eNPS item on 0–10', () => {
    const items = mockOptionsFromQuery('?variety').pulse?.items ?? [];
    expect(items.map((item) => item.id)).toEqual(['wb.1', 'eng.2', 'wlb.3', 'burnout.1', 'enps.1']);
    expect(items[4]?.scale).toMatchObject({ min: 0, max: 10 });
    expect(items[4]?.scale.labels).toHaveLength(11);
  });
});
