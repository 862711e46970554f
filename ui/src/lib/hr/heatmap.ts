// The team × metric heatmap shaped for its chart and its table, as pure functions.
//
// A released cell shows the current period's mean and its change from the period before;
// a suppressed cell has no value at all and is drawn in a neutral hatched grey labelled
// "fewer than k", never as 0 and never left blank. A metric the organisation's schedule did
// not ask in the period (eNPS is asked once a quarter) is a plain pale cell labelled "not
// asked", told apart from "fewer than k". A cell whose period has no published week yet
// (before the organisation's first publication) is "not yet published", a third state.
//
// An eNPS cell shows the eNPS (−100..+100, promoters minus detractors, as the server derived
// it from the released histograms) and its change in eNPS points, never the mean answer; a
// period whose mean was released without histograms has no eNPS and says so. A burnout cell
// adds the share reporting burnout symptoms.

import type { HrHeatmap } from '../bindings/HrHeatmap';
import type { MetricKey } from '../bindings/MetricKey';
import { formatNumber } from '../i18n/format';
import { formatPercent, formatSigned } from './overview';

/** Which way a change went, for its colour and its words. Changes under `FLAT_BELOW` points are flat. */
export type ChangeDirection = 'up' | 'down' | 'flat';

/** A change smaller than this many points (in either direction) is shown as no change. */
export const FLAT_BELOW = 0.5;

/** The direction of a change, or null when there is none to compare. */
export function changeDirection(change: number | null): ChangeDirection | null {
  if (change === null || Number.isNaN(change)) return null;
  if (Math.abs(change) < FLAT_BELOW) return 'flat';
  return change > 0 ? 'up' : 'down';
}

/** A change with its sign, "+3.2" / "−1,5" / "±0"; null when there is none. */
export function formatChange(change: number | null, locale: string): string | null {
  const direction = changeDirection(change);
  if (direction === null || change === null) return null;
  if (direction === 'flat') return '±0';
  const magnitude = formatNumber(Math.abs(change), locale);
  return direction === 'up' ? `+${magnitude}` : `−${magnitude}`;
}

/** One cell as the chart and the table show it. */
export interface HeatmapViewCell {
  teamId: string;
  teamName: string;
  metric: MetricKey;
  /** The column (metric) and the row (team) in the chart. */
  x: number;
  y: number;
  /** The schedule did not ask the metric in the period: no value, and not "fewer than k". */
  notAsked: boolean;
  /** The metric was asked and no week of it was released: "fewer than k". */
  suppressed: boolean;
  /** No week of the period is published yet: no value, neither "fewer than k" nor "not asked". */
  notPublished: boolean;
  /** The period's mean, or for eNPS the eNPS (−100..+100). */
  mean: number | null;
  meanText: string | null;
  /** Where the cell sits on the colour scale, 0–100 (eNPS mapped from −100..+100). */
  colourValue: number | null;
  /** eNPS only: the mean was released without histograms, so there is no eNPS. */
  belowHistogramMinimum: boolean;
  /** Burnout only: the % reporting burnout symptoms, as the locale writes it. */
  burnoutShareText: string | null;
  change: number | null;
  changeText: string | null;
  direction: ChangeDirection | null;
}

/** Everything the heatmap chart and table draw. */
export interface HeatmapViewData {
  teams: { id: string; name: string; answered: AnsweredCell }[];
  metrics: MetricKey[];
  /** Row by row (teams in order), each with one cell per metric in order. */
  rows: HeatmapViewCell[][];
}

/**
 * Shapes the back end's heatmap; a team × metric pair the back end left out counts as
 * suppressed (as not yet published before any week is published).
 */
/** How many of a team answered in the current period: a rate with a head-count, else a weekly count. */
export type AnsweredCell =
  | { kind: 'rate'; percent: string; answered: string; headcount: string }
  | { kind: 'count'; answered: string }
  | { kind: 'fewer_than_k' };

export function answeredCell(team: HrHeatmap['teams'][number], locale: string): AnsweredCell {
  if (team.answered === null) return { kind: 'fewer_than_k' };
  const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  if (team.participation === null || team.headcount === null) return { kind: 'count', answered: whole.format(team.answered) };
  return {
    kind: 'rate',
    percent: new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(team.participation),
    answered: whole.format(team.answered),
    headcount: whole.format(team.headcount),
  };
}

