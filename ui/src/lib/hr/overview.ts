// The organisation overview shaped for its chart and its table, as pure functions.
//
// One metric at a time: its weekly mean as a line, the 95% confidence band as a shaded
// area (drawn as the band's lower edge plus its width, stacked), weeks the server withheld
// as grey columns explained as "fewer than k responses" (never a zero, never a silent gap),
// weeks the organisation's schedule did not ask the metric as breaks in the line explained
// as "not asked" (never as "fewer than k"), weeks the server has not published yet as pale
// dotted columns explained as "not yet published" (a state of their own), and the
// responses per week as bars beneath.
//
// A driver asks its items in turn, and items differ in how readily people agree with them, so
// a driver's line is drawn on the level of its anchor item (the server's `standardised_mean`)
// whenever the week has it, band and all; the table says so. A week where the organisation
// adopted a new edition of the questionnaire is marked on the chart: its series may change
// there because the questions did. For the customer items, the weeks say how many people found
// them not applicable.
//
// A metric the schedule asks once every four weeks (the drivers, engagement among them, the
// WHO-5 and life satisfaction) comes with four-week periods from the back end, and is drawn
// as one point per period (the answer-weighted mean of its released weeks, with its 95%
// interval as an error bar) joined by a line, so it reads as a trend instead of a dot in every
// fourth week; a period with nothing released is a gap, its weeks grey ("fewer than k") or
// dotted ("not yet published"), never a zero. The table keeps the weeks and adds the periods.
//
// eNPS is drawn as eNPS, % promoters (9–10) minus % detractors (0–6) on −100..+100, as the
// server derived it from the released histogram; never as the mean answer. A week whose
// mean was released but whose histogram was not (below the histogram minimum) has no eNPS
// and is marked so. Burnout adds the share reporting burnout symptoms (answer 3 or more).

import type { EnpsFigures } from '../bindings/EnpsFigures';
import type { HrOverview } from '../bindings/HrOverview';
import type { MetricKey } from '../bindings/MetricKey';
import type { PeriodPoint } from '../bindings/PeriodPoint';
import { formatDateRange, formatDayMonth, formatNumber, formatShortDate, isoWeekNumber } from '../i18n/format';

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
  /**
   * eNPS only: the week's mean was released but its histogram was not (below the histogram
   * minimum), so there is no eNPS; told apart from "fewer than k".
   */
  belowHistogramMinimum: boolean;
}

/** How a metric's values read: a 0–100 score, or eNPS on −100..+100. */
export type OverviewScale = 'score' | 'enps';

/** The scale a metric is drawn on. */
export function scaleOf(metric: MetricKey): OverviewScale {
  return metric === 'enps' ? 'enps' : 'score';
}

/** A figure with its sign, as eNPS is written: "+10", "−25", "0". */
export function formatSigned(value: number, locale: string): string {
  const rounded = Math.round(value);
  if (rounded === 0) return formatNumber(0, locale);
  return `${rounded > 0 ? '+' : '−'}${formatNumber(Math.abs(rounded), locale)}`;
}

/** A percentage as the locale writes it, "30%" / "30%", rounded to a whole number. */
export function formatPercent(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(value / 100);
}

/** One four-week period of a metric asked once every four weeks, placed on the weekly axis. */
export interface OverviewPeriod {
  /** The first and last ISO weeks of the period shown, "2026-W45" / "2026-W48". */
  from: string;
  to: string;
  fromMonday: string;
  toSunday: string;
  /** The axis indexes of its first and last weeks. */
  first: number;
  last: number;
  /** Where its point is drawn: its middle week. */
  anchor: number;
  /** The answer-weighted mean of its released weeks; null for a gap. */
  mean: number | null;
  low: number | null;
  high: number | null;
  n: number | null;
  releasedWeeks: number;
  withheldWeeks: number;
  asked: boolean;
  suppressed: boolean;
  published: boolean;
  standardised: boolean;
}

/**
 * The back end's periods on the axis of `weeks` (ISO week strings, oldest first); periods
 * outside the axis are left out. ISO week strings sort as the weeks do.
 */
