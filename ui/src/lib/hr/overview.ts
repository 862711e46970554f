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
// eNPS is drawn as eNPS, % promoters (9–10) minus % detractors (0–6) on −100..+100, as the
// server derived it from the released histogram; never as the mean answer. A week whose
// mean was released but whose histogram was not (below the histogram minimum) has no eNPS
// and is marked so. Burnout adds the share reporting burnout symptoms (answer 3 or more).

import type { EnpsFigures } from '../bindings/EnpsFigures';
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
  const withheld = data.weeks.map((week) => week.suppressed || week.belowHistogramMinimum);
  const unpublished = data.weeks.map((week) => !week.published);
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
