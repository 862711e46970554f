// The CX import view with the mock back end: a Qualtrics export is refused in Polso's layout and
// opens the mapping step; HR decides the effort question's direction, names the source and saves;
// the file is previewed through the saved mapping and imported. Next time the saved source reads
// the file in one step.

import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { SAMPLE_QUALTRICS_EXPORT } from '../backend/mock-cx';
import { setLanguage } from '../i18n/index.svelte';
import CxImportView from './CxImportView.svelte';

function renderView() {
  const backend = createMockBackend({ hr: { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr', manager_of: [] } });
  render(CxImportView, { props: { backend } });
  return { backend, user: userEvent.setup() };
}

function exportFile(): File {
  return new File([SAMPLE_QUALTRICS_EXPORT], 'qualtrics.csv', { type: 'text/csv' });
}

beforeEach(() => {
  setLanguage({ language: 'en', locale: 'en-GB' });
});

describe('the CX import of a survey export', () => {
  it('goes through the mapping step once, then imports in one step', async () => {
    const { backend, user } = renderView();
    await user.upload(screen.getByTestId('cx-file'), exportFile());
    const step = await screen.findByTestId('cx-mapping');
    expect(within(step).getByTestId('cx-mapping-tool').getAttribute('data-tool')).toBe('qualtrics');
    expect(within(step).getByTestId('cx-mapping-tool').textContent).toContain('Qualtrics');
    // What the suggestion decided is on the form.
    expect((within(step).getByTestId('cx-mapping-team') as HTMLSelectElement).value).toBe('Team');
    expect(within(step).getAllByTestId('cx-mapping-metric').map((row) => row.getAttribute('data-metric'))).toEqual(['nps', 'csat', 'ces']);
    // The effort question's direction is open: saving waits for it, and for a name.
    const undecided = within(step).getByTestId('cx-undecided');
    expect(undecided.textContent).toContain('Q3');
    expect((screen.getByTestId('cx-mapping-save') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('cx-import') as HTMLButtonElement).disabled).toBe(true);
    const directions = within(step).getAllByTestId('cx-mapping-direction');
    await user.selectOptions(directions[2]!, 'higher_is_worse');
    expect(screen.queryByTestId('cx-undecided')).toBeNull();
    expect((screen.getByTestId('cx-mapping-save') as HTMLButtonElement).disabled).toBe(true);
    await user.type(screen.getByTestId('cx-mapping-name'), 'Qualtrics assistenza');
    await user.click(screen.getByTestId('cx-mapping-save'));

    const preview = await screen.findByTestId('cx-preview');
    expect(preview.textContent).toContain('Help desk');
    expect(screen.getByTestId('cx-mapping-saved').textContent).toContain('Qualtrics assistenza');
    expect((screen.getByTestId('cx-source') as HTMLSelectElement).value).toBe('Qualtrics assistenza');
    const saved = backend.calls.find((call) => call.command === 'save_cx_mapping');
    expect(saved?.args).toMatchObject({ name: 'Qualtrics assistenza', mapping: { metrics: [{}, {}, { column: 'Q3', direction: 'higher_is_worse' }] } });
    await user.click(screen.getByTestId('cx-import'));
    expect((await screen.findByTestId('cx-imported')).textContent).toContain('3 rows');
    expect(backend.calls.filter((call) => call.command === 'import_cx').map((call) => call.args)).toEqual([
      { csv: SAMPLE_QUALTRICS_EXPORT, mapping: 'Qualtrics assistenza' },
    ]);
  });

  it('saves a condition that leaves rows out, such as Qualtrics previews', async () => {
    const { backend, user } = renderView();
    await user.upload(screen.getByTestId('cx-file'), exportFile());
    const step = await screen.findByTestId('cx-mapping');
    const kinds = () => within(step).getAllByTestId('cx-mapping-filter-kind') as HTMLSelectElement[];
    expect(kinds().map((select) => select.selectedOptions[0]?.textContent)).toEqual(['keep rows where it equals']);
    await user.click(within(step).getByRole('button', { name: 'Add a condition' }));
    const added = within(step).getAllByTestId('cx-mapping-filter')[1]!;
    await user.selectOptions(within(added).getByLabelText('Column'), 'StartDate');
    await user.selectOptions(kinds()[1]!, 'leave out rows where it equals');
    await user.type(within(added).getByLabelText('equals'), 'Survey Preview');
    await user.selectOptions(within(step).getAllByTestId('cx-mapping-direction')[2]!, 'higher_is_better');
    await user.type(screen.getByTestId('cx-mapping-name'), 'Qualtrics');
    await user.click(screen.getByTestId('cx-mapping-save'));
    await screen.findByTestId('cx-preview');
    const saved = backend.calls.find((call) => call.command === 'save_cx_mapping');
    expect(saved?.args).toMatchObject({
      mapping: {
        filters: [
          { column: 'Finished', equals: '1', leave_out: false },
          { column: 'StartDate', equals: 'Survey Preview', leave_out: true },
        ],
      },
    });
  });

  it('reads next month’s file with the saved source, with no mapping step', async () => {
    const { backend, user } = renderView();
    const step = await backend.suggestCxMapping(SAMPLE_QUALTRICS_EXPORT);
    if (step.outcome !== 'suggested') throw new Error('the sample export got no suggestion');
    const mapping = structuredClone(step.mapping);
    mapping.metrics[2]!.direction = 'higher_is_better';
    await backend.saveCxMapping('Qualtrics assistenza', mapping);
    // The view loaded the sources before this one was saved: render again, as a later visit would.
    document.body.innerHTML = '';
    render(CxImportView, { props: { backend } });
    await waitFor(() => expect(screen.getAllByRole('option', { name: 'Qualtrics assistenza' }).length).toBe(1));
    await user.selectOptions(screen.getByTestId('cx-source'), 'Qualtrics assistenza');
    await user.upload(screen.getByTestId('cx-file'), exportFile());
    await screen.findByTestId('cx-preview');
    expect(screen.queryByTestId('cx-mapping')).toBeNull();
    expect((screen.getByTestId('cx-import') as HTMLButtonElement).disabled).toBe(false);
  });

  it('lists a Polso-layout file’s errors as before, with no mapping step', async () => {
    const { user } = renderView();
    await user.upload(screen.getByTestId('cx-file'), new File(['team;week;bad'], 'bad.csv', { type: 'text/csv' }));
    const errors = await screen.findByTestId('cx-errors');
    expect(errors.textContent).toContain("'bad' is not a number");
    expect(screen.queryByTestId('cx-mapping')).toBeNull();
  });

  it('words a file’s errors in Italian from their codes, never in the server’s English', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    const { user } = renderView();
    await user.upload(screen.getByTestId('cx-file'), new File(['team;week;bad'], 'bad.csv', { type: 'text/csv' }));
    const errors = await screen.findByTestId('cx-errors');
    expect(errors.textContent).toContain("'bad' non è un numero.");
    expect(errors.textContent).not.toContain('is not a number');
  });

  it('offers a column mapping for any file its own layout refuses', async () => {
    const { backend, user } = renderView();
    await user.upload(screen.getByTestId('cx-file'), new File(['team;week;bad'], 'bad.csv', { type: 'text/csv' }));
    await screen.findByTestId('cx-errors');
    await user.click(screen.getByTestId('cx-read-with-mapping'));
    await waitFor(() => expect(backend.calls.map((call) => call.command)).toContain('suggest_cx_mapping'));
  });

  it('lists, in Italian, why a file that is not CSV at all cannot be mapped', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    const { backend, user } = renderView();
    await user.upload(screen.getByTestId('cx-file'), new File(['team;week;bad\nTeam A;"2026-W47;3'], 'bad.csv', { type: 'text/csv' }));
    await screen.findByTestId('cx-errors');
    await user.click(screen.getByTestId('cx-read-with-mapping'));
    await waitFor(() => expect(backend.calls.map((call) => call.command)).toContain('suggest_cx_mapping'));
    const errors = await screen.findByTestId('cx-errors');
    await waitFor(() => expect(errors.textContent).toContain('Un campo tra virgolette non è chiuso'));
    expect(errors.querySelector('tr[data-line="2"][data-column="2"]')?.textContent).toContain('virgolette');
    expect(errors.textContent).not.toContain('is not closed');
    expect(screen.queryByTestId('cx-mapping')).toBeNull();
  });

  it('asks for CSV UTF-8 and sends nothing when the file is not UTF-8', async () => {
    const { backend, user } = renderView();
    const windows1252 = new Uint8Array([0x53, 0x71, 0x75, 0x61, 0x64, 0x72, 0x61, 0x0a, 0x51, 0x75, 0x61, 0x6c, 0x69, 0x74, 0xe0]);
    await user.upload(screen.getByTestId('cx-file'), new File([windows1252], 'excel.csv', { type: 'text/csv' }));
    expect((await screen.findByTestId('cx-not-utf8')).textContent).toContain('CSV UTF-8');
    expect(backend.calls.filter((call) => call.command === 'preview_cx_import')).toEqual([]);
  });
});
