// Sample HR data for the mock back end: an organisation overview and a team × metric
// heatmap shaped like the demo organisation's, with weeks the schedule did not ask, a week
// withheld under k, two teams below k, a metric not asked in the latest period and the last
// closed week (2026-W47) not yet published, so every state of the HR views can be seen in
// `npm run dev` and exercised in tests.

import type { EnpsFigures } from '../bindings/EnpsFigures';
import type { HeatmapCell } from '../bindings/HeatmapCell';
import type { HrHeatmap } from '../bindings/HrHeatmap';
import type { HrPriorities } from '../bindings/HrPriorities';
import type { CxImportReport } from '../bindings/CxImportReport';
import type { DevicePrivacyLoss } from '../bindings/DevicePrivacyLoss';
import type { NextPublication } from '../bindings/NextPublication';
import type { PrivacyLedger } from '../bindings/PrivacyLedger';
import type { HrOverview } from '../bindings/HrOverview';
import type { LagPoint } from '../bindings/LagPoint';
import type { CxPooling } from '../bindings/CxPooling';
import type { LinkageCorrelation } from '../bindings/LinkageCorrelation';
import type { LinkageTeamDifferences } from '../bindings/LinkageTeamDifferences';
import type { LinkagePair } from '../bindings/LinkagePair';
import type { LinkageView } from '../bindings/LinkageView';
import type { MetricKey } from '../bindings/MetricKey';
import type { OrganisationUnits } from '../bindings/OrganisationUnits';
import type { SeriesPoint } from '../bindings/SeriesPoint';
import type { TeamComparison } from '../bindings/TeamComparison';
import { METRIC_KEYS } from '../codes';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The Monday of 2026-W47, the last closed week of the samples. */
const LAST_MONDAY = Date.UTC(2026, 10, 16);

function mondayWeeksBack(weeksBack: number): string {
  return new Date(LAST_MONDAY - weeksBack * 7 * DAY_MS).toISOString().slice(0, 10);
}

/** ISO week labels of the samples: 2026-W47 and the weeks before it (all in 2026). */
function weekWeeksBack(weeksBack: number): string {
  return `2026-W${String(47 - weeksBack).padStart(2, '0')}`;
}

/** A small deterministic wobble, so the lines are not flat. */
function wobble(seed: number): number {
  return Math.sin(seed * 1.7) * 3 + Math.cos(seed * 0.6) * 2;
}

/** The last week the sample organisation has published: 2026-W47 is still collecting reports. */
export const SAMPLE_PUBLISHED_THROUGH = '2026-W46';

/** When 2026-W47 is published: the Saturday after it closed, in UTC. */
export const SAMPLE_NEXT_PUBLICATION: NextPublication = { week: '2026-W47', at: '2026-11-28T09:00:00Z' };

/** The week (counted back from 2026-W47) whose wellbeing was withheld under k. */
const WITHHELD_WEEKS_BACK = 6;

/** The metric the sample's schedule did not ask in the latest period (eNPS is quarterly). */
export const SAMPLE_NOT_ASKED_METRIC: MetricKey = 'enps';

/** The organisation over `weeks` weeks ending 2026-W47 (at most 40, to stay in 2026). */
/** An eNPS week as the server derives it: shares that add up to 100, eNPS = promoters − detractors. */
function sampleEnps(weeksBack: number): EnpsFigures {
  const promoters = 30 + (weeksBack % 5) * 2;
  const detractors = 35 - (weeksBack % 3) * 3;
  return { promoters, passives: 100 - promoters - detractors, detractors, enps: promoters - detractors };
}

