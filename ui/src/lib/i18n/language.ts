// Which language and locale the UI uses, from the settings or, failing those, the browser.

import type { LanguageCode } from '../bindings/LanguageCode';
import type { Settings } from '../bindings/Settings';

/** The language texts come in and the locale dates and numbers are formatted for. */
export interface LanguageChoice {
  language: LanguageCode;
  locale: string;
}

/** The locale a language uses when the system's locale is of another language. */
const DEFAULT_LOCALE: Record<LanguageCode, string> = { en: 'en-GB', it: 'it-IT' };

/** The language of a BCP 47 tag when Polso speaks it ("it-CH" gives "it"), else null. */
export function languageOfTag(tag: string): LanguageCode | null {
  const primary = tag.toLowerCase().split(/[-_]/)[0];
  return primary === 'en' || primary === 'it' ? primary : null;
}

/** A locale tag the Intl API accepts ("it_IT.UTF-8" becomes "it-IT"), or null. */
export function normaliseLocaleTag(tag: string): string | null {
  const cleaned = tag.split('.')[0]?.split('@')[0]?.replace(/_/g, '-') ?? '';
  if (cleaned === '' || cleaned === 'C' || cleaned === 'POSIX') return null;
  try {
    return Intl.getCanonicalLocales(cleaned)[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * The language the settings ask for ('system' means the system's) and a locale for it: the
 * system's locale when it is of that language (so an en-US system keeps US dates), else
 * the language's default (it-IT, en-GB).
 */
export function chooseLanguage(settings: Pick<Settings, 'language' | 'system_language' | 'system_locale'>): LanguageChoice {
  const language = settings.language === 'system' ? settings.system_language : settings.language;
  return { language, locale: localeFor(language, settings.system_locale) };
}

/** The language and locale of the browser, for when the settings cannot be read. */
export function chooseLanguageFromBrowser(browserLanguage: string | undefined): LanguageChoice {
  const language = languageOfTag(browserLanguage ?? '') ?? 'en';
  return { language, locale: localeFor(language, browserLanguage ?? '') };
}

function localeFor(language: LanguageCode, systemLocale: string): string {
  const normalised = normaliseLocaleTag(systemLocale);
  if (normalised !== null && languageOfTag(normalised) === language && normalised.includes('-')) {
    return normalised;
  }
  return DEFAULT_LOCALE[language];
}
