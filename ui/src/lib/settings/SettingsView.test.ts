// The settings view with the mock back end: the reminder saved as a whole, start at login,
// snoozing, and "delete all my local data" only after the confirmation.

import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { sampleSettings } from '../backend/mock-data';
import { setLanguage } from '../i18n/index.svelte';
import SettingsView from './SettingsView.svelte';

function renderView() {
  const backend = createMockBackend();
  const onsaved = vi.fn();
  const ondeleted = vi.fn();
  render(SettingsView, { props: { backend, settings: sampleSettings(), focusHeading: false, onsaved, ondeleted } });
  return { backend, onsaved, ondeleted, user: userEvent.setup() };
}

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('settings view', () => {
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
