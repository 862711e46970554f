// The mock's CX mapping step: a Qualtrics export (recognised by its `{"ImportId":…}` header row)
// is refused in Polso's own layout with the tool named, its suggested mapping leaves the effort
// question's direction to decide, and a saved mapping reads it into three rows.

import type { CxImportReport } from '../bindings/CxImportReport';
import type { CxMapping } from '../bindings/CxMapping';
import type { CxMappingStep } from '../bindings/CxMappingStep';
import type { CxMappingSuggestion } from '../bindings/CxMappingSuggestion';
import { apiError } from './errors';

/** A short Qualtrics export, as `npm run dev` and the tests upload it. */
export const SAMPLE_QUALTRICS_EXPORT = [
  'StartDate,EndDate,Finished,RecordedDate,Q1,Q1_NPS_GROUP,Q2,Q3,Team',
  'Start Date,End Date,Finished,Recorded Date,How likely are you to recommend us?,How likely are you to recommend us? - Group,How satisfied are you?,How much effort did it take?,Team',
  '{"ImportId":"startDate"},{"ImportId":"endDate"},{"ImportId":"finished"},{"ImportId":"recordedDate"},{"ImportId":"QID1"},{"ImportId":"QID1_NPS_GROUP"},{"ImportId":"QID2"},{"ImportId":"QID3"},{"ImportId":"Team"}',
  '2026-11-23 07:54:03,2026-11-23 07:57:55,1,2026-11-23 07:57:55,10,3,5,2,Help desk',
  '2026-11-24 15:12:16,2026-11-24 15:14:28,1,2026-11-24 15:14:28,6,1,3,5,Help desk',
].join('\n');

/** Whether `csv` is a survey tool's export the mock recognises. */
export function isSurveyExport(csv: string): boolean {
  return csv.includes('{"ImportId"');
}

/** A file's report that stored nothing: its `errors`, and the survey tool it looks like, if any. */
function refused(errors: CxImportReport['errors'], surveyTool: CxImportReport['survey_tool']): CxImportReport {
  return { errors, rows: 0, teams: 0, weeks: null, metrics: [], format: null, preview: [], stored: false, survey_tool: surveyTool };
}

/** The refusal of a survey export read in Polso's own layout: its header, and the tool named. */
export function sampleSurveyRefusal(): CxImportReport {
  const columns = 'week or date, metric, value, n';
  const message = `missing column(s): ${columns}`;
  return refused([{ line: 1, column: 9, code: 'missing_columns', params: { columns }, message }], 'qualtrics');
}

/**
 * The mapping step for `csv`: a file whose quotes do not pair cannot be read as CSV at all, and
 * gets its problem by line and column, as the server answers it; any other file gets
 * [sampleCxSuggestion]'s.
 */
export function sampleCxMappingStep(csv: string): CxMappingStep {
  const lines = csv.split('\n');
  const unclosed = lines.findIndex((_, index) => (lines.slice(0, index + 1).join('\n').split('"').length - 1) % 2 === 1);
  if (unclosed === -1) return { outcome: 'suggested', ...sampleCxSuggestion(csv) };
  const column = (lines[unclosed] ?? '').split(/[;,]/).findIndex((field) => field.includes('"')) + 1;
  const message = 'a quoted field is not closed';
  const errors = [{ line: unclosed + 1, column, code: 'unclosed_quote' as const, params: {}, message }];
  return { outcome: 'unreadable', ...refused(errors, null) };
}