export function sampleHrOverview(weeks = 12): HrOverview {
  const count = Math.min(40, Math.max(4, weeks));
  const offsets = Array.from({ length: count }, (_, index) => count - 1 - index);
  const metrics = METRIC_KEYS.map((metric, metricIndex) => ({
    metric,
    points: offsets.map((weeksBack) => {
      // Wellbeing is asked three weeks in four; drivers once in four (the other weeks are
      // not asked). One week of wellbeing had fewer than k responses and was withheld.
      const asked = metric === 'wellbeing' ? weeksBack % 4 !== 1 : (weeksBack + metricIndex) % 4 === 0;
      const week = weekWeeksBack(weeksBack);
      const week_monday = mondayWeeksBack(weeksBack);
      const empty = { week, week_monday, mean: null, low: null, high: null, n: null, published: true };
      if (weeksBack === 0) return { ...empty, asked: true, suppressed: false, published: false };
      if (!asked) return { ...empty, asked: false, suppressed: false };
      if (metric === 'wellbeing' && weeksBack === WITHHELD_WEEKS_BACK) return { ...empty, asked: true, suppressed: true };
      const mean = 62 + metricIndex + wobble(weeksBack + metricIndex);
      const n = 48 + ((weeksBack * 7) % 11);
      const half = (1.96 * 18) / Math.sqrt(n);
      return {
        week,
        week_monday,
        mean,
        low: Math.max(0, mean - half),
        high: Math.min(100, mean + half),
        n,
        asked: true,
        suppressed: false,
        published: true,
        // As the server derives them from the released histogram (n is above the histogram minimum here).
        enps: metric === 'enps' ? sampleEnps(weeksBack) : null,
        burnout_share: metric === 'burnout' ? 30 + wobble(weeksBack) / 2 : null,
      };
    }),
  }));
  const participation = offsets.map((weeksBack, position) => {
    const asked = metrics.map((series) => series.points[position]).filter((point) => point?.asked === true);
    const released = asked.map((point) => point?.n).filter((n): n is number => n != null);
    const n = released.length === 0 ? null : Math.max(...released);
    const published = weeksBack !== 0;
    return {
      week: weekWeeksBack(weeksBack),
      week_monday: mondayWeeksBack(weeksBack),
      n,
      suppressed: published && n === null && asked.length > 0,
      published,
    };
  });
  return {
    k: 5,
    from: weekWeeksBack(count - 1),
    to: weekWeeksBack(0),
    metrics,
    participation,
    published_through: SAMPLE_PUBLISHED_THROUGH,
    next_publication: { ...SAMPLE_NEXT_PUBLICATION },
    questionnaire: SAMPLE_QUESTIONNAIRE,
  };
}

/** The demo's teams; Escalations and Partnerships are smaller than k. */
const SAMPLE_TEAMS = [
  { id: 'team_escalations', name: 'Escalations', small: true },
  { id: 'team_field', name: 'Field service', small: false },
  { id: 'team_help', name: 'Help desk', small: false },
  { id: 'team_partnerships', name: 'Partnerships', small: true },
  { id: 'team_phone', name: 'Phone support', small: false },
];

/**
 * A change's 95% interval as the back end gives it, roughly: Welch's with an sd of 14 points in
 * both periods and each period's people counted once, widened a little for the release noise;
 * none for eNPS, whose change is in eNPS points.
 */
export function sampleChangeInterval(
  change: number,
  peopleNow: number,
  peopleBefore: number,
  metric: MetricKey,
): Pick<HeatmapCell, 'change_low' | 'change_high' | 'change_likely_real'> {
  if (metric === 'enps') return { change_low: null, change_high: null, change_likely_real: null };
  const halfWidth = 2.1 * Math.sqrt((14 * 14) / peopleNow + (14 * 14) / peopleBefore + 2);
  const low = change - halfWidth;
  const high = change + halfWidth;
  return { change_low: low, change_high: high, change_likely_real: low > 0 || high < 0 };
}

/** Changes in the sample large enough to be likely real for a team of about eight. */
const SAMPLE_REAL_CHANGES: Record<string, Partial<Record<MetricKey, number>>> = {
  team_phone: { wellbeing: -17, communication: -15 },
  team_help: { recognition: 16 },
};

/** One sample cell of a unit: not asked, withheld, or released with its change and interval. */
function sampleHeatmapCell(
  unitId: string,
  metric: MetricKey,
  figures: { previous: number; mean: number; people: number } | 'withheld' | 'not_asked',
): HeatmapCell {
  const empty = {
    team_id: unitId,
    metric,
    published: true,
    mean: null,
    n: null,
    released_weeks: 0,
    previous_mean: null,
    change: null,
    previous_n: null,
    change_low: null,
    change_high: null,
    change_likely_real: null,
  };
  if (figures === 'not_asked') return { ...empty, asked: false, suppressed: false };
  if (figures === 'withheld') return { ...empty, asked: true, suppressed: true };
  const { previous, mean, people } = figures;
  return {
    ...empty,
    asked: true,
    suppressed: false,
    mean,
    n: people * 4,
    released_weeks: 4,
    previous_mean: previous,
    change: mean - previous,
    previous_n: (people - 1) * 4,
    ...sampleChangeInterval(mean - previous, people, people - 1, metric),
  };
}

