// The settings view with the mock back end: the reminder saved as a whole, start at login,
// snoozing, and "delete all my local data" only after the confirmation.

import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockBackend, mockOptionsFromQuery, type MockOptions } from '../backend/mock';
import { sampleSettings } from '../backend/mock-data';
import { setLanguage } from '../i18n/index.svelte';
import SettingsView from './SettingsView.svelte';

function renderView(options: MockOptions = {}) {
  const backend = createMockBackend(options);
  const onsaved = vi.fn();
  const ondeleted = vi.fn();
  render(SettingsView, { props: { backend, settings: sampleSettings(), focusHeading: false, onsaved, ondeleted } });
  return { backend, onsaved, ondeleted, user: userEvent.setup() };
}

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('settings view', () => {
  it('says in words how much privacy the year of published answers cost, once enrolled', async () => {
    renderView(mockOptionsFromQuery('?enrolled'));
    const line = await screen.findByTestId('my-privacy-loss');
    expect(line.getAttribute('data-kind')).toBe('dp');
    expect(line.textContent).toContain('In 2026 your answers were released with a total ε of 5.1');
    expect(line.textContent).toContain('lower is more private');
  });

  it('shows no privacy line on a device that is not enrolled', async () => {
    const { backend } = renderView();
    await waitFor(() => expect(backend.calls.some((call) => call.command === 'read_my_privacy_loss')).toBe(true));
    expect(screen.queryByTestId('my-privacy-loss')).toBeNull();
    expect(screen.queryByTestId('my-privacy-loss-error')).toBeNull();
  });

  it('says plainly that no formal bound applies when differential privacy is off', async () => {
    const { backend } = renderView(mockOptionsFromQuery('?enrolled'));
    backend.readMyPrivacyLoss = () => Promise.resolve({ year: 2026, dp_on: false, epsilon: 0, weeks_published: 40 });
    setLanguage({ language: 'it', locale: 'it-IT' });
    render(SettingsView, { props: { backend, settings: sampleSettings(), focusHeading: false, onsaved: vi.fn(), ondeleted: vi.fn() } });
    const lines = await screen.findAllByTestId('my-privacy-loss');
    const off = lines.find((line) => line.getAttribute('data-kind') === 'no_dp');
    expect(off?.textContent).toContain('non si applica alcun limite formale');
  });

  it('saves the reminder day, time and quiet hours together', async () => {
    const { backend, user, onsaved } = renderView();
    await user.selectOptions(await screen.findByTestId('reminder-day'), 'mon');
    const time = screen.getByTestId('reminder-time') as HTMLInputElement;
    await user.clear(time);
    await user.type(time, '09:15');
    await user.click(screen.getByTestId('quiet-enabled'));
    await user.click(screen.getByTestId('reminder-save'));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(backend.calls.filter((call) => call.command === 'update_settings')).toEqual([
      {
        command: 'update_settings',
        args: {
          change: {
            language: null,
            reminder: { enabled: true, weekday: 'mon', time: '09:15', quiet_hours: { start: '19:00', end: '08:00' } },
          },
        },
      },
    ]);
    expect(backend.store.settings.reminder.weekday).toBe('mon');
  });

  it('turns start at login on', async () => {
    const { backend, user } = renderView();
    await user.click(await screen.findByTestId('autostart'));
    await waitFor(() => expect(backend.store.settings.autostart).toBe(true));
  });

  it('deletes nothing until the employee confirms', async () => {
    const { backend, user, ondeleted } = renderView();
    await user.click(await screen.findByTestId('delete-data'));
    const dialog = await screen.findByRole('alertdialog');
    expect(dialog.textContent).toContain('Delete all your local data?');
    expect(document.activeElement).toBe(screen.getByTestId('delete-cancel'));
    await user.click(screen.getByTestId('delete-cancel'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(backend.calls.some((call) => call.command === 'delete_local_data')).toBe(false);
    expect(ondeleted).not.toHaveBeenCalled();

    await user.click(screen.getByTestId('delete-data'));
    await user.click(await screen.findByTestId('delete-confirm-button'));
    await waitFor(() => expect(ondeleted).toHaveBeenCalledOnce());
    expect(backend.calls.filter((call) => call.command === 'delete_local_data')).toHaveLength(1);
  });

  it('says how many saved weeks go, with the right plural', async () => {
    const { user } = renderView();
    await user.click(await screen.findByTestId('delete-data'));
    const text = (await screen.findByRole('alertdialog')).textContent ?? '';
    expect(text).toMatch(/Your \d+ saved weeks|Your one saved week/);
  });
});
