// The organisation overview shaped for its chart and its table, as pure functions.
//
// One metric at a time: its weekly mean as a line, the 95% confidence band as a shaded
// area (drawn as the band's lower edge plus its width, stacked), weeks the server withheld
// as grey columns explained as "fewer than k responses" (never a zero, never a silent gap),
// weeks the organisation's schedule did not ask the metric as breaks in the line explained
// as "not asked" (never as "fewer than k"), weeks the server has not published yet as pale
// dotted columns explained as "not yet published" (a state of their own), and the
// responses per week as bars beneath.

import type { HrOverview } from '../bindings/HrOverview';
import type { MetricKey } from '../bindings/MetricKey';
import { formatDayMonth, formatNumber, formatShortDate, isoWeekNumber } from '../i18n/format';

/** One week of the overview's axis. */
export interface OverviewWeek {
  week: string;
  monday: string;
  weekNumber: number;
  /** The Monday in the locale's short format, "23 Nov" / "23 nov". */
  axisLabel: string;
  /** The organisation's schedule asked this metric this week. */
  asked: boolean;
  /** The metric was asked and the server withheld its value for the week. */
  suppressed: boolean;
  /** The week is published; a week still collecting reports is neither suppressed nor "not asked". */
  published: boolean;
}

/** Everything the overview chart draws for one metric. */
export interface OverviewChartData {
  metric: MetricKey;
  weeks: OverviewWeek[];
  /** The released mean per week; null where withheld or not asked, which breaks the line. */
  mean: (number | null)[];
  /** The band's lower edge per week; null where withheld. */
  bandLow: (number | null)[];
  /** The band's width (high − low) per week, stacked on bandLow; null where withheld. */
  bandWidth: (number | null)[];
  /** The released n per week; null where withheld. */
  n: (number | null)[];
  /** The responses per week (the most-answered metric's n); null where nothing was released. */
  participation: (number | null)[];
}

/** The chart's data for one metric of the overview; empty weeks when the metric is missing. */
export function shapeOverviewChart(overview: HrOverview, metric: MetricKey, locale: string): OverviewChartData {
  const series = overview.metrics.find((candidate) => candidate.metric === metric);
  const points = series?.points ?? [];
  const participationByWeek = new Map(overview.participation.map((point) => [point.week, point.n]));
  // A point without figures is "not asked" or "not yet published" only when the back end says
  // so; otherwise it was withheld.
  const withheld = (point: (typeof points)[number]) =>
    !point.published || !point.asked || point.suppressed || point.mean === null;
  return {
    metric,
    weeks: points.map((point) => ({
      week: point.week,
      monday: point.week_monday,
      weekNumber: isoWeekNumber(point.week),
      axisLabel: formatDayMonth(point.week_monday, locale),
      asked: point.published ? point.asked : true,
      suppressed: point.published && point.asked && (point.suppressed || point.mean === null),
      published: point.published,
    })),
    mean: points.map((point) => (withheld(point) ? null : point.mean)),
    bandLow: points.map((point) => (withheld(point) || point.low === null ? null : point.low)),
    bandWidth: points.map((point) =>
      withheld(point) || point.low === null || point.high === null ? null : point.high - point.low,
    ),
    n: points.map((point) => (withheld(point) ? null : point.n)),
    participation: points.map((point) => participationByWeek.get(point.week) ?? null),
  };
}

/** One row of the table that stands in for the chart. */
export interface OverviewTableRow {
  week: string;
  weekNumber: number;
  /** The Monday in the locale's date format. */
  date: string;
  /** The metric was asked this week; a row that was not says "not asked this week". */
  asked: boolean;
  suppressed: boolean;
  /** The week is published; a row that is not says "not yet published". */
  published: boolean;
  /** The mean as the locale writes it; null where withheld or not asked. */
  mean: string | null;
  /** "58.2–66.0"; null where withheld or without a band. */
  band: string | null;
  n: string | null;
  participation: string | null;
}

/** The table's rows, newest week first, with numbers and dates as the locale writes them. */
export function overviewTableRows(data: OverviewChartData, locale: string): OverviewTableRow[] {
  return data.weeks
    .map((week, index) => {
      const mean = data.mean[index] ?? null;
      const low = data.bandLow[index] ?? null;
      const width = data.bandWidth[index] ?? null;
      const n = data.n[index] ?? null;
      const participation = data.participation[index] ?? null;
      const empty = week.suppressed || !week.asked || !week.published;
      return {
        week: week.week,
        weekNumber: week.weekNumber,
        date: formatShortDate(week.monday, locale),
        asked: week.asked,
        suppressed: week.suppressed,
        published: week.published,
        mean: empty || mean === null ? null : formatNumber(mean, locale),
        band:
          empty || low === null || width === null
            ? null
            : `${formatNumber(low, locale)}–${formatNumber(low + width, locale)}`,
        n: empty || n === null ? null : formatNumber(n, locale),
        participation: participation === null ? null : formatNumber(participation, locale),
      };
    })
    .reverse();
}

/** What the chart needs from the UI besides the data. */
export interface OverviewOptionTexts {
  locale: string;
  metricName: string;
  bandName: string;
  participationName: string;
  /** "Fewer than 5 responses". */
  fewerThanK: string;
  /** "Not asked this week". */
  notAsked: string;
  /** "Not yet published". */
  notPublished: string;
  /** "Week 47 · 16 Nov 2026". */
  weekTitle: (week: OverviewWeek) => string;
  fontFamily: string;
  textColour: string;
  gridColour: string;
  accentColour: string;
}