/** The departments' and the organisation's own figures: their own released cells in the back end. */
function sampleUnitRow(
  id: string,
  name: string,
  metrics: MetricKey[],
  level: number,
  change: number,
  people: number | null,
  headcount: number,
) {
  return {
    id,
    name,
    answered: people,
    headcount,
    participation: people === null ? null : Math.min(1, people / headcount),
    cells: metrics.map((metric, metricIndex) =>
      metric === SAMPLE_NOT_ASKED_METRIC
        ? sampleHeatmapCell(id, metric, 'not_asked')
        : people === null
          ? sampleHeatmapCell(id, metric, 'withheld')
          : sampleHeatmapCell(id, metric, {
              previous: level + wobble(metricIndex * 2),
              mean: level + wobble(metricIndex * 2) + (metric === 'wellbeing' ? change : wobble(metricIndex) / 3),
              people,
            }),
    ),
  };
}

/** The heatmap of 2026-W43..W46, the last published weeks, against 2026-W39..W42. */
export function sampleHrHeatmap(): HrHeatmap {
  const metrics: MetricKey[] = [...METRIC_KEYS];
  const cells: HeatmapCell[] = [];
  SAMPLE_TEAMS.forEach((team, teamIndex) => {
    metrics.forEach((metric, metricIndex) => {
      if (metric === SAMPLE_NOT_ASKED_METRIC) {
        cells.push(sampleHeatmapCell(team.id, metric, 'not_asked'));
        return;
      }
      if (team.small) {
        cells.push(sampleHeatmapCell(team.id, metric, 'withheld'));
        return;
      }
      const previous = 58 + teamIndex * 3 + wobble(metricIndex * 3 + teamIndex);
      const drift = SAMPLE_REAL_CHANGES[team.id]?.[metric] ?? wobble(metricIndex + teamIndex * 5) / 2;
      cells.push(sampleHeatmapCell(team.id, metric, { previous, mean: previous + drift, people: 8 + teamIndex }));
    });
  });
  const headcount = (index: number) => 12 + index;
  const departmentHeadcount = (id: string) =>
    (SAMPLE_DEPARTMENTS.find((department) => department.id === id)?.teams ?? []).reduce((sum, id) => sum + headcount(SAMPLE_TEAMS.findIndex((team) => team.id === id)), 0);
  return {
    k: 5,
    current: { from: '2026-W43', to: '2026-W46', from_monday: '2026-10-19', to_sunday: '2026-11-15' },
    previous: { from: '2026-W39', to: '2026-W42', from_monday: '2026-09-21', to_sunday: '2026-10-18' },
    teams: SAMPLE_TEAMS.map(({ id, name, small }, index) => ({
      id,
      name,
      answered: small ? null : 9 + index,
      headcount: headcount(index),
      participation: small ? null : (9 + index) / headcount(index),
      department_id: SAMPLE_DEPARTMENTS.find((department) => department.teams.includes(id))?.id ?? null,
    })),
    metrics,
    cells,
    published_through: SAMPLE_PUBLISHED_THROUGH,
    next_publication: { ...SAMPLE_NEXT_PUBLICATION },
    release_noise: 'included',
    epsilon_per_cell: 6.5,
    departments: [
      sampleUnitRow('dep_care', 'Customer Care', metrics, 63, -7, 27, departmentHeadcount('dep_care')),
      sampleUnitRow('dep_ops', 'Operations', metrics, 61, 1, 10, departmentHeadcount('dep_ops')),
      // Sales is Partnerships alone, below k: its own cells are withheld too.
      sampleUnitRow('dep_sales', 'Sales', metrics, 0, 0, null, departmentHeadcount('dep_sales')),
    ],
    organisation: sampleUnitRow(
      'org_demo',
      'Demo Srl',
      metrics,
      62,
      -4,
      44,
      SAMPLE_TEAMS.reduce((sum, _, index) => sum + headcount(index), 0),
    ),
  };
}

