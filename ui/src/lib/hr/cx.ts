// The CX import's state, as a pure function: what the view shows after a preview.

import type { CxImportReport } from '../bindings/CxImportReport';

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
