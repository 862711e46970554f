import { describe, expect, it } from 'vitest';
import type { HrOverview } from '../bindings/HrOverview';
import { sampleHrOverview } from '../backend/mock-hr';
import { buildOverviewOption, overviewPeriodRows, overviewTableRows, shapeOverviewChart, type OverviewOptionTexts } from './overview';

const OVERVIEW: HrOverview = {
  k: 5,
  from: '2026-W45',
  to: '2026-W47',
  metrics: [
    {
      metric: 'wellbeing',
      points: [
        { week: '2026-W45', week_monday: '2026-11-02', mean: 70, low: 66.5, high: 73.5, n: 40, asked: true, suppressed: false, published: true },
        { week: '2026-W46', week_monday: '2026-11-09', mean: null, low: null, high: null, n: null, asked: true, suppressed: true, published: true },
        { week: '2026-W47', week_monday: '2026-11-16', mean: 62.25, low: 55, high: 69.5, n: 38, asked: true, suppressed: false, published: true },
      ],
    },
    {
      metric: 'trust',
      points: [
        { week: '2026-W45', week_monday: '2026-11-02', mean: null, low: null, high: null, n: null, asked: false, suppressed: false, published: true },
        { week: '2026-W46', week_monday: '2026-11-09', mean: 55, low: 50, high: 60, n: 31, asked: true, suppressed: false, published: true },
        { week: '2026-W47', week_monday: '2026-11-16', mean: null, low: null, high: null, n: null, asked: false, suppressed: false, published: true },
      ],
    },
  ],
  participation: [
    { week: '2026-W45', week_monday: '2026-11-02', n: 40, suppressed: false, published: true },
    { week: '2026-W46', week_monday: '2026-11-09', n: 31, suppressed: false, published: true },
    { week: '2026-W47', week_monday: '2026-11-16', n: 38, suppressed: false, published: true },
  ],
  published_through: '2026-W47',
  next_publication: { week: '2026-W48', at: '2026-12-05T09:00:00Z' },
  questionnaire: [],
};

/** The same weeks with 2026-W47 still collecting reports. */
const COLLECTING: HrOverview = {
  ...OVERVIEW,
  metrics: OVERVIEW.metrics.map((series) => ({
    ...series,
    points: series.points.map((point) =>
      point.week === '2026-W47'
        ? { ...point, mean: null, low: null, high: null, n: null, asked: true, suppressed: false, published: false }
        : point,
    ),
  })),
  participation: OVERVIEW.participation.map((point) =>
    point.week === '2026-W47' ? { ...point, n: null, suppressed: false, published: false } : point,
  ),
  published_through: '2026-W46',
  next_publication: { week: '2026-W47', at: '2026-11-28T09:00:00Z' },
};

const TEXTS: OverviewOptionTexts = {
  locale: 'en-GB',
  metricName: 'Wellbeing',
  bandName: '95% band',
  participationName: 'Responses',
  fewerThanK: 'Fewer than 5 responses',
  notApplicable: (count) => `Not applicable this week: ${count}`,
  editionChange: (edition) => `Questionnaire edition ${edition} from here`,
  notAsked: 'Not asked this week',
  notPublished: 'Not yet published',
  belowHistogramMinimum: 'Below the histogram minimum: no eNPS',
  enpsBreakdown: (figures) => `Promoters ${figures.promoters}`,
  burnoutShare: (share) => `Reporting burnout symptoms: ${share}%`,
  weekTitle: (week) => `Week ${week.weekNumber}`,
  fontFamily: 'sans-serif',
  textColour: '#222',
  gridColour: '#ddd',
  accentColour: '#2a6',
};

