// The catalogues are complete and consistent, every key the code uses exists, and plurals,
// numbers and dates come out in each language's own way.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { CX_ISSUE_CODES, ERROR_CODES, LANGUAGE_CODES, METRIC_KEYS, STARTUP_ERROR_CODES } from '../codes';
import en from './en.json';
import {
  formatDateRange,
  formatDateTime,
  formatDayMonth,
  formatNumber,
  formatShortDate,
  formatWeekdayDate,
  isoWeekNumber,
  joinWithoutDayPadding,
} from './format';
import it_ from './it.json';
import { chooseLanguage, chooseLanguageFromBrowser, languageOfTag, normaliseLocaleTag } from './language';
import { CATALOGUES, interpolate, translate, type Message, type MessageKey } from './translate';

const catalogues = { en, it: it_ } as Record<string, Record<string, unknown>>;

/** Each catalogue's text as written, where a key given twice is still visible. */
const CATALOGUE_TEXTS = import.meta.glob<string>('./*.json', { query: '?raw', import: 'default', eager: true });

describe('the catalogue files', () => {
  it('never give a key twice (JSON keeps the last, silently replacing another view’s text)', () => {
    for (const [file, text] of Object.entries(CATALOGUE_TEXTS)) {
      // Top-level keys only: two spaces of indentation, as the files are written.
      const keys = [...text.matchAll(/^ {2}"([^"]+)":/gm)].map((match) => match[1]);
      const twice = keys.filter((key, index) => keys.indexOf(key) !== index);
      expect({ file, twice }).toEqual({ file, twice: [] });
    }
  });
});

/** Every source file of the UI except tests and the generated bindings, by path. */
const SOURCES = Object.entries(
  import.meta.glob<string>(['/src/**/*.ts', '/src/**/*.svelte', '!/src/**/*.test.ts', '!/src/lib/bindings/**'], {
    query: '?raw',
    import: 'default',
    eager: true,
  }),
);

/** Keys built at run time from a code (`error.${code}`), which a text search cannot see. */
const DYNAMIC_PREFIXES = [
  'error.',
  'cx.issue.',
  'cx.field.',
  'metric.',
  'role.',
  'startup.title.',
  'work.mode.',
  'nav.',
  'settings.language_',
  'settings.weekday.',
  // Read by the Rust shell for the tray menu and the notification (src-tauri/src/texts.rs).
  'tray.',
  'reminder.',
  // The CX mapping step: built from the wire's codes (checked against them in hr/cx.test.ts).
  'cx.tool.',
  'cx.order.',
  'cx.direction.',
  'cx.metric_name.',
  'cx.undecided.',
  'cx.confirm.',
  'cx.column_role.',
  'cx.evidence.',
  // The care panel: built from the care contacts' roles and the national services' ids (care.test.ts
  // checks every service has both texts in both catalogues).
  'care.role.',
  'care.where.',
  'care.resource.',
];

/** The `{name}` placeholders of a message, all plural forms together. */
function placeholders(message: unknown): string[] {
  const texts = typeof message === 'string' ? [message] : Object.values(message as Record<string, string>);
  return [...new Set(texts.flatMap((text) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '')))].sort();
}