export function placePeriods(periods: PeriodPoint[], weeks: string[]): OverviewPeriod[] {
  return periods.flatMap((period) => {
    const inside = weeks.flatMap((week, index) => (week >= period.from && week <= period.to ? [index] : []));
    const first = inside[0];
    const last = inside[inside.length - 1];
    if (first === undefined || last === undefined) return [];
    const released = period.published && period.asked && !period.suppressed && period.mean !== null;
    return [
      {
        from: period.from,
        to: period.to,
        fromMonday: period.from_monday,
        toSunday: period.to_sunday,
        first,
        last,
        anchor: first + Math.floor((last - first) / 2),
        mean: released ? period.mean : null,
        low: released ? period.low : null,
        high: released ? period.high : null,
        n: released ? period.n : null,
        releasedWeeks: period.released_weeks,
        withheldWeeks: period.withheld_weeks,
        asked: period.asked,
        suppressed: period.published && period.asked && !released,
        published: period.published,
        standardised: released && period.standardised,
      },
    ];
  });
}

/** The period whose weeks hold axis index `index`. */
export function periodAt(periods: OverviewPeriod[], index: number): OverviewPeriod | undefined {
  return periods.find((period) => index >= period.first && index <= period.last);
}

/** Everything the overview chart draws for one metric. */
export interface OverviewChartData {
  metric: MetricKey;
  /** eNPS is drawn on −100..+100, every other metric on 0–100. */
  scale: OverviewScale;
  weeks: OverviewWeek[];
  /**
   * The released mean per week (for eNPS, the eNPS); null where withheld or not asked, which
   * breaks the line.
   */
  mean: (number | null)[];
  /** eNPS only: promoters, passives and detractors per week; null where there is no eNPS. */
  enps: (EnpsFigures | null)[];
  /** Burnout only: the % reporting burnout symptoms per week; null where withheld. */
  burnoutShare: (number | null)[];
  /** The band's lower edge per week; null where withheld. */
  bandLow: (number | null)[];
  /** The band's width (high − low) per week, stacked on bandLow; null where withheld. */
  bandWidth: (number | null)[];
  /** The released n per week; null where withheld. */
  n: (number | null)[];
  /** The responses per week (the most-answered metric's n); null where nothing was released. */
  participation: (number | null)[];
  /** Whether the week's mean is on the driver's anchor level (standardised per item). */
  standardised: boolean[];
  /** How many marked the metric "not applicable this week"; null where withheld or not offered. */
  notApplicable: (number | null)[];
  /** The weeks (by index) where a new edition of the questionnaire began, with the edition. */
  editionChanges: { index: number; edition: number; who5: boolean }[];
  /**
   * For a metric asked once every four weeks: its four-week periods, drawn instead of the
   * weeks; null for a weekly metric.
   */
  periods: OverviewPeriod[] | null;
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
  const scale = scaleOf(metric);
  const enpsOf = (point: (typeof points)[number]) => (withheld(point) ? null : (point.enps ?? null));
  // How far the anchor's level moves the week: the band moves with the mean.
  const shiftOf = (point: (typeof points)[number]) =>
    scale === 'score' && point.mean !== null && point.standardised_mean != null
      ? point.standardised_mean - point.mean
      : 0;
  const weekIndex = new Map(points.map((point, index) => [point.week, index]));
  const editionChanges = overview.questionnaire
    .slice(1)
    .flatMap((adoption) => {
      const index = adoption.from_week === null ? undefined : weekIndex.get(adoption.from_week);
      return index === undefined ? [] : [{ index, edition: adoption.edition, who5: adoption.who5 }];
    });
  return {
    metric,
    scale,
    weeks: points.map((point) => ({
      week: point.week,
      monday: point.week_monday,
      weekNumber: isoWeekNumber(point.week),
      axisLabel: formatDayMonth(point.week_monday, locale),
      asked: point.published ? point.asked : true,
      suppressed: point.published && point.asked && (point.suppressed || point.mean === null),
      published: point.published,
      belowHistogramMinimum: scale === 'enps' && !withheld(point) && enpsOf(point) === null,
    })),
    mean: points.map((point) =>
      withheld(point)
        ? null
        : scale === 'enps'
          ? (enpsOf(point)?.enps ?? null)
          : point.mean === null
            ? null
            : point.mean + shiftOf(point),
    ),
    enps: points.map((point) => (scale === 'enps' ? enpsOf(point) : null)),
    burnoutShare: points.map((point) => (withheld(point) ? null : (point.burnout_share ?? null))),
    // eNPS has no band: the server's band is the mean answer's.
    // Moved with the mean, and kept within 0–100 as the server keeps the mean.
    bandLow: points.map((point) =>
      scale === 'enps' || withheld(point) || point.low === null ? null : Math.max(0, point.low + shiftOf(point)),
    ),
    bandWidth: points.map((point) =>
      scale === 'enps' || withheld(point) || point.low === null || point.high === null
        ? null
        : Math.min(100, point.high + shiftOf(point)) - Math.max(0, point.low + shiftOf(point)),
    ),
    n: points.map((point) => (withheld(point) ? null : point.n)),
    participation: points.map((point) => participationByWeek.get(point.week) ?? null),
    standardised: points.map(
      (point) => scale === 'score' && !withheld(point) && point.mean !== null && point.standardised_mean != null,
    ),
    notApplicable: points.map((point) => (point.published ? (point.not_applicable ?? null) : null)),
    editionChanges,
    periods:
      series?.periods == null
        ? null
        : placePeriods(
            series.periods,
            points.map((point) => point.week),
          ),
  };
}