/** A sample linkage view: engagement leads CSAT by three weeks; NPS has too few data. */
/**
 * How `count` teams differ for the sample's detailed pair: own r spread around `pooled`, shrunk
 * towards it by half; the planted pair differs little, the others somewhat.
 */
export function sampleTeamDifferences(count: number, pooled: number): LinkageTeamDifferences {
  const tauSquared = 0.01;
  const teams = Array.from({ length: count }, (_, index) => {
    const r = Math.tanh(Math.atanh(pooled) + wobble(index * 7) * 0.3);
    const se = 0.15;
    const weight = tauSquared / (tauSquared + se * se);
    return {
      team: `Team ${index}`,
      n: 90,
      n_effective: 47,
      r,
      ci_low: Math.tanh(Math.atanh(r) - 1.96 * se),
      ci_high: Math.tanh(Math.atanh(r) + 1.96 * se),
      r_shrunk: Math.tanh(Math.atanh(pooled) + weight * (Math.atanh(r) - Math.atanh(pooled))),
      shrinkage_weight: weight,
    };
  });
  const iSquared = pooled > 0.3 ? 0.12 : 0.4;
  return {
    teams,
    teams_left_out: 1,
    q: (count - 1) / (1 - iSquared),
    degrees_of_freedom: count - 1,
    q_p_value: pooled > 0.3 ? 0.3 : 0.04,
    tau_squared: tauSquared,
    tau: Math.sqrt(tauSquared),
    i_squared: iSquared,
    heterogeneity: pooled > 0.3 ? 'little' : 'some',
    pooled_r: pooled,
    pooled_ci_low: Math.tanh(Math.atanh(pooled) - 0.12),
    pooled_ci_high: Math.tanh(Math.atanh(pooled) + 0.12),
    typical_low: Math.tanh(Math.atanh(pooled) - 1.96 * 0.1),
    typical_high: Math.tanh(Math.atanh(pooled) + 1.96 * 0.1),
  };
}

