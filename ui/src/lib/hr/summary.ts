// HR's executive summary, shaped from the heatmap as pure functions: the few changes between
// the last two periods that are likely real (their 95% interval leaves out 0), largest first,
// the organisation's participation, and its engagement with its change. Nothing here is a new
// figure: every number is one the back end shaped from released cells.

import type { HrHeatmap } from '../bindings/HrHeatmap';
import type { MetricKey } from '../bindings/MetricKey';
import { type AnsweredCell, type HeatmapViewCell, shapeHeatmap } from './heatmap';

/** The most changes the summary lists; the rest are counted. */
export const SUMMARY_CHANGES = 5;

/** One likely-real change of a team, in the words' pieces. */
export interface SummaryChange {
  teamId: string;
  teamName: string;
  metric: MetricKey;
  /** Which way it went. */
  rose: boolean;
  /** The size of the change in points, without sign, as the locale writes it. */
  sizeText: string;
  changeText: string;
  lowText: string;
  highText: string;
  /** The team's figure now, as the locale writes it. */
  meanText: string;
}

/** What the summary page shows. */
export interface Summary {
  /** Likely-real changes of teams, largest first, at most `SUMMARY_CHANGES`. */
  changes: SummaryChange[];
  /** All the likely-real changes of teams, listed or not. */
  likelyReal: number;
  /** How many team changes had an interval at all (the ones that could be judged). */
  judged: number;
  /** The organisation's name and participation; null for a token that reaches only some departments. */
  organisation: { name: string; answered: AnsweredCell; engagement: HeatmapViewCell | null } | null;
}

export function summarise(heatmap: HrHeatmap, locale: string): Summary {
  const data = shapeHeatmap(heatmap, locale);
  const cells = data.rows.flat();
  const judged = cells.filter((cell) => cell.changeLowText !== null);
  const likely = judged
    .filter((cell) => cell.likelyReal && cell.change !== null)
    .sort((left, right) => Math.abs(right.change ?? 0) - Math.abs(left.change ?? 0));
  const size = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  const changes = likely.slice(0, SUMMARY_CHANGES).map((cell) => ({
    teamId: cell.teamId,
    teamName: cell.teamName,
    metric: cell.metric,
    rose: (cell.change ?? 0) > 0,
    sizeText: size.format(Math.abs(cell.change ?? 0)),
    changeText: cell.changeText ?? '',
    lowText: cell.changeLowText ?? '',
    highText: cell.changeHighText ?? '',
    meanText: cell.meanText ?? '',
  }));
  const organisation =
    data.organisation === null
      ? null
      : {
          name: data.organisation.name,
          answered: data.organisation.answered,
          engagement: data.organisation.cells.find((cell) => cell.metric === 'engagement') ?? null,
        };
  return { changes, likelyReal: likely.length, judged: judged.length, organisation };
}