describe('catalogues', () => {
  const englishKeys = Object.keys(en).sort();

  it('have the same keys in English and Italian', () => {
    expect(Object.keys(it_).sort()).toEqual(englishKeys);
  });

  it.each(LANGUAGE_CODES)('%s has no empty message', (language) => {
    for (const [key, message] of Object.entries(catalogues[language] ?? {})) {
      const texts = typeof message === 'string' ? [message] : Object.values(message as object);
      expect(texts.length, key).toBeGreaterThan(0);
      for (const text of texts) expect(typeof text === 'string' && text.trim() !== '', `${language}: ${key}`).toBe(true);
    }
  });

  it('use the same placeholders in both languages', () => {
    for (const key of englishKeys) {
      expect(placeholders(catalogues.it?.[key]), key).toEqual(placeholders(catalogues.en?.[key]));
    }
  });

  it('give plural messages an "one" and an "other" form in both languages, and a {count}', () => {
    for (const key of englishKeys) {
      const english = catalogues.en?.[key];
      const italian = catalogues.it?.[key];
      expect(typeof italian, key).toBe(typeof english);
      if (typeof english === 'object') {
        for (const message of [english, italian] as Record<string, string>[]) {
          expect(Object.keys(message).sort(), key).toEqual(expect.arrayContaining(['one', 'other']));
          expect(placeholders(message), key).toContain('count');
        }
      }
    }
  });

  it.each(LANGUAGE_CODES)('%s has a sentence for every error code', (language) => {
    for (const code of ERROR_CODES) {
      const message = catalogues[language]?.[`error.${code}`];
      expect(typeof message === 'string' && message.length > 10, `${language}: error.${code}`).toBe(true);
    }
  });

  it.each(LANGUAGE_CODES)('%s words every problem of a CX file', (language) => {
    for (const code of CX_ISSUE_CODES) {
      const message = catalogues[language]?.[`cx.issue.${code}`];
      expect(typeof message === 'string' && message.length > 10, `${language}: cx.issue.${code}`).toBe(true);
    }
  });

  it.each(LANGUAGE_CODES)('%s has a title for every start-up error', (language) => {
    for (const code of STARTUP_ERROR_CODES) {
      expect(catalogues[language]?.[`startup.title.${code}`], `${language}: ${code}`).toBeTypeOf('string');
    }
  });

  it.each(LANGUAGE_CODES)('%s names every metric', (language) => {
    for (const metric of METRIC_KEYS) {
      expect(catalogues[language]?.[`metric.${metric}`], `${language}: ${metric}`).toBeTypeOf('string');
    }
  });

  it('have no error or metric message for a code that does not exist', () => {
    const known = new Set([
      ...ERROR_CODES.map((code) => `error.${code}`),
      ...METRIC_KEYS.map((key) => `metric.${key}`),
      ...CX_ISSUE_CODES.map((code) => `cx.issue.${code}`),
    ]);
    const stale = englishKeys.filter((key) => /^(error|metric|cx\.issue)\./.test(key) && !known.has(key));
    expect(stale).toEqual([]);
  });

  it('tell the keyring user to unlock the keyring', () => {
    expect(en['error.keyring_unavailable']).toMatch(/unlock your system keyring/i);
    expect(it_['error.keyring_unavailable']).toMatch(/sblocca il portachiavi/i);
  });
});

/**
 * The Italian glossary: one Italian term per concept, used in every message. `term` must
 * appear in each of `keys`; `avoid` (the other words once used for the concept) nowhere.
 */
const ITALIAN_GLOSSARY = [
  {
    concept: 'the pulse (the weekly questions)',
    term: /\bquestionari[oi]\b/i,
    avoid: /\bpulse\b|\bsondaggi|\brilevazion/i,
    keys: ['pulse.closed_title', 'history.go_to_pulse', 'tray.tooltip_due', 'reminder.title', 'error.week_closed'],
  },
  {
    concept: 'a metric (wellbeing, engagement, ...)',
    term: /\bindicator[ei]\b/i,
    avoid: /\bmetric[ah]e?\b/i,
    keys: ['hr.metric_label', 'hr.heatmap_title', 'cx.metric', 'linkage.column_ex', 'hr.not_asked_explained'],
  },
  {
    concept: 'the EX–CX linkage (HR view)',
    term: /\bLegame EX–CX\b/,
    avoid: /\bcollegamento EX|\bcorrelazione EX/i,
    keys: ['nav.hr_linkage', 'linkage.title'],
  },
  {
    concept: "HR's connection to the organisation server",
    term: /\bcollega|\bscollega/i,
    avoid: /\bconnession|\bconnett/i,
    keys: ['hr.connect_title', 'hr.connect', 'hr.connecting', 'hr.connected_to', 'hr.disconnect'],
  },
  {
    concept: "the device's enrolment in a team",
    term: /\bunisc|\bunisse\b|\bfa(i)? (più )?parte\b|\bnel team\b|\bin un team\b/i,
    avoid: /\bregistra(to|zione|lo)\b|\biscri(v|tto|zione)/i,
    keys: ['sync.enrol_title', 'sync.enrolling', 'sync.enrolled_to', 'sync.not_enrolled', 'error.not_enrolled'],
  },
  {
    concept: 'the weekly report a device sends',
    term: /\bresocont[oi]\b/,
    avoid: /\bquesto invio\b|\bil suo invio\b|\brapport[oi] settimanal/i,
    keys: ['sync.pending', 'error.week_published', 'error.week_before_enrolment'],
  },
  {
    concept: 'the human resources department',
    term: /\brisorse umane\b/,
    avoid: /\bufficio HR\b|(?<![.!?] |^)Risorse umane/,
    keys: ['sync.enrol_hint', 'error.invite_expired', 'sync.team_key_fingerprint_hint'],
  },
] as const;