/** One row of the four-week table. */
export interface OverviewPeriodRow {
  from: string;
  to: string;
  /** "2 Nov – 29 Nov 2026" in the locale's format. */
  dates: string;
  /** The first and last ISO week numbers, 45 and 48. */
  fromWeek: number;
  toWeek: number;
  state: 'value' | 'withheld' | 'not_asked' | 'not_published';
  mean: string | null;
  band: string | null;
  n: string | null;
  releasedWeeks: number;
  withheldWeeks: number;
}

/** The four-week table's rows, newest period first; none for a weekly metric. */
export function overviewPeriodRows(data: OverviewChartData, locale: string): OverviewPeriodRow[] {
  return (data.periods ?? [])
    .map((period) => ({
      from: period.from,
      to: period.to,
      dates: formatDateRange(period.fromMonday, period.toSunday, locale),
      fromWeek: isoWeekNumber(period.from),
      toWeek: isoWeekNumber(period.to),
      state: periodState(period),
      mean: period.mean === null ? null : formatNumber(period.mean, locale),
      band:
        period.low === null || period.high === null
          ? null
          : `${formatNumber(period.low, locale)}–${formatNumber(period.high, locale)}`,
      n: period.n === null ? null : formatNumber(period.n, locale),
      releasedWeeks: period.releasedWeeks,
      withheldWeeks: period.withheldWeeks,
    }))
    .reverse();
}

