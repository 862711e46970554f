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
//
// A change carries its 95% interval (from the back end: Welch's, with the release noise when
// known) and is marked likely real when that interval excludes 0: by a symbol and words, never
// by colour alone. The grid can show each team as its difference from the organisation or from
// its department; those figures come from the units' own released cells (the back end never
// derives them from teams), and a difference is shown only where both figures were released.
// Teams are grouped under their department's own row.

import type { HeatmapCell } from '../bindings/HeatmapCell';
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
  /** The change's 95% interval, as the locale writes its ends ("−3.1", "+15.2"); null without one. */
  changeLowText: string | null;
  changeHighText: string | null;
  /** The interval excludes 0. */
  likelyReal: boolean;
}

/** A department's or the organisation's own row. */
export interface UnitRowView {
  id: string;
  name: string;
  answered: AnsweredCell;
  /** One cell per metric in order; `teamId` holds the unit's id. */
  cells: HeatmapViewCell[];
}

/** Everything the heatmap grid and table draw. */
export interface HeatmapViewData {
  teams: { id: string; name: string; answered: AnsweredCell; departmentId: string | null }[];
  metrics: MetricKey[];
  /** Row by row (teams in order), each with one cell per metric in order. */
  rows: HeatmapViewCell[][];
  departments: UnitRowView[];
  organisation: UnitRowView | null;
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

export function answeredCell(
  team: Pick<HrHeatmap['teams'][number], 'answered' | 'headcount' | 'participation'>,
  locale: string,
): AnsweredCell {
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

/** A change as the locale writes it with its sign, to one decimal: "+3.2", "−1,5", "0". */
function signedOneDecimal(value: number, locale: string): string {
  const magnitude = formatNumber(Math.abs(value), locale);
  if (magnitude === formatNumber(0, locale)) return magnitude;
  return value > 0 ? `+${magnitude}` : `−${magnitude}`;
}

/** One cell as shown, from the back end's cell (undefined when it left the pair out). */
function shapeCell(
  cell: HeatmapCell | undefined,
  place: { id: string; name: string; metric: MetricKey; x: number; y: number },
  nothingPublished: boolean,
  locale: string,
): HeatmapViewCell {
  const { metric } = place;
  // A pair the back end left out is "fewer than k", unless nothing is published at all.
  const notPublished = cell === undefined ? nothingPublished : !cell.published;
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
  // The back end gives no interval for eNPS (its change is in eNPS points).
  const low = empty || enps ? null : (cell?.change_low ?? null);
  const high = empty || enps ? null : (cell?.change_high ?? null);
  const withInterval = change !== null && low !== null && high !== null;
  return {
    teamId: place.id,
    teamName: place.name,
    metric,
    x: place.x,
    y: place.y,
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
    changeLowText: withInterval ? signedOneDecimal(low, locale) : null,
    changeHighText: withInterval ? signedOneDecimal(high, locale) : null,
    likelyReal: withInterval && cell?.change_likely_real === true,
  };
}

export function shapeHeatmap(heatmap: HrHeatmap, locale: string): HeatmapViewData {
  const byPair = new Map(heatmap.cells.map((cell) => [`${cell.team_id}\u0000${cell.metric}`, cell]));
  const nothingPublished = heatmap.published_through === null;
  const rows = heatmap.teams.map((team, y) =>
    heatmap.metrics.map((metric, x) =>
      shapeCell(byPair.get(`${team.id}\u0000${metric}`), { id: team.id, name: team.name, metric, x, y }, nothingPublished, locale),
    ),
  );
  const unitRow = (row: HrHeatmap['departments'][number]): UnitRowView => {
    const byMetric = new Map(row.cells.map((cell) => [cell.metric, cell]));
    return {
      id: row.id,
      name: row.name,
      answered: answeredCell(row, locale),
      cells: heatmap.metrics.map((metric, x) =>
        shapeCell(byMetric.get(metric), { id: row.id, name: row.name, metric, x, y: -1 }, nothingPublished, locale),
      ),
    };
  };
  return {
    teams: heatmap.teams.map((team) => ({
      id: team.id,
      name: team.name,
      answered: answeredCell(team, locale),
      departmentId: team.department_id ?? null,
    })),
    metrics: [...heatmap.metrics],
    rows,
    departments: (heatmap.departments ?? []).map(unitRow),
    organisation: heatmap.organisation ? unitRow(heatmap.organisation) : null,
  };
}

/** What the grid shows: each team's own figure, or its difference from its organisation or department. */
export type HeatmapMode = 'values' | 'vs_organisation' | 'vs_department';

export const HEATMAP_MODES: readonly HeatmapMode[] = ['values', 'vs_organisation', 'vs_department'];

/** A difference at or beyond this many points (eNPS points: twice as many) takes the scale's end colour. */
export const DIFFERENCE_SCALE_POINTS = 15;

/** A department and its teams' rows (indices into `data.rows`), in the back end's order; teams of no known department last. */
export interface HeatmapGroup {
  department: UnitRowView | null;
  rows: number[];
}

export function groupByDepartment(data: HeatmapViewData): HeatmapGroup[] {
  const groups: HeatmapGroup[] = data.departments.map((department) => ({
    department,
    rows: data.teams.flatMap((team, index) => (team.departmentId === department.id ? [index] : [])),
  }));
  const known = new Set(data.departments.map((department) => department.id));
  const others = data.teams.flatMap((team, index) =>
    team.departmentId !== null && known.has(team.departmentId) ? [] : [index],
  );
  if (others.length > 0) groups.push({ department: null, rows: others });
  return groups.filter((group) => group.rows.length > 0 || group.department !== null);
}

/** The figure a team's cell is compared with in `mode`: the organisation's or its department's cell for the same metric. */
export function referenceCell(
  data: HeatmapViewData,
  mode: HeatmapMode,
  teamIndex: number,
  metricIndex: number,
): HeatmapViewCell | null {
  if (mode === 'values') return null;
  if (mode === 'vs_organisation') return data.organisation?.cells[metricIndex] ?? null;
  const departmentId = data.teams[teamIndex]?.departmentId ?? null;
  const department = data.departments.find((candidate) => candidate.id === departmentId);
  return department?.cells[metricIndex] ?? null;
}

/** A team's figure less the reference's, both released; null otherwise (never a figure from a withheld cell). */
export function differenceFrom(cell: HeatmapViewCell, reference: HeatmapViewCell | null): number | null {
  if (reference === null || cell.mean === null || reference.mean === null) return null;
  return cell.mean - reference.mean;
}

/** A difference as the locale writes it with its sign, to one decimal. */
export function formatDifference(difference: number, locale: string): string {
  return signedOneDecimal(difference, locale);
}

type Rgb = [number, number, number];

function mix(stops: Rgb[], position: number): string {
  const clamped = Math.min(1, Math.max(0, position));
  const scaled = clamped * (stops.length - 1);
  const index = Math.min(stops.length - 2, Math.floor(scaled));
  const within = scaled - index;
  const from = stops[index] as Rgb;
  const to = stops[index + 1] as Rgb;
  const channel = (c: 0 | 1 | 2) => Math.round(from[c] + (to[c] - from[c]) * within);
  return `rgb(${channel(0)}, ${channel(1)}, ${channel(2)})`;
}

/** Light stops, so dark text stays readable on every cell: low red, middle sand, high green. */
export const VALUE_STOPS: Rgb[] = [
  [236, 167, 160],
  [245, 238, 214],
  [150, 205, 172],
];

/** A diverging scale safe for colour blindness (orange below, white at 0, purple above), light enough for dark text. */
export const DIFFERENCE_STOPS: Rgb[] = [
  [241, 163, 64],
  [247, 247, 247],
  [178, 171, 210],
];

/** The background of a released cell: by its value (0–100) or by its difference on the diverging scale. */
export function cellColour(mode: HeatmapMode, cell: HeatmapViewCell, difference: number | null): string | null {
  if (mode === 'values') return cell.colourValue === null ? null : mix(VALUE_STOPS, cell.colourValue / 100);
  if (difference === null) return null;
  const range = cell.metric === 'enps' ? 2 * DIFFERENCE_SCALE_POINTS : DIFFERENCE_SCALE_POINTS;
  return mix(DIFFERENCE_STOPS, 0.5 + difference / (2 * range));
}

