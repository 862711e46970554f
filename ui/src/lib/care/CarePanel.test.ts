// The private care panel with the mock back end: it appears after saving a pulse whose answers
// trip the rule and in the history for that week, as a named region (not an alert, and it never
// takes focus), says it is not a diagnosis and that nothing was sent, names its headings and
// links, and speaks Italian. Showing it reads only the device's store.

import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMockBackend } from '../backend/mock';
import { SAMPLE_ITEMS, VARIETY_ITEMS, samplePulse } from '../backend/mock-data';
import type { CareContacts } from '../bindings/CareContacts';
import HistoryView from '../history/HistoryView.svelte';
import { setLanguage } from '../i18n/index.svelte';
import PulseView from '../pulse/PulseView.svelte';
import { PulseSession } from '../pulse/session.svelte';
import CarePanel from './CarePanel.svelte';

const CONTACTS: CareContacts = {
  employee_assistance: {
    name_en: 'Acme Care line',
    name_it: 'Linea Acme Care',
    contact: '+39 02 1234 5678',
    kind: 'phone',
  },
  occupational_doctor: null,
  trusted_person: { name_en: 'Anna, HR', name_it: 'Anna, Risorse Umane', contact: 'anna@example.it', kind: 'email' },
};

async function answerBurnout(value: number) {
  const pulse = { ...samplePulse(), items: [SAMPLE_ITEMS[0]!, VARIETY_ITEMS[0]!] };
  const backend = createMockBackend({ pulse, careContacts: CONTACTS, now: () => new Date('2026-11-25T15:00:00Z') });
  const session = new PulseSession(await backend.getCurrentPulse());
  const user = userEvent.setup();
  render(PulseView, { props: { backend, session, focusHeading: false } });
  await user.click(screen.getByTestId('option-0-4'));
  await user.click(screen.getByTestId(`option-1-${value}`));
  await user.click(screen.getByTestId('submit-pulse'));
  await screen.findByTestId('pulse-done');
  return backend;
}

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('the care panel', () => {
  it('appears after saving a burnout answer of 3, calmly, with contacts and national services', async () => {
    const backend = await answerBurnout(3);
    const panel = await screen.findByRole('region', { name: 'A note just for you' });
    expect(panel.getAttribute('data-testid')).toBe('care-panel');
    expect(within(panel).getByTestId('care-burnout').textContent).toContain('You answered 3 out of 5');
    expect(within(panel).getByTestId('care-not-diagnosis').textContent).toContain('This is not a diagnosis');
    expect(within(panel).getByTestId('care-private').textContent).toContain('nothing of it was sent');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(panel.contains(document.activeElement)).toBe(false);
    // Headings and links are named.
    expect(within(panel).getAllByRole('heading').map((heading) => heading.textContent)).toEqual([
      'A note just for you',
      'At work',
      'Outside work',
      'In Italy',
      'In the United Kingdom and Ireland',
    ]);
    await waitFor(() => expect(within(panel).getByTestId('care-contacts')).toBeTruthy());
    const eap = within(panel).getByRole('link', { name: 'Acme Care line: +39 02 1234 5678' });
    expect(eap.getAttribute('href')).toBe('tel:+390212345678');
    expect(within(panel).getByRole('link', { name: 'Anna, HR: anna@example.it' }).getAttribute('href')).toBe(
      'mailto:anna@example.it',
    );
    expect(within(panel).getByRole('link', { name: 'Samaritans: 116 123' }).getAttribute('href')).toBe('tel:116123');
    expect(within(panel).getAllByRole('link', { name: 'Emergency number 112: 112' })).toHaveLength(2);
    // Only the store was read: nothing but saving and reading the kept contacts.
    expect(backend.calls.map((call) => call.command)).toEqual(['get_current_pulse', 'submit_pulse', 'get_care_contacts']);
  });

  it('does not appear for a burnout answer of 2', async () => {
    await answerBurnout(2);
    expect(screen.queryByTestId('care-panel')).toBeNull();
  });

  it('appears in the history for that week only', async () => {
    const backend = await answerBurnout(4);
    const history = await backend.listHistory();
    const careWeeks = history.weeks.filter((week) => week.care !== null).map((week) => week.week);
    expect(careWeeks).toEqual(['2026-W48']);
    document.body.innerHTML = '';
    render(HistoryView, { props: { backend, focusHeading: false, ongotopulse: () => {} } });
    const panels = await screen.findAllByTestId('care-panel');
    expect(panels).toHaveLength(1);
    expect(panels[0]!.closest('li')!.querySelector('h3')!.textContent).toContain('48');
  });

  it('says when the organisation has named no contacts, and speaks Italian', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    render(CarePanel, {
      props: {
        backend: createMockBackend(),
        signal: { who5_raw: 12, who5_percentage: 48, burnout_answer: null },
        idSuffix: '2026-W48',
      },
    });
    const panel = screen.getByRole('region', { name: 'Una nota solo per te' });
    expect(within(panel).getByTestId('care-who5').textContent).toContain('12 su 25 (48%)');
    expect(within(panel).getByTestId('care-not-diagnosis').textContent).toContain('Questa non è una diagnosi');
    expect((await within(panel).findByTestId('care-no-contacts')).textContent).toContain('non ha ancora indicato');
    expect(within(panel).getByRole('link', { name: 'Samaritans: 116 123' })).toBeTruthy();
  });
});
