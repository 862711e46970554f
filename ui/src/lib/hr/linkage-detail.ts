// The linkage detail's figures about teams and customers, shaped as pure functions: the forest
// plot of each team's own correlation with its estimate shrunk towards the average team (many
// teams: the top and bottom few and a count of the rest), the sentence that says how much teams
// differ, the customer-weighted figure beside the default one, and the reliability of the
// detailed CX metric (polso_core::linkage::teams and ::customers).

import type { LinkageCxReliability } from '../bindings/LinkageCxReliability';
import type { LinkageDetail } from '../bindings/LinkageDetail';
import type { LinkageTeamDifferences } from '../bindings/LinkageTeamDifferences';
import type { LinkageView } from '../bindings/LinkageView';
import type { MessageKey } from '../i18n/translate';
import { formatR } from './linkage';

/** The most teams the forest plot draws; with more, the top and bottom halves of this many. */
export const FOREST_MAX_TEAMS = 12;

/** One team's row of the forest plot and its table. */
export interface ForestRow {
  team: string;
  n: number;
  r: number;
  low: number;
  high: number;
  shrunk: number;
  rText: string;
  ciText: string;
  shrunkText: string;
}

/** What the forest plot draws: rows from the highest shrunk estimate down. */
export interface Forest {
  /** The teams shown above the gap (all teams when there is no gap). */
  top: ForestRow[];
  /** The teams shown below the gap; empty when every team is shown. */
  bottom: ForestRow[];
  /** Teams left out of the plot between `top` and `bottom`. */
  hidden: number;
  /** Every team in the same order, for the table beside the plot. */
  all: ForestRow[];
  pooled: number;
  pooledLow: number;
  pooledHigh: number;
}

function interval(low: number, high: number, locale: string): string {
  return `${formatR(low, locale)} … ${formatR(high, locale)}`;
}

/**
 * The teams sorted by their shrunk estimate, highest first (ties by name), so that the order is
 * not set by the noisiest teams; more than `max` teams keep the top and bottom `max / 2`.
 */
export function shapeForest(differences: LinkageTeamDifferences, locale: string, max = FOREST_MAX_TEAMS): Forest {
  const rows: ForestRow[] = differences.teams
    .map((team) => ({
      team: team.team,
      n: team.n,
      r: team.r,
      low: team.ci_low,
      high: team.ci_high,
      shrunk: team.r_shrunk,
      rText: formatR(team.r, locale),
      ciText: interval(team.ci_low, team.ci_high, locale),
      shrunkText: formatR(team.r_shrunk, locale),
    }))
    .sort((a, b) => b.shrunk - a.shrunk || a.team.localeCompare(b.team));
  const pooled = { pooled: differences.pooled_r, pooledLow: differences.pooled_ci_low, pooledHigh: differences.pooled_ci_high };
  if (rows.length <= max) return { top: rows, bottom: [], hidden: 0, all: rows, ...pooled };
  const half = Math.floor(max / 2);
  return {
    top: rows.slice(0, half),
    bottom: rows.slice(rows.length - half),
    hidden: rows.length - 2 * half,
    all: rows,
    ...pooled,
  };
}

/** The labels of the forest plot. */
export interface ForestTexts {
  ownName: string;
  shrunkName: string;
  pooledName: string;
  /** The gap's row label, given the number of teams left out. */
  hiddenLabel: (count: number) => string;
  textColour: string;
}

