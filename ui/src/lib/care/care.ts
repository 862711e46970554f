// Duty of care, shaped for the care panel: why a week shows it, the organisation's contacts as
// links, and the national services, each checked on its own official site.
//
// The decision itself is the back end's (polso-core's `care_signal`, from the week's answers on
// this device); `careSignalOf` repeats it only for the mock back end. Nothing here is sent.

import type { CareContact } from '../bindings/CareContact';
import type { CareContacts } from '../bindings/CareContacts';
import type { CareSignal } from '../bindings/CareSignal';
import type { AnswerDto } from '../bindings/AnswerDto';
import type { PulseItem } from '../bindings/PulseItem';
import type { LanguageCode } from '../bindings/LanguageCode';

/** The WHO-5 raw score below which wellbeing is poor (12 of 25, 48%, is low; 13 is not). */
export const WHO5_RAW_BELOW = 13;
/** The burnout answer from which burnout symptoms are counted (Dolan et al. 2015). */
export const BURNOUT_AT_LEAST = 3;

/** The care signal of a week's answers, by the back end's rule; for the mock back end only. */
export function careSignalOf(items: readonly PulseItem[], answers: readonly AnswerDto[]): CareSignal | null {
  const who5Items = items.filter((item) => item.metric === 'who5');
  const who5Answers = answers.filter((answer) => who5Items.some((item) => item.id === answer.item_id));
  const raw =
    who5Items.length === 5 && who5Answers.length === 5
      ? who5Answers.reduce((sum, answer) => sum + answer.value, 0)
      : null;
  const lowRaw = raw !== null && raw < WHO5_RAW_BELOW ? raw : null;
  const burnout = answers
    .filter((answer) => items.some((item) => item.id === answer.item_id && item.metric === 'burnout'))
    .map((answer) => answer.value)
    .filter((value) => value >= BURNOUT_AT_LEAST);
  const burnoutAnswer = burnout.length === 0 ? null : Math.max(...burnout);
  if (lowRaw === null && burnoutAnswer === null) return null;
  return { who5_raw: lowRaw, who5_percentage: lowRaw === null ? null : lowRaw * 4, burnout_answer: burnoutAnswer };
}

/** One way to reach someone, as a link. */
export interface ContactLink {
  /** The link's target: `tel:`, `mailto:` or the https address. */
  href: string;
  /** The text shown, as the administrator wrote it. */
  text: string;
  kind: CareContact['kind'];
}

/** The link of an organisation's contact. */
export function contactLink(contact: Pick<CareContact, 'contact' | 'kind'>): ContactLink {
  const text = contact.contact;
  switch (contact.kind) {
    case 'phone':
      return { href: `tel:${text.replace(/[^\d+]/g, '')}`, text, kind: 'phone' };
    case 'email':
      return { href: `mailto:${text}`, text, kind: 'email' };
    case 'url':
      return { href: text, text, kind: 'url' };
  }
}

/** The organisation's contacts that are set, in the order the panel shows them. */
export type ContactRole = 'employee_assistance' | 'occupational_doctor' | 'trusted_person';

export interface OrganisationContact {
  role: ContactRole;
  name: string;
  link: ContactLink;
}

export function organisationContacts(contacts: CareContacts, language: LanguageCode): OrganisationContact[] {
  const roles: ContactRole[] = ['employee_assistance', 'occupational_doctor', 'trusted_person'];
  return roles.flatMap((role) => {
    const contact = contacts[role];
    if (contact === null) return [];
    return [{ role, name: language === 'it' ? contact.name_it : contact.name_en, link: contactLink(contact) }];
  });
}

/** A national service: its number or address and the catalogue keys of its name and what it is. */
/** The national services' ids, as their catalogue keys spell them. */
export type NationalResourceId = 'eu_112' | 'samaritans' | 'nhs_111' | 'uk_999' | 'ie_112';

export interface NationalResource {
  id: NationalResourceId;
  /** `it`: Italy; `uk_ie`: the United Kingdom and Ireland (the text says where within them). */
  where: 'it' | 'uk_ie';
  link: ContactLink;
}

/**
 * The national services the panel names, each checked on its own official site (see
 * docs/care.md for the sources and what could not be checked). A number that could not be
 * checked is left out rather than guessed.
 */
export const NATIONAL_RESOURCES: readonly NationalResource[] = [
  // The single European emergency number, free from any phone in every EU country (European Commission).
  { id: 'eu_112', where: 'it', link: contactLink({ contact: '112', kind: 'phone' }) },
  // Samaritans, UK and Ireland: free, 24 hours a day, every day (samaritans.org).
  { id: 'samaritans', where: 'uk_ie', link: contactLink({ contact: '116 123', kind: 'phone' }) },
  // NHS 111, mental health option: urgent mental health help in England, 24 hours a day (NHS).
  { id: 'nhs_111', where: 'uk_ie', link: contactLink({ contact: '111', kind: 'phone' }) },
  // In a life-threatening emergency in the UK: 999 (NHS); in Ireland 112 (EU number).
  { id: 'uk_999', where: 'uk_ie', link: contactLink({ contact: '999', kind: 'phone' }) },
  { id: 'ie_112', where: 'uk_ie', link: contactLink({ contact: '112', kind: 'phone' }) },
];
