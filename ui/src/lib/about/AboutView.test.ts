// "About these questions" with the mock back end: a card per source, the licence and the
// commercial-use flag, the trademark credit, the language switch, and the way in from a
// question's "Source" line.

import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../../App.svelte';
import { createMockBackend, type MockOptions } from '../backend/mock';
import { sampleAboutQuestions } from '../backend/mock-about';
import en from '../i18n/en.json';
import it_ from '../i18n/it.json';
import { setLanguage } from '../i18n/index.svelte';
import AboutView from './AboutView.svelte';

// jsdom has no layout, so ECharts itself is replaced (App loads the history's chart lazily).
vi.mock('echarts/core', () => ({
  use: () => {},
  init: () => ({ setOption: () => {}, resize: () => {}, dispose: () => {} }),
}));

function renderAbout(options: MockOptions = {}, focusItem: string | null = null) {
  const backend = createMockBackend(options);
  render(AboutView, { props: { backend, focusHeading: true, focusItem } });
  return backend;
}

function card(sourceId: string): HTMLElement {
  return screen.getByTestId(`about-source-${sourceId}`);
}

beforeEach(() => {
  setLanguage({ language: 'en', locale: 'en-GB' });
});

describe('AboutView', () => {
  it('shows one card per source, each named by a heading, in the back end order', async () => {
    renderAbout();
    await screen.findByTestId('about-source-polso');
    const sources = sampleAboutQuestions('en').sources;
    const headings = screen.getAllByRole('heading', { level: 2 }).map((heading) => heading.textContent);
    expect(headings).toEqual(sources.map((source) => source.name));
    for (const source of sources) {
      const items = within(card(source.id)).getByTestId('about-items');
      expect(within(items).getAllByRole('listitem')).toHaveLength(source.items.length);
    }
    expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1 }));
  });

  it('shows the licence with its address as text and flags non-commercial use', async () => {
    renderAbout();
    await screen.findByTestId('about-source-who5');
    const who5 = card('who5');
    expect(within(who5).getByTestId('about-licence').textContent).toContain('CC BY-NC-SA 3.0 IGO');
    expect(within(who5).getByTestId('about-licence-url').textContent).toContain(
      'https://creativecommons.org/licenses/by-nc-sa/3.0/igo/',
    );
    expect(within(who5).queryByRole('link')).toBeNull();
    expect(within(who5).getByTestId('about-commercial').textContent?.trim()).toBe(en['about.commercial_no']);
    expect(who5.dataset.commercialUse).toBe('false');
    expect(within(card('polso')).getByTestId('about-commercial').textContent?.trim()).toBe(en['about.commercial_yes']);
    expect(card('polso').dataset.commercialUse).toBe('true');
  });

  it('shows the trademark credit, the notices and what is not verified', async () => {
    renderAbout();
    await screen.findByTestId('about-source-enps');
    expect(within(card('enps')).getByTestId('about-trademarks').textContent).toContain(
      'registered trademarks of Bain & Company, Inc., NICE Systems, Inc., and Fred Reichheld',
    );
    const notices = within(card('who5')).getByTestId('about-notices');
    expect(notices.textContent).toContain(en['about.notice_adaptation']);
    expect(notices.textContent).toContain('This adaptation was not created by WHO.');
    expect(within(card('who5')).getAllByRole('heading', { level: 3 }).map((h) => h.textContent)).toContain(
      en['about.unverified_title'],
    );
    expect(within(card('polso')).queryByTestId('about-unverified')).toBeNull();
    expect(within(card('single_item_burnout')).getByTestId('about-cutoff').textContent).toContain('3');
  });

  it('asks again in Italian when the language changes, and shows Italian deviations', async () => {
    const backend = renderAbout();
    await screen.findByTestId('about-source-who5');
    expect(within(card('who5')).getByTestId('about-deviations').textContent).toContain('Over the last two weeks');

    setLanguage({ language: 'it', locale: 'it-IT' });
    await waitFor(() =>
      expect(within(card('who5')).getByTestId('about-deviations').textContent).toContain('Nelle ultime due settimane'),
    );
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(it_['about.title']);
    expect(within(card('who5')).getByTestId('about-commercial').textContent?.trim()).toBe(it_['about.commercial_no']);
    expect(within(card('who5')).getByTestId('about-notices').textContent).toContain(
      "L'adattamento non è stato realizzato dall'OMS.",
    );
    const languages = backend.calls
      .filter((call) => call.command === 'get_about_questions')
      .map((call) => (call.args as { language: string }).language);
    expect(languages).toEqual(['en', 'it']);
  });

  it('lists an item whose Italian is another source\'s under both sources, each in its own language', async () => {
    renderAbout();
    await screen.findByTestId('about-source-istat_life_satisfaction');
    const italian = within(card('istat_life_satisfaction')).getByTestId('about-item-ls.1');
    expect(italian.textContent).toContain('Attualmente quanto si ritiene soddisfatto della sua vita nel complesso?');
    expect(within(italian).getByTestId('about-text-language').textContent?.trim()).toBe(en['about.gives_italian']);
    expect(italian.querySelector('.item-text')?.getAttribute('lang')).toBe('it');
    const english = within(card('ons_life_satisfaction')).getByTestId('about-item-ls.1');
    expect(english.textContent).toContain('Overall, how satisfied are you with your life nowadays?');
    expect(within(english).getByTestId('about-text-language').textContent?.trim()).toBe(en['about.gives_english']);
    // An item of one source gives both languages and says nothing of the kind.
    expect(within(card('who5')).queryByTestId('about-text-language')).toBeNull();
  });

  it('shows the research a project item rests on', async () => {
    renderAbout();
    await screen.findByTestId('about-source-polso');
    const basis = within(card('polso')).getByTestId('about-basis');
    expect(basis.textContent).toContain('Schneider B, White SS, Paul MC');
  });

  it('moves focus to the card of the asked item', async () => {
    renderAbout({}, 'enps.1');
    await waitFor(() => expect(document.activeElement?.id).toBe('about-source-enps'));
  });

  it('says why when the back end fails', async () => {
    renderAbout({ failures: { get_about_questions: { code: 'internal', message: 'boom' } } });
    expect((await screen.findByTestId('error-alert')).textContent).toBe(en['error.internal']);
  });
});

describe('the way in', () => {
  it('opens from a question\'s "Source" line on that source\'s card, and from the navigation of both roles', async () => {
    const backend = createMockBackend();
    render(App, { props: { backend } });
    const user = userEvent.setup();
    await screen.findByTestId('pulse-view');
    const firstItem = (await backend.getCurrentPulse()).items[0];
    const sourceId = sampleAboutQuestions('en').sources.find((source) =>
      source.items.some((item) => item.id === firstItem?.id),
    )?.id;
    expect(sourceId).toBeDefined();

    await user.click(screen.getByTestId('source-0'));
    await screen.findByTestId('about-view');
    await waitFor(() => expect(document.activeElement?.id).toBe(`about-source-${sourceId}`));
    expect(screen.getByTestId('nav-about').getAttribute('aria-current')).toBe('page');

    await user.click(screen.getByTestId('role-hr'));
    await user.click(screen.getByTestId('nav-about'));
    await screen.findByTestId('about-source-who5');
  });
});
