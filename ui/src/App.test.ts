// The shell with the mock back end: start-up, the error screen, the navigation, the
// history view and the language setting applied at once.

import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import App from './App.svelte';
import { createMockBackend, type MockOptions } from './lib/backend/mock';
import { firstRunSettings, sampleSettings } from './lib/backend/mock-data';
import { STARTUP_ERROR_CODES } from './lib/codes';
import en from './lib/i18n/en.json';
import { setLanguage } from './lib/i18n/index.svelte';

// jsdom has no layout, so ECharts itself is replaced; the chart's data is tested in chart.test.ts.
const setOption = vi.fn();
vi.mock('echarts/core', () => ({
  use: () => {},
  init: () => ({ setOption, resize: () => {}, dispose: () => {} }),
}));

function renderApp(options: MockOptions = {}) {
  const backend = createMockBackend(options);
  render(App, { props: { backend } });
  return { backend, user: userEvent.setup() };
}

beforeEach(() => {
  setOption.mockClear();
  setLanguage({ language: 'en', locale: 'en-GB' });
});

describe('start-up', () => {
  it('opens on this week with the first question focused, ready for typing', async () => {
    renderApp();
    await screen.findByTestId('pulse-view');
    await waitFor(() => expect(screen.getByTestId('question-0').contains(document.activeElement)).toBe(true));
    expect(document.documentElement.lang).toBe('en');
  });

  it.each(STARTUP_ERROR_CODES)('explains %s on the error screen, never a blank page', async (code) => {
    const { backend, user } = renderApp({ failures: { get_current_pulse: { code, message: `${code} here` } } });
    const errorScreen = await screen.findByTestId('error-screen');
    expect(within(errorScreen).getByRole('heading', { level: 1 }).textContent).toBe(en[`startup.title.${code}`]);
    expect(errorScreen.textContent).toContain(en[`error.${code}`]);
    expect(screen.queryByTestId('nav-pulse')).toBeNull();

    // "Try again" starts over, and gets in once the problem is gone.
    delete backend.failures.get_current_pulse;
    await user.click(within(errorScreen).getByRole('button'));
    await screen.findByTestId('pulse-view');
  });

  it('tells the keyring user to unlock the keyring', async () => {
    renderApp({ failures: { get_current_pulse: { code: 'keyring_unavailable', message: 'no secret service' } } });
    expect((await screen.findByTestId('error-screen')).textContent).toMatch(/Unlock your system keyring/);
  });

  it('shows any other failure on the error screen too', async () => {
    renderApp({ failures: { get_current_pulse: { code: 'internal', message: 'boom' } } });
    const errorScreen = await screen.findByTestId('error-screen');
    expect(errorScreen.textContent).toContain('Polso could not start');
  });

  it('speaks the browser language when the settings cannot be read', async () => {
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('it-IT');
    renderApp({
      failures: {
        get_settings: { code: 'store_corrupt', message: 'bad page' },
        get_current_pulse: { code: 'store_corrupt', message: 'bad page' },
      },
    });
    const errorScreen = await screen.findByTestId('error-screen');
    expect(errorScreen.textContent).toContain('Il file delle risposte è danneggiato');
    vi.restoreAllMocks();
  });

  it('follows the system language from the settings', async () => {
    renderApp({ settings: { ...sampleSettings(), language: 'system', system_language: 'it', system_locale: 'it_IT.UTF-8' } });
    expect((await screen.findByTestId('nav-pulse')).textContent?.trim()).toBe('Questa settimana');
    expect(document.documentElement.lang).toBe('it');
  });
});

describe('navigation', () => {
  it('marks the current view and switches between the three', async () => {
    const { user } = renderApp();
    const pulseButton = await screen.findByTestId('nav-pulse');
    expect(pulseButton.getAttribute('aria-current')).toBe('page');
    expect(screen.getByTestId('nav-history').getAttribute('aria-current')).toBeNull();

    await user.click(screen.getByTestId('nav-history'));
    expect(await screen.findByTestId('history-view')).toBeTruthy();
    expect(screen.getByTestId('nav-history').getAttribute('aria-current')).toBe('page');
    expect(document.activeElement?.id).toBe('history-heading');

    await user.click(screen.getByTestId('nav-settings'));
    expect(await screen.findByTestId('settings-view')).toBeTruthy();
    await user.click(screen.getByTestId('nav-pulse'));
    expect(await screen.findByTestId('pulse-view')).toBeTruthy();
  });

  it('keeps a half-answered pulse while another view is open', async () => {
    const { user } = renderApp();
    await screen.findByTestId('pulse-view');
    await waitFor(() => expect(screen.getByTestId('question-0').contains(document.activeElement)).toBe(true));
    await user.keyboard('4');
    await user.click(screen.getByTestId('nav-history'));
    await user.click(screen.getByTestId('nav-pulse'));
    expect((await screen.findByTestId('option-0-4')).getAttribute('aria-checked')).toBe('true');
  });
});