/** Every Italian text, plural forms apart, with its key. */
function italianTexts(): [string, string][] {
  return Object.entries(it_).flatMap(([key, message]) =>
    typeof message === 'string' ? [[key, message]] : Object.values(message as Record<string, string>).map((text) => [key, text]),
  ) as [string, string][];
}

describe('the Italian catalogue', () => {
  it.each(ITALIAN_GLOSSARY)('uses one term for $concept', ({ term, avoid, keys }) => {
    for (const key of keys) {
      const message = it_[key as keyof typeof it_];
      const text = typeof message === 'string' ? message : Object.values(message).join(' ');
      expect(text, key).toMatch(term);
    }
    expect(italianTexts().filter(([, text]) => avoid.test(text))).toEqual([]);
  });

  it('never leaves the English word "pulse" in an Italian message', () => {
    // The app's name, Polso, is Italian for pulse; the weekly questions are a "questionario".
    expect(italianTexts().filter(([, text]) => /pulse/i.test(text))).toEqual([]);
  });

  it('finds a mixed term when one is there (the check itself works)', () => {
    const [, metric] = ITALIAN_GLOSSARY;
    expect(metric.avoid.test('Le metriche del team')).toBe(true);
    expect(metric.avoid.test('Gli indicatori del team')).toBe(false);
  });

  it('keeps one Italian text per glossary word across the catalogue: "Collegamento" names only the HR connection', () => {
    const uses = italianTexts().filter(([, text]) => /collegament/i.test(text)).map(([key]) => key);
    expect(uses.every((key) => key.startsWith('hr.connect'))).toBe(true);
  });
});

