// The EX–CX linkage view shaped for its charts and tables, as pure functions: the EX × CX
// heatmap at each pair's strongest lag, the lag profile of one pair (r with its 95% interval
// by lag) and the scatter of one pair at one lag with its fitted line. A pair without an
// estimate is drawn grey and says "not enough data", never 0. Only flagged pairs (a finding
// that the drift-robust figure backs, issue 15) are coloured; the others are drawn neutral with
// their r, and the table is in the order of evidence, never of |r|.

import type { LinkageCorrelation } from '../bindings/LinkageCorrelation';
import type { LinkageDetail } from '../bindings/LinkageDetail';
import type { LinkageView } from '../bindings/LinkageView';
import type { MetricKey } from '../bindings/MetricKey';

/** A correlation with two decimals in the locale's format: "0.62" / "0,62", "−0.10". */
export function formatR(r: number, locale: string): string {
  const text = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
    Math.abs(r),
  );
  return r < 0 && text !== new Intl.NumberFormat(locale, { minimumFractionDigits: 2 }).format(0) ? `−${text}` : text;
}

/** A p-value in words a reader can scan: "< 0.001" or with three decimals. */
export function formatP(p: number, locale: string): string {
  const format = new Intl.NumberFormat(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  return p < 0.001 ? `< ${format.format(0.001)}` : format.format(p);
}

/** One EX × CX pair as the heatmap and the table show it. */
export interface LinkageRow {
  ex: MetricKey;
  cx: string;
  x: number;
  y: number;
  lag: number | null;
  r: number | null;
  rText: string | null;
  ciText: string | null;
  pText: string | null;
  n: number;
  nTeams: number;
  nEffectiveText: string | null;
  notEnough: LinkageCorrelation['not_enough_data'];
  /** The minimum the reason refers to (pairs, teams or effective size). */
  minimum: number | null;
  /** Coloured and called a finding: adjusted p small enough and the drift-robust figure agrees. */
  flagged: boolean;
  /** The strongest lag is 0 or 8: no interior peak. */
  edgePeak: boolean;
  /** Place in the order of evidence, from 1; null without an estimate. */
  rank: number | null;
  /** The false-coverage adjusted interval of a finding. */
  fcrText: string | null;
  /** r of the team-demeaned (week effects left in) and first-difference figures. */
  teamDemeanedText: string | null;
  firstDifferenceText: string | null;
  /** The between-team r with its interval, and its power (in %) to see r = 0.33. */
  betweenText: string | null;
  betweenPowerText: string | null;
}

/** Everything the heatmap and its table draw: EX metrics as rows, CX metrics as columns. */
export interface LinkageData {
  exMetrics: MetricKey[];
  cxMetrics: string[];
  rows: LinkageRow[];
}

export function shapeLinkage(view: LinkageView, locale: string): LinkageData {
  const rows = view.pairs.map((pair): LinkageRow => {
    const within = pair.within;
    const estimated = within.r !== null && within.ci_low !== null && within.ci_high !== null;
    return {
      ex: pair.ex_metric,
      cx: pair.cx_metric,
      x: view.cx_metrics.indexOf(pair.cx_metric),
      y: view.ex_metrics.indexOf(pair.ex_metric),
      lag: pair.lag,
      r: within.r,
      rText: within.r === null ? null : formatR(within.r, locale),
      ciText: estimated ? `${formatR(within.ci_low ?? 0, locale)} … ${formatR(within.ci_high ?? 0, locale)}` : null,
      pText: within.p_adjusted === null ? null : formatP(within.p_adjusted, locale),
      n: within.n,
      nTeams: within.n_teams,
      nEffectiveText:
        within.n_effective === null
          ? null
          : new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(within.n_effective),
      notEnough: within.not_enough_data,
      minimum: within.minimum,
      flagged: pair.flagged,
      edgePeak: pair.edge_peak,
      rank: pair.rank,
      fcrText: intervalText(within.fcr_low, within.fcr_high, locale),
      teamDemeanedText: pair.team_demeaned.r === null ? null : formatR(pair.team_demeaned.r, locale),
      firstDifferenceText: pair.first_difference.r === null ? null : formatR(pair.first_difference.r, locale),
      betweenText:
        pair.between.r === null
          ? null
          : `${formatR(pair.between.r, locale)} (${intervalText(pair.between.ci_low, pair.between.ci_high, locale) ?? ''})`,
      betweenPowerText:
        pair.between_power === null
          ? null
          : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(pair.between_power),
    };
  });
  return { exMetrics: view.ex_metrics, cxMetrics: view.cx_metrics, rows };
}

function intervalText(low: number | null, high: number | null, locale: string): string | null {
  return low === null || high === null ? null : `${formatR(low, locale)} … ${formatR(high, locale)}`;
}

/** The rows in the order of evidence (rank 1 first), then those without an estimate in grid order. */
export function rowsByEvidence(rows: LinkageRow[]): LinkageRow[] {
  const ranked = rows.filter((row) => row.rank !== null).sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  return [...ranked, ...rows.filter((row) => row.rank === null)];
}

/** One team's withheld EX weeks, as the view lists them. */
export interface WithheldRow {
  team: string;
  withheld: number;
  asked: number;
  shareText: string;
}

/** The teams with withheld EX cells, most withheld first. */
export function shapeWithheld(view: LinkageView, locale: string): WithheldRow[] {
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  return [...view.withheld]
    .sort((a, b) => b.withheld - a.withheld || a.team.localeCompare(b.team))
    .map((item) => ({ ...item, shareText: percent.format(item.asked === 0 ? 0 : item.withheld / item.asked) }));
}

export interface LinkageTexts {
  exName: (metric: MetricKey) => string;
  cxName: (metric: string) => string;
  lagLabel: (lag: number) => string;
  notEnough: string;
  /** Appended to the label of a pair whose strongest lag is 0 or 8. */
  edgeMark: string;
  fontFamily: string;
  textColour: string;
}

interface Param {
  data?: { row?: LinkageRow };
}

/**
 * The heatmap: flagged cells coloured by r at the pair's strongest lag (−1 red … +1 green), others
 * neutral with their r, cells without an estimate grey; labelled "r · lag", with a mark for an
 * edge peak.
 */
export function buildLinkageHeatmapOption(data: LinkageData, texts: LinkageTexts) {
  const label = (row: LinkageRow) =>
    row.rText === null
      ? texts.notEnough
      : `${row.rText}\n${texts.lagLabel(row.lag ?? 0)}${row.edgePeak ? ` ${texts.edgeMark}` : ''}`;
  return {
    animation: false,
    aria: { enabled: false },
    textStyle: { fontFamily: texts.fontFamily, color: texts.textColour },
    grid: { left: 160, right: 24, top: 16, bottom: 48 },
    tooltip: { formatter: (param: Param) => (param.data?.row ? label(param.data.row).replace('\n', ' · ') : '') },
    xAxis: { type: 'category', data: data.cxMetrics.map(texts.cxName), axisLabel: { color: texts.textColour } },
    yAxis: { type: 'category', data: data.exMetrics.map(texts.exName), inverse: true },
    visualMap: { show: false, min: -1, max: 1, seriesIndex: 0, inRange: { color: ['#c94f4f', '#f4f4f4', '#3f8f6b'] } },
    series: [
      {
        type: 'heatmap',
        name: 'estimated',
        data: data.rows.filter((row) => row.r !== null && row.flagged).map((row) => ({ value: [row.x, row.y, row.r], row })),
        label: {
          show: true,
          fontSize: 10,
          lineHeight: 14,
          overflow: 'truncate',
          formatter: (param: Param) => (param.data?.row ? label(param.data.row) : ''),
        },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
      {
        type: 'heatmap',
        name: 'not flagged',
        // Estimated but no finding: drawn neutral, whatever the size of r.
        data: data.rows.filter((row) => row.r !== null && !row.flagged).map((row) => ({ value: [row.x, row.y, 0], row })),
        label: {
          show: true,
          fontSize: 10,
          lineHeight: 14,
          color: '#3d444d',
          formatter: (param: Param) => (param.data?.row ? label(param.data.row) : ''),
        },
        itemStyle: { color: '#f7f7f7', borderColor: '#fff', borderWidth: 1 },
      },
      {
        type: 'heatmap',
        name: 'not enough data',
        // The third value only places the cell; the label says "not enough data".
        data: data.rows.filter((row) => row.r === null).map((row) => ({ value: [row.x, row.y, 0], row })),
        label: { show: true, fontSize: 9, color: '#555', formatter: () => texts.notEnough },
        itemStyle: { color: '#e4e4e4', borderColor: '#fff', borderWidth: 1 },
      },
    ],
  };
}

/** One lag of the profile: r and its interval, or null when there is no estimate. */
export interface ProfilePoint {
  lag: number;
  r: number | null;
  low: number | null;
  high: number | null;
  rText: string | null;
  ciText: string | null;
}

export function shapeProfile(detail: LinkageDetail, locale: string): ProfilePoint[] {
  return detail.profile.map(({ lag, within }) => ({
    lag,
    r: within.r,
    low: within.ci_low,
    high: within.ci_high,
    rText: within.r === null ? null : formatR(within.r, locale),
    ciText:
      within.ci_low === null || within.ci_high === null
        ? null
        : `${formatR(within.ci_low, locale)} … ${formatR(within.ci_high, locale)}`,
  }));
}

/** r by lag as points with vertical 95% interval bars (a custom series) and a zero line. */
export function buildProfileOption(points: ProfilePoint[], texts: { lagLabel: (lag: number) => string; textColour: string }) {
  const estimated = points.filter((point) => point.r !== null);
  return {
    animation: false,
    aria: { enabled: false },
    grid: { left: 48, right: 16, top: 16, bottom: 32 },
    xAxis: { type: 'category', data: points.map((point) => texts.lagLabel(point.lag)) },
    yAxis: { type: 'value', min: -1, max: 1, axisLabel: { color: texts.textColour } },
    series: [
      {
        type: 'custom',
        name: 'interval',
        data: estimated.map((point) => [points.indexOf(point), point.low, point.high]),
        renderItem: (
          _params: unknown,
          api: { value: (index: number) => number; coord: (point: number[]) => number[]; style: () => object },
        ) => {
          const x = api.value(0);
          const low = api.coord([x, api.value(1)]);
          const high = api.coord([x, api.value(2)]);
          const lowX = low[0] ?? 0;
          const lowY = low[1] ?? 0;
          const highY = high[1] ?? 0;
          const style = { stroke: '#3d444d', lineWidth: 1.5 };
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: lowX, y1: lowY, x2: lowX, y2: highY }, style },
              { type: 'line', shape: { x1: lowX - 5, y1: lowY, x2: lowX + 5, y2: lowY }, style },
              { type: 'line', shape: { x1: lowX - 5, y1: highY, x2: lowX + 5, y2: highY }, style },
            ],
          };
        },
      },
      {
        type: 'scatter',
        name: 'r',
        data: estimated.map((point) => [points.indexOf(point), point.r]),
        symbolSize: 9,
        itemStyle: { color: '#2f6fb0' },
        markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0 }], lineStyle: { color: '#999' } },
      },
    ],
  };
}