describe('history view', () => {
  it('draws the chart and the same data as a table, with notes and work modes', async () => {
    const { user, backend } = renderApp();
    await user.click(await screen.findByTestId('nav-history'));
    const table = await screen.findByTestId('history-table');
    const rows = table.querySelectorAll('tbody tr');
    expect([...rows].map((row) => row.getAttribute('data-week'))).toEqual([
      '2026-W47', '2026-W46', '2026-W45', '2026-W43', '2026-W42', '2026-W41', '2026-W40',
    ]);
    // Wellbeing alone by default: the table follows the picker.
    const headers = () => within(screen.getByTestId('history-table')).getAllByRole('columnheader').map((cell) => cell.textContent?.trim());
    expect(headers()).toEqual(['Week', 'Wellbeing']);
    const picker = screen.getByTestId('history-metric-picker');
    expect(within(picker).getAllByRole('checkbox').map((box) => box.closest('label')?.textContent?.trim())).toEqual([
      'Wellbeing', 'Engagement', 'Work–life balance', 'Communication', 'Team cohesion',
      'Tools and infrastructure', 'Empowerment', 'Recognition', 'eNPS (would recommend)',
    ]);
    // The only metric chosen cannot be taken away.
    expect((screen.getByTestId('history-metric-wellbeing') as HTMLInputElement).disabled).toBe(true);
    // Chosen with the keyboard: Tab to the box, Space to tick it.
    (screen.getByTestId('history-metric-wellbeing') as HTMLInputElement).focus();
    screen.getByTestId('history-metric-engagement').focus();
    await user.keyboard(' ');
    await waitFor(() => expect(headers()).toEqual(['Week', 'Wellbeing', 'Engagement']));
    // 2026-W41: engagement 62.5.
    const chosenRows = screen.getByTestId('history-table').querySelectorAll('tbody tr');
    expect(chosenRows[5]?.textContent).toContain('62.5');
    for (const key of ['work_life_balance', 'communication', 'team_cohesion']) {
      await user.click(screen.getByTestId(`history-metric-${key}`));
    }
    // Four at most: the fifth box cannot be ticked.
    expect(headers()).toHaveLength(5);
    // A metric a week did not ask is shown as such.
    const rowsNow = screen.getByTestId('history-table').querySelectorAll('tbody tr');
    expect([...rowsNow].some((row) => row.textContent?.includes('not asked'))).toBe(true);
    expect((screen.getByTestId('history-metric-tools') as HTMLInputElement).disabled).toBe(true);
    // The choice lasts the session: away and back, it is still there.
    await user.click(screen.getByTestId('nav-pulse'));
    await user.click(await screen.findByTestId('nav-history'));
    await screen.findByTestId('history-table');
    expect(headers()).toEqual(['Week', 'Wellbeing', 'Engagement', 'Work–life balance', 'Communication']);
    sessionStorage.clear();
    expect(screen.getByTestId('history-chart').getAttribute('role')).toBe('img');
    await waitFor(() => expect(setOption).toHaveBeenCalled());
    expect(screen.getByText('VPN down twice. Long evenings.')).toBeTruthy();
    expect(screen.getByText('7 weeks answered')).toBeTruthy();
    expect(backend.calls.some((call) => call.command === 'list_history')).toBe(true);
  });

  it('says there is nothing yet when the history is empty', async () => {
    const { user } = renderApp({ history: { weeks: [] } });
    await user.click(await screen.findByTestId('nav-history'));
    expect(await screen.findByText('No history yet')).toBeTruthy();
    expect(screen.queryByTestId('history-table')).toBeNull();
    await user.click(screen.getByRole('button', { name: "Answer this week's pulse" }));
    expect(await screen.findByTestId('pulse-view')).toBeTruthy();
  });
});

describe('settings view', () => {
  it('saves the language through update_settings and applies it at once', async () => {
    const { user, backend } = renderApp();
    await user.click(await screen.findByTestId('nav-settings'));
    const select = (await screen.findByTestId('language-select')) as HTMLSelectElement;
    expect(select.value).toBe('system');
    expect([...select.options].map((option) => option.textContent?.trim())).toEqual([
      'System (English)', 'English', 'Italiano',
    ]);

    await user.selectOptions(select, 'it');
    await waitFor(() => expect(screen.getByTestId('nav-settings').textContent?.trim()).toBe('Impostazioni'));
    expect(backend.calls.filter((call) => call.command === 'update_settings')).toEqual([
      { command: 'update_settings', args: { change: { language: 'it' } } },
    ]);
    expect(document.documentElement.lang).toBe('it');
    expect(screen.getByText('Salvato.')).toBeTruthy();

    await user.selectOptions(select, 'system');
    await waitFor(() => expect(screen.getByTestId('nav-settings').textContent?.trim()).toBe('Settings'));
  });

  it('shows a failure to save in words', async () => {
    const { user } = renderApp({ failures: { update_settings: { code: 'internal', message: 'disk full' } } });
    await user.click(await screen.findByTestId('nav-settings'));
    await user.selectOptions(await screen.findByTestId('language-select'), 'en');
    expect((await screen.findByTestId('error-alert')).textContent).toBe(en['error.internal']);
  });
});