/** The suggestion for the sample Qualtrics export: everything decided but the effort question's direction. */
export function sampleCxSuggestion(csv: string): CxMappingSuggestion {
  if (!isSurveyExport(csv)) throw apiError('invalid_input', 'line 1, column 1: the first line is a single column');
  const column = (position: number, name: string, text: string, role: CxMappingSuggestion['columns'][number]['role'], evidence: CxMappingSuggestion['columns'][number]['evidence'], word: string | null = null) => ({ position, name, text, role, evidence, word });
  return {
    tool: 'qualtrics',
    mapping: {
      header_rows: 3,
      team_column: 'Team',
      period: { kind: 'date', column: 'RecordedDate', order: 'year_month_day' },
      metrics: [
        { column: 'Q1', metric: 'nps', scale: { min: 0, max: 10 }, direction: 'higher_is_better' },
        { column: 'Q2', metric: 'csat', scale: { min: 1, max: 5 }, direction: 'higher_is_better' },
        { column: 'Q3', metric: 'ces', scale: { min: 1, max: 7 }, direction: 'unknown' },
      ],
      filters: [{ column: 'Finished', equals: '1', leave_out: false }],
    },
    columns: [
      column(1, 'StartDate', 'Start Date', 'ignored', 'unrecognised'),
      column(2, 'EndDate', 'End Date', 'ignored', 'unrecognised'),
      column(3, 'Finished', 'Finished', 'filter', 'tool_convention'),
      column(4, 'RecordedDate', 'Recorded Date', 'date', 'tool_convention'),
      column(5, 'Q1', 'How likely are you to recommend us?', 'nps', 'question_text', 'recommend'),
      column(6, 'Q1_NPS_GROUP', 'How likely are you to recommend us? - Group', 'nps_group', 'qualtrics_nps_group'),
      column(7, 'Q2', 'How satisfied are you?', 'csat', 'question_text', 'satisfied'),
      column(8, 'Q3', 'How much effort did it take?', 'ces', 'question_text', 'effort'),
      column(9, 'Team', 'Team', 'team', 'header_name'),
    ],
    questions: [{ kind: 'direction', column: 'Q3' }],
  };
}

/** The report of the sample export read through `mapping`: errors for what it leaves undecided, else three rows. */
export function sampleMappedReport(mapping: CxMapping, stored: boolean): CxImportReport {
  const undecided = mapping.metrics.find((metric) => metric.direction === 'unknown');
  if (undecided !== undefined) {
    const message = `whether a higher answer in '${undecided.column}' means better (easier) or worse (more effort) is not chosen`;
    const issue = { line: 1, column: 8, code: 'direction_not_chosen' as const, params: { column: undecided.column }, message };
    return { ...sampleSurveyRefusal(), errors: [issue], survey_tool: null };
  }
  const preview = [
    { team_id: 't1', team_name: 'Help desk', week: '2026-W48', metric: 'ces', value: 4.5, n: 2 },
    { team_id: 't1', team_name: 'Help desk', week: '2026-W48', metric: 'csat', value: 50, n: 2 },
    { team_id: 't1', team_name: 'Help desk', week: '2026-W48', metric: 'nps', value: 0, n: 2 },
  ];
  const metrics = ['ces', 'csat', 'nps'];
  return { errors: [], rows: 3, teams: 1, weeks: { from: '2026-W48', to: '2026-W48' }, metrics, format: 'raw_responses', preview, stored, survey_tool: null };
}

/** The report of a sample CX file: clean, or with one error when the text holds "bad". */
export function sampleCxReport(csv: string, stored: boolean): CxImportReport {
  if (csv.includes('bad')) {
    const issue = { line: 3, column: 4, code: 'bad_number' as const, params: { given: 'bad' }, message: "'bad' is not a number" };
    return { errors: [issue], rows: 0, teams: 0, weeks: null, metrics: [], format: 'aggregated', preview: [], stored: false, survey_tool: null };
  }
  const preview = [
    { team_id: 't1', team_name: 'Help desk', week: '2026-W46', metric: 'csat', value: 82.5, n: 40 },
    { team_id: 't1', team_name: 'Help desk', week: '2026-W47', metric: 'csat', value: 84, n: 38 },
  ];
  return { errors: [], rows: 2, teams: 1, weeks: { from: '2026-W46', to: '2026-W47' }, metrics: ['csat'], format: 'aggregated', preview, stored, survey_tool: null };
}