describe('the overview chart data', () => {
  it('draws the band as its lower edge plus its width', () => {
    const data = shapeOverviewChart(OVERVIEW, 'wellbeing', 'en-GB');
    expect(data.mean).toEqual([70, null, 62.25]);
    expect(data.bandLow).toEqual([66.5, null, 55]);
    expect(data.bandWidth).toEqual([7, null, 14.5]);
    expect(data.weeks.map((week) => week.axisLabel)).toEqual(['2 Nov', '9 Nov', '16 Nov']);
  });

  it('keeps a suppressed week as a marked week, never a zero', () => {
    const data = shapeOverviewChart(OVERVIEW, 'wellbeing', 'en-GB');
    expect(data.weeks.map((week) => week.suppressed)).toEqual([false, true, false]);
    expect(data.mean[1]).toBeNull();
    expect(data.n[1]).toBeNull();
    expect(data.participation).toEqual([40, 31, 38]);
    const option = buildOverviewOption(data, TEXTS);
    // The withheld week is a grey column as wide as the week, not a zero-width area.
    const withheld = option.series.find((series) => series.name === 'withheld');
    expect(withheld?.data).toEqual([null, 100, null]);
    expect(withheld).toMatchObject({ type: 'bar', barWidth: '70%' });
    const tooltip = option.tooltip.formatter([{ dataIndex: 1 }]);
    expect(tooltip).toContain('Fewer than 5 responses');
    expect(tooltip).not.toMatch(/Wellbeing: <b>0/);
    expect(option.tooltip.formatter([{ dataIndex: 0 }])).toContain('95% band: 66.5–73.5');
  });

  it('writes the table newest first in the locale, with suppressed rows empty of figures', () => {
    const rows = overviewTableRows(shapeOverviewChart(OVERVIEW, 'wellbeing', 'it-IT'), 'it-IT');
    expect(rows.map((row) => row.week)).toEqual(['2026-W47', '2026-W46', '2026-W45']);
    expect(rows[0]).toMatchObject({ mean: '62,3', band: '55–69,5', n: '38', date: '16 nov 2026' });
    expect(rows[1]).toMatchObject({ suppressed: true, mean: null, band: null, n: null, participation: '31' });
  });

  it('breaks the line at weeks the schedule did not ask, without calling them "fewer than k"', () => {
    const data = shapeOverviewChart(OVERVIEW, 'trust', 'en-GB');
    expect(data.weeks.map((week) => [week.asked, week.suppressed])).toEqual([
      [false, false],
      [true, false],
      [false, false],
    ]);
    expect(data.mean).toEqual([null, 55, null]);
    expect(data.bandLow).toEqual([null, 50, null]);
    expect(data.n).toEqual([null, 31, null]);
    const option = buildOverviewOption(data, { ...TEXTS, metricName: 'Trust' });
    const mean = option.series.find((series) => series.name === 'Trust');
    expect(mean).toMatchObject({ connectNulls: false });
    expect(option.series.find((series) => series.name === 'withheld')?.data).toEqual([null, null, null]);
    const tooltip = option.tooltip.formatter([{ dataIndex: 0 }]);
    expect(tooltip).toContain('Not asked this week');
    expect(tooltip).not.toContain('Fewer than');
  });

  it('labels not-asked rows of the table apart from suppressed ones', () => {
    const rows = overviewTableRows(shapeOverviewChart(OVERVIEW, 'trust', 'en-GB'), 'en-GB');
    expect(rows.map((row) => [row.week, row.asked, row.suppressed])).toEqual([
      ['2026-W47', false, false],
      ['2026-W46', true, false],
      ['2026-W45', false, false],
    ]);
    expect(rows[0]).toMatchObject({ mean: null, band: null, n: null, participation: '38' });
    expect(rows[1]).toMatchObject({ mean: '55', band: '50–60', n: '31' });
  });

  it('gives a metric the overview lacks no weeks rather than zeros', () => {
    const data = shapeOverviewChart(OVERVIEW, 'tools', 'en-GB');
    expect(data.weeks).toEqual([]);
    expect(data.mean).toEqual([]);
  });

  it('shows a week not yet published as a state of its own, never "fewer than k" or "not asked"', () => {
    for (const metric of ['wellbeing', 'trust'] as const) {
      const data = shapeOverviewChart(COLLECTING, metric, 'en-GB');
      const last = data.weeks[2];
      expect(last).toMatchObject({ week: '2026-W47', published: false, suppressed: false, asked: true });
      expect([data.mean[2], data.bandLow[2], data.n[2], data.participation[2]]).toEqual([null, null, null, null]);
      const option = buildOverviewOption(data, TEXTS);
      expect(option.series.find((series) => series.name === 'not published')?.data).toEqual([null, null, 100]);
      expect(option.series.find((series) => series.name === 'withheld')?.data[2]).toBeNull();
      const tooltip = option.tooltip.formatter([{ dataIndex: 2 }]);
      expect(tooltip).toContain('Not yet published');
      expect(tooltip).not.toContain('Fewer than');
      expect(tooltip).not.toContain('Not asked');
      const rows = overviewTableRows(data, 'en-GB');
      expect(rows[0]).toMatchObject({ week: '2026-W47', published: false, suppressed: false, mean: null, participation: null });
      expect(rows.slice(1).every((row) => row.published)).toBe(true);
    }
  });

  it('reads the mock sample end to end: every empty week is not asked, suppressed or not yet published', () => {
    const sample = sampleHrOverview(12);
    expect(sample.published_through).toBe('2026-W46');
    expect(sample.next_publication?.week).toBe('2026-W47');
    for (const metric of ['wellbeing', 'engagement'] as const) {
      const data = shapeOverviewChart(sample, metric, 'en-GB');
      expect(data.weeks).toHaveLength(12);
      for (const [index, week] of data.weeks.entries()) {
        expect(week.suppressed || !week.asked || !week.published, week.week).toBe(data.mean[index] === null);
        expect(week.suppressed && !week.asked, week.week).toBe(false);
        expect(week.published, week.week).toBe(week.week !== '2026-W47');
      }
      expect(data.weeks.some((week) => !week.asked), metric).toBe(true);
    }
    const wellbeing = shapeOverviewChart(sample, 'wellbeing', 'en-GB');
    expect(wellbeing.weeks.filter((week) => week.suppressed)).toHaveLength(1);
    const engagement = shapeOverviewChart(sample, 'engagement', 'en-GB');
    expect(engagement.weeks.some((week) => week.suppressed)).toBe(false);
  });
});

