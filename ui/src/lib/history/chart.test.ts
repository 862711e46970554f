import { describe, expect, it } from 'vitest';
import { sampleHistory } from '../backend/mock-data';
import type { MetricKey } from '../bindings/MetricKey';
import type { MyHistory } from '../bindings/MyHistory';
import {
  MAX_CHOSEN_METRICS,
  WEEK_INDEX_SERIES,
  buildChartOption,
  chooseSeries,
  historyTableRows,
  initialChoice,
  isoWeekOfMonday,
  shapeHistoryChart,
  toggleMetric,
  type ChartOptionTexts,
} from './chart';

const options = { locale: 'en-GB', metricName: (metric: MetricKey) => `name:${metric}` };

const TWO_WEEKS: MyHistory = {
  weeks: [
    {
      week: '2026-W46',
      week_monday: '2026-11-09',
      scores: [
        { metric: 'engagement', score: 62.5 },
        { metric: 'wellbeing', score: 75 },
      ],
      work_week: null,
      note: null,
      care: null,
    },
    {
      week: '2026-W47',
      week_monday: '2026-11-16',
      scores: [
        { metric: 'wellbeing', score: 50 },
        { metric: 'tools', score: 25 },
      ],
      work_week: null,
      note: null,
      care: null,
    },
  ],
};

describe('shapeHistoryChart', () => {
  it('gives nothing to draw for an empty history', () => {
    expect(shapeHistoryChart({ weeks: [] }, options)).toEqual({ weeks: [], series: [] });
  });

  it('has one series per metric present, in the canonical metric order', () => {
    const data = shapeHistoryChart(TWO_WEEKS, options);
    expect(data.series.map((series) => series.metric)).toEqual(['wellbeing', 'engagement', 'tools']);
    expect(data.series.map((series) => series.name)).toEqual(['name:wellbeing', 'name:engagement', 'name:tools']);
  });

  it('leaves a null gap where a metric was not asked', () => {
    const data = shapeHistoryChart(TWO_WEEKS, options);
    expect(data.series.find((series) => series.metric === 'engagement')?.values).toEqual([62.5, null]);
    expect(data.series.find((series) => series.metric === 'tools')?.values).toEqual([null, 25]);
    expect(data.series.find((series) => series.metric === 'wellbeing')?.values).toEqual([75, 50]);
  });

  it('fills an unanswered week with nulls instead of joining across it', () => {
    // The sample history skips 2026-W44.
    const data = shapeHistoryChart(sampleHistory(), options);
    expect(data.weeks.map((week) => week.week)).toEqual([
      '2026-W40', '2026-W41', '2026-W42', '2026-W43', '2026-W44', '2026-W45', '2026-W46', '2026-W47',
    ]);
    const skipped = data.weeks[4];
    expect(skipped).toMatchObject({ week: '2026-W44', monday: '2026-10-26', weekNumber: 44, answered: false });
    for (const series of data.series) expect(series.values[4], series.metric).toBeNull();
    for (const series of data.series) expect(series.values).toHaveLength(8);
  });

  it('sorts weeks by date even when they arrive out of order', () => {
    const reversed = { weeks: [...TWO_WEEKS.weeks].reverse() };
    expect(shapeHistoryChart(reversed, options).weeks.map((week) => week.week)).toEqual(['2026-W46', '2026-W47']);
  });

  it('labels the axis with dates in the locale format', () => {
    expect(shapeHistoryChart(TWO_WEEKS, options).weeks.map((week) => week.axisLabel)).toEqual(['9 Nov', '16 Nov']);
    expect(
      shapeHistoryChart(TWO_WEEKS, { ...options, locale: 'it-IT' }).weeks.map((week) => week.axisLabel),
    ).toEqual(['9 nov', '16 nov']);
  });
});

describe('isoWeekOfMonday', () => {
  it.each([
    ['2026-11-23', '2026-W48'],
    ['2026-10-26', '2026-W44'],
    ['2025-12-29', '2026-W01'],
    ['2020-12-28', '2020-W53'],
    ['2027-01-04', '2027-W01'],
  ])('%s starts %s', (monday, week) => {
    expect(isoWeekOfMonday(monday)).toBe(week);
  });

  it('crosses a year end without losing a week', () => {
    const history: MyHistory = {
      weeks: [
        { week: '2026-W52', week_monday: '2026-12-21', scores: [], work_week: null, note: null, care: null },
        { week: '2027-W02', week_monday: '2027-01-11', scores: [], work_week: null, note: null, care: null },
      ],
    };
    expect(shapeHistoryChart(history, options).weeks.map((week) => week.week)).toEqual([
      '2026-W52', '2026-W53', '2027-W01', '2027-W02',
    ]);
  });
});

