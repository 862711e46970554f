// The pulse view with the mock back end: keyboard-only answering end to end, the saved
// state, errors in words next to their controls or in the alert, and the closed week.

import { render, screen, waitFor } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMockBackend, type MockOptions } from '../backend/mock';
import { samplePulse } from '../backend/mock-data';
import { setLanguage } from '../i18n/index.svelte';
import PulseView from './PulseView.svelte';
import { PulseSession } from './session.svelte';

async function renderPulse(options: MockOptions = {}, onteam?: () => void) {
  const backend = createMockBackend({ now: () => new Date('2026-11-25T15:00:00Z'), ...options });
  const session = new PulseSession(await backend.getCurrentPulse());
  backend.calls.length = 0;
  const user = userEvent.setup();
  render(PulseView, { props: { backend, session, focusHeading: false, onteam } });
  // The first question takes focus as soon as the view is there.
  await waitFor(() => expect(screen.getByTestId('question-0').contains(document.activeElement)).toBe(true));
  return { backend, session, user };
}

function submittedPulses(backend: ReturnType<typeof createMockBackend>) {
  return backend.calls.filter((call) => call.command === 'submit_pulse').map((call) => call.args);
}

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('PulseView', () => {
  it('shows the week, its questions as labelled radiogroups and each option with number and label', async () => {
    await renderPulse();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Week 48');
    const groups = screen.getAllByRole('radiogroup');
    expect(groups).toHaveLength(5);
    expect(groups[0]?.getAttribute('data-testid')).toBe('question-0');
    expect(screen.getByRole('radiogroup', { name: 'How are you feeling this week?' })).toBe(groups[0]);
    const option = screen.getByTestId('option-1-3');
    expect(option.getAttribute('role')).toBe('radio');
    expect(option.textContent?.replace(/\s+/g, ' ').trim()).toBe('3 Neither agree nor disagree');
    expect(screen.getByTestId('submit-pulse').textContent?.trim()).toBe('Save answers');
  });

  it('is answered with keys 1–5 and Enter alone, and the last Enter saves the right SubmitPulse', async () => {
    const { backend, user } = await renderPulse();
    await user.keyboard('4{Enter}3{Enter}5{Enter}2{Enter}');
    expect(screen.getByTestId('question-4').contains(document.activeElement)).toBe(true);
    await user.keyboard('1{Enter}');

    await screen.findByTestId('pulse-done');
    expect(submittedPulses(backend)).toEqual([
      {
        submission: {
          week: '2026-W48',
          answers: [
            { item_id: 'wb.1', value: 4 },
            { item_id: 'eng.2', value: 3 },
            { item_id: 'wlb.3', value: 5 },
            { item_id: 'com.1', value: 2 },
            { item_id: 'tools.1', value: 1 },
          ],
          not_applicable: [],
          work_week: null,
          note: null,
        },
      },
    ]);
    expect(screen.getByTestId('pulse-done').textContent).toContain(
      'Thanks — saved for week 48; you can change your answers until Sunday 29 November.',
    );
    expect(document.activeElement).toBe(screen.getByTestId('pulse-done'));
  });

  it('points to the team’s published month once the answers are saved', async () => {
    const onteam = vi.fn();
    const { user } = await renderPulse({}, onteam);
    expect(screen.queryByTestId('pulse-team-results')).toBeNull();
    await user.keyboard('4{Enter}3{Enter}5{Enter}2{Enter}1{Enter}');
    await screen.findByTestId('pulse-done');
    await user.click(screen.getByTestId('pulse-team-results'));
    expect(onteam).toHaveBeenCalledOnce();
  });

  it('changes values with the arrows, moves with ArrowUp/ArrowDown and keeps focus on the chosen option', async () => {
    const { user } = await renderPulse();
    await user.keyboard('{ArrowRight}{ArrowRight}{ArrowRight}');
    expect(screen.getByTestId('option-0-3').getAttribute('aria-checked')).toBe('true');
    expect(document.activeElement).toBe(screen.getByTestId('option-0-3'));
    await user.keyboard('{ArrowLeft}');
    expect(document.activeElement).toBe(screen.getByTestId('option-0-2'));
    await user.keyboard('{ArrowDown}{ArrowDown}');
    expect(screen.getByTestId('question-2').contains(document.activeElement)).toBe(true);
    await user.keyboard('{ArrowUp}');
    expect(screen.getByTestId('question-1').contains(document.activeElement)).toBe(true);
    // Only one option per question is in the tab order: Tab goes to the next question.
    await user.tab();
    expect(screen.getByTestId('question-2').contains(document.activeElement)).toBe(true);
  });

  it('takes the work week and the note, shows the mode and the counter, and saves them', async () => {
    const { backend, user } = await renderPulse();
    await user.keyboard('4');
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}{ArrowDown}{ArrowDown}');
    expect(document.activeElement).toBe(screen.getByTestId('office-days'));
    await user.clear(screen.getByTestId('office-days'));
    await user.keyboard('2');
    await user.tab();
    expect(document.activeElement).toBe(screen.getByTestId('remote-days'));
    await user.clear(screen.getByTestId('remote-days'));
    await user.keyboard('3');
    expect(screen.getByText('Work mode: hybrid')).toBeTruthy();
    expect(screen.getByText('5 days in all')).toBeTruthy();

    await user.tab();
    expect(document.activeElement).toBe(screen.getByTestId('note'));
    await user.keyboard('A calm week');
    expect(screen.getByText('11 characters of 2,000')).toBeTruthy();
    expect(screen.getByText(/never leaves this device/)).toBeTruthy();

    await user.click(screen.getByTestId('submit-pulse'));
    await screen.findByTestId('pulse-done');
    expect(submittedPulses(backend)[0]).toMatchObject({
      submission: {
        answers: [{ item_id: 'wb.1', value: 4 }],
        work_week: { office_days: 2, remote_days: 3 },
        note: 'A calm week',
      },
    });
  });

  it('shows too many days next to the work week, in words, without calling the back end', async () => {
    const { backend, user } = await renderPulse();
    await user.keyboard('3');
    await user.clear(screen.getByTestId('office-days'));
    await user.type(screen.getByTestId('office-days'), '5');
    await user.clear(screen.getByTestId('remote-days'));
    await user.type(screen.getByTestId('remote-days'), '4');
    expect((screen.getByTestId('office-days') as HTMLInputElement).value).toBe('5');
    const message = 'Days at the office and remote days can add up to 7 at most.';
    expect(screen.getByRole('alert').textContent).toBe(message);
    expect(screen.getByTestId('remote-days').getAttribute('aria-describedby')).toBe('work-week-error');
    await user.click(screen.getByTestId('submit-pulse'));
    expect(submittedPulses(backend)).toEqual([]);
    expect(screen.queryByTestId('error-alert')).toBeNull();
  });

  it('puts an error that is not about a value in the alert region, by its code', async () => {
    const { user } = await renderPulse({
      failures: { submit_pulse: { code: 'week_closed', message: 'week 2026-W48 is closed' } },
    });
    await user.keyboard('2{Enter}');
    await user.click(screen.getByTestId('submit-pulse'));
    const alert = await screen.findByTestId('error-alert');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toBe("This week's pulse is closed, so the answers can no longer change.");
  });

  it('puts value_out_of_scale from the back end next to the questions', async () => {
    const { user } = await renderPulse({
      failures: { submit_pulse: { code: 'value_out_of_scale', message: "item 'wb.1': 9 is outside 1..5" } },
    });
    await user.keyboard('2{Enter}{Enter}{Enter}{Enter}{Enter}');
    const message = await screen.findByText('One of the answers is outside its scale. Choose one of the options shown.');
    expect(message.id).toBe('questions-error');
    expect(screen.getByTestId('question-0').getAttribute('aria-describedby')).toContain('questions-error');
    expect(screen.queryByTestId('error-alert')).toBeNull();
  });

  it('says so when nothing is answered', async () => {
    const { user } = await renderPulse();
    await user.keyboard('{Enter}{Enter}{Enter}{Enter}{Enter}');
    expect((await screen.findByTestId('error-alert')).textContent).toBe('Answer at least one question before saving.');
  });

  it('lets saved answers be changed', async () => {
    const { backend, user } = await renderPulse();
    await user.keyboard('4{Enter}{Enter}{Enter}{Enter}{Enter}');
    await user.click(await screen.findByTestId('change-answers'));
    expect(screen.getByTestId('option-0-4').getAttribute('aria-checked')).toBe('true');
    expect(document.activeElement).toBe(screen.getByTestId('option-0-4'));
    await user.keyboard('5{Enter}{Enter}{Enter}{Enter}{Enter}');
    await screen.findByTestId('pulse-done');
    expect(submittedPulses(backend)[1]).toMatchObject({ submission: { answers: [{ item_id: 'wb.1', value: 5 }] } });
  });

  it('is read-only once the week is closed', async () => {
    const pulse = {
      ...samplePulse(),
      state: 'closed' as const,
      answers: [{ item_id: 'wb.1', value: 4 }],
      saved_at: '2026-11-24T10:00:00Z',
    };
    const backend = createMockBackend({ pulse });
    render(PulseView, { props: { backend, session: new PulseSession(pulse), focusHeading: false } });
    expect(screen.getByText("This week's pulse is closed")).toBeTruthy();
    expect((screen.getByTestId('option-0-4') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId('option-0-4').getAttribute('aria-checked')).toBe('true');
    expect(screen.queryByTestId('submit-pulse')).toBeNull();
    expect(screen.queryByTestId('note')).toBeNull();
  });

  it('says when a week is not open yet, with no form', () => {
    const pulse = { ...samplePulse(), state: 'not_yet_open' as const };
    render(PulseView, { props: { backend: createMockBackend({ pulse }), session: new PulseSession(pulse), focusHeading: false } });
    expect(screen.getByText('Week 48 opens on Monday 23 November.')).toBeTruthy();
    expect(screen.queryByRole('radiogroup')).toBeNull();
  });

  it('opens a saved week on its saved state, with focus left alone', () => {
    const pulse = { ...samplePulse(), answers: [{ item_id: 'wb.1', value: 3 }], saved_at: '2026-11-24T10:00:00Z' };
    render(PulseView, { props: { backend: createMockBackend({ pulse }), session: new PulseSession(pulse), focusHeading: false } });
    expect(screen.getByTestId('pulse-done')).toBeTruthy();
    expect(screen.getByTestId('change-answers').textContent?.trim()).toBe('Change answers');
    expect(document.activeElement).toBe(document.body);
  });

  it('speaks Italian when the language changes, without a reload', async () => {
    await renderPulse();
    setLanguage({ language: 'it', locale: 'it-IT' });
    await waitFor(() => expect(screen.getByTestId('submit-pulse').textContent?.trim()).toBe('Salva le risposte'));
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Settimana 48');
    expect(screen.getByTestId('option-0-5').textContent).toContain('Molto bene');
    expect(screen.getByText(/novembre 2026/)).toBeTruthy();
  });

  it('offers "not applicable this week" only where the item does, and saves it instead of an answer', async () => {
    const pulse = samplePulse();
    const customer = pulse.items[3]!;
    customer.not_applicable = { en: 'Not applicable this week', it: 'Non pertinente questa settimana' };
    const { backend, user } = await renderPulse({ pulse });
    expect(screen.queryByTestId('not-applicable-0')).toBeNull();
    const toggle = screen.getByTestId('not-applicable-3');
    expect(toggle.textContent?.trim()).toBe('Not applicable this week');
    expect(toggle.getAttribute('aria-pressed')).toBe('false');

    // An answer, then the mark: the mark clears the answer.
    await user.click(screen.getByTestId('option-3-2'));
    await user.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByTestId('option-3-2').getAttribute('aria-checked')).toBe('false');
    await user.click(screen.getByTestId('option-0-4'));
    await user.click(screen.getByTestId('submit-pulse'));
    await screen.findByTestId('pulse-done');
    expect(submittedPulses(backend)[0]).toMatchObject({
      submission: { answers: [{ item_id: 'wb.1', value: 4 }], not_applicable: [customer.id] },
    });
  });

  it('clears the mark when an answer is chosen after it', async () => {
    const pulse = samplePulse();
    pulse.items[3]!.not_applicable = { en: 'Not applicable this week', it: 'Non pertinente questa settimana' };
    const { user } = await renderPulse({ pulse });
    const toggle = screen.getByTestId('not-applicable-3');
    await user.click(toggle);
    await user.click(screen.getByTestId('option-3-5'));
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByTestId('option-3-5').getAttribute('aria-checked')).toBe('true');
  });
});