export function shapeHeatmap(heatmap: HrHeatmap, locale: string): HeatmapViewData {
  const byPair = new Map(heatmap.cells.map((cell) => [`${cell.team_id}\u0000${cell.metric}`, cell]));
  const rows = heatmap.teams.map((team, y) =>
    heatmap.metrics.map((metric, x) => {
      const cell = byPair.get(`${team.id}\u0000${metric}`);
      // A pair the back end left out is "fewer than k", unless nothing is published at all.
      const notPublished = cell === undefined ? heatmap.published_through === null : !cell.published;
      const notAsked = !notPublished && cell !== undefined && !cell.asked;
      const suppressed = !notPublished && !notAsked && (cell === undefined || cell.suppressed || cell.mean === null);
      const enps = metric === 'enps';
      const belowHistogramMinimum = enps && !suppressed && !notAsked && !notPublished && (cell?.enps ?? null) === null;
      const empty = suppressed || notAsked || notPublished || belowHistogramMinimum;
      const mean = empty ? null : enps ? (cell?.enps ?? null) : (cell?.mean ?? null);
      const previousEnps = cell?.previous_enps ?? null;
      const change = empty
        ? null
        : enps
          ? mean === null || previousEnps === null
            ? null
            : mean - previousEnps
          : (cell?.change ?? null);
      const burnoutShare = empty ? null : (cell?.burnout_share ?? null);
      return {
        teamId: team.id,
        teamName: team.name,
        metric,
        x,
        y,
        notAsked,
        suppressed,
        notPublished,
        mean,
        meanText: mean === null ? null : enps ? formatSigned(mean, locale) : formatNumber(mean, locale),
        colourValue: mean === null ? null : enps ? (mean + 100) / 2 : mean,
        belowHistogramMinimum,
        burnoutShareText: burnoutShare === null ? null : formatPercent(burnoutShare, locale),
        change,
        changeText: formatChange(change, locale),
        direction: changeDirection(change),
      };
    }),
  );
  return {
    teams: heatmap.teams.map((team) => ({ id: team.id, name: team.name, answered: answeredCell(team, locale) })),
    metrics: [...heatmap.metrics],
    rows,
  };
}

/** What the chart needs from the UI besides the data. */
export interface HeatmapOptionTexts {
  metricName: (metric: MetricKey) => string;
  /** "fewer than 5". */
  fewerThanK: string;
  /** "not asked". */
  notAsked: string;
  /** "< 5": the label inside a withheld cell, which is too narrow for words (the tooltip and the table say them). */
  fewerThanKShort: string;
  /** "–": the label inside a not-asked cell. */
  notAskedShort: string;
  /** "not yet published". */
  notPublished: string;
  /** "…": the label inside a cell not yet published. */
  notPublishedShort: string;
  /** "No earlier figure". */
  noChange: string;
  /** eNPS only: "Below the histogram minimum: no eNPS". */
  belowHistogramMinimum: string;
  /** Burnout only: "Reporting burnout symptoms: 30%". */
  burnoutShare: (shareText: string) => string;
  fontFamily: string;
  textColour: string;
  gridColour: string;
}

