// The generated string unions (ErrorCode, MetricKey, LanguagePreference) as runtime arrays.
//
// TypeScript types vanish at run time, so the i18n completeness test and the error
// normalisation need the values themselves. The assertions at the bottom make
// `npm run check` fail when the bindings gain or lose a value that these arrays do not,
// and src/lib/codes.test.ts compares them with the text of the generated files.

import type { CxIssueCode } from './bindings/CxIssueCode';
import type { ErrorCode } from './bindings/ErrorCode';
import type { LanguageCode } from './bindings/LanguageCode';
import type { LanguagePreference } from './bindings/LanguagePreference';
import type { MetricKey } from './bindings/MetricKey';

/** Every ErrorCode the back end can send, in the order of the generated union. */
export const ERROR_CODES = [
  'keyring_unavailable',
  'keyring_no_secret_service',
  'keyring_no_collection',
  'keyring_locked',
  'store_key_missing',
  'store_corrupt',
  'store_too_new',
  'store_unavailable',
  'store_full',
  'unknown_item',
  'item_not_in_week',
  'value_out_of_scale',
  'duplicate_answer',
  'no_answers',
  'week_closed',
  'week_not_open',
  'invalid_week',
  'note_too_long',
  'invalid_work_week',
  'invalid_setting',
  'invalid_input',
  'unsupported_version',
  'payload_too_large',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'invite_unknown',
  'invite_expired',
  'invite_exhausted',
  'duplicate_report',
  'week_published',
  'week_before_enrolment',
  'team_full',
  'rate_limited',
  'invalid_server_address',
  'server_unreachable',
  'server_storage_full',
  'not_enrolled',
  'helper_key_changed',
  'comment_waiting',
  'export_failed',
  'internal',
] as const satisfies readonly ErrorCode[];

/** Every MetricKey, in the order charts and tables list metrics. */
export const METRIC_KEYS = [
  'wellbeing',
  'life_satisfaction',
  'who5',
  'burnout',
  'engagement',
  'work_life_balance',
  'communication',
  'team_cohesion',
  'tools',
  'empowerment',
  'role_clarity',
  'recognition',
  'growth',
  'trust',
  'customer_focus',
  'customer_empathy',
  'manager_support',
  'flexibility',
  'enps',
] as const satisfies readonly MetricKey[];

/** Every problem of a CX file the server can report, in the order of the generated union. */
export const CX_ISSUE_CODES = [
  'empty_file',
  'not_utf8',
  'unclosed_quote',
  'text_after_quote',
  'single_column_header',
  'single_column',
  'missing_columns',
  'duplicate_column',
  'week_and_date',
  'wrong_field_count',
  'wrong_field_count_decimal_comma',
  'wrong_field_count_other_separator',
  'wrong_field_count_unclosed_quote',
  'empty_field',
  'field_too_long',
  'unknown_team',
  'unknown_team_no_teams',
  'ambiguous_team',
  'bad_week',
  'bad_date',
  'bad_date_in_order',
  'bad_metric',
  'bad_number',
  'bad_number_separators',
  'bad_count',
  'value_out_of_range',
  'bad_score',
  'scores_not_nps',
  'effort_direction_unknown',
  'not_a_raw_metric',
  'duplicate_row',
  'too_many_errors',
  'too_many_columns',
  'too_many_rows',
  'bad_header_rows',
  'no_rows_after_header',
  'no_rows',
  'filter_keeps_no_row',
  'filter_keeps_no_row_empty_column',
  'filter_leaves_out_every_row',
  'no_answers',
  'team_column_not_chosen',
  'period_column_not_chosen',
  'date_order_not_chosen',
  'no_metric_columns',
  'direction_not_chosen',
  'scale_not_chosen',
  'bad_nps_scale',
  'bad_scale',
  'nps_reversed',
  'missing_column',
  'ambiguous_column',
  'nps_group_column',
  'metric_mapped_twice',
  'bad_answer',
] as const satisfies readonly CxIssueCode[];

/** The languages Polso speaks. */
export const LANGUAGE_CODES = ['en', 'it'] as const satisfies readonly LanguageCode[];

/** The choices of the language setting. */
export const LANGUAGE_PREFERENCES = ['system', 'en', 'it'] as const satisfies readonly LanguagePreference[];

/**
 * Errors that mean the local store cannot be opened at all: the app shows the start-up
 * error screen instead of the views.
 */
export const STARTUP_ERROR_CODES = [
  'keyring_unavailable',
  'keyring_no_secret_service',
  'keyring_no_collection',
  'keyring_locked',
  'store_key_missing',
  'store_corrupt',
  'store_too_new',
  'store_unavailable',
] as const satisfies readonly ErrorCode[];

export type StartupErrorCode = (typeof STARTUP_ERROR_CODES)[number];

/** Whether an error code means the store cannot be opened. */
export function isStartupErrorCode(code: ErrorCode): code is StartupErrorCode {
  return (STARTUP_ERROR_CODES as readonly ErrorCode[]).includes(code);
}

// Compile-time proof that the arrays hold every member of their union. If the generated
// bindings change, `npm run check` fails here until the array is brought in line.
type Missing<Union, List extends readonly unknown[]> = Exclude<Union, List[number]>;
type AssertNever<T extends never> = T;
export type ErrorCodesAreComplete = AssertNever<Missing<ErrorCode, typeof ERROR_CODES>>;
export type CxIssueCodesAreComplete = AssertNever<Missing<CxIssueCode, typeof CX_ISSUE_CODES>>;
export type MetricKeysAreComplete = AssertNever<Missing<MetricKey, typeof METRIC_KEYS>>;
export type LanguageCodesAreComplete = AssertNever<Missing<LanguageCode, typeof LANGUAGE_CODES>>;
export type LanguagePreferencesAreComplete = AssertNever<
  Missing<LanguagePreference, typeof LANGUAGE_PREFERENCES>
>;
