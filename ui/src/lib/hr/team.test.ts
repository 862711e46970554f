// The team drill-down: the pure shaping (team.ts) and the view with the mock back end,
// reached from the heatmap, with saving a table and a chart through the back end.

import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../../App.svelte';
import { createMockBackend } from '../backend/mock';
import { sampleTeamComparison } from '../backend/mock-hr';
import type { PeriodPoint } from '../bindings/PeriodPoint';
import { setLanguage } from '../i18n/index.svelte';
import { buildTeamMetricOption, shapeTeamComparison, teamTableRows } from './team';

// jsdom has no layout, so ECharts itself is replaced; a saved SVG or PNG comes from it.
const setOption = vi.fn();
vi.mock('echarts/core', () => ({
  use: () => {},
  init: () => ({
    setOption,
    resize: () => {},
    dispose: () => {},
    renderToSVGString: () => '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
    getDataURL: () => 'data:image/png;base64,iVBORw0KGgo=',
  }),
}));

beforeEach(() => {
  setOption.mockClear();
  setLanguage({ language: 'en', locale: 'en-GB' });
});

const TEXTS = {
  locale: 'en-GB',
  teamName: 'Help desk',
  departmentName: 'Customer Care',
  organisationName: 'Demo Srl',
  fontFamily: 'sans-serif',
  textColour: '#333',
  gridColour: '#ddd',
  accentColour: '#0f6e6e',
};

describe('the drill-down data', () => {
  it('keeps only metrics asked in the range, with three aligned series', () => {
    const comparison = sampleTeamComparison('team_help', 12);
    if (comparison === null) throw new Error('no sample');
    const data = shapeTeamComparison(comparison, 'en-GB');
    expect(data.length).toBeGreaterThan(0);
    expect(data.length).toBeLessThanOrEqual(comparison.metrics.length);
    for (const metric of data) {
      expect(metric.weeks.some((week) => week.asked)).toBe(true);
      expect(metric.team).toHaveLength(12);
      expect(metric.department).toHaveLength(12);
      expect(metric.organisation).toHaveLength(12);
    }
    const option = buildTeamMetricOption(data[0]!, TEXTS);
    expect(option.series.map((series) => (series as { name: string }).name)).toEqual([
      'withheld',
      'not published',
      'Help desk',
      'Customer Care',
      'Demo Srl',
    ]);
  });

  it('shows a small team as withheld beside its released department, never as 0', () => {
    const comparison = sampleTeamComparison('team_partnerships', 12);
    if (comparison === null) throw new Error('no sample');
    const wellbeing = shapeTeamComparison(comparison, 'it-IT').find((metric) => metric.metric === 'wellbeing');
    if (wellbeing === undefined) throw new Error('no wellbeing');
    expect(wellbeing.team.every((figure) => figure === null)).toBe(true);
    expect(wellbeing.department.some((figure) => figure !== null)).toBe(true);
    const rows = teamTableRows(wellbeing, 'it-IT');
    // The newest week is still collecting reports: "not yet published" for all three, not withheld.
    expect(rows[0]).toMatchObject({
      week: '2026-W47',
      team: { kind: 'not_published' },
      department: { kind: 'not_published' },
      organisation: { kind: 'not_published' },
    });
    const asked = rows.filter((row) => row.team.kind !== 'not_asked' && row.team.kind !== 'not_published');
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((row) => row.team.kind === 'withheld')).toBe(true);
    const released = asked.find((row) => row.department.kind === 'value');
    expect(released?.department).toMatchObject({ kind: 'value', text: expect.stringMatching(/^\d+(,\d)?$/) });
    const option = buildTeamMetricOption(wellbeing, TEXTS);
    const withheld = option.series[0] as { data: (number | null)[] };
    expect(withheld.data.filter((figure) => figure === 100).length).toBe(asked.length);
  });

  it('leaves the organisation out when the token does not reach it', () => {
    const comparison = sampleTeamComparison('team_help', 12);
    if (comparison === null) throw new Error('no sample');
    const scoped = {
      ...comparison,
      organisation: null,
      metrics: comparison.metrics.map((series) => ({ ...series, organisation: null })),
    };
    const data = shapeTeamComparison(scoped, 'en-GB');
    expect(data[0]?.organisation).toBeNull();
    expect(teamTableRows(data[0]!, 'en-GB')[0]?.organisation).toBeNull();
    expect(buildTeamMetricOption(data[0]!, TEXTS).series).toHaveLength(4);
  });
});