export function sampleLinkage(
  exMetric: MetricKey | null = null,
  cxMetric: string | null = null,
  lag: number | null = null,
  cxPooling: CxPooling | null = null,
): LinkageView {
  const estimate = (r: number, n = 240): LinkageCorrelation => ({
    n,
    n_teams: 6,
    r,
    ci_low: Math.tanh(Math.atanh(r) - 0.2),
    ci_high: Math.tanh(Math.atanh(r) + 0.2),
    n_effective: 90,
    p_value: r > 0.3 ? 0.0001 : 0.3,
    p_adjusted: r > 0.3 ? 0.0004 : 0.6,
    fcr_low: r > 0.3 ? Math.tanh(Math.atanh(r) - 0.3) : null,
    fcr_high: r > 0.3 ? Math.tanh(Math.atanh(r) + 0.3) : null,
    not_enough_data: null,
    minimum: null,
  });
  const notEnough: LinkageCorrelation = {
    n: 4,
    n_teams: 2,
    r: null,
    ci_low: null,
    ci_high: null,
    n_effective: null,
    p_value: null,
    p_adjusted: null,
    fcr_low: null,
    fcr_high: null,
    not_enough_data: 'too_few_pairs',
    minimum: 10,
  };
  const smallEffective: LinkageCorrelation = { ...notEnough, n: 10, n_effective: 6, not_enough_data: 'small_effective_size', minimum: 20 };
  const figures = (within: LinkageCorrelation, between: LinkageCorrelation, extra: Partial<LinkagePair>) => ({
    within,
    team_demeaned: within.r === null ? within : estimate(within.r + 0.1),
    first_difference: within.r === null ? within : estimate(within.r * 0.8),
    between,
    between_power: between.r === null ? null : 0.1,
    flagged: false,
    edge_peak: false,
    rank: null,
    ...extra,
  });
  const pairs: LinkagePair[] = [
    { ex_metric: 'wellbeing', cx_metric: 'csat', lag: 0, ...figures(estimate(0.12), estimate(0.2, 6), { edge_peak: true, rank: 2 }) },
    { ex_metric: 'wellbeing', cx_metric: 'nps', lag: null, ...figures(notEnough, notEnough, {}) },
    { ex_metric: 'engagement', cx_metric: 'csat', lag: 3, ...figures(estimate(0.62), estimate(0.4, 6), { flagged: true, rank: 1 }) },
    { ex_metric: 'engagement', cx_metric: 'nps', lag: null, ...figures(smallEffective, notEnough, {}) },
  ];
  const pair = pairs.find((item) => item.ex_metric === exMetric && item.cx_metric === cxMetric) ?? pairs[2];
  const chosenLag = lag ?? pair?.lag ?? 0;
  const profile: LagPoint[] = Array.from({ length: 9 }, (_, index) => ({
    lag: index,
    within: pair?.lag === null ? notEnough : estimate(pair?.ex_metric === 'engagement' ? 0.62 - Math.abs(index - 3) * 0.15 : 0.1),
    team_demeaned: pair?.lag === null ? notEnough : estimate(0.2),
    first_difference: pair?.lag === null ? notEnough : estimate(0.1),
  }));
  const points = Array.from({ length: 60 }, (_, index) => {
    const ex = wobble(index) * 2;
    return { team: `Team ${index % 6}`, ex_week: weekWeeksBack(index % 40), ex_deviation: ex, cx_deviation: ex * 0.6 + wobble(index * 3) };
  });
  return {
    from: '2024-W48',
    to: '2026-W47',
    teams: 6,
    ex_metrics: ['wellbeing', 'engagement'],
    cx_metrics: ['csat', 'nps'],
    pairs,
    detail: pair === undefined ? null : {
      ex_metric: pair.ex_metric,
      cx_metric: pair.cx_metric,
      lag: chosenLag,
      profile,
      points: pair.lag === null ? [] : points,
      fit: pair.lag === null ? null : { slope: 0.6, intercept: 0 },
      // Six teams give five cyclic shifts; the strong planted pair beats them all, p = 1/6.
      permutation_p: pair.lag === null ? null : pair.ex_metric === 'engagement' ? 1 / 6 : 4 / 6,
      permutations: pair.lag === null ? null : 5,
      weighted: pair.lag === null ? notEnough : { ...estimate(pair.ex_metric === 'engagement' ? 0.58 : 0.1), p_adjusted: null },
      weighted_cells_without_count: pair.lag === null ? 0 : 12,
      team_differences: pair.lag === null ? null : sampleTeamDifferences(6, pair.ex_metric === 'engagement' ? 0.6 : 0.1),
      min_team_figures: 4,
    },
    min_pairs: 10,
    min_teams: 4,
    min_effective_n: 20,
    false_discovery_rate: 0.05,
    teams_needed_for_power: 70,
    min_cx_responses: 30,
    cx_cells_too_few_customers: cxPooling === 'four_weeks' ? 0 : 14,
    cx_pooling: cxPooling ?? 'weekly',
    cx_reliability: [
      { cx_metric: 'csat', model: 'proportion', cells: 1180, reliability: 0.64, attenuation: 0.8 },
      { cx_metric: 'nps', model: 'nps_upper_bound', cells: 1020, reliability: 0.36, attenuation: 0.6 },
    ],
    ex_from: '2024-W48',
    ex_to: '2026-W39',
    withheld: [{ team: 'Team 5', withheld: 12, asked: 208 }],
  };
}

/** The sample organisation's questionnaire: edition 2 until six weeks ago, edition 3 since. */
const SAMPLE_QUESTIONNAIRE = [
  { from_week: null, edition: 2, who5: true },
  { from_week: weekWeeksBack(6), edition: 3, who5: false },
];

/** The sample teams' departments. */
const SAMPLE_DEPARTMENTS = [
  { id: 'dep_care', name: 'Customer Care', teams: ['team_escalations', 'team_help', 'team_phone'] },
  { id: 'dep_ops', name: 'Operations', teams: ['team_field'] },
  { id: 'dep_sales', name: 'Sales', teams: ['team_partnerships'] },
];

