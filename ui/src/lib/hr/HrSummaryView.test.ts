// The summary page with the mock back end: the organisation's participation and engagement in
// words, the likely-real changes with their intervals and a way to each team, and a plain
// statement when nothing changed for real.

import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { sampleHrHeatmap } from '../backend/mock-hr';
import type { Backend } from '../backend';
import { setLanguage } from '../i18n/index.svelte';
import HrSummaryView from './HrSummaryView.svelte';

const HR = { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr' as const, manager_of: [] };

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('the summary page', () => {
  it('says the participation, the engagement with its interval, and the changes that matter with a link to each team', async () => {
    const backend = createMockBackend({ hr: HR });
    const onteam = vi.fn();
    render(HrSummaryView, { props: { backend, onteam } });
    const changes = await screen.findAllByTestId('summary-change');
    expect(changes.map((change) => `${change.dataset.team}/${change.dataset.metric}`)).toEqual([
      'Phone support/wellbeing',
      'Help desk/recognition',
      'Phone support/communication',
    ]);
    expect(changes[0]!.textContent).toMatch(/Phone support: Wellbeing fell by 17 points, to \d+(\.\d)?\.\s*95% interval −\d/);
    expect(screen.getByTestId('summary-participation').textContent).toContain('63% of people answered a week on average (44 of 70)');
    expect(screen.getByTestId('summary-engagement').textContent).toMatch(/^Engagement is \d+(\.\d)? \(0–100\), [+−±]/);
    expect(screen.getByTestId('summary-engagement').textContent).toContain('95% interval');
    const user = userEvent.setup();
    await user.click(within(changes[1]!).getByTestId('summary-open-team'));
    expect(onteam).toHaveBeenCalledWith('team_help');
    expect(screen.queryByTestId('summary-no-change')).toBeNull();
  });

  it('says plainly when nothing changed for real, in Italian too', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    const quiet = sampleHrHeatmap();
    quiet.cells = quiet.cells.map((cell) =>
      cell.change_likely_real ? { ...cell, change_likely_real: false, change_low: -30, change_high: 10 } : cell,
    );
    const backend: Backend = { ...createMockBackend({ hr: HR }), getHrHeatmap: () => Promise.resolve(quiet) };
    render(HrSummaryView, { props: { backend } });
    const nothing = await screen.findByTestId('summary-no-change');
    expect(nothing.textContent).toMatch(/^Nulla è cambiato davvero: delle \d+ variazioni/);
    expect(screen.queryByTestId('summary-changes')).toBeNull();
  });
});
