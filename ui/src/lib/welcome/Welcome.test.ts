// The first-run welcome on its own: two screens in both languages, k named, skippable from
// either screen, the focus on each screen's heading. Its place in the shell (shown once,
// remembered, shown again from Settings) is tested in App.test.ts.

import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import en from '../i18n/en.json';
import it_ from '../i18n/it.json';
import { setLanguage } from '../i18n/index.svelte';
import Welcome from './Welcome.svelte';

function renderWelcome(minimumGroupSize: number | null = 5) {
  const ondone = vi.fn();
  render(Welcome, { props: { minimumGroupSize, ondone } });
  return { ondone, user: userEvent.setup() };
}

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('welcome', () => {
  it('says what Polso is and what stays on the device, then what leaves it, when, and k', async () => {
    const { ondone, user } = renderWelcome(7);
    const welcome = screen.getByTestId('welcome');
    expect(welcome.dataset.step).toBe('1');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(en['welcome.title']);
    expect(screen.getByTestId('welcome-stays').textContent).toMatch(/encrypted/);
    expect(screen.getByTestId('welcome-progress').textContent).toBe('Step 1 of 2');
    expect(screen.queryByTestId('welcome-back')).toBeNull();

    await user.click(screen.getByTestId('welcome-next'));
    expect(welcome.dataset.step).toBe('2');
    expect(screen.getByTestId('welcome-leaves').textContent).toMatch(/one anonymous report a week/);
    expect(screen.getByTestId('welcome-leaves').textContent).toMatch(/random delay/);
    expect(screen.getByTestId('welcome-leaves').textContent).toMatch(/only once the week is published/);
    expect(screen.getByTestId('welcome-group').textContent).toContain('at least 7 people');
    expect(screen.getByTestId('welcome-progress').textContent).toBe('Step 2 of 2');
    expect(screen.queryByTestId('welcome-next')).toBeNull();
    // The focus follows to the new screen's heading.
    expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1 }));

    await user.click(screen.getByTestId('welcome-back'));
    expect(welcome.dataset.step).toBe('1');
    expect(ondone).not.toHaveBeenCalled();
    await user.click(screen.getByTestId('welcome-next'));
    await user.click(screen.getByTestId('welcome-done'));
    expect(ondone).toHaveBeenCalledTimes(1);
  });

  it.each([1, 2])('can be skipped from screen %d', async (step) => {
    const { ondone, user } = renderWelcome();
    if (step === 2) await user.click(screen.getByTestId('welcome-next'));
    await user.click(screen.getByTestId('welcome-skip'));
    expect(ondone).toHaveBeenCalledTimes(1);
  });

  it('speaks Italian, with the same k', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    const { user } = renderWelcome(5);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(it_['welcome.title']);
    expect(screen.getByTestId('welcome-skip').textContent?.trim()).toBe('Salta');
    expect(screen.getByTestId('welcome-progress').textContent).toBe('Passo 1 di 2');
    await user.click(screen.getByTestId('welcome-next'));
    expect(screen.getByTestId('welcome-group').textContent).toContain('almeno 5 persone');
    expect(screen.getByTestId('welcome-leaves').textContent).toMatch(/finestra di raccolta/);
  });

  it('names the rule, not a number it does not know, before the organisation has said its k', async () => {
    const { user } = renderWelcome(null);
    await user.click(screen.getByTestId('welcome-next'));
    const group = screen.getByTestId('welcome-group').textContent ?? '';
    expect(group).toContain('never fewer than 3');
    expect(group).toContain('5 unless it chooses otherwise');
    expect(group).not.toMatch(/at least \d+ people/);
  });

  it('is reachable by keyboard alone: the first screen focuses its heading, Tab reaches Skip and Next', async () => {
    const { user } = renderWelcome();
    expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1 }));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByTestId('welcome-skip'));
    await user.tab();
    expect(document.activeElement).toBe(screen.getByTestId('welcome-next'));
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('welcome').dataset.step).toBe('2');
  });
});