/** Why a period has no figure, or that it has one. */
export function periodState(period: OverviewPeriod): OverviewPeriodRow['state'] {
  if (period.mean !== null) return 'value';
  if (!period.published) return 'not_published';
  if (!period.asked) return 'not_asked';
  return 'withheld';
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
  /** eNPS only: released, but below the histogram minimum, so without an eNPS. */
  belowHistogramMinimum: boolean;
  /** The mean as the locale writes it (eNPS with its sign); null where withheld or not asked. */
  mean: string | null;
  /** eNPS only: the promoters', passives' and detractors' percentages. */
  promoters: string | null;
  passives: string | null;
  detractors: string | null;
  /** Burnout only: the % reporting burnout symptoms. */
  burnoutShare: string | null;
  /** "58.2–66.0"; null where withheld or without a band. */
  band: string | null;
  n: string | null;
  participation: string | null;
  /** How many found the metric not applicable that week, as the locale writes it. */
  notApplicable: string | null;
  /** A new edition of the questionnaire began this week. */
  editionChange: number | null;
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
      const notApplicable = data.notApplicable[index] ?? null;
      const empty = week.suppressed || !week.asked || !week.published;
      const enps = empty ? null : (data.enps[index] ?? null);
      const burnoutShare = empty ? null : (data.burnoutShare[index] ?? null);
      return {
        week: week.week,
        weekNumber: week.weekNumber,
        date: formatShortDate(week.monday, locale),
        asked: week.asked,
        suppressed: week.suppressed,
        published: week.published,
        belowHistogramMinimum: week.belowHistogramMinimum,
        mean:
          empty || mean === null
            ? null
            : data.scale === 'enps'
              ? formatSigned(mean, locale)
              : formatNumber(mean, locale),
        promoters: enps === null ? null : formatPercent(enps.promoters, locale),
        passives: enps === null ? null : formatPercent(enps.passives, locale),
        detractors: enps === null ? null : formatPercent(enps.detractors, locale),
        burnoutShare: burnoutShare === null ? null : formatPercent(burnoutShare, locale),
        band:
          empty || low === null || width === null
            ? null
            : `${formatNumber(low, locale)}–${formatNumber(low + width, locale)}`,
        n: empty || n === null ? null : formatNumber(n, locale),
        participation: participation === null ? null : formatNumber(participation, locale),
        notApplicable: notApplicable === null ? null : formatNumber(notApplicable, locale),
        editionChange: data.editionChanges.find((change) => change.index === index)?.edition ?? null,
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
  /** eNPS only: "Below the histogram minimum: no eNPS". */
  belowHistogramMinimum: string;
  /** eNPS only: "Promoters 40% · passives 30% · detractors 30%". */
  enpsBreakdown: (figures: EnpsFigures) => string;
  /** Burnout only: "Reporting burnout symptoms: 30%". */
  burnoutShare: (share: number) => string;
  /** "Week 47 · 16 Nov 2026". */
  weekTitle: (week: OverviewWeek) => string;
  /** "Not applicable this week: 4". */
  notApplicable: (count: number) => string;
  /** "Questionnaire edition 3 from here". */
  editionChange: (edition: number) => string;
  /** A four-week period's title, "Weeks 45–48 · 2 Nov – 29 Nov 2026". */
  periodTitle?: (period: OverviewPeriod) => string;
  /** "From 2 released weeks; 1 week withheld". */
  periodWeeks?: (period: OverviewPeriod) => string;
  /** "Not asked in these weeks". */
  periodNotAsked?: string;
  fontFamily: string;
  textColour: string;
  gridColour: string;
  accentColour: string;
}

interface TooltipParam {
  dataIndex?: number;
  seriesName?: string;
}

/** The invisible series, one point per week, that tells the tooltip which week is pointed at. */
export const WEEK_INDEX_SERIES = 'week-index';

/** The axis index a tooltip is about: the week-index series' when there is one. */
export function tooltipIndex(list: TooltipParam[]): number {
  return (list.find((param) => param.seriesName === WEEK_INDEX_SERIES) ?? list[0])?.dataIndex ?? 0;
}

/** An invisible line through every week of grid `axisIndex`, so an axis tooltip finds each week. */
export function weekIndexSeries(weekCount: number, axisIndex: number, level = 0) {
  return {
    type: 'line',
    name: WEEK_INDEX_SERIES,
    data: Array.from({ length: weekCount }, () => level),
    symbol: 'none',
    lineStyle: { opacity: 0 },
    silent: true,
    z: 0,
    xAxisIndex: axisIndex,
    yAxisIndex: axisIndex,
  };
}

/**
 * The line of a four-week metric: one point per period at its middle week, joined across the
 * weeks between (data as [axis index, value] pairs), broken at a period with no figure.
 */
export function periodLineData(periods: OverviewPeriod[]): [number, number | null][] {
  return periods.map((period) => [period.anchor, period.mean]);
}

/** The error bars of a four-week metric: [axis index, low, high] per period with an interval. */
export function periodIntervalData(periods: OverviewPeriod[]): [number, number, number][] {
  return periods.flatMap((period) =>
    period.low === null || period.high === null ? [] : [[period.anchor, period.low, period.high] as [number, number, number]],
  );
}

/** A custom series drawing each [index, low, high] as a vertical bar with caps. */
export function intervalSeries(data: [number, number, number][], colour: string, axisIndex: number, name: string) {
  return {
    type: 'custom',
    name,
    data,
    silent: true,
    z: 1,
    xAxisIndex: axisIndex,
    yAxisIndex: axisIndex,
    encode: { x: 0, y: [1, 2] },
    renderItem: (
      _params: unknown,
      api: { value: (dimension: number) => number; coord: (point: [number, number]) => [number, number] },
    ) => {
      const [x, top] = api.coord([api.value(0), api.value(2)]);
      const [, bottom] = api.coord([api.value(0), api.value(1)]);
      const cap = 5;
      const style = { stroke: colour, lineWidth: 1.5, opacity: 0.7 };
      return {
        type: 'group',
        children: [
          { type: 'line', shape: { x1: x, y1: top, x2: x, y2: bottom }, style },
          { type: 'line', shape: { x1: x - cap, y1: top, x2: x + cap, y2: top }, style },
          { type: 'line', shape: { x1: x - cap, y1: bottom, x2: x + cap, y2: bottom }, style },
        ],
      };
    },
  };
}

/** Per week: its period has no figure because it was withheld. */
export function periodWithheld(periods: OverviewPeriod[], weekCount: number): boolean[] {
  return Array.from({ length: weekCount }, (_, index) => periodAt(periods, index)?.suppressed === true);
}

/** Per week: its period has no figure because it is not yet published. */
export function periodUnpublished(periods: OverviewPeriod[], weekCount: number): boolean[] {
  return Array.from({ length: weekCount }, (_, index) => {
    const period = periodAt(periods, index);
    return period !== undefined && period.mean === null && !period.published;
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Grey full-height columns behind the weeks whose value was withheld, as a bar series on the
 * category axis of grid `axisIndex`, so each covers its whole week (a mark area from a
 * category to itself would have no width).
 */
export function withheldColumns(withheld: boolean[], axisIndex: number, height = 100) {
  return {
    type: 'bar',
    name: 'withheld',
    data: withheld.map((isWithheld) => (isWithheld ? height : null)),
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
export function unpublishedColumns(unpublished: boolean[], axisIndex: number, height = 100) {
  return {
    type: 'bar',
    name: 'not published',
    data: unpublished.map((isUnpublished) => (isUnpublished ? height : null)),
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
  const enps = data.scale === 'enps';
  const value = (figure: number) => (enps ? formatSigned(figure, texts.locale) : number(figure));
  const periods = data.periods;
  const withheld =
    periods === null
      ? data.weeks.map((week) => week.suppressed || week.belowHistogramMinimum)
      : periodWithheld(periods, data.weeks.length);
  const unpublished =
    periods === null
      ? data.weeks.map((week) => !week.published)
      : periodUnpublished(periods, data.weeks.length).map((pending, index) => pending || !data.weeks[index]?.published);
  // On −100..+100 the columns reach down as well as up.
  const columnsBelow = enps
    ? [withheldColumns(withheld, 0, -100), unpublishedColumns(unpublished, 0, -100)]
    : [];
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
        const index = tooltipIndex(list);
        const week = data.weeks[index];
        if (week === undefined) return '';
        const period = periods === null ? undefined : periodAt(periods, index);
        if (period !== undefined) return periodTooltip(period, texts, value).join('<br>');
        const lines = [escapeHtml(texts.weekTitle(week))];
        const mean = data.mean[index];
        const low = data.bandLow[index];
        const width = data.bandWidth[index];
        if (!week.published) {
          lines.push(escapeHtml(texts.notPublished));
        } else if (!week.asked) {
          lines.push(escapeHtml(texts.notAsked));
        } else if (week.belowHistogramMinimum) {
          lines.push(escapeHtml(texts.belowHistogramMinimum));
        } else if (week.suppressed || mean == null) {
          lines.push(escapeHtml(texts.fewerThanK));
        } else {
          lines.push(`${escapeHtml(texts.metricName)}: <b>${value(mean)}</b>`);
          const figures = data.enps[index];
          if (figures != null) lines.push(escapeHtml(texts.enpsBreakdown(figures)));
          if (low != null && width != null) {
            lines.push(`${escapeHtml(texts.bandName)}: ${number(low)}–${number(low + width)}`);
          }
          const share = data.burnoutShare[index];
          if (share != null) lines.push(escapeHtml(texts.burnoutShare(share)));
        }
        const notApplicable = data.notApplicable[index];
        if (notApplicable != null) lines.push(escapeHtml(texts.notApplicable(notApplicable)));
        const change = data.editionChanges.find((candidate) => candidate.index === index);
        if (change !== undefined) lines.push(escapeHtml(texts.editionChange(change.edition)));
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
        min: enps ? -100 : 0,
        max: 100,
        interval: enps ? 50 : 25,
        axisLabel: { color: texts.textColour, formatter: value },
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
      ...(periods === null
        ? []
        : [
            weekIndexSeries(data.weeks.length, 0, enps ? -100 : 0),
            intervalSeries(periodIntervalData(periods), texts.accentColour, 0, texts.bandName),
          ]),
      { type: 'line', name: 'band-low', data: periods === null ? data.bandLow : [], stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, silent: true, xAxisIndex: 0, yAxisIndex: 0 },
      {
        type: 'line',
        name: texts.bandName,
        data: periods === null ? data.bandWidth : [],
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
        data: periods === null ? data.mean : periodLineData(periods),
        connectNulls: false,
        symbol: 'circle',
        symbolSize: periods === null ? 7 : 9,
        showAllSymbol: true,
        lineStyle: { width: 2, color: texts.accentColour },
        itemStyle: { color: texts.accentColour },
        xAxisIndex: 0,
        yAxisIndex: 0,
        // A dashed vertical line where a new edition of the questionnaire began.
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { type: 'dashed', color: texts.textColour, opacity: 0.6 },
          label: { formatter: (params: { value?: unknown; dataIndex?: number }) => {
            const change = data.editionChanges[params.dataIndex ?? 0];
            return change === undefined ? '' : texts.editionChange(change.edition);
          }, color: texts.textColour, position: 'insideEndTop' },
          data: data.editionChanges.map((change) => ({ xAxis: change.index })),
        },
      },
      withheldColumns(withheld, 0),
      unpublishedColumns(unpublished, 0),
      ...columnsBelow,
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

/** The tooltip of a four-week period: its weeks, its figure or why there is none. */
function periodTooltip(period: OverviewPeriod, texts: OverviewOptionTexts, value: (figure: number) => string): string[] {
  const number = (figure: number) => formatNumber(figure, texts.locale);
  const lines = [escapeHtml(texts.periodTitle?.(period) ?? `${period.from}–${period.to}`)];
  const state = periodState(period);
  if (state === 'not_published') lines.push(escapeHtml(texts.notPublished));
  else if (state === 'not_asked') lines.push(escapeHtml(texts.periodNotAsked ?? texts.notAsked));
  else if (state === 'withheld') lines.push(escapeHtml(texts.fewerThanK));
  else if (period.mean !== null) {
    lines.push(`${escapeHtml(texts.metricName)}: <b>${value(period.mean)}</b>`);
    if (period.low !== null && period.high !== null) {
      lines.push(`${escapeHtml(texts.bandName)}: ${number(period.low)}–${number(period.high)}`);
    }
  }
  if (state !== 'not_asked' && state !== 'not_published' && texts.periodWeeks !== undefined) {
    lines.push(escapeHtml(texts.periodWeeks(period)));
  }
  return lines;
}
