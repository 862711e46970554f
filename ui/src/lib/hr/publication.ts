// When the next week is published, and each team's yearly privacy loss, shaped for HR's
// views as pure functions of the back end's answers and the locale.
//
// The server publishes each ISO week once, as an immutable snapshot, when its collection
// window closes; a week after the last published one is "not yet published", a state of
// its own, never "fewer than k" and never "not asked".

import type { NextPublication } from '../bindings/NextPublication';
import type { PrivacyLedger } from '../bindings/PrivacyLedger';
import { formatDateTime, isoWeekNumber } from '../i18n/format';

/** The next publication as the notice words it: "Week 47 will be published on 27 November 2026 at 09:00". */
export interface PublicationNotice {
  weekNumber: number;
  /** The instant in the locale's long date and short time, in the machine's time zone. */
  when: string;
}

/** The notice's figures, or null when the server announced no next publication. */
export function publicationNotice(next: NextPublication | null, locale: string): PublicationNotice | null {
  if (next === null) return null;
  const weekNumber = isoWeekNumber(next.week);
  const instant = new Date(next.at);
  if (Number.isNaN(weekNumber) || Number.isNaN(instant.getTime())) return null;
  return { weekNumber, when: formatDateTime(next.at, locale) };
}

/** An ε as the locale writes it, with up to two decimals: "4.6" / "4,6", "0.05" / "0,05". */
export function formatEpsilon(epsilon: number, locale: string): string {
  // A sum over no weeks can arrive as -0 (Rust's f64 sum starts there); it is 0, never "-0".
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(epsilon === 0 ? 0 : epsilon);
}

/** One team's row of HR's privacy table. */
export interface LedgerRow {
  teamId: string;
  teamName: string;
  epsilon: number;
  epsilonText: string;
  weeksPublished: number;
}

/** HR's privacy panel: the year, whether DP is on, ε per cell and one row per team. */
export interface LedgerView {
  year: number;
  dpOn: boolean;
  /** ε per released cell as the locale writes it; null when DP is off. */
  perCellText: string | null;
  /** Teams by name (in the locale's collation), as the server scoped them. */
  rows: LedgerRow[];
}

/** Shapes the ledger for the panel. */
export function shapeLedger(ledger: PrivacyLedger, locale: string): LedgerView {
  const collator = new Intl.Collator(locale);
  return {
    year: ledger.year,
    dpOn: ledger.dp_on,
    perCellText: ledger.dp_on && ledger.epsilon_per_cell !== null ? formatEpsilon(ledger.epsilon_per_cell, locale) : null,
    rows: ledger.teams
      .map((team) => ({
        teamId: team.team_id,
        teamName: team.team_name,
        epsilon: team.epsilon,
        epsilonText: formatEpsilon(team.epsilon, locale),
        weeksPublished: team.weeks_published,
      }))
      .sort((left, right) => collator.compare(left.teamName, right.teamName) || left.teamId.localeCompare(right.teamId)),
  };
}