/** The units of the sample organisation, as a whole-organisation token sees them. */
export function sampleHrUnits(): OrganisationUnits {
  return {
    role: 'hr',
    organisation: { id: 'org_demo', name: 'Demo Srl' },
    departments: SAMPLE_DEPARTMENTS.map((department) => ({
      id: department.id,
      name: department.name,
      teams: department.teams.map((id) => ({ id, name: SAMPLE_TEAMS.find((team) => team.id === id)?.name ?? id })),
    })),
    questionnaire: SAMPLE_QUESTIONNAIRE,
  };
}

/**
 * A team's drill-down over `weeks` weeks: the organisation's sample series, the department's
 * a little below it, the team's shifted by its own offset; a team smaller than k has every
 * asked week withheld. `null` for an unknown team.
 */
export function sampleTeamComparison(teamId: string, weeks: number): TeamComparison | null {
  const team = SAMPLE_TEAMS.find((candidate) => candidate.id === teamId);
  const department = SAMPLE_DEPARTMENTS.find((candidate) => candidate.teams.includes(teamId));
  if (team === undefined || department === undefined) return null;
  const overview = sampleHrOverview(weeks);
  const shifted = (points: SeriesPoint[], by: number, nShare: number, withheld: boolean): SeriesPoint[] =>
    points.map((point) => {
      if (!point.published || !point.asked || point.mean === null || point.n === null) return point;
      if (withheld) return { ...point, mean: null, low: null, high: null, n: null, suppressed: true };
      const n = Math.max(5, Math.round(point.n * nShare));
      const mean = Math.min(100, Math.max(0, point.mean + by));
      const half = (1.96 * 18) / Math.sqrt(n);
      return { ...point, mean, n, low: Math.max(0, mean - half), high: Math.min(100, mean + half) };
    });
  const offset = SAMPLE_TEAMS.indexOf(team) * 2 - 4;
  return {
    k: overview.k,
    from: overview.from,
    to: overview.to,
    team: { id: team.id, name: team.name },
    department: { id: department.id, name: department.name },
    organisation: { id: 'org_demo', name: 'Demo Srl' },
    metrics: overview.metrics.map((series) => ({
      metric: series.metric,
      team: shifted(series.points, offset, 0.2, team.small),
      department: shifted(series.points, -1.5, 0.45, false),
      organisation: series.points,
    })),
    published_through: overview.published_through,
    next_publication: overview.next_publication,
  };
}

/** The sample organisation's ledger for 2026: DP on at ε 0.1 a cell, 46 weeks published. */
export function samplePrivacyLedger(): PrivacyLedger {
  return {
    year: 2026,
    dp_on: true,
    epsilon_per_cell: 0.1,
    teams: SAMPLE_TEAMS.map((team, index) => ({
      team_id: team.id,
      team_name: team.name,
      epsilon: 4.6 + index * 0.25,
      weeks_published: 46,
    })),
  };
}

/** The sample device's own loss: Help desk's row of the ledger. */
export function sampleMyPrivacyLoss(): DevicePrivacyLoss {
  const row = samplePrivacyLedger().teams.find((team) => team.team_id === 'team_help');
  return { year: 2026, dp_on: true, epsilon: row?.epsilon ?? 0, weeks_published: 46 };
}

/**
 * Sample driver priorities: recognition and manager support move with engagement (their
 * intervals above 0), communication probably, tools not at all; flexibility has too few teams.
 */
export function sampleHrPriorities(): HrPriorities {
  const driver = (metric: MetricKey, r: number | null, level: number, teams: number, pairs: number) => {
    if (r === null) {
      return { metric, r: null, ci_low: null, ci_high: null, pairs, teams, level: null, room: null, likely_related: false };
    }
    const half = 1.959963984540054 / Math.sqrt(teams - 3);
    const low = Math.tanh(Math.atanh(r) - half);
    const high = Math.tanh(Math.atanh(r) + half);
    return { metric, r, ci_low: low, ci_high: high, pairs, teams, level, room: 100 - level, likely_related: low > 0 };
  };
  return {
    from: '2026-W23',
    to: '2026-W46',
    drivers: [
      driver('recognition', 0.78, 54, 12, 58),
      driver('manager_support', 0.71, 63, 12, 55),
      driver('communication', 0.45, 58, 12, 57),
      driver('tools', 0.05, 66, 12, 60),
      driver('flexibility', null, 0, 3, 9),
    ],
    min_teams: 4,
    min_pairs: 8,
  };
}
