// Realistic sample data for the mock back end: a five-item week on the item bank's own
// scales and wording (crates/polso-core/data/items.toml), and several weeks of history.

import type { LocalizedText } from '../bindings/LocalizedText';
import type { MyHistory } from '../bindings/MyHistory';
import type { PulseItem } from '../bindings/PulseItem';
import type { PulseView } from '../bindings/PulseView';
import type { ScaleDto } from '../bindings/ScaleDto';
import type { Settings } from '../bindings/Settings';
import type { SyncStatus } from '../bindings/SyncStatus';

function text(en: string, it: string): LocalizedText {
  return { en, it };
}

/** The item bank's five-point agreement scale. */
export const AGREE5: ScaleDto = {
  min: 1,
  max: 5,
  labels: [
    text('Strongly disagree', "Per niente d'accordo"),
    text('Disagree', 'In disaccordo'),
    text('Neither agree nor disagree', "Né d'accordo né in disaccordo"),
    text('Agree', "D'accordo"),
    text('Strongly agree', "Completamente d'accordo"),
  ],
};

/** The item bank's five-point mood scale. */
export const MOOD5: ScaleDto = {
  min: 1,
  max: 5,
  labels: [
    text('Very bad', 'Molto male'),
    text('Bad', 'Male'),
    text('Okay', 'Così così'),
    text('Good', 'Bene'),
    text('Very good', 'Molto bene'),
  ],
};

/** The item bank's 0–10 likelihood scale (eNPS). */
export const ZERO_TO_TEN: ScaleDto = {
  min: 0,
  max: 10,
  labels: Array.from({ length: 11 }, (_, value) => {
    if (value === 0) return text('0 – Not at all likely', '0 – Per niente probabile');
    if (value === 10) return text('10 – Extremely likely', '10 – Estremamente probabile');
    return text(String(value), String(value));
  }),
};

/** The single-item burnout measure's scale: long labels, shown in a column. */
export const BURNOUT5: ScaleDto = {
  min: 1,
  max: 5,
  labels: [
    text(
      "I enjoy my work. I have no symptoms of burnout",
      "Il mio lavoro mi piace. Non ho sintomi di burnout",
    ),
    text(
      "Occasionally I am under stress, and I don’t always have as much energy as I once did, but I don’t feel burned out",
      "Di tanto in tanto sono sotto stress, e non ho sempre tanta energia quanta ne avevo un tempo, ma non mi sento in burnout",
    ),
    text(
      "I am definitely burning out and have one or more symptoms of burnout, such as physical and emotional exhaustion",
      "Sto decisamente andando in burnout e ho uno o più sintomi di burnout, come l'esaurimento fisico ed emotivo",
    ),
    text(
      "The symptoms of burnout that I’m experiencing won’t go away. I think about frustration at work a lot",
      "I sintomi di burnout che sto avendo non passano. Penso molto alla frustrazione sul lavoro",
    ),
    text(
      "I feel completely burned out and often wonder if I can go on. I am at the point where I may need some changes or may need to seek some sort of help",
      "Mi sento completamente in burnout e mi chiedo spesso se riuscirò ad andare avanti. Sono al punto in cui potrei aver bisogno di qualche cambiamento o di cercare qualche forma di aiuto",
    ),
  ],
};

const POLSO_SOURCE = 'Polso item bank';

/** The five questions of the sample week. */
export const SAMPLE_ITEMS: PulseItem[] = [
  {
    id: 'wb.1',
    metric: 'wellbeing',
    text: text('How are you feeling this week?', 'Come ti senti questa settimana?'),
    scale: MOOD5,
    source: POLSO_SOURCE,
    not_applicable: null,
  },
  {
    id: 'eng.2',
    metric: 'engagement',
    text: text(
      'The work I did this week mattered to me.',
      'Il lavoro che ho fatto questa settimana era importante per me.',
    ),
    scale: AGREE5,
    source: POLSO_SOURCE,
    not_applicable: null,
  },
  {
    id: 'wlb.3',
    metric: 'work_life_balance',
    text: text(
      'This week my workload fitted within my working hours.',
      'Questa settimana il mio carico di lavoro è stato gestibile nel mio orario.',
    ),
    scale: AGREE5,
    source: POLSO_SOURCE,
    not_applicable: null,
  },
  {
    id: 'com.1',
    metric: 'communication',
    text: text(
      'This week I got the information I needed for my work when I needed it.',
      'Questa settimana ho ricevuto le informazioni che mi servivano per lavorare nel momento in cui mi servivano.',
    ),
    scale: AGREE5,
    source: POLSO_SOURCE,
    not_applicable: null,
  },
  {
    id: 'tools.1',
    metric: 'tools',
    text: text(
      'The software and systems I use worked reliably this week.',
      'Questa settimana i software e i sistemi che uso hanno funzionato in modo affidabile.',
    ),
    scale: AGREE5,
    source: POLSO_SOURCE,
    not_applicable: null,
  },
];

