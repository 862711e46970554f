// The employee's comments with the mock back end: before enrolment there is nowhere to send one;
// enrolled, the panel says how a comment travels and warns about writing style before anything is
// written; this week's comment is saved as a draft, changed and withdrawn; a comment on its way is
// shown read-only with its state and HR's replies; refusals are shown in words.

import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Backend } from '../backend';
import { apiError } from '../backend/errors';
import { createMockBackend } from '../backend/mock';
import type { MyComments } from '../bindings/MyComments';
import { setLanguage } from '../i18n/index.svelte';
import MyCommentsPanel from './MyCommentsPanel.svelte';

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

async function enrolled() {
  const backend = createMockBackend();
  await backend.enrolDevice({ server_url: 'https://polso.example.org', invite_code: '7KQM-2XWD-PR9T' });
  return backend;
}

describe('the employee’s comments', () => {
  it('says a comment needs enrolment before there is a form', async () => {
    render(MyCommentsPanel, { props: { backend: createMockBackend() } });
    expect((await screen.findByTestId('my-comments-not-enrolled')).textContent).toContain('Enrol this device');
    expect(screen.queryByTestId('my-comment-form')).toBeNull();
  });

  it('explains the batch and warns about writing style, then keeps, changes and withdraws a draft', async () => {
    const backend = await enrolled();
    const user = userEvent.setup();
    render(MyCommentsPanel, { props: { backend } });
    const panel = await screen.findByTestId('my-comments');
    await screen.findByTestId('my-comment-form');
    expect(panel.textContent).toContain('at least 10 of them, from 10 different people');
    expect(screen.getByTestId('my-comments-style-warning').textContent).toContain('may recognise your words');
    expect((screen.getByTestId('my-comment-save') as HTMLButtonElement).disabled).toBe(true);

    await user.type(screen.getByTestId('my-comment-text'), '  Fewer meetings on Mondays, please.  ');
    await user.click(screen.getByTestId('my-comment-save'));
    expect((await screen.findByTestId('my-comment-saved')).textContent).toContain('until the week ends');
    expect(backend.calls.find((call) => call.command === 'write_comment')?.args).toEqual({
      comment: { text: '  Fewer meetings on Mondays, please.  ' },
    });
    expect((await backend.getMyComments()).comments.map((comment) => [comment.text, comment.state])).toEqual([
      ['Fewer meetings on Mondays, please.', 'draft'],
    ]);

    await user.click(screen.getByTestId('my-comment-withdraw'));
    expect((await backend.getMyComments()).comments).toEqual([]);
    expect((screen.getByTestId('my-comment-text') as HTMLTextAreaElement).value).toBe('');
  });

  it('shows a refusal in words and keeps what was typed', async () => {
    const backend = await enrolled();
    backend.failures.write_comment = apiError('not_enrolled', 'this device is not enrolled');
    const user = userEvent.setup();
    render(MyCommentsPanel, { props: { backend } });
    await screen.findByTestId('my-comment-form');
    await user.type(screen.getByTestId('my-comment-text'), 'Kept');
    await user.click(screen.getByTestId('my-comment-save'));
    expect((await screen.findByTestId('my-comment-error')).textContent).toContain('no longer enrolled');
    expect((screen.getByTestId('my-comment-text') as HTMLTextAreaElement).value).toBe('Kept');
  });

  it('shows comments on their way read-only, with their state and the replies', async () => {
    const mine: MyComments = {
      this_week: '2026-W49',
      enrolled: true,
      max_chars: 1000,
      batch_minimum: 10,
      comments: [
        { week: '2026-W49', week_monday: '2026-11-30', text: 'Queued', state: 'waiting', sends_after: '2026-12-08T10:00:00Z', replies: [], error: null },
        {
          week: '2026-W47',
          week_monday: '2026-11-16',
          text: 'The rota',
          state: 'reached_hr',
          sends_after: null,
          replies: [{ text: 'Thanks, we will change it.', author: 'hr', written_on: '2026-11-28' }],
          error: null,
        },
        { week: '2026-W46', week_monday: '2026-11-09', text: 'Pooled one', state: 'pooled', sends_after: null, replies: [], error: null },
      ],
    };
    const backend = { ...(await enrolled()), getMyComments: () => Promise.resolve(mine) } as Backend;
    render(MyCommentsPanel, { props: { backend } });
    const items = await screen.findAllByTestId('my-comment');
    expect(screen.queryByTestId('my-comment-form')).toBeNull();
    expect(items.map((item) => item.dataset['state'])).toEqual(['waiting', 'reached_hr', 'pooled']);
    expect(items[0]!.textContent).toContain('leaves this device after');
    expect(items[1]!.textContent).toContain('reached HR');
    expect(items[1]!.textContent).toContain('HR replied on 28 Nov 2026');
    expect(items[1]!.textContent).toContain('Thanks, we will change it.');
    expect(items[2]!.textContent).toContain('once 10 comments from your team have gathered');
  });

  it('speaks Italian', async () => {
    setLanguage({ language: 'it', locale: 'it-IT' });
    render(MyCommentsPanel, { props: { backend: await enrolled() } });
    await screen.findByTestId('my-comment-form');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('I tuoi commenti');
    expect(screen.getByTestId('my-comments-style-warning').textContent).toContain('riconoscere le tue parole');
  });
});
