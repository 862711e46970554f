// A team's drill-down shaped for small multiples: one small chart per metric with three
// lines (the team, its department, the organisation) over the same weeks, and a table per
// metric with the same figures. Pure functions.
//
// A week the server withheld for the team is a grey column and "fewer than k responses" in
// the table, even when the department's week is shown; a week the schedule did not ask is a
// break in the lines and "not asked"; a week the server has not published yet is a pale
// dotted column and "not yet published". Metrics the schedule never asked in the published
// weeks of the range are left out, so the grid holds only charts with something in them.
//
// A metric asked once every four weeks (the drivers, the WHO-5, life satisfaction) comes with
// each unit's four-week periods and is drawn as one point per period at its middle week,
// joined by a line, each unit's periods from its own released cells; a team period with
// nothing released is a grey (or dotted, not yet published) stretch, and the table lists the
// periods instead of the weeks.
//
// eNPS is drawn as eNPS on −100..+100 (promoters minus detractors, as the server derived it
// from the released histogram), never as the mean answer; a week whose mean was released
// without its histogram has no eNPS and is "below the histogram minimum".

import type { MetricKey } from '../bindings/MetricKey';
import type { SeriesPoint } from '../bindings/SeriesPoint';
import type { TeamComparison } from '../bindings/TeamComparison';
import { formatDateRange, formatDayMonth, formatNumber, formatShortDate, isoWeekNumber } from '../i18n/format';
import {
  formatSigned,
  periodLineData,
  periodState,
  periodUnpublished,
  periodWithheld,
  placePeriods,
  scaleOf,
  unpublishedColumns,
  withheldColumns,
  type OverviewPeriod,
  type OverviewScale,
} from './overview';

/** One metric of the drill-down. */
export interface TeamMetricData {
  metric: MetricKey;
  /** eNPS is drawn on −100..+100, every other metric on 0–100. */
  scale: OverviewScale;
  weeks: { week: string; monday: string; weekNumber: number; axisLabel: string; asked: boolean; published: boolean }[];
  team: (number | null)[];
  department: (number | null)[];
  /** Null when the HR token does not reach the organisation. */
  organisation: (number | null)[] | null;
  /** Asked, and the team's value was withheld. */
  teamWithheld: boolean[];
  departmentWithheld: boolean[];
  organisationWithheld: boolean[];
  /** eNPS only: the team's week was released without its histogram, so it has no eNPS. */
  teamBelowHistogramMinimum: boolean[];
  departmentBelowHistogramMinimum: boolean[];
  organisationBelowHistogramMinimum: boolean[];
  /**
   * For a metric asked once every four weeks: each unit's four-week periods, drawn instead of
   * the weeks; null for a weekly metric.
   */
  periods: { team: OverviewPeriod[]; department: OverviewPeriod[]; organisation: OverviewPeriod[] | null } | null;
}

const released = (point: SeriesPoint | undefined): point is SeriesPoint =>
  point !== undefined && point.published && point.asked && !point.suppressed && point.mean !== null;
const withheld = (point: SeriesPoint | undefined) =>
  point !== undefined && point.published && point.asked && (point.suppressed || point.mean === null);

/** The figure of a point on `scale`: its mean, or its eNPS. */
const valueOn = (scale: OverviewScale) => (point: SeriesPoint | undefined) =>
  !released(point) ? null : scale === 'enps' ? (point.enps?.enps ?? null) : point.mean;
/** On the eNPS scale, a released point without an eNPS: below the histogram minimum. */
const belowMinimumOn = (scale: OverviewScale) => (point: SeriesPoint | undefined) =>
  scale === 'enps' && released(point) && (point.enps ?? null) === null;