/** The ECharts option of the forest plot: teams down the side, r from −1 to 1 across. */
export function buildForestOption(forest: Forest, texts: ForestTexts) {
  const rows: (ForestRow | null)[] = forest.hidden > 0 ? [...forest.top, null, ...forest.bottom] : forest.top;
  // ECharts draws the first category at the bottom: reversed, the highest team is on top.
  const ordered = [...rows].reverse();
  const labels = ordered.map((row) => (row === null ? texts.hiddenLabel(forest.hidden) : row.team));
  const drawn = ordered.flatMap((row, index) => (row === null ? [] : [{ row, index }]));
  return {
    animation: false,
    aria: { enabled: false },
    grid: { left: 140, right: 24, top: 28, bottom: 32 },
    legend: { top: 0, data: [texts.ownName, texts.shrunkName], textStyle: { color: texts.textColour } },
    xAxis: { type: 'value', min: -1, max: 1, axisLabel: { color: texts.textColour } },
    yAxis: { type: 'category', data: labels, axisLabel: { color: texts.textColour } },
    series: [
      {
        type: 'custom',
        name: 'interval',
        data: drawn.map(({ row, index }) => [row.low, row.high, index]),
        renderItem: (
          _params: unknown,
          api: { value: (index: number) => number; coord: (point: number[]) => number[] },
        ) => {
          const index = api.value(2);
          const low = api.coord([api.value(0), index]);
          const high = api.coord([api.value(1), index]);
          const y = low[1] ?? 0;
          const style = { stroke: '#8a939e', lineWidth: 1.5 };
          return { type: 'line', shape: { x1: low[0] ?? 0, y1: y, x2: high[0] ?? 0, y2: y }, style };
        },
      },
      {
        type: 'scatter',
        name: texts.ownName,
        data: drawn.map(({ row, index }) => [row.r, index]),
        symbol: 'circle',
        symbolSize: 9,
        itemStyle: { color: '#ffffff', borderColor: '#2f6fb0', borderWidth: 2 },
      },
      {
        type: 'scatter',
        name: texts.shrunkName,
        data: drawn.map(({ row, index }) => [row.shrunk, index]),
        symbol: 'diamond',
        symbolSize: 10,
        itemStyle: { color: '#2f6fb0' },
        markLine: {
          silent: true,
          symbol: 'none',
          label: { formatter: texts.pooledName, color: texts.textColour },
          data: [
            { xAxis: forest.pooled, lineStyle: { color: '#c0504d', width: 2 } },
            { xAxis: 0, lineStyle: { color: '#999', type: 'dashed' }, label: { show: false } },
          ],
        },
        markArea: {
          silent: true,
          itemStyle: { color: 'rgba(192, 80, 77, 0.08)' },
          data: [[{ xAxis: forest.pooledLow }, { xAxis: forest.pooledHigh }]],
        },
      },
    ],
  };
}

/** The message key of the sentence that says how much teams differ. */
export function heterogeneityKey(differences: LinkageTeamDifferences): MessageKey {
  const keys: Record<LinkageTeamDifferences['heterogeneity'], MessageKey> = {
    little: 'linkage.teams_differ_little',
    some: 'linkage.teams_differ_some',
    a_lot: 'linkage.teams_differ_a_lot',
  };
  return keys[differences.heterogeneity];
}

/** The values that sentence takes: I² as a percentage, τ, the pooled r and ranges. */
export function heterogeneityValues(differences: LinkageTeamDifferences, locale: string): Record<string, string> {
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const tau = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return {
    i2: percent.format(differences.i_squared),
    tau: tau.format(differences.tau),
    r: formatR(differences.pooled_r, locale),
    interval: interval(differences.pooled_ci_low, differences.pooled_ci_high, locale),
    typical: interval(differences.typical_low, differences.typical_high, locale),
  };
}

/** The customer-weighted figure in words, or null without an estimate. */
export function shapeWeighted(detail: LinkageDetail, locale: string): { rText: string; ciText: string; nEffective: string } | null {
  const weighted = detail.weighted;
  if (weighted.r === null || weighted.ci_low === null || weighted.ci_high === null) return null;
  return {
    rText: formatR(weighted.r, locale),
    ciText: interval(weighted.ci_low, weighted.ci_high, locale),
    nEffective: new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(weighted.n_effective ?? 0),
  };
}

/** The reliability of the detailed CX metric, with the message key that describes it. */
export function reliabilityNote(
  view: LinkageView,
  cxMetric: string,
  locale: string,
): { key: MessageKey; values: Record<string, string | number> } | null {
  const reliability: LinkageCxReliability | undefined = view.cx_reliability.find((item) => item.cx_metric === cxMetric);
  if (reliability === undefined) return null;
  if (reliability.model === 'unknown') return { key: 'linkage.reliability_unknown', values: {} };
  if (reliability.reliability === null || reliability.attenuation === null) {
    return { key: 'linkage.reliability_too_few', values: { cells: reliability.cells } };
  }
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  const factor = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return {
    key: reliability.model === 'nps_upper_bound' ? 'linkage.reliability_nps' : 'linkage.reliability_proportion',
    values: {
      reliability: percent.format(reliability.reliability),
      attenuation: factor.format(reliability.attenuation),
      cells: reliability.cells,
    },
  };
}
