// The CX import's pure logic: when a preview allows importing, when a refused file is a survey
// export that needs the mapping step, and what a mapping leaves undecided.

import { describe, expect, it } from 'vitest';
import type { CxMapping } from '../bindings/CxMapping';
import { sampleCxReport, sampleCxSuggestion, sampleSurveyRefusal, SAMPLE_QUALTRICS_EXPORT } from '../backend/mock-cx';
import { canImport, canSaveMapping, columnLabel, cxIssueMessage, cxPreviewState, decodeCsv, mappingName, needsMapping, newMetricColumn, questionsToConfirm, undecided } from './cx';

describe('the CX preview', () => {
  it('allows import only after a clean preview', () => {
    expect(cxPreviewState(null)).toBe('none');
    expect(canImport(null, false)).toBe(false);
    const clean = sampleCxReport('team;week', false);
    expect(cxPreviewState(clean)).toBe('clean');
    expect(canImport(clean, false)).toBe(true);
    expect(canImport(clean, true)).toBe(false);
    const bad = sampleCxReport('bad', false);
    expect(cxPreviewState(bad)).toBe('errors');
    expect(canImport(bad, false)).toBe(false);
    expect(cxPreviewState({ ...clean, rows: 0 })).toBe('empty');
  });

  it('offers the mapping step only for a refused file the server recognised as a survey export', () => {
    expect(needsMapping(null)).toBe(false);
    expect(needsMapping(sampleSurveyRefusal())).toBe(true);
    expect(needsMapping(sampleCxReport('bad', false))).toBe(false);
    expect(needsMapping({ ...sampleSurveyRefusal(), errors: [] })).toBe(false);
  });
});

function qualtrics(): CxMapping {
  return structuredClone(sampleCxSuggestion(SAMPLE_QUALTRICS_EXPORT).mapping);
}

describe('a mapping', () => {
  it('lists what it leaves undecided, and can be saved once nothing is', () => {
    const mapping = qualtrics();
    expect(undecided(mapping)).toEqual([{ kind: 'direction', column: 'Q3' }]);
    expect(canSaveMapping('Qualtrics', mapping, false)).toBe(false);
    mapping.metrics[2]!.direction = 'higher_is_worse';
    expect(undecided(mapping)).toEqual([]);
    expect(canSaveMapping('Qualtrics', mapping, false)).toBe(true);
    expect(canSaveMapping('Qualtrics', mapping, true)).toBe(false);
    expect(canSaveMapping('   ', mapping, false)).toBe(false);
  });

  it('names every kind of gap', () => {
    const mapping: CxMapping = {
      header_rows: 1,
      team_column: null,
      period: { kind: 'date', column: 'Timestamp', order: 'unknown' },
      metrics: [
        { column: 'Q1', metric: 'csat', scale: null, direction: 'higher_is_better' },
        { column: 'Q2', metric: 'csat', scale: { min: 5, max: 1 }, direction: 'unknown' },
      ],
      filters: [],
    };
    expect(undecided(mapping).map((item) => item.kind)).toEqual(['team', 'date_order', 'scale', 'metric_twice', 'scale', 'direction']);
    expect(undecided({ ...mapping, period: null, metrics: [] }).map((item) => item.kind)).toEqual(['team', 'period', 'metrics']);
    // NPS is always 0–10: its scale is never asked.
    expect(undecided({ ...qualtrics(), metrics: [{ column: 'Q1', metric: 'nps', scale: null, direction: 'higher_is_better' }] })).toEqual([]);
  });

  it('keeps a name the server accepts', () => {
    expect(mappingName('  Qualtrics assistenza  ')).toBe('Qualtrics assistenza');
    expect(mappingName('')).toBeNull();
    expect(mappingName('x'.repeat(101))).toBeNull();
    expect(mappingName('è'.repeat(100))).toBe('è'.repeat(100));
  });

  it('labels columns with their question and adds a column not read yet', () => {
    const suggestion = sampleCxSuggestion(SAMPLE_QUALTRICS_EXPORT);
    expect(columnLabel(suggestion.columns[4]!)).toBe('5. Q1 – How likely are you to recommend us?');
    expect(columnLabel(suggestion.columns[8]!)).toBe('9. Team');
    const added = newMetricColumn(suggestion.mapping, suggestion.columns);
    expect(added).toEqual({ column: 'StartDate', metric: 'csat', scale: { min: 1, max: 5 }, direction: 'unknown' });
  });
});