/** The metrics asked at least once in the published weeks of the range (all of them before any is published), in the back end's order. */
export function shapeTeamComparison(comparison: TeamComparison, locale: string): TeamMetricData[] {
  const nothingPublished = comparison.published_through === null;
  return comparison.metrics
    .filter((series) => nothingPublished || series.team.some((point) => point.published && point.asked))
    .map((series) => ({ series, scale: scaleOf(series.metric) }))
    .map(({ series, scale }) => ({
      metric: series.metric,
      scale,
      weeks: series.team.map((point) => ({
        week: point.week,
        monday: point.week_monday,
        weekNumber: isoWeekNumber(point.week),
        axisLabel: formatDayMonth(point.week_monday, locale),
        asked: point.published ? point.asked : true,
        published: point.published,
      })),
      team: series.team.map(valueOn(scale)),
      department: series.department.map(valueOn(scale)),
      organisation: series.organisation === null ? null : series.organisation.map(valueOn(scale)),
      teamWithheld: series.team.map(withheld),
      departmentWithheld: series.department.map(withheld),
      organisationWithheld: (series.organisation ?? []).map(withheld),
      teamBelowHistogramMinimum: series.team.map(belowMinimumOn(scale)),
      departmentBelowHistogramMinimum: series.department.map(belowMinimumOn(scale)),
      organisationBelowHistogramMinimum: (series.organisation ?? []).map(belowMinimumOn(scale)),
      periods: shapePeriods(series),
    }));
}

/** Each unit's periods on the team's weekly axis, or null for a weekly metric. */
function shapePeriods(series: TeamComparison['metrics'][number]): TeamMetricData['periods'] {
  if (series.team_periods == null || series.department_periods == null) return null;
  const weeks = series.team.map((point) => point.week);
  return {
    team: placePeriods(series.team_periods, weeks),
    department: placePeriods(series.department_periods, weeks),
    organisation: series.organisation_periods == null ? null : placePeriods(series.organisation_periods, weeks),
  };
}

/** A cell of the table: the figure as the locale writes it, or why there is none. */
export type TeamCell =
  | { kind: 'value'; text: string }
  | { kind: 'withheld' }
  | { kind: 'below_histogram_minimum' }
  | { kind: 'not_asked' }
  | { kind: 'not_published' };

/** One week of a metric's table. */
export interface TeamTableRow {
  week: string;
  weekNumber: number;
  date: string;
  team: TeamCell;
  department: TeamCell;
  /** Null when the HR token does not reach the organisation. */
  organisation: TeamCell | null;
  /** For a four-week row: its last week's number and its dates, "2 – 29 November 2026". */
  period: { toWeek: number; dates: string } | null;
}

function cell(
  week: { asked: boolean; published: boolean },
  figure: number | null | undefined,
  isWithheld: boolean | undefined,
  belowHistogramMinimum: boolean | undefined,
  scale: OverviewScale,
  locale: string,
): TeamCell {
  if (!week.published) return { kind: 'not_published' };
  if (!week.asked) return { kind: 'not_asked' };
  if (belowHistogramMinimum === true) return { kind: 'below_histogram_minimum' };
  if (isWithheld === true || figure == null) return { kind: 'withheld' };
  return { kind: 'value', text: scale === 'enps' ? formatSigned(figure, locale) : formatNumber(figure, locale) };
}

/** A period's cell: its figure as the locale writes it, or why there is none. */
function periodCell(period: OverviewPeriod | undefined, locale: string): TeamCell {
  if (period === undefined) return { kind: 'not_published' };
  const state = periodState(period);
  if (state === 'value' && period.mean !== null) return { kind: 'value', text: formatNumber(period.mean, locale) };
  return { kind: state === 'value' ? 'withheld' : state };
}

/** The table of one metric, newest week (or four-week period) first. */
export function teamTableRows(data: TeamMetricData, locale: string): TeamTableRow[] {
  const periods = data.periods;
  if (periods !== null) {
    const at = (list: OverviewPeriod[], from: string) => list.find((period) => period.from === from);
    return periods.team
      .map((period) => ({
        week: period.from,
        weekNumber: isoWeekNumber(period.from),
        date: formatShortDate(period.fromMonday, locale),
        team: periodCell(period, locale),
        department: periodCell(at(periods.department, period.from), locale),
        organisation: periods.organisation === null ? null : periodCell(at(periods.organisation, period.from), locale),
        period: { toWeek: isoWeekNumber(period.to), dates: formatDateRange(period.fromMonday, period.toSunday, locale) },
      }))
      .reverse();
  }
  return data.weeks
    .map((week, index) => ({
      week: week.week,
      weekNumber: week.weekNumber,
      date: formatShortDate(week.monday, locale),
      team: cell(
        week,
        data.team[index],
        data.teamWithheld[index],
        data.teamBelowHistogramMinimum[index],
        data.scale,
        locale,
      ),
      department: cell(
        week,
        data.department[index],
        data.departmentWithheld[index],
        data.departmentBelowHistogramMinimum[index],
        data.scale,
        locale,
      ),
      organisation:
        data.organisation === null
          ? null
          : cell(
              week,
              data.organisation[index],
              data.organisationWithheld[index],
              data.organisationBelowHistogramMinimum[index],
              data.scale,
              locale,
            ),
      period: null,
    }))
    .reverse();
}

