// Dates and numbers in the chosen locale's format, through Intl. Pure functions of the
// locale, so "it-IT" and "en-GB" can be tested side by side.
//
// Week dates arrive as ISO dates ("2026-11-23"): they are days, not instants, so they are
// read and formatted in UTC to keep the day whatever the machine's time zone.
//
// Days are never zero-padded ("6 dicembre", not "06 dicembre"): some ICU versions (the one
// WebKitGTK uses on Debian 12) pad the day in Italian date ranges, so every date goes
// through its parts and loses the padding of its day.

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

/** Joins formatted parts back into text, the day without a leading zero ("06" → "6"). */
export function joinWithoutDayPadding(parts: readonly Intl.DateTimeFormatPart[]): string {
  return parts.map((part) => (part.type === 'day' ? part.value.replace(/^0(?=\d)/, '') : part.value)).join('');
}

/** A date through `format`, its day unpadded; "Invalid Date" for a date that is not one. */
function formatDate(format: Intl.DateTimeFormat, date: Date): string {
  if (Number.isNaN(date.getTime())) return format.format(date);
  return joinWithoutDayPadding(format.formatToParts(date));
}

/** "Sunday 29 November" / "domenica 29 novembre". */
export function formatWeekdayDate(isoDate: string, locale: string): string {
  const format = cached(`weekday-date:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }),
  );
  return formatDate(format, parseIsoDate(isoDate));
}

/** "23 Nov 2026" / "23 nov 2026". */
export function formatShortDate(isoDate: string, locale: string): string {
  const format = cached(`short-date:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
  );
  return formatDate(format, parseIsoDate(isoDate));
}

/** "23 Nov" / "23 nov", for chart axes. */
export function formatDayMonth(isoDate: string, locale: string): string {
  const format = cached(`day-month:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }),
  );
  return formatDate(format, parseIsoDate(isoDate));
}

/** "23–29 November 2026" / "23–29 novembre 2026"; "30 novembre – 6 dicembre 2026". */
export function formatDateRange(startIsoDate: string, endIsoDate: string, locale: string): string {
  const format = cached(`range:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  );
  const start = parseIsoDate(startIsoDate);
  const end = parseIsoDate(endIsoDate);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || start > end) {
    return `${formatDate(format, start)} – ${formatDate(format, end)}`;
  }
  return joinWithoutDayPadding(format.formatRangeToParts(start, end));
}

/** An instant (RFC 3339) as date and time in the machine's time zone. */
export function formatDateTime(rfc3339: string, locale: string): string {
  const format = cached(`date-time:${locale}`, () =>
    new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' }),
  );
  return formatDate(format, new Date(rfc3339));
}

/** A number with at most one decimal: "62.5" / "62,5", "1,000" / "1000". */
export function formatNumber(value: number, locale: string): string {
  return cached(`number:${locale}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: 1 })).format(
    value,
  );
}
