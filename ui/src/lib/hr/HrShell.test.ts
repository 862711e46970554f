// HR's side of the shell with the mock back end: the role switch, the connect form, the
// overview and the heatmap with its suppressed cells.

import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../../App.svelte';
import { createMockBackend, MANAGER_TOKEN, type MockOptions } from '../backend/mock';
import { METRIC_KEYS } from '../codes';
import { setLanguage } from '../i18n/index.svelte';

// jsdom has no layout, so ECharts itself is replaced; the options are tested in overview.test.ts and heatmap.test.ts.
const setOption = vi.fn();
vi.mock('echarts/core', () => ({
  use: () => {},
  init: () => ({ setOption, resize: () => {}, dispose: () => {} }),
}));

async function renderApp(options: MockOptions = {}) {
  const backend = createMockBackend(options);
  render(App, { props: { backend } });
  const user = userEvent.setup();
  await screen.findByTestId('pulse-view');
  return { backend, user };
}

beforeEach(() => {
  setOption.mockClear();
  setLanguage({ language: 'en', locale: 'en-GB' });
});

describe('the HR role', () => {
  it('asks for the server and token, refuses a wrong token, then lands on the summary and shows the overview', async () => {
    const { backend, user } = await renderApp();
    await user.click(screen.getByTestId('role-hr'));
    expect(screen.getByTestId('role-hr').getAttribute('aria-pressed')).toBe('true');
    await user.type(await screen.findByTestId('hr-connect-server'), 'https://polso.example.org');
    await user.type(screen.getByTestId('hr-connect-token'), 'ph_wrong');
    await user.click(screen.getByTestId('hr-connect-submit'));
    expect((await screen.findByTestId('hr-connect-error')).textContent).not.toBe('');
    await user.clear(screen.getByTestId('hr-connect-token'));
    await user.type(screen.getByTestId('hr-connect-token'), 'ph_demo');
    await user.click(screen.getByTestId('hr-connect-submit'));
    // HR lands on the summary, read from the server.
    const summary = await screen.findByTestId('hr-summary');
    await within(summary).findByTestId('summary-participation');
    expect(screen.getByTestId('nav-hr_summary').getAttribute('aria-current')).toBe('page');
    await user.click(screen.getByTestId('nav-hr_overview'));
    const overview = await screen.findByTestId('hr-overview');
    await within(overview).findByTestId('hr-overview-chart');
    const suppressedRows = within(overview).getAllByText('Fewer than 5 responses');
    expect(suppressedRows.length).toBeGreaterThan(0);
    const notAskedRows = within(overview).getAllByText('Not asked this week');
    expect(notAskedRows.length).toBeGreaterThan(0);
    for (const row of notAskedRows) {
      expect(row.closest('tr')?.getAttribute('data-suppressed')).toBe('false');
    }
    expect(backend.calls.map((call) => call.command)).toContain('get_hr_overview');
    await waitFor(() => expect(setOption).toHaveBeenCalled());
    // 2026-W47 is still collecting: "not yet published", never "fewer than k", and the notice says when.
    const notPublished = overview.querySelector('tr[data-week="2026-W47"]');
    expect(notPublished?.getAttribute('data-published')).toBe('false');
    expect(notPublished?.getAttribute('data-suppressed')).toBe('false');
    expect(notPublished?.textContent).toContain('Not yet published');
    expect(notPublished?.textContent).not.toContain('Fewer than');
    expect(within(overview).getByTestId('publication-notice').textContent).toMatch(
      /^Week 47 will be published on 2[78] November 2026.*late reports cannot be subtracted/,
    );
    // The privacy section lists each team's yearly ε.
    const privacy = await within(overview).findByTestId('hr-privacy-table');
    expect(privacy.querySelector('tr[data-team="Help desk"]')?.textContent).toContain('5.1');
    expect(within(overview).getByTestId('hr-privacy-dp').textContent).toContain('ε 0.1');
  });

  it('shows the heatmap with small teams as "fewer than k", never 0, and goes back to the employee views', async () => {
    const { user } = await renderApp({ hr: { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] } });
    await user.click(screen.getByTestId('role-hr'));
    await user.click(await screen.findByTestId('nav-hr_heatmap'));
    const table = await screen.findByTestId('hr-heatmap-table');
    const escalations = table.querySelectorAll('td[data-team="Escalations"]');
    expect(escalations.length).toBe(METRIC_KEYS.length);
    for (const cell of escalations) {
      if (cell.getAttribute('data-metric') === 'enps') {
        expect(cell.getAttribute('data-suppressed')).toBe('false');
        expect(cell.textContent?.trim()).toBe('not asked in this period');
      } else {
        expect(cell.getAttribute('data-suppressed')).toBe('true');
        expect(cell.textContent?.trim()).toBe('fewer than 5');
      }
    }
    expect(screen.getByTestId('publication-notice').textContent).toContain('Week 47 will be published');
    expect(table.querySelectorAll('td[data-published="false"]').length).toBe(0);
    const helpDesk = table.querySelector('td[data-team="Help desk"][data-metric="wellbeing"]');
    expect(helpDesk?.getAttribute('data-suppressed')).toBe('false');
    expect(helpDesk?.textContent).toMatch(/\d/);
    await user.click(screen.getByTestId('hr-disconnect'));
    await screen.findByTestId('hr-connect-form');
    await user.click(screen.getByTestId('role-employee'));
    await screen.findByTestId('pulse-view');
  });

  it('connected with a manager\'s token, says "Manager of" its team and shows its team view only', async () => {
    const { backend, user } = await renderApp();
    await user.click(screen.getByTestId('role-hr'));
    await user.type(await screen.findByTestId('hr-connect-server'), 'https://polso.example.org');
    await user.type(screen.getByTestId('hr-connect-token'), MANAGER_TOKEN);
    await user.click(screen.getByTestId('hr-connect-submit'));
    expect((await screen.findByTestId('hr-manager-of')).textContent?.trim()).toBe('Manager of Help desk');
    // The team view, on the manager's team, and no other team to choose.
    const teamView = await screen.findByTestId('hr-team');
    const select = (await within(teamView).findByTestId('team-select')) as HTMLSelectElement;
    expect([...select.options].map((option) => option.textContent?.trim())).toEqual(['Help desk']);
    // Only a manager's views are offered: no overview, heatmap, linkage or CX import.
    const nav = screen.getByTestId('topbar-nav');
    const offered = [...nav.querySelectorAll('button')].map((button) => button.getAttribute('data-testid'));
    expect(offered).toEqual(['nav-hr_team', 'nav-about']);
    expect(screen.queryByTestId('hr-overview')).toBeNull();
    const commands = backend.calls.map((call) => call.command);
    for (const refused of ['get_hr_overview', 'get_hr_heatmap', 'get_linkage', 'preview_cx_import', 'get_cx_mappings']) {
      expect(commands).not.toContain(refused);
    }
    // In Italian too.
    setLanguage({ language: 'it', locale: 'it-IT' });
    await waitFor(() => expect(screen.getByTestId('hr-manager-of').textContent?.trim()).toBe('Responsabile di Help desk'));
    // Disconnecting gives HR's views back to the next token.
    await user.click(screen.getByTestId('hr-disconnect'));
    await screen.findByTestId('hr-connect-form');
    expect(screen.getByTestId('topbar-nav').querySelectorAll('button').length).toBeGreaterThan(2);
  });

  it('a manager connection kept from before opens on the team view, whatever view was asked', async () => {
    await renderApp({
      hr: {
        connected: true,
        server_url: 'https://polso.example.org',
        k: 5,
        role: 'manager',
        manager_of: [
          { id: 'team_help', name: 'Help desk' },
          { id: 'team_phone', name: 'Phone support' },
        ],
      },
    });
    const user = userEvent.setup();
    await user.click(screen.getByTestId('role-hr'));
    expect((await screen.findByTestId('hr-manager-of')).textContent?.trim()).toBe('Manager of Help desk and Phone support');
    await screen.findByTestId('hr-team');
    expect(screen.getByTestId('nav-hr_team').getAttribute('aria-current')).toBe('page');
    expect(screen.queryByTestId('nav-hr_overview')).toBeNull();
    expect(screen.queryByTestId('nav-hr_cx')).toBeNull();
  });
});