/** The scatter of team-weeks (deviations from each team's own means) with the fitted line across their range. */
export function buildScatterOption(detail: LinkageDetail, texts: { exAxis: string; cxAxis: string }) {
  const xs = detail.points.map((point) => point.ex_deviation);
  const lowX = xs.length === 0 ? 0 : Math.min(...xs);
  const highX = xs.length === 0 ? 0 : Math.max(...xs);
  const fit = detail.fit;
  return {
    animation: false,
    aria: { enabled: false },
    grid: { left: 56, right: 16, top: 16, bottom: 48 },
    xAxis: { type: 'value', name: texts.exAxis, nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: texts.cxAxis, nameLocation: 'middle', nameGap: 40 },
    series: [
      {
        type: 'scatter',
        name: 'team-weeks',
        symbolSize: 5,
        data: detail.points.map((point) => [point.ex_deviation, point.cx_deviation]),
        itemStyle: { color: 'rgba(47,111,176,0.55)' },
      },
      {
        type: 'line',
        name: 'fit',
        showSymbol: false,
        data:
          fit === null
            ? []
            : [
                [lowX, fit.intercept + fit.slope * lowX],
                [highX, fit.intercept + fit.slope * highX],
              ],
        lineStyle: { color: '#c94f4f', width: 2 },
      },
    ],
  };
}
