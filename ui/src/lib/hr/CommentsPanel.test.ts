// A team's comments in HR's team view with the mock back end: the released batch with its date and
// nothing about its writers, a reply sent to one comment, a team with nothing released yet, and a
// refusal shown as the server words it.

import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { apiError } from '../backend/errors';
import { createMockBackend } from '../backend/mock';
import { setLanguage } from '../i18n/index.svelte';
import CommentsPanel from './CommentsPanel.svelte';

const HR = { connected: true, server_url: 'https://polso.example.org', k: 5, role: 'hr' as const, manager_of: [] };

beforeEach(() => setLanguage({ language: 'en', locale: 'en-GB' }));

describe('a team’s comments', () => {
  it('shows the released batch and sends a reply to one comment', async () => {
    const backend = createMockBackend({ hr: HR });
    const user = userEvent.setup();
    render(CommentsPanel, { props: { backend, teamId: 'team_help', teamName: 'Help desk' } });
    const comments = await screen.findAllByTestId('hr-comment');
    expect(comments).toHaveLength(10);
    expect(screen.getByRole('heading', { level: 3 }).textContent).toContain('Released 24 Nov 2026 · 10 comments, in random order');
    expect(screen.getByTestId('hr-comments').textContent).toContain('batches of at least 10');

    await user.click(within(comments[1]!).getByTestId('hr-reply-open'));
    await user.type(screen.getByTestId('hr-reply-text'), 'We will move the Monday meeting.');
    await user.click(screen.getByTestId('hr-reply-send'));
    const reply = await within(comments[1]!).findByTestId('hr-comment-reply');
    expect(reply.textContent).toContain('We will move the Monday meeting.');
    expect(backend.calls.find((call) => call.command === 'reply_to_comment')?.args).toEqual({
      commentId: 'cmt_2',
      reply: { text: 'We will move the Monday meeting.' },
    });
    expect(screen.queryByTestId('hr-reply-form')).toBeNull();
  });

  it('says when nothing is released yet, and shows a refusal as the server words it', async () => {
    const backend = createMockBackend({ hr: HR });
    render(CommentsPanel, { props: { backend, teamId: 'team_phone', teamName: 'Phone support' } });
    expect((await screen.findByTestId('hr-comments-none')).textContent).toContain('once 10 have gathered');

    const refused = createMockBackend({ hr: HR, failures: { get_team_comments: apiError('not_found', "there is no team 'x' within this token's reach") } });
    render(CommentsPanel, { props: { backend: refused, teamId: 'x', teamName: 'X' } });
    expect((await screen.findByTestId('hr-comments-error')).textContent).toContain('within this token');
  });
});
