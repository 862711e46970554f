// The driver priorities on the summary page with the mock back end: ranked, each relation with
// its interval and the teams it rests on, the clearly related ones marked in words, a driver
// with too few teams said so, and the words that it is association, not cause.

import { render, screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { setLanguage } from '../i18n/index.svelte';
import PrioritiesPanel from './PrioritiesPanel.svelte';

const HR = { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr' as const, manager_of: [] };

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('the driver priorities', () => {
  it('lists the drivers ranked with their interval, the clearly related marked, and says it is not cause', async () => {
    const backend = createMockBackend({ hr: HR });
    render(PrioritiesPanel, { props: { backend } });
    const rows = await screen.findAllByTestId('priority');
    expect(rows.map((row) => row.dataset.metric)).toEqual(['recognition', 'manager_support', 'communication', 'tools', 'flexibility']);
    expect(rows[0]!.textContent).toMatch(/r 0\.78 \(95% interval 0\.\d\d to 0\.\d\d\), from 12 teams, 58 team-periods\s*● clearly related/);
    expect(rows[3]!.dataset.likelyRelated).toBe('false');
    expect(rows[4]!.textContent).toContain('not enough data: 3 teams, at least 4 needed');
    expect(screen.getByTestId('priorities-not-cause').textContent).toContain('associations, not causes');
    expect(backend.calls.map((call) => call.command)).toContain('get_hr_priorities');
  });
});