describe('historyTableRows', () => {
  it('lists answered weeks newest first, with the series as columns and locale numbers', () => {
    const data = shapeHistoryChart(TWO_WEEKS, options);
    const rows = historyTableRows(TWO_WEEKS, data, 'it-IT');
    expect(rows.map((row) => row.week)).toEqual(['2026-W47', '2026-W46']);
    expect(rows[1]?.cells).toEqual([
      { metric: 'wellbeing', value: 75, text: '75' },
      { metric: 'engagement', value: 62.5, text: '62,5' },
      { metric: 'tools', value: null, text: null },
    ]);
    expect(historyTableRows(TWO_WEEKS, data, 'en-GB')[1]?.cells[1]?.text).toBe('62.5');
  });

  it('skips filled-in weeks: the table has only what was answered', () => {
    const history = sampleHistory();
    const rows = historyTableRows(history, shapeHistoryChart(history, options), 'en-GB');
    expect(rows).toHaveLength(history.weeks.length);
    expect(rows.some((row) => row.week === '2026-W44')).toBe(false);
  });
});

describe('buildChartOption', () => {
  const texts: ChartOptionTexts = {
    locale: 'it-IT',
    weekTitle: (week) => `Settimana ${week.weekNumber}`,
    fontFamily: 'system-ui, sans-serif',
    textColour: '#000',
    gridColour: '#ccc',
  };

  it('draws one line per series with gaps kept, on a 0–100 axis', () => {
    const option = buildChartOption(shapeHistoryChart(TWO_WEEKS, options), texts);
    expect(option.series.map((series) => series.name)).toEqual([
      WEEK_INDEX_SERIES,
      'name:wellbeing',
      'name:engagement',
      'name:tools',
    ]);
    expect(option.series.slice(1).every((series) => series.type === 'line' && 'connectNulls' in series && !series.connectNulls)).toBe(true);
    // Engagement's line is its asked weeks as [axis index, score] pairs.
    expect(option.series[2]?.data).toEqual([[0, 62.5]]);
    // The invisible series has one point per week, for the tooltip.
    expect(option.series[0]?.data).toHaveLength(2);
    expect(option.yAxis).toMatchObject({ min: 0, max: 100 });
    expect(option.legend.data).toEqual(['name:wellbeing', 'name:engagement', 'name:tools']);
    expect(option.xAxis.data).toEqual(['9 Nov', '16 Nov']);
  });

  it('writes the tooltip in the locale for the week pointed at, skipping metrics without a score, and escapes names', () => {
    const named = { ...options, metricName: (metric: MetricKey) => (metric === 'engagement' ? 'Coinvolgimento <b>' : metric) };
    const option = buildChartOption(shapeHistoryChart(TWO_WEEKS, named), texts);
    // Only the invisible series may be under the pointer: the week still comes from it.
    const html = option.tooltip.formatter([{ dataIndex: 0, seriesName: WEEK_INDEX_SERIES, value: 0, marker: '' }]);
    expect(html).toBe('Settimana 46<br>wellbeing: <b>75</b><br>Coinvolgimento &#60;b&#62;: <b>62,5</b>');
    const second = option.tooltip.formatter([{ dataIndex: 1, seriesName: WEEK_INDEX_SERIES, value: 0, marker: '' }]);
    expect(second).toBe('Settimana 47<br>wellbeing: <b>50</b><br>tools: <b>25</b>');
    expect(option.yAxis.axisLabel.formatter(50)).toBe('50');
  });
});

/** Wellbeing every week; trust asked in W40, W44 and W48 of a schedule, W44 not answered at all. */
function driverHistory(): MyHistory {
  const week = (number: number, monday: string, trust: number | null): MyHistory['weeks'][number] => ({
    week: `2026-W${number}`,
    week_monday: monday,
    scores: [
      { metric: 'wellbeing', score: number },
      ...(trust === null ? [] : [{ metric: 'trust' as const, score: trust }]),
    ],
    work_week: null,
    note: null,
    care: null,
  });
  const asked = (number: number, trust: boolean) => ({
    week: `2026-W${number}`,
    metrics: trust ? (['wellbeing', 'trust'] as MetricKey[]) : (['wellbeing'] as MetricKey[]),
  });
  return {
    weeks: [
      week(40, '2026-09-28', 60),
      week(41, '2026-10-05', null),
      week(42, '2026-10-12', null),
      week(43, '2026-10-19', null),
      week(45, '2026-11-02', null),
      week(46, '2026-11-09', null),
      week(47, '2026-11-16', null),
      week(48, '2026-11-23', 70),
      week(52, '2026-12-21', 80),
    ],
    asked: [40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52].map((number) => asked(number, number % 4 === 0)),
  };
}

