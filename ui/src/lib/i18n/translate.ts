// The pure part of i18n: look a key up in a catalogue, pick the plural form, fill in the
// parameters. No state and no DOM, so it is tested directly (i18n.test.ts).

import type { LanguageCode } from '../bindings/LanguageCode';
import en from './en.json';
import it from './it.json';

/** A plural message: one text per CLDR plural category; `other` is required. */
export type PluralMessage = { other: string } & Partial<Record<Intl.LDMLPluralRule, string>>;

/** A catalogue entry: a plain text, or plural forms chosen by the `count` parameter. */
export type Message = string | PluralMessage;

/** Every key of the catalogues. The English catalogue is the reference for the type. */
export type MessageKey = keyof typeof en;

/** A whole catalogue. */
export type Catalogue = Record<MessageKey, Message>;

/** Values for `{name}` placeholders; numbers are formatted for the locale. */
export type MessageParams = Record<string, string | number>;

// Assigning the JSON here makes `npm run check` fail when the Italian catalogue lacks a key
// of the English one; the test also catches keys only the Italian one has.
const englishCatalogue: Catalogue = en;
const italianCatalogue: Catalogue = it;

/** The catalogue of each language. */
export const CATALOGUES: Record<LanguageCode, Catalogue> = {
  en: englishCatalogue,
  it: italianCatalogue,
};

const pluralRulesByLocale = new Map<string, Intl.PluralRules>();
const numberFormatByLocale = new Map<string, Intl.NumberFormat>();

function pluralRules(locale: string): Intl.PluralRules {
  let rules = pluralRulesByLocale.get(locale);
  if (rules === undefined) {
    rules = new Intl.PluralRules(locale);
    pluralRulesByLocale.set(locale, rules);
  }
  return rules;
}

function numberFormat(locale: string): Intl.NumberFormat {
  let format = numberFormatByLocale.get(locale);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    numberFormatByLocale.set(locale, format);
  }
  return format;
}

/** The form of a plural message for `count` in `locale`, falling back to `other`. */
export function pluralForm(message: PluralMessage, locale: string, count: number): string {
  const category = pluralRules(locale).select(count);
  return message[category] ?? message.other;
}

/** Replaces `{name}` with its parameter; numbers are formatted for the locale. */
export function interpolate(text: string, locale: string, params: MessageParams = {}): string {
  return text.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const value = params[name];
    if (value === undefined) return placeholder;
    return typeof value === 'number' ? numberFormat(locale).format(value) : value;
  });
}

/**
 * The text of `key` in `catalogue`. A plural message picks its form by `params.count`.
 * A missing key gives the key itself, so a gap shows up on screen rather than as a blank.
 */
export function translate(
  catalogue: Catalogue,
  locale: string,
  key: MessageKey,
  params?: MessageParams,
): string {
  const message = catalogue[key] as Message | undefined;
  if (message === undefined) return key;
  if (typeof message === 'string') return interpolate(message, locale, params);
  const count = typeof params?.count === 'number' ? params.count : 0;
  return interpolate(pluralForm(message, locale, count), locale, params);
}
