// HR's actions for a team with the mock back end: none at first, one recorded through the form
// appears at the top and reaches the team's "My team" month; a refusal is shown as the server says.

import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError } from '../backend/errors';
import { createMockBackend } from '../backend/mock';
import { setLanguage } from '../i18n/index.svelte';
import ActionsPanel from './ActionsPanel.svelte';

const HR = { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr' as const, manager_of: [] };

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('the actions of a team', () => {
  it('records one through the form, newest first, and the team sees it in My team', async () => {
    const backend = createMockBackend({ hr: HR, sync: { ...(await createMockBackend().getSyncStatus()), enrolled: true } });
    const user = userEvent.setup();
    render(ActionsPanel, { props: { backend, teamId: 'team_help', teamName: 'Help desk' } });
    expect((await screen.findByTestId('hr-actions-none')).textContent).toContain('No action recorded yet');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('What will be done for Help desk');

    await user.type(screen.getByTestId('hr-action-text'), 'Move the stand-up to Tuesdays');
    await user.type(screen.getByTestId('hr-action-owner'), 'Giulia');
    await user.type(screen.getByTestId('hr-action-due'), '2026-12-15');
    await user.click(screen.getByTestId('hr-action-record'));
    const items = await screen.findAllByTestId('hr-action');
    expect(items.map((item) => item.textContent)).toEqual([expect.stringContaining('Move the stand-up to Tuesdays')]);
    expect(within(items[0]!).getByText(/Giulia, by/).textContent).toContain('15 Dec 2026');
    expect((screen.getByTestId('hr-action-text') as HTMLTextAreaElement).value).toBe('');
    expect(backend.calls.find((call) => call.command === 'record_action')?.args).toEqual({
      action: { team_id: 'team_help', text: 'Move the stand-up to Tuesdays', owner: 'Giulia', due: '2026-12-15' },
    });

    const month = await backend.readMyTeamMonth();
    expect(month.actions.map((action) => action.text)).toEqual(['Move the stand-up to Tuesdays']);
  });

  it('shows the server’s refusal and keeps what was typed', async () => {
    const refusal = apiError('invalid_input', "field 'due': '2026-13-01' is not a date written YYYY-MM-DD");
    const backend = createMockBackend({ hr: HR, failures: { record_action: refusal } });
    const user = userEvent.setup();
    render(ActionsPanel, { props: { backend, teamId: 'team_help', teamName: 'Help desk' } });
    await screen.findByTestId('hr-actions-none');
    await user.type(screen.getByTestId('hr-action-text'), 'Ask the team');
    await user.type(screen.getByTestId('hr-action-owner'), 'Marco');
    await user.type(screen.getByTestId('hr-action-due'), '2026-12-01');
    await user.click(screen.getByTestId('hr-action-record'));
    expect((await screen.findByTestId('hr-action-error')).textContent).toContain("field 'due'");
    expect((screen.getByTestId('hr-action-text') as HTMLTextAreaElement).value).toBe('Ask the team');
    expect(screen.queryAllByTestId('hr-action')).toHaveLength(0);
  });
});
