// Dates and numbers in the chosen locale's format, through Intl. Pure functions of the
// locale, so "it-IT" and "en-GB" can be tested side by side.
//
// Week dates arrive as ISO dates ("2026-11-23"): they are days, not instants, so they are
// read and formatted in UTC to keep the day whatever the machine's time zone.

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, create: () => T): T {
  let format = cache.get(key);
  if (format === undefined) {
    format = create();
    cache.set(key, format);
  }
  return format as T;
}

/** An ISO date ("2026-11-23") as a Date at midnight UTC. */
export function parseIsoDate(isoDate: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (match === null) return new Date(Number.NaN);
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** The week number of an ISO week ("2026-W48" gives 48), or NaN. */
export function isoWeekNumber(isoWeek: string): number {
  const match = /^\d{4}-W(\d{2})$/.exec(isoWeek);
  return match === null ? Number.NaN : Number(match[1]);
}

/** "Sunday 29 November" / "domenica 29 novembre". */
export function formatWeekdayDate(isoDate: string, locale: string): string {
  return cached(`weekday-date:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }),
  ).format(parseIsoDate(isoDate));
}

/** "23 Nov 2026" / "23 nov 2026". */
export function formatShortDate(isoDate: string, locale: string): string {
  return cached(`short-date:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
  ).format(parseIsoDate(isoDate));
}

/** "23 Nov" / "23 nov", for chart axes. */
export function formatDayMonth(isoDate: string, locale: string): string {
  return cached(`day-month:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }),
  ).format(parseIsoDate(isoDate));
}

/** "23–29 November 2026" / "23–29 novembre 2026". */
export function formatDateRange(startIsoDate: string, endIsoDate: string, locale: string): string {
  const format = cached(`range:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  );
  return format.formatRange(parseIsoDate(startIsoDate), parseIsoDate(endIsoDate));
}

/** An instant (RFC 3339) as date and time in the machine's time zone. */
export function formatDateTime(rfc3339: string, locale: string): string {
  return cached(`date-time:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' }),
  ).format(new Date(rfc3339));
}

/** A number with at most one decimal: "62.5" / "62,5", "1,000" / "1000". */
export function formatNumber(value: number, locale: string): string {
  return cached(`number:${locale}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: 1 })).format(
    value,
  );
}