interface HeatmapTooltipParam {
  data?: { cell?: HeatmapViewCell };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The ECharts option: released cells coloured by mean, suppressed cells hatched grey, not-asked cells plain pale. */
export function buildHeatmapOption(data: HeatmapViewData, texts: HeatmapOptionTexts) {
  const cells = data.rows.flat();
  const label = (cell: HeatmapViewCell) =>
    cell.notPublished
      ? texts.notPublished
      : cell.notAsked
      ? texts.notAsked
      : cell.suppressed
        ? texts.fewerThanK
        : cell.belowHistogramMinimum
          ? texts.belowHistogramMinimum
          : `${cell.meanText ?? ''}\n${cell.changeText ?? ''}`;
  return {
    animation: false,
    aria: { enabled: false },
    textStyle: { fontFamily: texts.fontFamily, color: texts.textColour },
    grid: { left: 150, right: 24, top: 16, bottom: 120 },
    tooltip: {
      formatter: (param: HeatmapTooltipParam) => {
        const cell = param.data?.cell;
        if (cell === undefined) return '';
        const title = `${escapeHtml(cell.teamName)} · ${escapeHtml(texts.metricName(cell.metric))}`;
        if (cell.notPublished) return `${title}<br>${escapeHtml(texts.notPublished)}`;
        if (cell.notAsked) return `${title}<br>${escapeHtml(texts.notAsked)}`;
        if (cell.suppressed) return `${title}<br>${escapeHtml(texts.fewerThanK)}`;
        if (cell.belowHistogramMinimum) return `${title}<br>${escapeHtml(texts.belowHistogramMinimum)}`;
        const share = cell.burnoutShareText === null ? '' : `<br>${escapeHtml(texts.burnoutShare(cell.burnoutShareText))}`;
        return `${title}<br><b>${cell.meanText ?? ''}</b> ${escapeHtml(cell.changeText ?? texts.noChange)}${share}`;
      },
    },
    xAxis: {
      type: 'category',
      data: data.metrics.map((metric) => texts.metricName(metric)),
      axisLabel: { color: texts.textColour, rotate: 40, interval: 0, width: 110, overflow: 'truncate' },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category',
      data: data.teams.map((team) => team.name),
      inverse: true,
      axisLabel: { color: texts.textColour, width: 140, overflow: 'truncate' },
    },
    visualMap: {
      show: false,
      min: 0,
      max: 100,
      seriesIndex: 0,
      inRange: { color: ['#c94f4f', '#f2e6c4', '#3f8f6b'] },
    },
    series: [
      {
        type: 'heatmap',
        name: 'released',
        data: cells
          .filter((cell) => !cell.suppressed && !cell.notAsked && !cell.notPublished && !cell.belowHistogramMinimum)
          .map((cell) => ({ value: [cell.x, cell.y, cell.colourValue], cell })),
        label: {
          show: true,
          fontSize: 10,
          lineHeight: 13,
          overflow: 'truncate',
          formatter: (param: HeatmapTooltipParam) => (param.data?.cell ? label(param.data.cell) : ''),
        },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
      {
        type: 'heatmap',
        name: 'suppressed',
        data: cells
          .filter((cell) => cell.suppressed || cell.belowHistogramMinimum)
          // The third value only places the cell; no visual map reads it and the label says
          // "fewer than k" (or, for eNPS without histograms, the tooltip says why there is none).
          .map((cell) => ({ value: [cell.x, cell.y, 0], cell })),
        label: {
          show: true,
          fontSize: 10,
          color: '#444',
          formatter: (param: HeatmapTooltipParam) =>
            param.data?.cell?.belowHistogramMinimum ? texts.notAskedShort : texts.fewerThanKShort,
        },
        itemStyle: {
          color: '#e4e4e4',
          borderColor: '#fff',
          borderWidth: 1,
          decal: { symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [2, 4], rotation: -Math.PI / 4, color: 'rgba(0,0,0,0.12)' },
        },
      },
      {
        type: 'heatmap',
        name: 'not asked',
        data: cells
          .filter((cell) => cell.notAsked)
          // As above, the third value only places the cell; the label says "not asked".
          .map((cell) => ({ value: [cell.x, cell.y, 0], cell })),
        label: { show: true, fontSize: 10, color: '#666', formatter: () => texts.notAskedShort },
        itemStyle: { color: '#f6f6f6', borderColor: '#fff', borderWidth: 1 },
      },
      {
        type: 'heatmap',
        name: 'not published',
        data: cells
          .filter((cell) => cell.notPublished)
          // As above, the third value only places the cell; the label says "not yet published".
          .map((cell) => ({ value: [cell.x, cell.y, 0], cell })),
        label: { show: true, fontSize: 10, color: '#0f6e6e', formatter: () => texts.notPublishedShort },
        itemStyle: { color: '#eef6f6', borderColor: '#fff', borderWidth: 1 },
      },
    ],
  };
}