/** eNPS and burnout over three weeks: released with counts, released below the histogram minimum, withheld. */
const DERIVED: HrOverview = {
  ...OVERVIEW,
  metrics: [
    {
      metric: 'enps',
      points: [
        {
          week: '2026-W45', week_monday: '2026-11-02', mean: 62, low: 55, high: 69, n: 40, asked: true, suppressed: false, published: true,
          enps: { promoters: 40, passives: 30, detractors: 30, enps: 10 },
        },
        { week: '2026-W46', week_monday: '2026-11-09', mean: 48, low: null, high: null, n: 7, asked: true, suppressed: false, published: true, enps: null },
        { week: '2026-W47', week_monday: '2026-11-16', mean: null, low: null, high: null, n: null, asked: true, suppressed: true, published: true },
      ],
    },
    {
      metric: 'burnout',
      points: [
        { week: '2026-W45', week_monday: '2026-11-02', mean: 70, low: 65, high: 75, n: 40, asked: true, suppressed: false, published: true, burnout_share: 27.5 },
        { week: '2026-W46', week_monday: '2026-11-09', mean: 72, low: null, high: null, n: 7, asked: true, suppressed: false, published: true, burnout_share: null },
        { week: '2026-W47', week_monday: '2026-11-16', mean: null, low: null, high: null, n: null, asked: true, suppressed: true, published: true, burnout_share: 99 },
      ],
    },
  ],
};

describe('eNPS and the burnout share in the overview', () => {
  it('draws eNPS as promoters minus detractors on −100..+100, never the mean answer', () => {
    const data = shapeOverviewChart(DERIVED, 'enps', 'en-GB');
    expect(data.scale).toBe('enps');
    expect(data.mean).toEqual([10, null, null]);
    expect(data.bandLow).toEqual([null, null, null]);
    // A released mean without its counts is "below the histogram minimum", not "fewer than k".
    expect(data.weeks.map((week) => week.belowHistogramMinimum)).toEqual([false, true, false]);
    expect(data.weeks.map((week) => week.suppressed)).toEqual([false, false, true]);
    const option = buildOverviewOption(data, { ...TEXTS, metricName: 'eNPS (−100 to +100)' });
    expect(option.yAxis[0]).toMatchObject({ min: -100, max: 100 });
    // Withheld columns reach down to −100 as well as up to +100.
    const withheld = option.series.filter((series) => series.name === 'withheld').map((series) => series.data);
    expect(withheld).toEqual([
      [null, 100, 100],
      [null, -100, -100],
    ]);
    const tooltip = option.tooltip.formatter as (params: { dataIndex: number }[]) => string;
    expect(tooltip([{ dataIndex: 0 }])).toContain('<b>+10</b>');
    expect(tooltip([{ dataIndex: 0 }])).toContain('Promoters 40');
    expect(tooltip([{ dataIndex: 1 }])).toContain('Below the histogram minimum');
  });

  it('writes eNPS with its sign and its three shares in the table', () => {
    const rows = overviewTableRows(shapeOverviewChart(DERIVED, 'enps', 'it-IT'), 'it-IT');
    const released = rows.find((row) => row.week === '2026-W45');
    expect(released).toMatchObject({ mean: '+10', promoters: '40%', passives: '30%', detractors: '30%' });
    const belowMinimum = rows.find((row) => row.week === '2026-W46');
    expect(belowMinimum).toMatchObject({ belowHistogramMinimum: true, mean: null, promoters: null });
  });

  it('gives the burnout share where released and never for a withheld week', () => {
    const data = shapeOverviewChart(DERIVED, 'burnout', 'en-GB');
    expect(data.scale).toBe('score');
    expect(data.mean).toEqual([70, 72, null]);
    expect(data.burnoutShare).toEqual([27.5, null, null]);
    const rows = overviewTableRows(data, 'en-GB');
    expect(rows.map((row) => row.burnoutShare)).toEqual([null, null, '28%']);
    const tooltip = buildOverviewOption(data, TEXTS).tooltip.formatter as (params: { dataIndex: number }[]) => string;
    expect(tooltip([{ dataIndex: 0 }])).toContain('Reporting burnout symptoms: 27.5%');
  });
});

