// HR's driver priorities shaped for the summary page, as pure functions: each driver's relation
// with engagement (r and its 95% interval, the teams it rests on) and its room to improve, in
// the back end's ranking, and beside it the driver's strongest EX–CX pair from the linkage
// (`polso_core::linkage`'s within-team figure at its strongest lag), never re-derived here.

import type { HrPriorities } from '../bindings/HrPriorities';
import type { LinkageView } from '../bindings/LinkageView';
import type { MetricKey } from '../bindings/MetricKey';
import { formatNumber } from '../i18n/format';

/** A correlation as the locale writes it, two decimals with its sign: "0.45", "−0.12". */
export function formatR(r: number, locale: string): string {
  const text = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Math.abs(r));
  return r < 0 && text !== new Intl.NumberFormat(locale, { minimumFractionDigits: 2 }).format(0) ? `−${text}` : text;
}

/** One driver's row. */
export interface PriorityRow {
  metric: MetricKey;
  /** r, its interval's ends, the room; null when the driver has too few data. */
  rText: string | null;
  lowText: string | null;
  highText: string | null;
  roomText: string | null;
  teams: number;
  pairs: number;
  likelyRelated: boolean;
  /** The driver's strongest pair with a CX metric, by the linkage's ranking; null without one. */
  cx: { metric: string; rText: string; lowText: string; highText: string; lag: number; finding: boolean } | null;
}

export function shapePriorities(priorities: HrPriorities, linkage: LinkageView | null, locale: string): PriorityRow[] {
  return priorities.drivers.map((driver) => {
    const pairs = (linkage?.pairs ?? [])
      .filter((pair) => pair.ex_metric === driver.metric && pair.rank !== null && pair.within.r !== null)
      .sort((left, right) => (left.rank ?? 0) - (right.rank ?? 0));
    const best = pairs[0];
    const figure = driver.r !== null && driver.ci_low !== null && driver.ci_high !== null;
    return {
      metric: driver.metric,
      rText: figure ? formatR(driver.r as number, locale) : null,
      lowText: figure ? formatR(driver.ci_low as number, locale) : null,
      highText: figure ? formatR(driver.ci_high as number, locale) : null,
      roomText: driver.room === null ? null : formatNumber(driver.room, locale),
      teams: driver.teams,
      pairs: driver.pairs,
      likelyRelated: driver.likely_related,
      cx:
        best === undefined || best.within.r === null || best.within.ci_low === null || best.within.ci_high === null
          ? null
          : {
              metric: best.cx_metric,
              rText: formatR(best.within.r, locale),
              lowText: formatR(best.within.ci_low, locale),
              highText: formatR(best.within.ci_high, locale),
              lag: best.lag ?? 0,
              finding: best.flagged,
            },
    };
  });
}
