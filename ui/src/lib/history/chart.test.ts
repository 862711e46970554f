import { describe, expect, it } from 'vitest';
import { sampleHistory } from '../backend/mock-data';
import type { MetricKey } from '../bindings/MetricKey';
import type { MyHistory } from '../bindings/MyHistory';
import { buildChartOption, historyTableRows, isoWeekOfMonday, shapeHistoryChart, type ChartOptionTexts } from './chart';

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
    expect(option.series).toHaveLength(3);
    expect(option.series.every((series) => series.type === 'line' && series.connectNulls === false)).toBe(true);
    expect(option.series[1]?.data).toEqual([62.5, null]);
    expect(option.yAxis).toMatchObject({ min: 0, max: 100 });
    expect(option.legend.data).toEqual(['name:wellbeing', 'name:engagement', 'name:tools']);
    expect(option.xAxis.data).toEqual(['9 Nov', '16 Nov']);
  });

  it('writes the tooltip in the locale, skipping metrics not asked, and escapes names', () => {
    const option = buildChartOption(shapeHistoryChart(TWO_WEEKS, options), texts);
    const html = option.tooltip.formatter([
      { dataIndex: 0, seriesName: 'Coinvolgimento <b>', value: 62.5, marker: '' },
      { dataIndex: 0, seriesName: 'Strumenti', value: null, marker: '' },
    ]);
    expect(html).toBe('Settimana 46<br>Coinvolgimento &#60;b&#62;: <b>62,5</b>');
    expect(option.yAxis.axisLabel.formatter(50)).toBe('50');
  });
});