describe('driver levels, edition changes and "not applicable"', () => {
  const DRIVER: HrOverview = {
    ...OVERVIEW,
    metrics: [
      {
        metric: 'customer_focus',
        points: [
          { week: '2026-W45', week_monday: '2026-11-02', mean: 40, low: 35, high: 45, n: 20, asked: true, suppressed: false, published: true, standardised_mean: 60, item_id: 'cust.3', not_applicable: 7 },
          { week: '2026-W46', week_monday: '2026-11-09', mean: 61, low: 56, high: 66, n: 20, asked: true, suppressed: false, published: true, standardised_mean: null, item_id: 'cust.1', not_applicable: null },
          { week: '2026-W47', week_monday: '2026-11-16', mean: null, low: null, high: null, n: null, asked: true, suppressed: true, published: true, not_applicable: 9 },
        ],
      },
    ],
    questionnaire: [
      { from_week: null, edition: 2, who5: true },
      { from_week: '2026-W46', edition: 3, who5: false },
    ],
  };

  it('draws a driver on its anchor level, band and all, and says which weeks are', () => {
    const data = shapeOverviewChart(DRIVER, 'customer_focus', 'en-GB');
    expect(data.mean).toEqual([60, 61, null]);
    expect(data.bandLow[0]).toBe(55);
    expect(data.bandWidth[0]).toBe(10);
    expect(data.standardised).toEqual([true, false, false]);
  });

  it('marks the week a new edition began, on the chart and in the table', () => {
    const data = shapeOverviewChart(DRIVER, 'customer_focus', 'en-GB');
    expect(data.editionChanges).toEqual([{ index: 1, edition: 3, who5: false }]);
    const option = buildOverviewOption(data, TEXTS);
    const line = option.series.find((series) => 'markLine' in series) as { markLine: { data: unknown[] } };
    expect(line.markLine.data).toEqual([{ xAxis: 1 }]);
    const rows = overviewTableRows(data, 'en-GB');
    expect(rows.find((row) => row.week === '2026-W46')?.editionChange).toBe(3);
    expect(rows.filter((row) => row.editionChange !== null)).toHaveLength(1);
  });

  it('counts who found the metric not applicable, even in a week whose answers were withheld', () => {
    const data = shapeOverviewChart(DRIVER, 'customer_focus', 'en-GB');
    expect(data.notApplicable).toEqual([7, null, 9]);
    const rows = overviewTableRows(data, 'en-GB');
    expect(rows.map((row) => row.notApplicable)).toEqual(['9', null, '7']);
    const tooltip = buildOverviewOption(data, TEXTS).tooltip.formatter([{ dataIndex: 0 }]);
    expect(tooltip).toContain('Not applicable this week: 7');
  });
});