interface TooltipParam {
  dataIndex?: number;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Grey full-height columns behind the weeks whose value was withheld, as a bar series on the
 * category axis of grid `axisIndex`, so each covers its whole week (a mark area from a
 * category to itself would have no width).
 */
export function withheldColumns(withheld: boolean[], axisIndex: number) {
  return {
    type: 'bar',
    name: 'withheld',
    data: withheld.map((isWithheld) => (isWithheld ? 100 : null)),
    barWidth: '70%',
    barGap: '-100%',
    itemStyle: { color: 'rgba(128, 128, 128, 0.16)' },
    silent: true,
    z: 0,
    xAxisIndex: axisIndex,
    yAxisIndex: axisIndex,
    tooltip: { show: false },
  };
}

/**
 * Pale dotted full-height columns behind the weeks not yet published, told apart from the
 * grey of withheld weeks: nothing is known about them yet, not even whether k was reached.
 */
export function unpublishedColumns(unpublished: boolean[], axisIndex: number) {
  return {
    type: 'bar',
    name: 'not published',
    data: unpublished.map((isUnpublished) => (isUnpublished ? 100 : null)),
    barWidth: '70%',
    barGap: '-100%',
    itemStyle: {
      color: 'rgba(15, 110, 110, 0.05)',
      borderColor: 'rgba(15, 110, 110, 0.45)',
      borderType: 'dotted',
      borderWidth: 1,
    },
    silent: true,
    z: 0,
    xAxisIndex: axisIndex,
    yAxisIndex: axisIndex,
    tooltip: { show: false },
  };
}

/** The ECharts option: the line with its band above, the participation bars below. */
export function buildOverviewOption(data: OverviewChartData, texts: OverviewOptionTexts) {
  const labels = data.weeks.map((week) => week.axisLabel);
  const number = (value: number) => formatNumber(value, texts.locale);
  return {
    animation: false,
    aria: { enabled: false },
    textStyle: { fontFamily: texts.fontFamily, color: texts.textColour },
    grid: [
      { left: 48, right: 24, top: 24, height: 200 },
      { left: 48, right: 24, top: 268, height: 64 },
    ],
    tooltip: {
      trigger: 'axis',
      formatter: (params: TooltipParam | TooltipParam[]) => {
        const list = Array.isArray(params) ? params : [params];
        const index = list[0]?.dataIndex ?? 0;
        const week = data.weeks[index];
        if (week === undefined) return '';
        const lines = [escapeHtml(texts.weekTitle(week))];
        const mean = data.mean[index];
        const low = data.bandLow[index];
        const width = data.bandWidth[index];
        if (!week.published) {
          lines.push(escapeHtml(texts.notPublished));
        } else if (!week.asked) {
          lines.push(escapeHtml(texts.notAsked));
        } else if (week.suppressed || mean == null) {
          lines.push(escapeHtml(texts.fewerThanK));
        } else {
          lines.push(`${escapeHtml(texts.metricName)}: <b>${number(mean)}</b>`);
          if (low != null && width != null) {
            lines.push(`${escapeHtml(texts.bandName)}: ${number(low)}–${number(low + width)}`);
          }
        }
        const participation = data.participation[index];
        if (participation != null) lines.push(`${escapeHtml(texts.participationName)}: ${number(participation)}`);
        return lines.join('<br>');
      },
    },
    xAxis: [
      { type: 'category', gridIndex: 0, data: labels, axisLabel: { show: false }, axisLine: { lineStyle: { color: texts.gridColour } } },
      { type: 'category', gridIndex: 1, data: labels, axisLabel: { color: texts.textColour }, axisLine: { lineStyle: { color: texts.gridColour } } },
    ],
    yAxis: [
      {
        type: 'value',
        gridIndex: 0,
        min: 0,
        max: 100,
        interval: 25,
        axisLabel: { color: texts.textColour, formatter: number },
        splitLine: { lineStyle: { color: texts.gridColour } },
      },
      {
        type: 'value',
        gridIndex: 1,
        minInterval: 1,
        splitNumber: 2,
        axisLabel: { color: texts.textColour, formatter: number },
        splitLine: { show: false },
      },
    ],
    series: [
      { type: 'line', name: 'band-low', data: data.bandLow, stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, silent: true, xAxisIndex: 0, yAxisIndex: 0 },
      {
        type: 'line',
        name: texts.bandName,
        data: data.bandWidth,
        stack: 'band',
        symbol: 'none',
        lineStyle: { opacity: 0 },
        areaStyle: { color: texts.accentColour, opacity: 0.18 },
        silent: true,
        xAxisIndex: 0,
        yAxisIndex: 0,
      },
      {
        type: 'line',
        name: texts.metricName,
        data: data.mean,
        connectNulls: false,
        symbol: 'circle',
        symbolSize: 7,
        showAllSymbol: true,
        lineStyle: { width: 2, color: texts.accentColour },
        itemStyle: { color: texts.accentColour },
        xAxisIndex: 0,
        yAxisIndex: 0,
      },
      withheldColumns(data.weeks.map((week) => week.suppressed), 0),
      unpublishedColumns(data.weeks.map((week) => !week.published), 0),
      {
        type: 'bar',
        name: texts.participationName,
        data: data.participation,
        itemStyle: { color: texts.textColour, opacity: 0.35 },
        barMaxWidth: 14,
        xAxisIndex: 1,
        yAxisIndex: 1,
      },
    ],
  };
}
