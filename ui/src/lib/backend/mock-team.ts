// The mock back end's "My team" month: Help desk in Customer care, the last four published weeks,
// with a driver its team had too few answers for and measures not asked this month.

import type { MetricKey } from '../bindings/MetricKey';
import { METRIC_KEYS } from '../codes';
import type { MonthFigure } from '../bindings/MonthFigure';
import type { MyTeamMonth } from '../bindings/MyTeamMonth';


function released(mean: number, n: number, weeks = 1): MonthFigure {
  return { mean, n, weeks_asked: weeks, weeks_released: weeks };
}

const NOT_ASKED: MonthFigure = { mean: null, n: null, weeks_asked: 0, weeks_released: 0 };

/** Figures by metric: team, department, organisation. */
const FIGURES: Partial<Record<MetricKey, [MonthFigure, MonthFigure, MonthFigure]>> = {
  wellbeing: [
    { mean: 64.2, n: 21, weeks_asked: 4, weeks_released: 3 },
    released(61.5, 128, 4),
    released(60.8, 1630, 4),
  ],
  engagement: [released(71.3, 7), released(68.0, 44), released(66.2, 560)],
  trust: [{ mean: null, n: null, weeks_asked: 1, weeks_released: 0 }, released(58.9, 31), released(62.4, 401)],
  manager_support: [released(75.0, 6), released(70.1, 33), released(69.7, 420)],
  enps: [released(12.5, 8), released(4.0, 40), released(-2.3, 530)],
};

export function sampleMyTeamMonth(): MyTeamMonth {
  return {
    k: 5,
    from: '2026-W44',
    to: '2026-W47',
    from_monday: '2026-10-26',
    to_sunday: '2026-11-22',
    next_publication: { week: '2026-W48', at: '2026-12-05T12:00:00Z' },
    participation: [
      { unit_kind: 'team', name: 'Help desk', answered: 7, headcount: 9, rate: 7 / 9 },
      { unit_kind: 'department', name: 'Customer Care', answered: 38, headcount: 52, rate: 38 / 52 },
      { unit_kind: 'organisation', name: 'Demo Srl', answered: 460, headcount: 640, rate: 460 / 640 },
    ],
    metrics: METRIC_KEYS.map((metric) => {
      const [team, department, organisation] = FIGURES[metric] ?? [NOT_ASKED, NOT_ASKED, NOT_ASKED];
      return { metric, team, department, organisation };
    }),
    actions: [],
    my_verdicts: [],
  };
}