describe('the drill-down view', () => {
  it('opens from a team of the heatmap, compares it, saves a table and a chart, and goes back', async () => {
    const backend = createMockBackend({ hr: { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] } });
    render(App, { props: { backend } });
    const user = userEvent.setup();
    await screen.findByTestId('pulse-view');
    await user.click(screen.getByTestId('role-hr'));
    await user.click(await screen.findByTestId('nav-hr_heatmap'));
    await screen.findByTestId('hr-heatmap-table');
    const helpDesk = screen.getAllByTestId('heatmap-team').find((button) => button.textContent === 'Help desk');
    if (helpDesk === undefined) throw new Error('no Help desk button');
    await user.click(helpDesk);

    const view = await screen.findByTestId('hr-team');
    expect((await within(view).findByTestId('team-compared')).textContent).toContain(
      'Help desk compared with Customer Care and Demo Srl',
    );
    expect(backend.calls.find((call) => call.command === 'get_team_comparison')?.args).toEqual({
      query: { team_id: 'team_help', weeks: 26 },
    });
    const multiples = within(view).getAllByTestId('team-multiple');
    expect(multiples.length).toBeGreaterThan(1);

    await user.click(within(view).getByTestId('team-table-wellbeing-export-csv'));
    await waitFor(() =>
      expect(within(view).getByTestId('team-table-wellbeing-export-status').textContent).toContain('Saved as'),
    );
    const saved = backend.calls.filter((call) => call.command === 'export_file').at(-1)?.args as {
      file: { kind: string; suggested_name: string; content: string };
    };
    expect(saved.file.kind).toBe('csv');
    expect(saved.file.suggested_name).toContain('Help desk');
    expect(saved.file.content.startsWith('\uFEFF')).toBe(true);
    expect(saved.file.content).toContain('Fewer than 5 responses');

    await user.click(within(view).getByTestId('team-chart-wellbeing-export-svg'));
    await waitFor(() => {
      const last = backend.calls.filter((call) => call.command === 'export_file').at(-1)?.args as {
        file: { kind: string; content: string };
      };
      expect(last.file).toMatchObject({ kind: 'svg', content: expect.stringContaining('<svg') });
    });

    await user.click(within(view).getByTestId('hr-team-back'));
    await screen.findByTestId('hr-heatmap-table');
  });

  it('has its own navigation entry with a team picker, and a team outside the token is an error', async () => {
    const backend = createMockBackend({ hr: { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] } });
    render(App, { props: { backend } });
    const user = userEvent.setup();
    await screen.findByTestId('pulse-view');
    await user.click(screen.getByTestId('role-hr'));
    await user.click(await screen.findByTestId('nav-hr_team'));
    const select = (await screen.findByTestId('team-select')) as HTMLSelectElement;
    await screen.findByTestId('team-compared');
    expect(select.querySelectorAll('optgroup').length).toBe(3);
    await user.selectOptions(select, 'team_partnerships');
    await waitFor(() => expect(screen.getByTestId('team-compared').textContent).toContain('Partnerships'));
    await expect(backend.getTeamComparison({ team_id: 'team_elsewhere', weeks: 26 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('eNPS in the drill-down', () => {
  it('draws eNPS from the server on −100..+100 and marks a week without its histogram', () => {
    const point = (week: string, mean: number | null, enps: number | null, suppressed = false) => ({
      week,
      week_monday: '2026-11-02',
      mean,
      low: null,
      high: null,
      n: mean === null ? null : 12,
      asked: true,
      suppressed,
      published: true,
      enps: enps === null ? null : { promoters: 50, passives: 25, detractors: 25, enps },
    });
    const comparison = {
      k: 5,
      from: '2026-W45',
      to: '2026-W47',
      team: { id: 't', name: 'Help desk' },
      department: { id: 'd', name: 'Customer Care' },
      organisation: null,
      metrics: [
        {
          metric: 'enps' as const,
          team: [point('2026-W45', 70, 25), point('2026-W46', 55, null), point('2026-W47', null, null, true)],
          department: [point('2026-W45', 60, -10), point('2026-W46', 58, 5), point('2026-W47', 50, 0)],
          organisation: null,
        },
      ],
      published_through: '2026-W47',
      next_publication: null,
    };
    const [data] = shapeTeamComparison(comparison, 'en-GB');
    expect(data?.scale).toBe('enps');
    // The mean answers (70, 55) never stand in for eNPS.
    expect(data?.team).toEqual([25, null, null]);
    expect(data?.department).toEqual([-10, 5, 0]);
    const rows = teamTableRows(data!, 'en-GB');
    expect(rows.map((row) => row.team)).toEqual([
      { kind: 'withheld' },
      { kind: 'below_histogram_minimum' },
      { kind: 'value', text: '+25' },
    ]);
    expect(rows.map((row) => row.department)).toEqual([
      { kind: 'value', text: '0' },
      { kind: 'value', text: '+5' },
      { kind: 'value', text: '−10' },
    ]);
    expect(buildTeamMetricOption(data!, TEXTS).yAxis).toMatchObject({ min: -100, max: 100 });
  });
});

describe('a metric asked once every four weeks in the drill-down', () => {
  const period = (from: string, to: string, mean: number | null, state: Partial<PeriodPoint> = {}): PeriodPoint => ({
    from,
    to,
    from_monday: from === '2026-W40' ? '2026-09-28' : from === '2026-W44' ? '2026-10-26' : '2026-11-23',
    to_sunday: to === '2026-W43' ? '2026-10-25' : to === '2026-W47' ? '2026-11-22' : '2026-12-20',
    mean,
    low: null,
    high: null,
    n: mean === null ? null : 12,
    released_weeks: mean === null ? 0 : 1,
    withheld_weeks: mean === null ? 1 : 0,
    asked: true,
    suppressed: mean === null,
    published: true,
    standardised: false,
    ...state,
  });

  function withPeriods() {
    const comparison = sampleTeamComparison('team_help', 12);
    if (comparison === null) throw new Error('no sample');
    const metrics = comparison.metrics.map((series) =>
      series.metric === 'trust'
        ? {
            ...series,
            team_periods: [period('2026-W36', '2026-W39', 50), period('2026-W40', '2026-W43', null), period('2026-W44', '2026-W47', 58)],
            department_periods: [period('2026-W36', '2026-W39', 52), period('2026-W40', '2026-W43', 55), period('2026-W44', '2026-W47', 57)],
            organisation_periods: null,
          }
        : series,
    );
    return shapeTeamComparison({ ...comparison, metrics }, 'en-GB');
  }

  it('draws each unit as one point per period joined by a line, a withheld team period as a grey gap', () => {
    const trust = withPeriods().find((metric) => metric.metric === 'trust');
    if (trust === undefined || trust.periods === null) throw new Error('no trust periods');
    expect(trust.weeks[0]?.week).toBe('2026-W36');
    const option = buildTeamMetricOption(trust, TEXTS);
    const named = (name: string) => option.series.find((series) => (series as { name: string }).name === name) as { data: unknown };
    expect(named('Help desk').data).toEqual([
      [1, 50],
      [5, null],
      [9, 58],
    ]);
    expect(named('Customer Care').data).toEqual([
      [1, 52],
      [5, 55],
      [9, 57],
    ]);
    expect(named('withheld').data).toEqual([null, null, null, null, 100, 100, 100, 100, null, null, null, null]);
    // The token reaches the organisation, but no organisation periods came: its line is left out.
    expect(option.series.some((series) => (series as { name: string }).name === 'Demo Srl')).toBe(false);
  });

  it('tabulates the periods, newest first, each unit with its own figure or why it has none', () => {
    const trust = withPeriods().find((metric) => metric.metric === 'trust');
    if (trust === undefined) throw new Error('no trust');
    const rows = teamTableRows(trust, 'en-GB');
    expect(rows.map((row) => [row.week, row.team, row.department])).toEqual([
      ['2026-W44', { kind: 'value', text: '58' }, { kind: 'value', text: '57' }],
      ['2026-W40', { kind: 'withheld' }, { kind: 'value', text: '55' }],
      ['2026-W36', { kind: 'value', text: '50' }, { kind: 'value', text: '52' }],
    ]);
    expect(rows[0]?.period).toMatchObject({ toWeek: 47 });
    // Weekly metrics keep their weekly rows.
    const wellbeing = withPeriods().find((metric) => metric.metric === 'wellbeing');
    expect(wellbeing?.periods).toBeNull();
    expect(teamTableRows(wellbeing!, 'en-GB')[0]?.period).toBeNull();
  });
});