describe('sync indicator', () => {
  it('shows nothing before enrolment', async () => {
    renderApp();
    await screen.findByTestId('pulse-view');
    expect(screen.queryByTestId('sync-indicator')).toBeNull();
  });

  it('says "Offline — 2 pending" in the top bar and opens the Organisation view', async () => {
    const { user } = renderApp({
      sync: {
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
        last_pass: null,
        last_error: { code: 'server_unreachable', message: 'refused' },
        aggregation: { mode: 'one_server' },
      },
    });
    const indicator = await screen.findByTestId('sync-indicator');
    expect(indicator.textContent?.trim()).toBe('Offline — 2 pending');
    await user.click(indicator);
    await screen.findByTestId('sync-view');
    expect(screen.getByTestId('nav-sync').getAttribute('aria-current')).toBe('page');

    await user.click(screen.getByTestId('sync-now'));
    await waitFor(() => expect(screen.getByTestId('sync-indicator').textContent?.trim()).toBe('Synced'));
  });
});

describe('shell events', () => {
  it('opens the view the tray or a reminder asks for, and marks a fired reminder', async () => {
    const { backend } = renderApp();
    await screen.findByTestId('pulse-view');
    expect(document.querySelector('main')?.dataset.reminderFired).toBe('false');
    backend.emitShellEvent({ kind: 'navigate', view: 'history' });
    await screen.findByTestId('history-view');
    backend.emitShellEvent({ kind: 'reminder_fired' });
    await waitFor(() => expect(document.querySelector('main')?.dataset.reminderFired).toBe('true'));
    backend.emitShellEvent({ kind: 'navigate', view: 'pulse' });
    await screen.findByTestId('pulse-view');
  });

  it('starts over as on the first run after deleting all local data', async () => {
    const { backend, user } = renderApp();
    await user.click(await screen.findByTestId('nav-settings'));
    await user.click(await screen.findByTestId('delete-data'));
    await user.click(await screen.findByTestId('delete-confirm-button'));
    // A first run again: the welcome, then this week.
    await user.click(await screen.findByTestId('welcome-skip'));
    await screen.findByTestId('pulse-view');
    expect(backend.calls.filter((call) => call.command === 'get_settings').length).toBe(2);
    expect(backend.store.history.weeks).toEqual([]);
  });
});

describe('first-run welcome', () => {
  it('comes before the pulse on the first run, and skipping it is remembered in the settings', async () => {
    const { backend, user } = renderApp({ settings: firstRunSettings() });
    await screen.findByTestId('welcome');
    expect(screen.queryByTestId('pulse-view')).toBeNull();
    expect(screen.queryByTestId('nav-pulse')).toBeNull();
    await user.click(screen.getByTestId('welcome-skip'));
    await screen.findByTestId('pulse-view');
    await waitFor(() => expect(backend.store.settings.welcome_seen).toBe(true));
    expect(backend.calls).toContainEqual({ command: 'update_settings', args: { change: { language: null, welcome_seen: true } } });
  });

  it('is not shown once seen', async () => {
    const { backend } = renderApp({ settings: { ...firstRunSettings(), welcome_seen: true } });
    await screen.findByTestId('pulse-view');
    expect(screen.queryByTestId('welcome')).toBeNull();
    expect(backend.calls.some((call) => call.command === 'update_settings')).toBe(false);
  });

  it('names the k the settings give', async () => {
    const { user } = renderApp({ settings: { ...firstRunSettings(), minimum_group_size: 8 } });
    await user.click(await screen.findByTestId('welcome-next'));
    expect(screen.getByTestId('welcome-group').textContent).toContain('at least 8 people');
  });

  it('still lets the employee in when the choice cannot be saved', async () => {
    const { user } = renderApp({
      settings: firstRunSettings(),
      failures: { update_settings: { code: 'store_unavailable', message: 'disk full' } },
    });
    await user.click(await screen.findByTestId('welcome-skip'));
    await screen.findByTestId('pulse-view');
  });

  it('can be shown again from Settings, and goes back there', async () => {
    const { backend, user } = renderApp();
    await user.click(await screen.findByTestId('nav-settings'));
    await user.click(await screen.findByTestId('show-welcome'));
    await screen.findByTestId('welcome');
    await user.click(screen.getByTestId('welcome-next'));
    await user.click(screen.getByTestId('welcome-done'));
    await screen.findByTestId('settings-view');
    expect(backend.store.settings.welcome_seen).toBe(true);
  });
});
