// Keeps the runtime lists in src/lib/codes.ts in step with the generated bindings, by reading
// the string literals out of the generated files themselves.

import { describe, expect, it } from 'vitest';
import cxIssueCodeSource from './bindings/CxIssueCode.ts?raw';
import errorCodeSource from './bindings/ErrorCode.ts?raw';
import languageCodeSource from './bindings/LanguageCode.ts?raw';
import languagePreferenceSource from './bindings/LanguagePreference.ts?raw';
import metricKeySource from './bindings/MetricKey.ts?raw';
import {
  CX_ISSUE_CODES,
  ERROR_CODES,
  LANGUAGE_CODES,
  LANGUAGE_PREFERENCES,
  METRIC_KEYS,
  STARTUP_ERROR_CODES,
} from './codes';

/** The string literals of the one `export type X = "a" | "b";` line of a generated file. */
function unionMembers(source: string): string[] {
  const declaration = source.split('\n').find((line) => line.startsWith('export type '));
  if (declaration === undefined) throw new Error('no type declaration found');
  return [...declaration.matchAll(/"([^"]+)"/g)].map((match) => match[1] ?? '');
}

describe('runtime lists match the generated unions', () => {
  it.each([
    ['ErrorCode', errorCodeSource, ERROR_CODES],
    ['CxIssueCode', cxIssueCodeSource, CX_ISSUE_CODES],
    ['MetricKey', metricKeySource, METRIC_KEYS],
    ['LanguageCode', languageCodeSource, LANGUAGE_CODES],
    ['LanguagePreference', languagePreferenceSource, LANGUAGE_PREFERENCES],
  ] as const)('%s', (_name, source, list) => {
    const members = unionMembers(source);
    expect(members.length).toBeGreaterThan(0);
    expect([...list].sort()).toEqual([...members].sort());
    expect(new Set(list).size).toBe(list.length);
  });

  it('start-up error codes are error codes', () => {
    for (const code of STARTUP_ERROR_CODES) expect(ERROR_CODES).toContain(code);
  });
});