/** Two items on the other scales (burnout, eNPS), for a week that shows every layout. */
export const VARIETY_ITEMS: PulseItem[] = [
  {
    id: 'burnout.1',
    metric: 'burnout',
    text: text(
      'Overall, based on your definition of burnout, how would you rate your level of burnout?',
      'Nel complesso, in base alla tua definizione di burnout, come valuteresti il tuo livello di burnout?',
    ),
    scale: BURNOUT5,
    source: 'Non-proprietary single-item burnout measure',
    not_applicable: null,
  },
  {
    id: 'enps.1',
    metric: 'enps',
    text: text(
      'How likely is it that you would recommend your organisation as a place to work?',
      'Quanto è probabile che tu consigli la tua organizzazione come luogo di lavoro?',
    ),
    scale: ZERO_TO_TEN,
    source: 'Employee Net Promoter Score (eNPS) question, generic wording',
    not_applicable: null,
  },
];

/** An open, unanswered pulse for ISO week 2026-W48 (Monday 23 to Sunday 29 November). */
export function samplePulse(): PulseView {
  return {
    week: '2026-W48',
    week_monday: '2026-11-23',
    week_sunday: '2026-11-29',
    state: 'open',
    items: structuredCopy(SAMPLE_ITEMS),
    answers: [],
    not_applicable: [],
    work_week: null,
    note: null,
    saved_at: null,
    note_max_chars: 2000,
    care: null,
  };
}

/** Seven answered weeks before 2026-W48, with one week skipped and metrics that rotate. */
export function sampleHistory(): MyHistory {
  return {
    weeks: [
      {
        week: '2026-W40',
        week_monday: '2026-09-28',
        scores: [
          { metric: 'wellbeing', score: 75 },
          { metric: 'engagement', score: 75 },
          { metric: 'work_life_balance', score: 50 },
          { metric: 'recognition', score: 50 },
        ],
        work_week: { office_days: 3, remote_days: 2 },
        note: 'Good kick-off with the new team.',
        care: null,
      },
      {
        week: '2026-W41',
        week_monday: '2026-10-05',
        scores: [
          { metric: 'wellbeing', score: 50 },
          { metric: 'engagement', score: 62.5 },
          { metric: 'work_life_balance', score: 25 },
          { metric: 'communication', score: 50 },
        ],
        work_week: { office_days: 1, remote_days: 4 },
        note: null,
        care: null,
      },
      {
        week: '2026-W42',
        week_monday: '2026-10-12',
        scores: [
          { metric: 'wellbeing', score: 50 },
          { metric: 'engagement', score: 50 },
          { metric: 'work_life_balance', score: 25 },
          { metric: 'tools', score: 25 },
        ],
        work_week: { office_days: 0, remote_days: 5 },
        note: 'VPN down twice. Long evenings.',
        care: null,
      },
      {
        week: '2026-W43',
        week_monday: '2026-10-19',
        scores: [
          { metric: 'wellbeing', score: 75 },
          { metric: 'engagement', score: 75 },
          { metric: 'work_life_balance', score: 50 },
          { metric: 'empowerment', score: 75 },
        ],
        work_week: { office_days: 2, remote_days: 3 },
        note: null,
        care: null,
      },
      {
        week: '2026-W45',
        week_monday: '2026-11-02',
        scores: [
          { metric: 'wellbeing', score: 100 },
          { metric: 'engagement', score: 87.5 },
          { metric: 'work_life_balance', score: 75 },
          { metric: 'communication', score: 75 },
          { metric: 'enps', score: 80 },
        ],
        work_week: { office_days: 3, remote_days: 2 },
        note: 'Back from holiday, rested.',
        care: null,
      },
      {
        week: '2026-W46',
        week_monday: '2026-11-09',
        scores: [
          { metric: 'wellbeing', score: 75 },
          { metric: 'engagement', score: 75 },
          { metric: 'work_life_balance', score: 75 },
          { metric: 'tools', score: 50 },
        ],
        work_week: { office_days: 5, remote_days: 0 },
        note: null,
        care: null,
      },
      {
        week: '2026-W47',
        week_monday: '2026-11-16',
        scores: [
          { metric: 'wellbeing', score: 75 },
          { metric: 'engagement', score: 62.5 },
          { metric: 'work_life_balance', score: 50 },
          { metric: 'team_cohesion', score: 75 },
        ],
        work_week: null,
        note: 'Team lunch on Thursday.',
        care: null,
      },
    ],
  };
}

/**
 * Settings as a new install on an English system has them once the welcome was seen (a
 * first run, with the welcome still to show, is `firstRunSettings()`).
 */
export function sampleSettings(): Settings {
  return {
    language: 'system',
    system_language: 'en',
    system_locale: 'en-GB',
    reminder: { enabled: true, weekday: 'thu', time: '11:00', quiet_hours: null },
    autostart: false,
    welcome_seen: true,
    minimum_group_size: null,
  };
}

/** Settings as the very first run has them: the welcome not yet seen. */
export function firstRunSettings(): Settings {
  return { ...sampleSettings(), welcome_seen: false };
}

/** A deep copy of plain data, so callers never share the mock's state. */
export function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A device not yet enrolled with an organisation server. */
export function sampleSyncStatus(): SyncStatus {
  return {
    enrolled: false,
    server_url: null,
    team_name: null,
    team_key_fingerprint: null,
    last_sync_at: null,
    pending_reports: 0,
    resending_reports: 0,
    server_restored_at: null,
    failed_reports: 0,
    dropped_reports: [],
    last_pass: null,
    last_error: null,
    aggregation: { mode: 'one_server' },
  };
}
