// Vitest's setup for every test file. The first test that opens HR's side pays for loading its
// lazily imported chunk (HrShell and ECharts), which on a loaded two-core machine takes longer
// than Testing Library's default second for `findBy…`; five seconds keep such a test from
// failing on the machine's load rather than on the app.
import { configure } from '@testing-library/svelte';

configure({ asyncUtilTimeout: 5000 });