/** Eight weeks of engagement asked in W45 and W49 (two schedule cycles), with its periods. */
const FOUR_WEEKLY: HrOverview = (() => {
  const weeks = ['2026-W44', '2026-W45', '2026-W46', '2026-W47', '2026-W48', '2026-W49', '2026-W50', '2026-W51'];
  const mondays = ['2026-10-26', '2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30', '2026-12-07', '2026-12-14'];
  const point = (index: number) => ({
    week: weeks[index] ?? '',
    week_monday: mondays[index] ?? '',
    mean: index === 1 ? 64 : null,
    low: index === 1 ? 60 : null,
    high: index === 1 ? 68 : null,
    n: index === 1 ? 30 : null,
    asked: index === 1 || index === 5,
    suppressed: index === 5,
    published: index < 7,
  });
  const period = (from: string, to: string, fromMonday: string, toSunday: string) => ({
    from,
    to,
    from_monday: fromMonday,
    to_sunday: toSunday,
    mean: null,
    low: null,
    high: null,
    n: null,
    released_weeks: 0,
    withheld_weeks: 0,
    asked: true,
    suppressed: false,
    published: true,
    standardised: false,
  });
  return {
    ...OVERVIEW,
    from: '2026-W44',
    to: '2026-W51',
    metrics: [
      {
        metric: 'engagement',
        points: weeks.map((_, index) => point(index)),
        periods: [
          { ...period('2026-W44', '2026-W47', '2026-10-26', '2026-11-22'), mean: 64, low: 60, high: 68, n: 30, released_weeks: 1 },
          { ...period('2026-W48', '2026-W51', '2026-11-23', '2026-12-20'), suppressed: true, withheld_weeks: 1 },
          // A period outside the axis is left out.
          period('2026-W52', '2026-W53', '2026-12-21', '2027-01-03'),
        ],
      },
    ],
    participation: weeks.map((week, index) => ({ week, week_monday: mondays[index] ?? '', n: 30, suppressed: false, published: index < 7 })),
    published_through: '2026-W50',
  };
})();

describe('a metric asked once every four weeks', () => {
  it('places each period on the weekly axis, its point at the middle week', () => {
    const data = shapeOverviewChart(FOUR_WEEKLY, 'engagement', 'en-GB');
    expect(data.periods?.map((period) => [period.first, period.anchor, period.last])).toEqual([
      [0, 1, 3],
      [4, 5, 7],
    ]);
    expect(data.periods?.map((period) => period.mean)).toEqual([64, null]);
    expect(data.periods?.[1]?.suppressed).toBe(true);
    expect(shapeOverviewChart(OVERVIEW, 'wellbeing', 'en-GB').periods).toBeNull();
  });

  it('draws one point per period joined by a line, the withheld period as a gap over grey weeks, never a zero', () => {
    const data = shapeOverviewChart(FOUR_WEEKLY, 'engagement', 'en-GB');
    const option = buildOverviewOption(data, TEXTS);
    const line = option.series.find((series) => series.name === 'Wellbeing' && series.type === 'line');
    expect(line?.data).toEqual([
      [1, 64],
      [5, null],
    ]);
    const interval = option.series.find((series) => series.type === 'custom');
    expect(interval?.data).toEqual([[1, 60, 68]]);
    const withheld = option.series.find((series) => series.name === 'withheld');
    expect(withheld?.data).toEqual([null, null, null, null, 100, 100, 100, 100]);
    // The weekly band is not drawn for a four-week metric.
    expect(option.series.find((series) => series.name === 'band-low')?.data).toEqual([]);
  });

  it('tells in the tooltip of any week which period it belongs to and why it has no figure', () => {
    const data = shapeOverviewChart(FOUR_WEEKLY, 'engagement', 'en-GB');
    const option = buildOverviewOption(data, {
      ...TEXTS,
      periodTitle: (period) => `Weeks ${period.from}–${period.to}`,
      periodWeeks: (period) => `From ${period.releasedWeeks} released weeks; ${period.withheldWeeks} withheld`,
    });
    const first = option.tooltip.formatter([{ dataIndex: 3, seriesName: 'week-index' }]);
    expect(first).toBe('Weeks 2026-W44–2026-W47<br>Wellbeing: <b>64</b><br>95% band: 60–68<br>From 1 released weeks; 0 withheld');
    const second = option.tooltip.formatter([{ dataIndex: 0, seriesName: 'withheld' }, { dataIndex: 6, seriesName: 'week-index' }]);
    expect(second).toBe('Weeks 2026-W48–2026-W51<br>Fewer than 5 responses<br>From 0 released weeks; 1 withheld');
  });

  it('lists the periods newest first with the locale numbers and dates', () => {
    const rows = overviewPeriodRows(shapeOverviewChart(FOUR_WEEKLY, 'engagement', 'it-IT'), 'it-IT');
    expect(rows.map((row) => [row.from, row.state])).toEqual([
      ['2026-W48', 'withheld'],
      ['2026-W44', 'value'],
    ]);
    expect(rows[1]).toMatchObject({ fromWeek: 44, toWeek: 47, mean: '64', band: '60–68', n: '30', releasedWeeks: 1 });
    expect(rows[1]?.dates).toContain('ottobre');
    expect(overviewPeriodRows(shapeOverviewChart(OVERVIEW, 'wellbeing', 'en-GB'), 'en-GB')).toEqual([]);
  });
});
