// The heatmap view with the mock back end: the grid groups teams under their department's own
// row with its participation, every team cell is a button that opens the team, the modes show
// differences from the organisation or the department with a legend in words, and changes that
// are likely real are marked with a symbol and words, their interval in the table.

import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { setLanguage } from '../i18n/index.svelte';
import HrHeatmapView from './HrHeatmapView.svelte';

const HR = { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr' as const, manager_of: [] };

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

async function renderView() {
  const backend = createMockBackend({ hr: HR });
  const onteam = vi.fn();
  render(HrHeatmapView, { props: { backend, onteam } });
  const grid = await screen.findByTestId('hr-heatmap-grid');
  return { grid, onteam, user: userEvent.setup() };
}

describe('the heatmap grid', () => {
  it('groups teams under their department, with the organisation first and participation for each unit', async () => {
    const { grid } = await renderView();
    const rows = [...grid.querySelectorAll('tbody tr')].map(
      (row) => row.getAttribute('data-department') ?? row.getAttribute('data-team') ?? row.getAttribute('data-testid'),
    );
    expect(rows).toEqual([
      'heatmap-organisation-row',
      'Customer Care',
      'Escalations',
      'Help desk',
      'Phone support',
      'Operations',
      'Field service',
      'Sales',
      'Partnerships',
    ]);
    const care = grid.querySelector('tr[data-department="Customer Care"]')!;
    const careAnswered = within(care as HTMLElement).getByTestId('heatmap-unit-answered');
    expect(careAnswered.querySelector('[aria-hidden="true"]')?.textContent).toBe('64% (27/42)');
    expect(careAnswered.getAttribute('title')).toBe('64%: 27 of 42 answered a week, on average');
    // Sales releases nothing of its own (one team below k): "< 5", never a figure from its team.
    const sales = grid.querySelector('tr[data-department="Sales"]')!;
    expect(within(sales as HTMLElement).getByTestId('heatmap-unit-answered').getAttribute('title')).toBe('fewer than 5');
    expect(sales.textContent).not.toMatch(/\d{2}/);
  });

  it('makes every team cell a button that opens the team, its full text in its name', async () => {
    const { grid, onteam, user } = await renderView();
    const buttons = within(grid).getAllByTestId('heatmap-cell');
    expect(buttons.length).toBe(5 * 19);
    const phoneWellbeing = buttons.find(
      (button) => button.dataset.team === 'Phone support' && button.dataset.metric === 'wellbeing',
    )!;
    expect(phoneWellbeing.getAttribute('aria-label')).toMatch(
      /^\d+(\.\d)? −17 ● — Phone support · Wellbeing: .*change −17 \(95% interval −\d+(\.\d)? to −\d+(\.\d)?\), likely real\. Open the view of Phone support$/,
    );
    phoneWellbeing.focus();
    await user.keyboard('{Enter}');
    expect(onteam).toHaveBeenCalledWith('team_phone');
    const small = buttons.find((button) => button.dataset.team === 'Escalations' && button.dataset.metric === 'wellbeing')!;
    expect(small.textContent?.trim()).toBe('< 5');
    await user.click(small);
    expect(onteam).toHaveBeenLastCalledWith('team_escalations');
  });

  it('marks likely real changes with a symbol and words, not colour alone, and gives intervals in the table', async () => {
    const { grid } = await renderView();
    const likely = within(grid)
      .getAllByTestId('heatmap-cell')
      .filter((button) => button.dataset.likelyReal === 'true')
      .map((button) => `${button.dataset.team}/${button.dataset.metric}`);
    expect(likely).toEqual(['Help desk/recognition', 'Phone support/wellbeing', 'Phone support/communication']);
    expect(grid.querySelector('button[data-metric="wellbeing"][data-team="Phone support"]')?.textContent).toContain('●');
    expect(screen.getByTestId('heatmap-likely-real-note').textContent).toContain('95% interval leaves out zero');
    expect(screen.getByTestId('heatmap-likely-real-note').textContent).toContain('ε 6.5 per cell');
    const table = screen.getByTestId('hr-heatmap-table');
    const cell = table.querySelector('td[data-team="Phone support"][data-metric="wellbeing"]') as HTMLElement;
    expect(within(cell).getByTestId('heatmap-likely-real').textContent).toContain('likely real');
    expect(within(cell).getByTestId('heatmap-interval').textContent).toMatch(/^95% interval −\d/);
  });

  it('shows each team as its difference from the organisation or its department, with a legend in words', async () => {
    const { grid, user } = await renderView();
    const helpWellbeing = () =>
      grid.querySelector('button[data-team="Help desk"][data-metric="wellbeing"]') as HTMLElement;
    const values = helpWellbeing().textContent;
    await user.click(screen.getByTestId('heatmap-mode-vs_organisation'));
    expect(screen.getByTestId('heatmap-legend').textContent).toContain("organisation's own figure: orange below it");
    expect(helpWellbeing().textContent).not.toBe(values);
    expect(helpWellbeing().textContent?.trim()).toMatch(/^[+−]?\d+(\.\d)?$/);
    expect(helpWellbeing().getAttribute('aria-label')).toContain('from the organisation');
    await user.click(screen.getByTestId('heatmap-mode-vs_department'));
    expect(screen.getByTestId('heatmap-legend').textContent).toContain("its department's own figure");
    expect(helpWellbeing().getAttribute('aria-label')).toContain('from its department');
    // Partnerships' department (Sales) releases nothing: no difference, a dash.
    const partnerships = grid.querySelector('button[data-team="Partnerships"][data-metric="wellbeing"]');
    expect(partnerships?.textContent?.trim()).toBe('< 5');
    const field = grid.querySelector('button[data-team="Field service"][data-metric="wellbeing"]') as HTMLElement;
    expect(field.parentElement?.getAttribute('style') ?? '').toContain('background');
  });

  it('writes the column labels whole, vertically, never cut, in Italian', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    const { grid } = await renderView();
    const labels = [...grid.querySelectorAll('thead .vertical')].map((label) => label.textContent);
    expect(labels).toContain('Sostegno del responsabile');
    expect(labels).toContain('Strumenti e infrastruttura');
    expect(labels.every((label) => label !== null && !label.includes('…'))).toBe(true);
  });

  it("pages by department: the chosen one's teams under its own row, the organisation first, and back to all", async () => {
    const { grid, user } = await renderView();
    const select = screen.getByTestId('heatmap-department') as HTMLSelectElement;
    const names = [...select.options].map((option) => option.textContent);
    expect(names).toEqual(['All departments', 'Customer Care', 'Operations', 'Sales']);
    const operations = [...select.options].find((option) => option.textContent === 'Operations')!;
    await user.selectOptions(select, operations.value);
    const page = await screen.findByTestId('hr-heatmap-grid');
    const rows = () =>
      [...page.querySelectorAll('tbody tr')].map(
        (row) => row.getAttribute('data-department') ?? row.getAttribute('data-team') ?? row.getAttribute('data-testid'),
      );
    expect(rows()).toEqual(['heatmap-organisation-row', 'Operations', 'Field service']);
    expect(grid.isConnected).toBe(false);
    await user.selectOptions(screen.getByTestId('heatmap-department'), '');
    await screen.findByTestId('hr-heatmap-grid');
    expect(screen.getByTestId('hr-heatmap-grid').querySelectorAll('tbody tr[data-team]').length).toBe(5);
  });
});
