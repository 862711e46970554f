// The CX import's state, as pure functions: what the view shows after a preview, whether a file
// needs the mapping step, and what a mapping still leaves undecided.

import type { CxImportIssue } from '../bindings/CxImportIssue';
import type { CxImportReport } from '../bindings/CxImportReport';
import type { CxMapping } from '../bindings/CxMapping';
import type { CxOpenQuestion } from '../bindings/CxOpenQuestion';
import type { CxSuggestedColumn } from '../bindings/CxSuggestedColumn';
import type { CxSurveyMetric } from '../bindings/CxSurveyMetric';

export type CxPreviewState = 'none' | 'errors' | 'clean' | 'empty';

/** Whether a preview found errors, nothing to import, or a clean file that may be imported. */
export function cxPreviewState(report: CxImportReport | null): CxPreviewState {
  if (report === null) return 'none';
  if (report.errors.length > 0) return 'errors';
  return report.rows === 0 ? 'empty' : 'clean';
}

/** "Import" is enabled only after a clean preview of the file chosen now. */
export function canImport(report: CxImportReport | null, busy: boolean): boolean {
  return !busy && cxPreviewState(report) === 'clean';
}

/**
 * Whether a file read in Polso's own layouts was refused because it is a survey tool's export
 * (the server recognised NPS, CSAT or CES questions in it): then the view offers the mapping
 * step instead of listing header errors.
 */
export function needsMapping(report: CxImportReport | null): boolean {
  return report !== null && report.errors.length > 0 && report.survey_tool !== null;
}

/** The columns of Polso's own layouts (and of a mapping) a problem may name by their role. */
const FIELD_ROLES = ['team', 'week', 'date', 'metric', 'value', 'n', 'score'] as const;
export type FieldRole = (typeof FIELD_ROLES)[number];

/**
 * What a file problem says, as a message key and its parameters: the server sends a code and
 * the values its wording names; a column named by its role (`field`) is worded in the language
 * too, through `fieldName`.
 */
export function cxIssueMessage(
  issue: CxImportIssue,
  fieldName: (role: FieldRole) => string,
): { key: `cx.issue.${CxImportIssue['code']}`; params: Record<string, string> } {
  const params = { ...issue.params };
  const field = params.field;
  if (field !== undefined && (FIELD_ROLES as readonly string[]).includes(field)) params.field = fieldName(field as FieldRole);
  return { key: `cx.issue.${issue.code}`, params };
}

/** Something a mapping leaves undecided, which the import would refuse. */
export type Undecided =
  | { kind: 'team' }
  | { kind: 'period' }
  | { kind: 'date_order'; column: string }
  | { kind: 'metrics' }
  | { kind: 'scale'; column: string }
  | { kind: 'direction'; column: string }
  | { kind: 'metric_twice'; metric: CxSurveyMetric };

/** What `mapping` leaves undecided, in the order the form shows it; empty when it can be saved. */
export function undecided(mapping: CxMapping): Undecided[] {
  const open: Undecided[] = [];
  if (mapping.team_column === null || mapping.team_column === '') open.push({ kind: 'team' });
  if (mapping.period === null || mapping.period.column === '') open.push({ kind: 'period' });
  else if (mapping.period.kind === 'date' && mapping.period.order === 'unknown') {
    open.push({ kind: 'date_order', column: mapping.period.column });
  }
  if (mapping.metrics.length === 0) open.push({ kind: 'metrics' });
  const seen = new Set<CxSurveyMetric>();
  for (const metric of mapping.metrics) {
    if (seen.has(metric.metric)) open.push({ kind: 'metric_twice', metric: metric.metric });
    seen.add(metric.metric);
    if (metric.metric !== 'nps' && (metric.scale === null || metric.scale.min >= metric.scale.max)) {
      open.push({ kind: 'scale', column: metric.column });
    }
    if (metric.direction === 'unknown') open.push({ kind: 'direction', column: metric.column });
  }
  return open;
}

/**
 * The suggestion's open questions the form cannot show as an undecided field: a guessed team
 * column, a second column for one metric, a column whose metric its text does not tell. Each
 * must be ticked as checked before the mapping is saved.
 */
export function questionsToConfirm(questions: CxOpenQuestion[]): CxOpenQuestion[] {
  return questions.filter(
    (question) => question.kind === 'confirm_team_column' || question.kind === 'second_column_of_metric' || question.kind === 'metric',
  );
}

/** The longest name of a saved mapping, as the server accepts it. */
export const MAX_MAPPING_NAME = 100;

/** A source's name as the server would keep it, or null when it cannot be saved. */
export function mappingName(name: string): string | null {
  const trimmed = name.trim();
  const length = [...trimmed].length;
  return length === 0 || length > MAX_MAPPING_NAME ? null : trimmed;
}

/** "Save and check" is enabled for a named mapping with nothing undecided and every question to confirm checked. */
export function canSaveMapping(name: string, mapping: CxMapping, busy: boolean, unconfirmed = 0): boolean {
  return !busy && unconfirmed === 0 && mappingName(name) !== null && undecided(mapping).length === 0;
}

/**
 * A file's text as the server must see it: UTF-8 (a byte-order mark is kept for the server to
 * skip) or UTF-16 with its byte-order mark; anything else is `null`, so the view can ask for
 * "CSV UTF-8" instead of sending text with replacement characters.
 */
export function decodeCsv(bytes: Uint8Array): string | null {
  const utf16 = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  try {
    if (utf16) return new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(bytes);
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The label of a column in a choice: its position and name, and its question when it says more. */
export function columnLabel(column: CxSuggestedColumn): string {
  const question = column.text.trim();
  const text = question !== '' && question !== column.name ? ` – ${shorten(question, 70)}` : '';
  return `${column.position}. ${column.name}${text}`;
}

function shorten(text: string, max: number): string {
  const characters = [...text];
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

/** A metric column to add: the first column not read yet, as CSAT on a 1–5 scale with its direction to choose. */
export function newMetricColumn(mapping: CxMapping, columns: CxSuggestedColumn[]): CxMapping['metrics'][number] {
  const used = new Set([
    mapping.team_column,
    mapping.period?.column,
    ...mapping.metrics.map((metric) => metric.column),
    ...mapping.filters.map((filter) => filter.column),
  ]);
  const free = columns.find((column) => !used.has(column.name)) ?? columns[0];
  return { column: free?.name ?? '', metric: 'csat', scale: { min: 1, max: 5 }, direction: 'unknown' };
}
