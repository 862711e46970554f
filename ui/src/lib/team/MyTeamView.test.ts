// The "My team" view with the mock back end: a device not enrolled is told how to join; an enrolled
// one sees its team's month beside the department and the organisation, the k rule in words, and
// each missing figure's reason, in English and Italian.

import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { setLanguage } from '../i18n/index.svelte';
import MyTeamView from './MyTeamView.svelte';

beforeEach(() => {
  setLanguage({ language: 'en', locale: 'en-GB' });
});

describe('My team', () => {
  it('asks a device that has not joined a team to join, and shows no figures', async () => {
    const ongotosync = vi.fn();
    render(MyTeamView, { props: { backend: createMockBackend(), focusHeading: false, ongotosync } });
    expect((await screen.findByTestId('my-team-not-enrolled')).textContent).toContain('has not joined a team');
    expect(screen.queryByTestId('my-team-table')).toBeNull();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Join your team' }));
    expect(ongotosync).toHaveBeenCalledOnce();
  });

  it('shows the team beside its department and the organisation, with k in words', async () => {
    const backend = createMockBackend();
    await backend.enrolDevice({ server_url: 'https://polso.example.org', invite_code: '7KQM-2XWD-PR9T' });
    render(MyTeamView, { props: { backend, focusHeading: false, ongotosync: () => {} } });
    const table = await screen.findByTestId('my-team-table');
    expect(screen.getByTestId('my-team-k').textContent).toContain('at least 5 people answered');
    expect(within(table).getAllByRole('columnheader').map((cell) => cell.textContent)).toEqual([
      'Measure',
      'Help desk',
      'Customer Care',
      'Demo Srl',
    ]);
    const trust = table.querySelector('tr[data-metric="trust"]')!;
    expect(trust.querySelector('td[data-unit="team"]')!.textContent).toContain('fewer than 5 answered');
    expect(trust.querySelector('td[data-unit="department"]')!.textContent).toContain('59');
    const wellbeing = table.querySelector('tr[data-metric="wellbeing"]')!;
    expect(wellbeing.querySelector('td[data-unit="team"]')!.textContent).toContain('(3 of 4 weeks)');
    expect(table.querySelector('tr[data-metric="growth"]')).toBeNull();
    const team = screen.getByTestId('my-team-participation').querySelector('li[data-unit="team"]')!;
    expect(team.textContent).toContain('7 of 9 answered a week, on average (78%)');
    expect(backend.calls.at(-1)).toEqual({ command: 'read_my_team_month', args: null });
  });

  it('shows what HR recorded it will do for the team, or that nothing is recorded yet', async () => {
    const backend = createMockBackend({ hr: { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] } });
    await backend.enrolDevice({ server_url: 'https://polso.example.org', invite_code: '7KQM-2XWD-PR9T' });
    const { unmount } = render(MyTeamView, { props: { backend, focusHeading: false, ongotosync: () => {} } });
    expect((await screen.findByTestId('my-team-actions-none')).textContent).toContain('No action has been recorded');
    unmount();
    await backend.recordAction({ team_id: 'team_help', text: 'Quieter Fridays', owner: 'Giulia', due: '2026-12-15' });
    await backend.recordAction({ team_id: 'team_phone', text: 'Not for Help desk', owner: 'Marco', due: '2026-12-15' });
    render(MyTeamView, { props: { backend, focusHeading: false, ongotosync: () => {} } });
    const actions = await screen.findAllByTestId('my-team-action');
    expect(actions.map((action) => action.textContent)).toEqual([expect.stringContaining('Quieter Fridays')]);
    expect(actions[0]!.textContent).toContain('Giulia, by 15 Dec 2026');
  });

  it('asks "did it help?" once per action and shows the answer and the team’s released counts', async () => {
    const backend = createMockBackend({ hr: { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] } });
    await backend.enrolDevice({ server_url: 'https://polso.example.org', invite_code: '7KQM-2XWD-PR9T' });
    const recorded = await backend.recordAction({ team_id: 'team_help', text: 'Quieter Fridays', owner: 'Giulia', due: '2026-12-15' });
    const user = userEvent.setup();
    render(MyTeamView, { props: { backend, focusHeading: false, ongotosync: () => {} } });
    const action = await screen.findByTestId('my-team-action');
    expect(within(action).getByTestId('verdict-choices').textContent).toContain('Did it help?');
    expect(screen.getByText(/counts that grow by at least 5 at a time/)).toBeTruthy();
    await user.click(within(action).getByTestId('verdict-too_early'));
    const given = await within(action).findByTestId('verdict-given');
    expect(given.textContent).toContain('Your answer: Too early to say.');
    expect(given.textContent).toContain('after a random delay');
    expect(within(action).queryByTestId('verdict-choices')).toBeNull();
    expect(backend.calls.find((call) => call.command === 'answer_action')?.args).toEqual({
      answer: { action_id: recorded.id, verdict: 'too_early' },
    });
    // Counts show only when the server released some.
    expect(within(action).queryByTestId('verdict-counts')).toBeNull();
  });

  it('speaks Italian', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    const backend = createMockBackend();
    await backend.enrolDevice({ server_url: 'https://polso.example.org', invite_code: '7KQM-2XWD-PR9T' });
    render(MyTeamView, { props: { backend, focusHeading: false, ongotosync: () => {} } });
    await screen.findByTestId('my-team-table');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Il tuo team questo mese');
    expect(screen.getByTestId('my-team-k').textContent).toContain('almeno 5 persone');
    const trust = screen.getByTestId('my-team-table').querySelector('tr[data-metric="trust"] td[data-unit="team"]')!;
    expect(trust.textContent).toContain('meno di 5 risposte');
  });
});