describe('keys used in code', () => {
  // Keys passed to t() literally, and every quoted literal that looks like a key (some are
  // kept in tables first, such as the work-week steppers' labels).
  const used = new Map<string, string>();
  const literals = new Set<string>();
  for (const [path, source] of SOURCES) {
    for (const match of source.matchAll(/\bt\(\s*'([^'$`]+)'/g)) used.set(match[1] ?? '', path);
    for (const match of source.matchAll(/'([a-z0-9_]+(?:\.[a-z0-9_]+)+)'/g)) literals.add(match[1] ?? '');
  }

  it('are found by the scan (the scan itself works)', () => {
    expect(SOURCES.length).toBeGreaterThan(10);
    expect(used.has('pulse.submit')).toBe(true);
  });

  it('all exist in the catalogues', () => {
    for (const [key, path] of used) expect(Object.keys(en), `${key} in ${path}`).toContain(key);
  });

  it('cover every catalogue key, apart from keys built from a code', () => {
    const unused = Object.keys(en).filter(
      (key) => !used.has(key) && !literals.has(key) && !DYNAMIC_PREFIXES.some((prefix) => key.startsWith(prefix)),
    );
    expect(unused).toEqual([]);
  });

  it('stay out of components: no visible English text is written in a .svelte file', () => {
    for (const [path, source] of SOURCES) {
      if (!path.endsWith('.svelte')) continue;
      let markup = source
        .replace(/<script[\s\S]*?<\/script>/g, '')
        .replace(/<style[\s\S]*?<\/style>/g, '')
        .replace(/<!--[\s\S]*?-->/g, '');
      // Remove Svelte expressions, innermost first, until none is left.
      for (let previous = ''; previous !== markup; ) {
        previous = markup;
        markup = markup.replace(/\{[^{}]*\}/g, '');
      }
      const texts = [...markup.matchAll(/>([^<>]+)</g)].map((match) => match[1]?.trim() ?? '');
      // Symbols (✓, −, +, –, !) are allowed; words are not.
      expect(texts.filter((text) => /[A-Za-z]{2,}/.test(text)), path).toEqual([]);
    }
  });
});

describe('translate', () => {
  it('fills in parameters and formats numbers for the locale', () => {
    expect(translate(CATALOGUES.en, 'en-GB', 'pulse.question_position', { position: 2, total: 5 })).toBe(
      'Question 2 of 5',
    );
    expect(interpolate('{n} of {max}', 'en-GB', { n: 1234.5, max: 2000 })).toBe('1,234.5 of 2,000');
    expect(interpolate('{n} of {max}', 'it-IT', { n: 1234.5, max: 20000 })).toBe('1234,5 of 20.000');
    expect(interpolate('{missing} stays', 'en-GB')).toBe('{missing} stays');
  });

  it.each([
    ['en', 'en-GB', 0, '0 characters of 2,000'],
    ['en', 'en-GB', 1, '1 character of 2,000'],
    ['en', 'en-GB', 2, '2 characters of 2,000'],
    ['it', 'it-IT', 0, '0 caratteri su 2000'],
    ['it', 'it-IT', 1, '1 carattere su 2000'],
    ['it', 'it-IT', 1500, '1500 caratteri su 2000'],
  ] as const)('chooses the plural form: %s %s %d', (language, locale, count, expected) => {
    expect(translate(CATALOGUES[language], locale, 'note.counter', { count, max: 2000 })).toBe(expected);
  });

  it('falls back to "other" when a language has a category the message lacks', () => {
    // Italian has a "many" category (for a million) that the catalogue does not spell out.
    expect(new Intl.PluralRules('it-IT').select(1_000_000)).toBe('many');
    expect(translate(CATALOGUES.it, 'it-IT', 'history.weeks_count', { count: 1_000_000 })).toBe(
      '1.000.000 settimane con risposte',
    );
  });

  it('shows a missing key as itself, never as a blank', () => {
    expect(translate(CATALOGUES.en, 'en-GB', 'no.such.key' as MessageKey)).toBe('no.such.key');
  });

  it('gives the same text for a plain message whatever the count', () => {
    const message: Message = CATALOGUES.en['pulse.submit'];
    expect(message).toBe('Save answers');
  });
});

describe('formatting', () => {
  afterEach(() => vi.restoreAllMocks());

  const spaces = (text: string) => text.replace(/[\s\u2009\u202f]+/g, ' ');

  it('writes week dates the Italian and the British way', () => {
    expect(formatWeekdayDate('2026-11-29', 'en-GB')).toBe('Sunday 29 November');
    expect(formatWeekdayDate('2026-11-29', 'it-IT')).toBe('domenica 29 novembre');
    expect(spaces(formatDateRange('2026-11-23', '2026-11-29', 'en-GB'))).toMatch(/^23 ?– ?29 November 2026$/);
    expect(spaces(formatDateRange('2026-11-23', '2026-11-29', 'it-IT'))).toMatch(/^23 ?– ?29 novembre 2026$/);
    expect(formatDayMonth('2026-11-23', 'en-GB')).toBe('23 Nov');
    expect(formatDayMonth('2026-11-23', 'it-IT')).toBe('23 nov');
    expect(formatShortDate('2026-11-23', 'it-IT')).toBe('23 nov 2026');
  });

  it('writes a range across two months without zero-padding the day', () => {
    expect(spaces(formatDateRange('2026-11-30', '2026-12-06', 'it-IT'))).toBe('30 novembre – 6 dicembre 2026');
    expect(spaces(formatDateRange('2026-11-30', '2026-12-06', 'en-GB'))).toBe('30 November – 6 December 2026');
  });

  it('drops the padding an ICU may put on the day (WebKitGTK pads "06 dicembre" in ranges)', () => {
    const padded: Intl.DateTimeFormatPart[] = [
      { type: 'day', value: '30' },
      { type: 'literal', value: ' ' },
      { type: 'month', value: 'novembre' },
      { type: 'literal', value: ' – ' },
      { type: 'day', value: '06' },
      { type: 'literal', value: ' ' },
      { type: 'month', value: 'dicembre' },
      { type: 'literal', value: ' ' },
      { type: 'year', value: '2026' },
    ];
    expect(joinWithoutDayPadding(padded)).toBe('30 novembre – 6 dicembre 2026');
    const spy = vi
      .spyOn(Intl.DateTimeFormat.prototype, 'formatRangeToParts')
      .mockReturnValue(padded as ReturnType<Intl.DateTimeFormat['formatRangeToParts']>);
    expect(formatDateRange('2026-11-30', '2026-12-06', 'it-IT')).toBe('30 novembre – 6 dicembre 2026');
    expect(spy).toHaveBeenCalled();
  });

  it.each(['it-IT', 'en-GB'])('never zero-pads a day in %s, on any day of the first week of a month', (locale) => {
    for (let day = 1; day <= 9; day += 1) {
      const date = `2026-12-0${day}`;
      for (const text of [
        formatWeekdayDate(date, locale),
        formatShortDate(date, locale),
        formatDayMonth(date, locale),
        formatDateRange('2026-11-30', date, locale),
        formatDateTime(`${date}T10:00:00Z`, locale),
      ]) {
        expect(text, `${locale} ${date}`).not.toMatch(/(^|[^\d:.,])0\d/);
      }
    }
  });

  it('keeps the day whatever the time zone (dates are days, not instants)', () => {
    expect(formatWeekdayDate('2026-01-01', 'en-GB')).toBe('Thursday 1 January');
  });

  it('writes decimals with the locale separator', () => {
    expect(formatNumber(62.5, 'en-GB')).toBe('62.5');
    expect(formatNumber(62.5, 'it-IT')).toBe('62,5');
    expect(formatNumber(66.666, 'it-IT')).toBe('66,7');
    expect(formatNumber(100, 'it-IT')).toBe('100');
  });

  it('reads the week number of an ISO week', () => {
    expect(isoWeekNumber('2026-W48')).toBe(48);
    expect(isoWeekNumber('2026-W01')).toBe(1);
    expect(isoWeekNumber('nonsense')).toBeNaN();
  });
});

describe('choosing the language', () => {
  it('follows the system when the setting is "system"', () => {
    expect(chooseLanguage({ language: 'system', system_language: 'it', system_locale: 'it-IT' })).toEqual({
      language: 'it',
      locale: 'it-IT',
    });
  });

  it('uses the chosen language, with the system locale only when it is of that language', () => {
    expect(chooseLanguage({ language: 'en', system_language: 'en', system_locale: 'en-US' })).toEqual({
      language: 'en',
      locale: 'en-US',
    });
    expect(chooseLanguage({ language: 'en', system_language: 'it', system_locale: 'it-IT' })).toEqual({
      language: 'en',
      locale: 'en-GB',
    });
    expect(chooseLanguage({ language: 'it', system_language: 'en', system_locale: 'de-CH' })).toEqual({
      language: 'it',
      locale: 'it-IT',
    });
  });

  it('reads POSIX locale names', () => {
    expect(normaliseLocaleTag('it_IT.UTF-8')).toBe('it-IT');
    expect(normaliseLocaleTag('C')).toBeNull();
    expect(normaliseLocaleTag('')).toBeNull();
    expect(chooseLanguage({ language: 'system', system_language: 'it', system_locale: 'it_CH.UTF-8' }).locale).toBe(
      'it-CH',
    );
  });

  it('falls back to the browser language, then English', () => {
    expect(chooseLanguageFromBrowser('it-IT')).toEqual({ language: 'it', locale: 'it-IT' });
    expect(chooseLanguageFromBrowser('it')).toEqual({ language: 'it', locale: 'it-IT' });
    expect(chooseLanguageFromBrowser('fr-FR')).toEqual({ language: 'en', locale: 'en-GB' });
    expect(chooseLanguageFromBrowser(undefined)).toEqual({ language: 'en', locale: 'en-GB' });
    expect(languageOfTag('EN_us')).toBe('en');
  });
});
