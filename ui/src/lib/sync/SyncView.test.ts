// The Organisation view with the mock back end: the enrol form's checks and errors in
// words, a successful enrolment showing the team, and "Sync now".

import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMockBackend, MOCK_TEAM_KEY_FINGERPRINT, type MockOptions } from '../backend/mock';
import { sampleSyncStatus } from '../backend/mock-data';
import type { SyncStatus } from '../bindings/SyncStatus';
import en from '../i18n/en.json';
import it_ from '../i18n/it.json';
import { setLanguage } from '../i18n/index.svelte';
import SyncView from './SyncView.svelte';

function renderSync(options: MockOptions = {}) {
  const backend = createMockBackend({ now: () => new Date('2026-11-30T09:15:00Z'), ...options });
  const statuses: SyncStatus[] = [];
  // App keeps the status and hands it back down; the test does the same with rerender.
  const view = render(SyncView, {
    props: {
      backend,
      status: options.sync ?? sampleSyncStatus(),
      focusHeading: false,
      onstatus: (next: SyncStatus) => {
        statuses.push(next);
        void view.rerender({ status: next });
      },
    },
  });
  return { backend, statuses, user: userEvent.setup() };
}

const ENROLLED_OFFLINE: SyncStatus = {
  enrolled: true,
  server_url: 'https://polso.example.org',
  team_name: 'Help desk',
  team_key_fingerprint: null,
  last_sync_at: '2026-11-23T09:00:00Z',
  pending_reports: 2,
  resending_reports: 0,
  server_restored_at: null,
  failed_reports: 0,
  dropped_reports: [],
  last_pass: { at: '2026-11-30T09:00:00Z', outcome: 'failed', sent: 0 },
  last_error: { code: 'server_unreachable', message: 'connection refused' },
  aggregation: { mode: 'one_server' },
};