/** What a small chart needs from the UI besides the data. */
export interface TeamOptionTexts {
  locale: string;
  teamName: string;
  departmentName: string;
  organisationName: string;
  fontFamily: string;
  textColour: string;
  gridColour: string;
  accentColour: string;
}

/**
 * One small multiple: three lines on 0–100 (eNPS on −100..+100), withheld team weeks as grey
 * columns, weeks not yet published as pale dotted ones.
 */
export function buildTeamMetricOption(data: TeamMetricData, texts: TeamOptionTexts) {
  const enps = data.scale === 'enps';
  const number = (figure: number) => (enps ? formatSigned(figure, texts.locale) : formatNumber(figure, texts.locale));
  const periods = data.periods;
  const teamWithheld =
    periods === null
      ? data.teamWithheld.map((isWithheld, index) => isWithheld || data.teamBelowHistogramMinimum[index] === true)
      : periodWithheld(periods.team, data.weeks.length);
  const unpublished =
    periods === null
      ? data.weeks.map((week) => !week.published)
      : periodUnpublished(periods.team, data.weeks.length).map((pending, index) => pending || !data.weeks[index]?.published);
  const line = (
    name: string,
    values: (number | null)[] | [number, number | null][],
    colour: string,
    type: 'solid' | 'dashed' | 'dotted',
    width: number,
  ) => ({
    type: 'line',
    name,
    data: values,
    connectNulls: false,
    symbol: 'circle',
    symbolSize: (type === 'solid' ? 5 : 3) + (periods === null ? 0 : 2),
    showAllSymbol: true,
    lineStyle: { width, type, color: colour },
    itemStyle: { color: colour },
    z: 2,
  });
  const series: object[] = [
    withheldColumns(teamWithheld, 0),
    unpublishedColumns(unpublished, 0),
    ...(enps ? [withheldColumns(teamWithheld, 0, -100), unpublishedColumns(unpublished, 0, -100)] : []),
    line(texts.teamName, periods === null ? data.team : periodLineData(periods.team), texts.accentColour, 'solid', 2.5),
    line(texts.departmentName, periods === null ? data.department : periodLineData(periods.department), '#5b6570', 'dashed', 1.5),
  ];
  const organisation = periods === null ? data.organisation : periods.organisation === null ? null : periodLineData(periods.organisation);
  if (data.organisation !== null && organisation !== null) {
    series.push(line(texts.organisationName, organisation, '#8a6d00', 'dotted', 1.5));
  }
  return {
    animation: false,
    aria: { enabled: false },
    textStyle: { fontFamily: texts.fontFamily, color: texts.textColour },
    grid: { left: 36, right: 12, top: 12, bottom: 24 },
    tooltip: { trigger: 'axis', valueFormatter: (figure: number | null) => (figure == null ? '–' : number(figure)) },
    xAxis: {
      type: 'category',
      data: data.weeks.map((week) => week.axisLabel),
      axisLabel: { color: texts.textColour, hideOverlap: true, fontSize: 10 },
      axisLine: { lineStyle: { color: texts.gridColour } },
    },
    yAxis: {
      type: 'value',
      min: enps ? -100 : 0,
      max: 100,
      interval: enps ? 100 : 50,
      axisLabel: { color: texts.textColour, formatter: number, fontSize: 10 },
      splitLine: { lineStyle: { color: texts.gridColour } },
    },
    series,
  };
}
