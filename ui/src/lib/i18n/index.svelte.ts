// The UI's current language, as reactive state, and `t()` to read the catalogues in it.
//
// Components call `t('pulse.submit')`; because `t` reads `current`, anything rendered with
// it updates when `setLanguage` changes the language, with no reload.

import type { LanguageCode } from '../bindings/LanguageCode';
import type { LocalizedText } from '../bindings/LocalizedText';
import {
  formatDateRange,
  formatDateTime,
  formatDayMonth,
  formatNumber,
  formatShortDate,
  formatWeekdayDate,
} from './format';
import type { LanguageChoice } from './language';
import { CATALOGUES, translate, type MessageKey, type MessageParams } from './translate';

export type { MessageKey, MessageParams } from './translate';
export type { LanguageChoice } from './language';
export { chooseLanguage, chooseLanguageFromBrowser } from './language';

const current = $state<LanguageChoice>({ language: 'en', locale: 'en-GB' });

/** Switches the UI's language and locale at once; the page follows without a reload. */
export function setLanguage(choice: LanguageChoice): void {
  current.language = choice.language;
  current.locale = choice.locale;
  if (typeof document !== 'undefined') document.documentElement.lang = choice.language;
}

/** The language in use. */
export function currentLanguage(): LanguageCode {
  return current.language;
}

/** The locale in use for dates and numbers. */
export function currentLocale(): string {
  return current.locale;
}

/** The text of `key` in the current language, with `{name}` parameters filled in. */
export function t(key: MessageKey, params?: MessageParams): string {
  return translate(CATALOGUES[current.language], current.locale, key, params);
}

/** A text from the back end (an item, a scale label) in the current language. */
export function localized(text: LocalizedText): string {
  return text[current.language];
}

/** Formatting in the current locale; see format.ts. */
export const fmt = {
  number: (value: number) => formatNumber(value, current.locale),
  weekdayDate: (isoDate: string) => formatWeekdayDate(isoDate, current.locale),
  shortDate: (isoDate: string) => formatShortDate(isoDate, current.locale),
  dayMonth: (isoDate: string) => formatDayMonth(isoDate, current.locale),
  dateRange: (start: string, end: string) => formatDateRange(start, end, current.locale),
  dateTime: (rfc3339: string) => formatDateTime(rfc3339, current.locale),
};
