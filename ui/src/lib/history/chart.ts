// The employee's history shaped for the chart and for its table, as pure functions.
//
// One series per metric that appears in any week, in the order of METRIC_KEYS; one axis
// position per ISO week from the first answered week to the last. Each metric's line joins
// the weeks that asked it (the back end says which, answered or not): a driver asked one week
// in four is one line through its asked weeks, not a dot every fourth week, and a week that
// asked it without an answer is a gap. The employee picks a few metrics to draw (wellbeing by
// default, the choice kept for the session), and the table follows the same choice.

import type { MetricKey } from '../bindings/MetricKey';
import type { MyHistory } from '../bindings/MyHistory';
import { METRIC_KEYS } from '../codes';
import { formatDayMonth, formatNumber, isoWeekNumber, parseIsoDate } from '../i18n/format';

/** One week on the chart's axis. */
export interface ChartWeek {
  /** The ISO week, "2026-W48". */
  week: string;
  /** Its Monday, "2026-11-23". */
  monday: string;
  /** The week number, 48. */
  weekNumber: number;
  /** The axis label: the Monday in the locale's short format, "23 Nov" / "23 nov". */
  axisLabel: string;
  /** Whether the employee answered that week (false for a gap filled in). */
  answered: boolean;
}

/** One metric's line. */
export interface ChartSeries {
  metric: MetricKey;
  /** The metric's name in the UI's language. */
  name: string;
  /** One score (0–100) per week of the axis, or null where there is none. */
  values: (number | null)[];
  /**
   * The line: [axis index, score] for each week that asked the metric, oldest first; the score
   * is null where the week asked it and has no answer, which breaks the line there.
   */
  points: [number, number | null][];
}

/** The most metrics drawn at once, so the lines stay readable. */
export const MAX_CHOSEN_METRICS = 4;

/** The metrics drawn first: wellbeing when there is one. */
export const DEFAULT_METRICS: readonly MetricKey[] = ['wellbeing'];

/**
 * The metrics to draw: the remembered choice kept to the metrics present (and to the
 * maximum), else the default, else the first metric present.
 */
export function initialChoice(present: readonly MetricKey[], remembered: readonly string[] | null): MetricKey[] {
  const keep = (keys: readonly string[]) =>
    present.filter((metric) => keys.includes(metric)).slice(0, MAX_CHOSEN_METRICS);
  const fromMemory = remembered === null ? [] : keep(remembered);
  if (fromMemory.length > 0) return fromMemory;
  const byDefault = keep(DEFAULT_METRICS);
  if (byDefault.length > 0) return byDefault;
  return present.slice(0, 1);
}

/**
 * The choice after ticking or unticking `metric`: a metric is added only below the maximum,
 * and the last one cannot be taken away (the chart always draws one). Kept in METRIC_KEYS order.
 */
export function toggleMetric(chosen: readonly MetricKey[], metric: MetricKey): MetricKey[] {
  if (chosen.includes(metric)) {
    return chosen.length === 1 ? [...chosen] : chosen.filter((key) => key !== metric);
  }
  if (chosen.length >= MAX_CHOSEN_METRICS) return [...chosen];
  return METRIC_KEYS.filter((key) => key === metric || chosen.includes(key));
}

/** The chart's data with only the chosen metrics' series. */
export function chooseSeries(data: HistoryChartData, chosen: readonly MetricKey[]): HistoryChartData {
  return { weeks: data.weeks, series: data.series.filter((series) => chosen.includes(series.metric)) };
}

/** Everything the chart draws. */
export interface HistoryChartData {
  weeks: ChartWeek[];
  series: ChartSeries[];
}

/** One row of the table under the chart: an answered week and its scores. */
export interface HistoryTableRow {
  week: string;
  monday: string;
  weekNumber: number;
  /** One cell per series, in the series' order: the score as the locale writes it, or null. */
  cells: { metric: MetricKey; value: number | null; text: string | null }[];
}