describe('the mapping step’s texts', () => {
  it('have a text for every code the wire can send, in English and Italian', async () => {
    const en: Record<string, unknown> = (await import('../i18n/en.json')).default;
    const it_: Record<string, unknown> = (await import('../i18n/it.json')).default;
    const codes = {
      'cx.tool.': ['qualtrics', 'survey_monkey', 'google_forms', 'generic'],
      'cx.order.': ['year_month_day', 'day_month_year', 'month_day_year', 'unknown'],
      'cx.direction.': ['higher_is_better', 'higher_is_worse', 'unknown'],
      'cx.metric_name.': ['nps', 'csat', 'ces'],
      'cx.undecided.': ['team', 'period', 'date_order', 'metrics', 'scale', 'direction', 'metric_twice', 'title'],
      'cx.confirm.': ['confirm_team_column', 'second_column_of_metric', 'metric'],
      'cx.column_role.': ['team', 'date', 'week', 'filter', 'nps', 'csat', 'ces', 'nps_group', 'ignored'],
      'cx.evidence.': [
        'header_name',
        'tool_convention',
        'guess',
        'question_text',
        'qualtrics_nps_group',
        'answers_not_on_scale',
        'metric_already_mapped',
        'several_metrics',
        'unrecognised',
      ],
    };
    for (const [prefix, values] of Object.entries(codes)) {
      for (const value of values) {
        expect(en[`${prefix}${value}`], `${prefix}${value}`).toBeTypeOf('string');
        expect(it_[`${prefix}${value}`], `${prefix}${value}`).toBeTypeOf('string');
      }
      const extra = Object.keys(en).filter((key) => key.startsWith(prefix) && !values.includes(key.slice(prefix.length)));
      expect(extra, prefix).toEqual([]);
    }
  });
});

describe('reading the chosen file', () => {
  it('keeps UTF-8 and UTF-16 text and refuses anything else', () => {
    const utf8 = new TextEncoder().encode('Squadra;Valore\nQualità;81,5\n');
    expect(decodeCsv(utf8)).toBe('Squadra;Valore\nQualità;81,5\n');
    expect(decodeCsv(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\ufeffa');
    // "Qualità" as Windows-1252 (Excel's plain CSV in Italy): not UTF-8.
    expect(decodeCsv(new Uint8Array([0x51, 0x75, 0x61, 0x6c, 0x69, 0x74, 0xe0]))).toBeNull();
    const utf16 = new Uint8Array([0xff, 0xfe, 0x61, 0x00, 0x09, 0x00, 0x62, 0x00]);
    expect(decodeCsv(utf16)).toBe('a\tb');
  });
});

describe('questions to confirm', () => {
  it('are the ones no field shows, and saving waits for them', () => {
    const questions = [
      { kind: 'direction', column: 'Q3' },
      { kind: 'confirm_team_column', column: 'Custom Data 1' },
      { kind: 'second_column_of_metric', column: 'Q4', metric: 'csat', mapped: 'Q2' },
    ] as const;
    expect(questionsToConfirm([...questions]).map((question) => question.kind)).toEqual(['confirm_team_column', 'second_column_of_metric']);
    const mapping = qualtrics();
    mapping.metrics[2]!.direction = 'higher_is_better';
    expect(canSaveMapping('Q', mapping, false, 1)).toBe(false);
    expect(canSaveMapping('Q', mapping, false, 0)).toBe(true);
  });
});

describe('a file problem', () => {
  const issue = (code: 'empty_field' | 'unknown_team', params: Record<string, string>) => ({ line: 2, column: 3, code, params, message: 'English' });

  it('is worded by its code with the values the server sent', () => {
    const { key, params } = cxIssueMessage(issue('unknown_team', { given: 'Vendite', closest: 'Vendite Nord' }), () => 'unused');
    expect(key).toBe('cx.issue.unknown_team');
    expect(params).toEqual({ given: 'Vendite', closest: 'Vendite Nord' });
  });

  it('names a column by its role in the UI’s language, and any other name as written', () => {
    expect(cxIssueMessage(issue('empty_field', { field: 'metric' }), (role) => `<${role}>`).params.field).toBe('<metric>');
    expect(cxIssueMessage(issue('empty_field', { field: 'Colonna X' }), (role) => `<${role}>`).params.field).toBe('Colonna X');
  });
});