const DROPPED: SyncStatus = {
  ...ENROLLED_OFFLINE,
  pending_reports: 0,
  last_error: null,
  dropped_reports: [
    { week: '2026-W46', reason: 'week_before_enrolment' },
    { week: '2026-W47', reason: 'week_published' },
  ],
};

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('SyncView', () => {
  it('says the device is not connected and offers the enrol form', async () => {
    renderSync();
    expect(screen.getByTestId('sync-status').textContent).toContain(en['sync.not_enrolled']);
    expect(screen.getByTestId('enrol-server')).toBeTruthy();
    expect(screen.getByTestId('enrol-code')).toBeTruthy();
    expect(screen.queryByTestId('sync-now')).toBeNull();
  });

  it('checks the form before sending and names each problem next to its field', async () => {
    const { backend, user } = renderSync();
    await user.click(screen.getByTestId('enrol-submit'));
    expect(screen.getByTestId('enrol-server-problem').textContent).toBe(en['sync.server_required']);
    expect(screen.getByTestId('enrol-code-problem').textContent).toBe(en['sync.code_required']);
    await user.type(screen.getByTestId('enrol-server'), 'polso.example.org');
    await user.type(screen.getByTestId('enrol-code'), '7KQM');
    await user.click(screen.getByTestId('enrol-submit'));
    expect(screen.getByTestId('enrol-server-problem').textContent).toBe(en['sync.server_invalid']);
    expect(screen.queryByTestId('enrol-code-problem')).toBeNull();
    expect(screen.getByTestId('enrol-server').getAttribute('aria-invalid')).toBe('true');
    expect(backend.calls.filter((call) => call.command === 'enrol_device')).toEqual([]);
  });

  it('shows a refused invite code in words', async () => {
    const { user } = renderSync();
    await user.type(screen.getByTestId('enrol-server'), 'https://polso.example.org');
    await user.type(screen.getByTestId('enrol-code'), 'WRONG-CODE');
    await user.click(screen.getByTestId('enrol-submit'));
    expect((await screen.findByTestId('error-alert')).textContent).toBe(en['error.invite_unknown']);
  });

  it('enrols, then shows the team, the last sync in the locale and nothing pending', async () => {
    const { backend, statuses, user } = renderSync();
    await user.type(screen.getByTestId('enrol-server'), ' https://polso.example.org/ ');
    await user.type(screen.getByTestId('enrol-code'), '7kqm 2xwd pr9t');
    await user.click(screen.getByTestId('enrol-submit'));
    await waitFor(() => expect(screen.getByTestId('sync-status').textContent).toContain('Help desk'));
    expect(backend.calls.find((call) => call.command === 'enrol_device')?.args).toEqual({
      form: { server_url: 'https://polso.example.org/', invite_code: '7kqm 2xwd pr9t' },
    });
    expect(statuses.at(-1)?.enrolled).toBe(true);
    const text = screen.getByTestId('sync-status').textContent ?? '';
    expect(text).toContain('Connected to the team Help desk.');
    expect(text).toContain('Server: https://polso.example.org');
    expect(text).toContain('30 November 2026');
    expect(screen.getByTestId('sync-pending').textContent).toBe('0 weekly reports waiting to be sent');
    expect(screen.queryByTestId('enrol-form')).toBeNull();
  });

  it('shows reports waiting and the last problem in words, and syncs on demand', async () => {
    const { backend, user } = renderSync({ sync: ENROLLED_OFFLINE });
    expect(screen.getByTestId('sync-pending').textContent).toBe('2 weekly reports waiting to be sent');
    expect(screen.getByTestId('sync-last-error').textContent).toContain(en['error.server_unreachable']);
    await user.click(screen.getByTestId('sync-now'));
    await waitFor(() => expect(screen.getByTestId('sync-pending').textContent).toBe('0 weekly reports waiting to be sent'));
    expect(screen.queryByTestId('sync-last-error')).toBeNull();
    expect(backend.calls.filter((call) => call.command === 'sync_now')).toHaveLength(1);
    expect(screen.getByTestId('sync-outcome').textContent?.trim()).toBe('Sent 2 weekly reports.');
    expect(screen.getByTestId('sync-last-pass').textContent).toMatch(/^Last sync, .*: 2 weekly reports sent\.$/);
  });

  it('says when the last attempt failed, and "Sync now" with nothing due says so', async () => {
    const { user } = renderSync({ sync: { ...ENROLLED_OFFLINE, pending_reports: 0 } });
    expect(screen.getByTestId('sync-last-pass').textContent).toMatch(/^Last attempt, .*: failed\.$/);
    expect(screen.getByTestId('sync-status').textContent).toContain('Last successful sync: ');
    await user.click(screen.getByTestId('sync-now'));
    await waitFor(() => expect(screen.getByTestId('sync-outcome').textContent?.trim()).toBe(en['sync.outcome_nothing']));
    expect(screen.getByTestId('sync-outcome').getAttribute('data-outcome')).toBe('done');
  });

  it('says "Sync now" failed, and why, in words', async () => {
    const { user } = renderSync({
      sync: ENROLLED_OFFLINE,
      failures: { sync_now: { code: 'unauthorized', message: 'revoked' } },
    });
    await user.click(screen.getByTestId('sync-now'));
    const outcome = await screen.findByTestId('sync-outcome');
    expect(outcome.getAttribute('data-outcome')).toBe('failed');
    expect(outcome.textContent).toContain(en['sync.outcome_failed']);
    expect(outcome.textContent).toContain(en['error.unauthorized']);
  });

  it('points at the reason already shown rather than repeating it', async () => {
    const { user } = renderSync({
      sync: ENROLLED_OFFLINE,
      failures: { sync_now: { code: 'server_unreachable', message: 'refused' } },
    });
    await user.click(screen.getByTestId('sync-now'));
    const outcome = await screen.findByTestId('sync-outcome');
    expect(outcome.textContent).toContain(en['sync.outcome_see_above']);
    expect(outcome.textContent).not.toContain(en['error.server_unreachable']);
    expect(screen.getByTestId('sync-last-error').textContent).toContain(en['error.server_unreachable']);
  });

  it('says in words which weeks could not be counted, without calling it a problem', () => {
    renderSync({ sync: DROPPED });
    const weeks = screen.getAllByTestId('sync-dropped-week').map((item) => item.textContent);
    expect(weeks).toEqual([
      'The report for 2026-W47 arrived after that week was published and could not be counted.',
      'The report for 2026-W46 could not be counted: that week began before this device joined the team.',
    ]);
    expect(screen.getByTestId('sync-dropped').textContent).toContain(en['sync.dropped_hint']);
    expect(screen.queryByTestId('sync-last-error')).toBeNull();
    expect(screen.queryByTestId('sync-failed')).toBeNull();
  });

  it('shows the team key fingerprint in monospace, selectable, with what to compare it with', () => {
    const fingerprint = '3f9a-0c1d-7be2-5a40-c9d8-16ef-0b37-a2c5';
    renderSync({ sync: { ...ENROLLED_OFFLINE, team_key_fingerprint: fingerprint } });
    const line = screen.getByTestId('sync-team-key-fingerprint');
    expect(line.textContent).toContain(en['sync.team_key_fingerprint']);
    expect(line.textContent).toContain(en['sync.team_key_fingerprint_hint']);
    const value = screen.getByTestId('sync-team-key-fingerprint-value');
    expect(value.tagName).toBe('CODE');
    expect(value.textContent).toBe(fingerprint);
    expect(getComputedStyle(value).fontFamily).toContain('monospace');
    expect(getComputedStyle(value).userSelect).not.toBe('none');
  });

  it('says in plain words that one server counts the answers, when it does', () => {
    renderSync({ sync: ENROLLED_OFFLINE });
    expect(screen.getByTestId('sync-aggregation-mode').textContent).toBe(en['sync.aggregation_one_server']);
    expect(screen.queryByTestId('sync-helper-fingerprint')).toBeNull();
  });

  it('names the helper, its first week and its key fingerprint in two-server mode, in Italian too', () => {
    const helper = { party: 'RSU Acme Assistenza', public_key: 'AAAA', fingerprint: '6dec-f2d0-558c-3e8d-51fd-a2dc-25b7-7aed' };
    const sync: SyncStatus = {
      ...ENROLLED_OFFLINE,
      aggregation: { mode: 'two_server', helper, from_week: '2026-W40' },
    };
    renderSync({ sync });
    const mode = screen.getByTestId('sync-aggregation-mode').textContent ?? '';
    expect(mode).toContain('RSU Acme Assistenza');
    expect(mode).toContain('two secret halves');
    expect(screen.getByTestId('sync-aggregation').textContent).toContain('week 40 of 2026');
    const value = screen.getByTestId('sync-helper-fingerprint-value');
    expect(value.tagName).toBe('CODE');
    expect(value.textContent).toBe(helper.fingerprint);
    expect(screen.getByTestId('sync-helper-fingerprint').textContent).toContain('the one RSU Acme Assistenza publishes');

    setLanguage({ language: 'it', locale: 'it-IT' });
    renderSync({ sync });
    const italian = screen.getAllByTestId('sync-aggregation-mode').at(-1)?.textContent ?? '';
    expect(italian).toContain('due metà segrete');
    expect(screen.getAllByTestId('sync-aggregation').at(-1)?.textContent).toContain('settimana 40 del 2026');
  });

  it('shows no fingerprint after an invite code', () => {
    renderSync({ sync: ENROLLED_OFFLINE });
    expect(screen.queryByTestId('sync-team-key-fingerprint')).toBeNull();
  });

  it('shows the fingerprint after enrolling with a personal code, in Italian too', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    const { user } = renderSync({ inviteCodes: ['P-7KQM-2XWD-PR9T-4HJN'] });
    await user.type(screen.getByTestId('enrol-server'), 'https://polso.example.org');
    await user.type(screen.getByTestId('enrol-code'), 'P-7KQM-2XWD-PR9T-4HJN');
    await user.click(screen.getByTestId('enrol-submit'));
    await waitFor(() => expect(screen.getByTestId('sync-team-key-fingerprint')).toBeTruthy());
    expect(screen.getByTestId('sync-team-key-fingerprint-value').textContent).toBe(MOCK_TEAM_KEY_FINGERPRINT);
    expect(screen.getByTestId('sync-team-key-fingerprint').textContent).toContain(
      it_['sync.team_key_fingerprint_hint'],
    );
  });

  it('opens the "server moved" form when the server could not be reached, and follows it to its new address', async () => {
    const { user, statuses } = renderSync({ sync: ENROLLED_OFFLINE });
    const move = screen.getByTestId('move-server') as HTMLDetailsElement;
    expect(move.open).toBe(true);
    await user.type(screen.getByTestId('move-server-url'), 'https://pulse.example.org/');
    await user.click(screen.getByTestId('move-server-submit'));
    const outcome = await screen.findByTestId('move-server-outcome');
    expect(outcome.dataset.outcome).toBe('moved');
    expect(outcome.textContent).toContain('https://pulse.example.org');
    expect(statuses.at(-1)?.server_url).toBe('https://pulse.example.org');
    expect(statuses.at(-1)?.last_error).toBeNull();
    expect(screen.queryByTestId('sync-last-error')).toBeNull();
  });

  it('keeps the address when the server there does not answer, and says so in words', async () => {
    const { user, statuses } = renderSync({ sync: ENROLLED_OFFLINE });
    await user.type(screen.getByTestId('move-server-url'), 'https://nowhere.invalid');
    await user.click(screen.getByTestId('move-server-submit'));
    const outcome = await screen.findByTestId('move-server-outcome');
    expect(outcome.dataset.outcome).toBe('failed');
    expect(outcome.textContent).toContain(en['sync.move_failed']);
    expect(outcome.textContent).toContain(en['error.server_unreachable']);
    expect(statuses).toHaveLength(1); // only the status read when the view opened
    expect(screen.getByText(en['sync.server'].replace('{server}', 'https://polso.example.org'))).toBeTruthy();
  });

  it('checks the new address before asking the back end', async () => {
    const { user, backend } = renderSync({ sync: ENROLLED_OFFLINE });
    await user.type(screen.getByTestId('move-server-url'), 'polso.example.org');
    await user.click(screen.getByTestId('move-server-submit'));
    expect(screen.getByTestId('move-server-url-problem').textContent).toBe(en['sync.server_invalid']);
    expect(backend.calls.filter((call) => call.command === 'move_server')).toHaveLength(0);
  });

  it('keeps the "server moved" form closed while syncing works, and offers none before joining', async () => {
    renderSync({ sync: { ...ENROLLED_OFFLINE, last_error: null } });
    expect((screen.getByTestId('move-server') as HTMLDetailsElement).open).toBe(false);
  });

  it('shows no dropped weeks when there are none', () => {
    renderSync({ sync: ENROLLED_OFFLINE });
    expect(screen.queryByTestId('sync-dropped')).toBeNull();
  });

  it('names dropped weeks in Italian', () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    renderSync({ sync: DROPPED });
    const weeks = screen.getAllByTestId('sync-dropped-week').map((item) => item.textContent);
    expect(weeks[0]).toBe(
      'Il resoconto della settimana 2026-W47 è arrivato dopo la pubblicazione di quella settimana e non è stato possibile contarlo.',
    );
    expect(screen.getByTestId('sync-dropped').textContent).toContain(it_['sync.dropped_title']);
  });

  it('says how far the clock runs ahead, in English and Italian, instead of a refusal', () => {
    const ahead: SyncStatus = {
      ...ENROLLED_OFFLINE,
      pending_reports: 1,
      last_pass: { at: '2026-11-30T09:00:00Z', outcome: 'failed', sent: 0 },
      last_error: { code: 'week_not_open', message: 'not over', server_time: '2026-11-22T09:00:00Z' },
      clock_ahead_seconds: 8 * 86_400 + 600,
    };
    renderSync({ sync: ahead });
    expect(screen.getByTestId('sync-clock-ahead').textContent).toContain(
      "This computer's clock is 8 days ahead of the organisation server's",
    );
    expect(screen.queryByTestId('sync-last-error')).toBeNull();
    setLanguage({ language: 'it', locale: 'it-IT' });
    renderSync({ sync: { ...ahead, clock_ahead_seconds: 3 * 3_600 } });
    const notices = screen.getAllByTestId('sync-clock-ahead').map((notice) => notice.textContent ?? '');
    expect(notices.some((text) => text.includes("L'orologio di questo computer è avanti di 3 ore"))).toBe(true);
  });

  it('says how far the clock runs behind, in English and Italian, beside the status', () => {
    const behind: SyncStatus = {
      ...ENROLLED_OFFLINE,
      last_pass: { at: '2026-11-30T09:00:00Z', outcome: 'sent', sent: 1 },
      clock_ahead_seconds: -2 * 86_400,
    };
    renderSync({ sync: behind });
    expect(screen.getByTestId('sync-clock-behind').textContent).toContain(
      "This computer's clock is 2 days behind the organisation server's",
    );
    expect(screen.queryByTestId('sync-clock-ahead')).toBeNull();
    setLanguage({ language: 'it', locale: 'it-IT' });
    renderSync({ sync: { ...behind, clock_ahead_seconds: -3 * 3_600 } });
    const notices = screen.getAllByTestId('sync-clock-behind').map((notice) => notice.textContent ?? '');
    expect(notices.some((text) => text.includes("L'orologio di questo computer è indietro di 3 ore"))).toBe(true);
  });

  it('says a restored server may have lost reports and that they are sent again, in English and Italian', () => {
    const restored: SyncStatus = {
      ...ENROLLED_OFFLINE,
      last_error: null,
      pending_reports: 2,
      resending_reports: 2,
      server_restored_at: '2026-12-01T09:00:00Z',
    };
    renderSync({ sync: restored });
    const notice = screen.getByTestId('sync-resending').textContent ?? '';
    expect(notice).toContain("The organisation's server was restored from a backup");
    expect(notice).toContain('The 2 weekly reports this device had already sent are being sent again');
    expect(screen.queryByTestId('enrol-form')).toBeNull();
    setLanguage({ language: 'it', locale: 'it-IT' });
    renderSync({ sync: { ...restored, resending_reports: 1 } });
    const notices = screen.getAllByTestId('sync-resending').map((element) => element.textContent ?? '');
    expect(notices.some((text) => text.includes('Il resoconto settimanale che questo dispositivo aveva già inviato'))).toBe(
      true,
    );
  });

  it('asks to join again with a new invite code when the server no longer knows the device, with the form', () => {
    const unknown: SyncStatus = {
      ...ENROLLED_OFFLINE,
      pending_reports: 1,
      last_error: { code: 'unauthorized', message: 'this device token is not known; enrol the device again' },
    };
    renderSync({ sync: unknown });
    expect(screen.getByTestId('sync-join-again').textContent).toBe(en['sync.join_again']);
    expect(screen.queryByTestId('sync-last-error')).toBeNull();
    expect(screen.getByTestId('enrol-form')).toBeTruthy();
    expect((document.getElementById('enrol-server') as HTMLInputElement).value).toBe('https://polso.example.org');
    setLanguage({ language: 'it', locale: 'it-IT' });
    renderSync({ sync: unknown });
    const notices = screen.getAllByTestId('sync-join-again').map((element) => element.textContent ?? '');
    expect(notices).toContain(it_['sync.join_again']);
  });

  it('speaks Italian, with Italian dates', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    renderSync({ sync: { ...ENROLLED_OFFLINE, pending_reports: 1 } });
    const text = screen.getByTestId('sync-status').textContent ?? '';
    expect(text).toContain('Fai parte del team Help desk.');
    expect(text).toContain('23 novembre 2026');
    expect(screen.getByTestId('sync-pending').textContent).toBe('1 resoconto settimanale in attesa di invio');
    expect(screen.getByTestId('sync-last-error').textContent).toContain(it_['error.server_unreachable']);
  });
});