describe('a driver asked one week in four', () => {
  it('joins its asked weeks into one line instead of a dot every fourth week', () => {
    const data = shapeHistoryChart(
      { ...driverHistory(), weeks: driverHistory().weeks.filter((week) => week.week !== '2026-W52') },
      options,
    );
    const trust = data.series.find((series) => series.metric === 'trust');
    // W40, W44 (asked, not answered: a gap) and W48.
    expect(trust?.points).toEqual([
      [0, 60],
      [4, null],
      [8, 70],
    ]);
    expect(trust?.values.filter((value) => value !== null)).toEqual([60, 70]);
  });

  it('connects asked weeks that were answered, across the weeks that did not ask it', () => {
    const data = shapeHistoryChart(driverHistory(), options);
    const trust = data.series.find((series) => series.metric === 'trust');
    expect(trust?.points).toEqual([
      [0, 60],
      [4, null],
      [8, 70],
      [12, 80],
    ]);
    // Wellbeing, asked every week, breaks only at the unanswered W44 and the weeks after W48.
    const wellbeing = data.series.find((series) => series.metric === 'wellbeing');
    expect(wellbeing?.points.slice(3, 6)).toEqual([
      [3, 43],
      [4, null],
      [5, 45],
    ]);
  });

  it('without the schedule, counts only answered weeks and leaves unanswered ones as gaps', () => {
    const { asked: _asked, ...withoutSchedule } = driverHistory();
    const data = shapeHistoryChart(withoutSchedule, options);
    const trust = data.series.find((series) => series.metric === 'trust');
    expect(trust?.points.map(([index]) => index)).toEqual([0, 4, 8, 9, 10, 11, 12]);
    expect(trust?.points.filter(([, value]) => value !== null)).toEqual([
      [0, 60],
      [8, 70],
      [12, 80],
    ]);
  });
});

describe('the metric picker', () => {
  const present: MetricKey[] = ['wellbeing', 'engagement', 'trust', 'tools', 'growth', 'flexibility'];

  it('starts with wellbeing, else the first metric, else the remembered choice kept to what is present', () => {
    expect(initialChoice(present, null)).toEqual(['wellbeing']);
    expect(initialChoice(['trust', 'tools'], null)).toEqual(['trust']);
    expect(initialChoice(present, ['tools', 'who5', 'trust'])).toEqual(['trust', 'tools']);
    expect(initialChoice(present, ['who5'])).toEqual(['wellbeing']);
    expect(initialChoice(present, present)).toHaveLength(MAX_CHOSEN_METRICS);
    expect(initialChoice([], null)).toEqual([]);
  });

  it('adds up to the maximum in the canonical order and never takes the last one away', () => {
    let chosen = toggleMetric(['wellbeing'], 'trust');
    chosen = toggleMetric(chosen, 'engagement');
    expect(chosen).toEqual(['wellbeing', 'engagement', 'trust']);
    chosen = toggleMetric(chosen, 'tools');
    expect(chosen).toHaveLength(MAX_CHOSEN_METRICS);
    expect(toggleMetric(chosen, 'growth')).toEqual(chosen);
    expect(toggleMetric(chosen, 'engagement')).toEqual(['wellbeing', 'tools', 'trust']);
    expect(toggleMetric(['trust'], 'trust')).toEqual(['trust']);
  });

  it('draws and tabulates only the chosen metrics', () => {
    const history = driverHistory();
    const data = chooseSeries(shapeHistoryChart(history, options), ['trust']);
    expect(data.series.map((series) => series.metric)).toEqual(['trust']);
    const rows = historyTableRows(history, data, 'en-GB');
    expect(rows[0]?.cells).toEqual([{ metric: 'trust', value: 80, text: '80' }]);
    expect(buildChartOption(data, { locale: 'en-GB', weekTitle: () => '', fontFamily: 'x', textColour: '#000', gridColour: '#ccc' }).legend.data).toEqual(['name:trust']);
  });
});