/** What shaping needs from the UI: the locale and the metric names in its language. */
export interface ShapeOptions {
  locale: string;
  metricName: (metric: MetricKey) => string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The ISO date (yyyy-mm-dd) of a UTC midnight. */
function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The ISO week ("2026-W48") of the week starting on a Monday given as an ISO date. */
export function isoWeekOfMonday(monday: string): string {
  const thursday = new Date(parseIsoDate(monday).getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const dayOfYear = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS);
  const week = Math.floor(dayOfYear / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The chart's weeks and lines for a history (oldest week first, as the back end sends it). */
export function shapeHistoryChart(history: MyHistory, options: ShapeOptions): HistoryChartData {
  const answered = [...history.weeks].sort((left, right) => left.week_monday.localeCompare(right.week_monday));
  const first = answered[0];
  const last = answered[answered.length - 1];
  if (first === undefined || last === undefined) return { weeks: [], series: [] };

  const byMonday = new Map(answered.map((week) => [week.week_monday, week]));
  const weeks: ChartWeek[] = [];
  const end = parseIsoDate(last.week_monday).getTime();
  for (let time = parseIsoDate(first.week_monday).getTime(); time <= end; time += 7 * DAY_MS) {
    const monday = isoDate(new Date(time));
    const saved = byMonday.get(monday);
    const week = saved?.week ?? isoWeekOfMonday(monday);
    weeks.push({
      week,
      monday,
      weekNumber: isoWeekNumber(week),
      axisLabel: formatDayMonth(monday, options.locale),
      answered: saved !== undefined,
    });
  }

  const present = new Set(answered.flatMap((week) => week.scores.map((score) => score.metric)));
  const askedByWeek = new Map((history.asked ?? []).map((asked) => [asked.week, asked.metrics]));
  const series = METRIC_KEYS.filter((metric) => present.has(metric)).map((metric) => {
    const values = weeks.map((week) => {
      const score = byMonday.get(week.monday)?.scores.find((candidate) => candidate.metric === metric);
      return score === undefined ? null : score.score;
    });
    // Without the schedule (an older back end), a week counts as asking the metric when it
    // has an answer to it, and a week not answered at all as a gap.
    const askedIn = (week: ChartWeek, index: number) =>
      askedByWeek.get(week.week)?.includes(metric) ?? (values[index] !== null || !week.answered);
    const points = weeks.flatMap((week, index): [number, number | null][] =>
      askedIn(week, index) ? [[index, values[index] ?? null]] : [],
    );
    return { metric, name: options.metricName(metric), values, points };
  });
  return { weeks, series };
}

/** The table's rows: answered weeks only, newest first, with the chart's columns. */
export function historyTableRows(history: MyHistory, chart: HistoryChartData, locale: string): HistoryTableRow[] {
  return [...history.weeks]
    .sort((left, right) => right.week_monday.localeCompare(left.week_monday))
    .map((week) => ({
      week: week.week,
      monday: week.week_monday,
      weekNumber: isoWeekNumber(week.week),
      cells: chart.series.map((series) => {
        const score = week.scores.find((candidate) => candidate.metric === series.metric);
        return score === undefined
          ? { metric: series.metric, value: null, text: null }
          : { metric: series.metric, value: score.score, text: formatNumber(score.score, locale) };
      }),
    }));
}

/** A colour per metric, from a palette that stays apart for the common colour-vision types. */
export const METRIC_COLOURS: Record<MetricKey, string> = {
  wellbeing: '#0f6e6e',
  who5: '#2b7bb9',
  burnout: '#7a4fa3',
  engagement: '#c25400',
  work_life_balance: '#3d8b37',
  communication: '#b0306a',
  team_cohesion: '#8a6d00',
  tools: '#545e6b',
  empowerment: '#1d4e89',
  role_clarity: '#9c3b2c',
  recognition: '#5b6f00',
  growth: '#6c3483',
  trust: '#00707f',
  customer_focus: '#a34d00',
  customer_empathy: '#8f2d56',
  manager_support: '#2f6b4f',
  flexibility: '#5a5aa8',
  life_satisfaction: '#1f7a8c',
  enps: '#33495e',
};

/** Marker shapes, so lines differ by more than colour. */
const SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'emptyCircle', 'emptyRect', 'emptyTriangle', 'emptyDiamond'] as const;

/** What the option builder needs besides the data. */
export interface ChartOptionTexts {
  locale: string;
  /** The tooltip's title for a week, "Week 47 · 16 Nov 2026". */
  weekTitle: (week: ChartWeek) => string;
  /**
   * The page's font stack. ECharts measures legend text with it, so it must be the font
   * the SVG is drawn in; 'inherit' would be measured as a default font and overlap.
   */
  fontFamily: string;
  /** The text colour and grid colour of the current theme. */
  textColour: string;
  gridColour: string;
}

/** The invisible series, one point per week, that tells the tooltip which week is pointed at. */
export const WEEK_INDEX_SERIES = 'week-index';

/** A minimal shape of the tooltip's parameters, as ECharts passes them for an axis trigger. */
interface TooltipParam {
  dataIndex: number;
  seriesName?: string;
  value?: unknown;
  marker?: unknown;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The ECharts option for the shaped data. Pure: no ECharts import, so it is testable. */
export function buildChartOption(data: HistoryChartData, texts: ChartOptionTexts) {
  return {
    animation: false,
    aria: { enabled: false },
    textStyle: { fontFamily: texts.fontFamily, color: texts.textColour },
    grid: { left: 48, right: 24, top: 24, bottom: 96, containLabel: false },
    legend: {
      type: 'plain',
      bottom: 0,
      textStyle: { color: texts.textColour },
      data: data.series.map((series) => series.name),
    },
    tooltip: {
      trigger: 'axis',
      formatter: (params: TooltipParam | TooltipParam[]) => {
        const list = Array.isArray(params) ? params : [params];
        const index = (list.find((param) => param.seriesName === WEEK_INDEX_SERIES) ?? list[0])?.dataIndex ?? 0;
        const week = data.weeks[index];
        const lines = data.series
          .map((series) => ({ series, param: list.find((param) => param.seriesName === series.name) }))
          .filter(({ series }) => typeof series.values[index] === 'number')
          .map(({ series, param }) => ({
            seriesName: series.name,
            value: series.values[index],
            marker: param?.marker ?? '',
          }))
          .map(
            (param) =>
              `${typeof param.marker === 'string' ? param.marker : ''}${escapeHtml(param.seriesName ?? '')}: ` +
              `<b>${formatNumber(param.value as number, texts.locale)}</b>`,
          );
        return [week === undefined ? '' : escapeHtml(texts.weekTitle(week)), ...lines].join('<br>');
      },
    },
    xAxis: {
      type: 'category',
      boundaryGap: false,
      data: data.weeks.map((week) => week.axisLabel),
      axisLabel: { color: texts.textColour },
      axisLine: { lineStyle: { color: texts.gridColour } },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: 100,
      interval: 25,
      axisLabel: { color: texts.textColour, formatter: (value: number) => formatNumber(value, texts.locale) },
      splitLine: { lineStyle: { color: texts.gridColour } },
    },
    series: [
      // Invisible, one point per week, so the tooltip knows the week pointed at.
      {
        type: 'line',
        name: WEEK_INDEX_SERIES,
        data: data.weeks.map(() => 0),
        symbol: 'none',
        lineStyle: { opacity: 0 },
        silent: true,
        z: 0,
      },
      ...data.series.map((series, index) => ({
      type: 'line',
      name: series.name,
      data: series.points,
      connectNulls: false,
      symbol: SYMBOLS[index % SYMBOLS.length],
      symbolSize: 8,
      showAllSymbol: true,
      lineStyle: { width: 2 },
      color: METRIC_COLOURS[series.metric],
    })),
    ],
  };
}
