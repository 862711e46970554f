// The employee's "My team" view, as rows: each metric's figure for the team, the department and
// the organisation, or why it is missing; and how many answered. Pure: the view renders it.

import type { MonthFigure } from '../bindings/MonthFigure';
import type { MonthParticipation } from '../bindings/MonthParticipation';
import type { MetricKey } from '../bindings/MetricKey';
import type { MyTeamMonth } from '../bindings/MyTeamMonth';

/** One figure as shown: a value, or the reason it is missing. */
export type FigureCell =
  | { kind: 'value'; text: string; partial: { released: number; asked: number } | null }
  | { kind: 'not_asked' }
  | { kind: 'fewer_than_k' };

/** One metric's row. */
export interface MetricRow {
  metric: MetricKey;
  team: FigureCell;
  department: FigureCell;
  organisation: FigureCell;
}

/** One unit's participation as shown. */
export type ParticipationCell =
  | { kind: 'rate'; answered: string; headcount: string; percent: string }
  | { kind: 'count'; answered: string }
  | { kind: 'fewer_than_k' };

/** eNPS runs from −100 to +100 and is written with its sign; every other metric is a 0–100 score. */
function valueText(metric: MetricKey, value: number, locale: string): string {
  const format = new Intl.NumberFormat(locale, {
    maximumFractionDigits: 0,
    signDisplay: metric === 'enps' ? 'exceptZero' : 'auto',
  });
  return format.format(value);
}

export function figureCell(metric: MetricKey, figure: MonthFigure, locale: string): FigureCell {
  if (figure.weeks_asked === 0) return { kind: 'not_asked' };
  if (figure.mean === null) return { kind: 'fewer_than_k' };
  const partial =
    figure.weeks_released < figure.weeks_asked ? { released: figure.weeks_released, asked: figure.weeks_asked } : null;
  return { kind: 'value', text: valueText(metric, figure.mean, locale), partial };
}

/** The metrics asked this month in any of the three units, in the server's order. */
export function metricRows(month: MyTeamMonth, locale: string): MetricRow[] {
  return month.metrics
    .filter((row) => row.team.weeks_asked + row.department.weeks_asked + row.organisation.weeks_asked > 0)
    .map((row) => ({
      metric: row.metric,
      team: figureCell(row.metric, row.team, locale),
      department: figureCell(row.metric, row.department, locale),
      organisation: figureCell(row.metric, row.organisation, locale),
    }));
}

export function participationCell(participation: MonthParticipation, locale: string): ParticipationCell {
  if (participation.answered === null) return { kind: 'fewer_than_k' };
  const whole = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const answered = whole.format(participation.answered);
  if (participation.rate === null || participation.headcount === null) return { kind: 'count', answered };
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(
    participation.rate,
  );
  return { kind: 'rate', answered, headcount: whole.format(participation.headcount), percent };
}
