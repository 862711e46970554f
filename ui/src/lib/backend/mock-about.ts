// Sample "About these questions" data for the mock back end: six sources of the item bank
// (crates/polso-core/data/items.toml) with some of their items, copied from the bank so the
// view can be seen in `npm run dev` and exercised in tests. Each card is shaped as
// polso-desktop's about.rs shapes it: texts the bank has in both languages in the language
// asked for, and an item whose Italian comes from another source listed under both.

import type { AboutQuestions } from '../bindings/AboutQuestions';
import type { ItemAbout } from '../bindings/ItemAbout';
import type { LanguageCode } from '../bindings/LanguageCode';
import type { MetricKey } from '../bindings/MetricKey';
import type { OfficialWordingAbout } from '../bindings/OfficialWordingAbout';
import type { SourceAbout } from '../bindings/SourceAbout';

type Both = { en: string; it: string };

/** An item of the bank, as the bank file records it. */
interface SampleItem {
  id: string;
  metric: MetricKey;
  text: Both;
  source: string;
  sourceIt: string | null;
  officialEn: Omit<OfficialWordingAbout, 'language'> | null;
  officialIt: Omit<OfficialWordingAbout, 'language'> | null;
  cutoff: { at_least: number; meaning: Both } | null;
  basis: string | null;
  notApplicable: boolean;
  anchor: boolean;
}

/** `item` as the card of `sourceId` lists it in `language`, or null if the source gives none of its texts. */
function itemAbout(item: SampleItem, sourceId: string, language: LanguageCode): ItemAbout | null {
  const givesEnglish = item.source === sourceId;
  const givesItalian = (item.sourceIt ?? item.source) === sourceId;
  const languages: LanguageCode[] = [...(givesEnglish ? ['en' as const] : []), ...(givesItalian ? ['it' as const] : [])];
  const textLanguage = languages.includes(language) ? language : languages[0];
  if (textLanguage === undefined) return null;
  let official: OfficialWordingAbout | null = null;
  if (textLanguage === 'it' && givesItalian && item.officialIt !== null) official = { ...item.officialIt, language: 'it' };
  else if (givesEnglish && item.officialEn !== null) official = { ...item.officialEn, language: 'en' };
  return {
    id: item.id,
    metric: item.metric,
    text: item.text[textLanguage],
    text_language: textLanguage,
    languages_from_source: languages,
    official,
    cutoff: item.cutoff === null ? null : { at_least: item.cutoff.at_least, meaning: item.cutoff.meaning[language] },
    basis: item.basis,
    not_applicable: item.notApplicable,
    anchor: item.anchor,
  };
}

const ITEMS: SampleItem[] = [
  {
    id: 'wb.1',
    metric: 'wellbeing',
    text: { en: 'How are you feeling this week?', it: 'Come ti senti questa settimana?' },
    source: 'polso',
    sourceIt: null,
    officialEn: null,
    officialIt: null,
    cutoff: null,
    basis: null,
    notApplicable: false,
    anchor: false,
  },
  {
    id: 'ls.1',
    metric: 'life_satisfaction',
    text: { en: 'Overall, how satisfied are you with your life nowadays?', it: 'Attualmente quanto si ritiene soddisfatto della sua vita nel complesso?' },
    source: 'ons_life_satisfaction',
    sourceIt: 'istat_life_satisfaction',
    officialEn: { text: 'Overall, how satisfied are you with your life nowadays?', verified: true, read_in: 'the GSS harmonisation page for personal well-being, 17 April 2019 (stored copy)' },
    officialIt: { text: 'Attualmente quanto si ritiene soddisfatto della sua vita nel complesso?', verified: false, read_in: "ISTAT's import program for the AVQ 2018 microdata, label of VOTOVI (a repository's copy)" },
    cutoff: null,
    basis: null,
    notApplicable: false,
    anchor: false,
  },
  {
    id: 'who5.1',
    metric: 'who5',
    text: { en: 'Over the last two weeks, I have felt cheerful and in good spirits.', it: 'Nelle ultime due settimane mi sono sentito/a allegro/a e di buon umore.' },
    source: 'who5',
    sourceIt: null,
    officialEn: { text: 'I have felt cheerful and in good spirits', verified: false, read_in: 'repositories quoting the WHO-hosted PDF (secondary)' },
    officialIt: null,
    cutoff: null,
    basis: null,
    notApplicable: false,
    anchor: false,
  },
  {
    id: 'who5.2',
    metric: 'who5',
    text: { en: 'Over the last two weeks, I have felt calm and relaxed.', it: 'Nelle ultime due settimane mi sono sentito/a calmo/a e rilassato/a.' },
    source: 'who5',
    sourceIt: null,
    officialEn: { text: 'I have felt calm and relaxed', verified: false, read_in: 'repositories quoting the WHO-hosted PDF (secondary)' },
    officialIt: null,
    cutoff: null,
    basis: null,
    notApplicable: false,
    anchor: false,
  },
  {
    id: 'burnout.1',
    metric: 'burnout',
    text: { en: 'Overall, based on your definition of burnout, how would you rate your level of burnout?', it: 'Nel complesso, secondo la tua definizione di burnout, come valuteresti il tuo livello di burnout?' },
    source: 'single_item_burnout',
    sourceIt: null,
    officialEn: { text: 'Overall, based on your definition of burnout, how would you rate your level of burnout?', verified: false, read_in: "the National Academy of Medicine's summary of Dolan et al. 2015 (secondary)" },
    officialIt: null,
    cutoff: { at_least: 3, meaning: { en: 'Burnout symptoms (answer 3 or more), the cut-off validated by Dolan et al. 2015', it: 'Sintomi di burnout (risposta 3 o più), la soglia validata da Dolan et al. 2015' } },
    basis: null,
    notApplicable: false,
    anchor: false,
  },
  {
    id: 'tools.4',
    metric: 'tools',
    text: { en: 'This week, working remotely, I could get the customer information I needed.', it: 'Questa settimana, da remoto, ho trovato le informazioni sui clienti necessarie.' },
    source: 'polso',
    sourceIt: null,
    officialEn: null,
    officialIt: null,
    cutoff: null,
    basis: 'Service climate: Schneider B, White SS, Paul MC. Linking service climate and customer perceptions of service quality: test of a causal model. Journal of Applied Psychology. 1998;83(2):150–163. doi:10.1037/0021-9010.83.2.150 (the tools and information that let staff serve customers well)',
    notApplicable: true,
    anchor: false,
  },
  {
    id: 'enps.1',
    metric: 'enps',
    text: { en: 'How likely is it that you would recommend your organisation as a place to work?', it: 'Quanto è probabile che tu consigli la tua organizzazione come luogo di lavoro?' },
    source: 'enps',
    sourceIt: null,
    officialEn: { text: 'How likely is it that you would recommend [company] as a place to work?', verified: false, read_in: "the common eNPS convention; no owner fixes a wording (see the source's note)" },
    officialIt: null,
    cutoff: null,
    basis: null,
    notApplicable: false,
    anchor: false,
  },
];

/** The sample in `language`. */
export function sampleAboutQuestions(language: LanguageCode): AboutQuestions {
  const sources: Omit<SourceAbout, 'items'>[] = [
    {
      id: 'polso',
      name: 'Polso item bank',
      written_by_project: true,
      licence: 'Apache-2.0',
      licence_url: null,
      copyright: null,
      citation: "Written by the Polso project for Polso's weekly pulse.",
      url: 'https://github.com/polso-app/polso',
      commercial_use: true,
      note: null,
      trademarks: null,
      notices: [],
      deviations: [],
      unverified: [],
    },
    {
      id: 'who5',
      name: 'WHO-5 Well-Being Index',
      written_by_project: false,
      licence: 'CC BY-NC-SA 3.0 IGO',
      licence_url: 'https://creativecommons.org/licenses/by-nc-sa/3.0/igo/',
      copyright: '© World Health Organization 2024 (WHO/UCN/MSD/MHE/2024.01)',
      citation: 'World Health Organization. The World Health Organization-Five Well-Being Index (WHO-5). Geneva: World Health Organization; 2024. Licence: CC BY-NC-SA 3.0 IGO.',
      url: 'https://www.who.int/publications/m/item/WHO-UCN-MSD-MHE-2024.01',
      commercial_use: false,
      note: "Non-commercial use only: an organisation that deploys it commercially needs WHO's permission. Adaptations must be licensed under the same or an equivalent Creative Commons licence, and there must be no suggestion that WHO endorses Polso or the organisation using it; the WHO logo is not used. Its answers are health data: they are aggregated like every other answer and never leave the device alone. From edition 3 of the questionnaire it is an opt-in module, for organisations that declare non-commercial use or hold WHO's permission; the default questionnaire of a new organisation never asks it. Review of the literature: Topp CW, Østergaard SD, Søndergaard S, Bech P. The WHO-5 Well-Being Index: a systematic review of the literature. Psychotherapy and Psychosomatics. 2015;84(3):167–176. doi:10.1159/000376585",
      trademarks: null,
      notices: [
        { kind: 'adaptation', text: { en: 'This is an adaptation of an original work by the World Health Organization (WHO). This adaptation was not created by WHO. WHO is not responsible for the content or accuracy of this adaptation. The original English edition shall be the binding and authentic edition.', it: "Questo è un adattamento di un'opera originale dell'Organizzazione Mondiale della Sanità (OMS). L'adattamento non è stato realizzato dall'OMS. L'OMS non è responsabile del contenuto né dell'accuratezza di questo adattamento. L'edizione originale inglese è l'edizione vincolante e autentica." }[language] },
        { kind: 'translation', text: { en: 'This translation was not created by the World Health Organization (WHO). WHO is not responsible for the content or accuracy of this translation. The original English edition shall be the binding and authentic edition.', it: "Questa traduzione non è stata realizzata dall'Organizzazione Mondiale della Sanità (OMS). L'OMS non è responsabile del contenuto né dell'accuratezza di questa traduzione. L'edizione originale inglese è l'edizione vincolante e autentica." }[language] },
      ],
      deviations: [
        { en: 'The official form gives the time frame once, in its instruction, which asks about the last two weeks; Polso shows one statement at a time, so each statement starts with "Over the last two weeks," and its first word is lowered to fit the sentence. Reason: a single statement on screen must carry its own time frame.', it: "Il modulo ufficiale indica il periodo una sola volta, nelle istruzioni, che chiedono delle ultime due settimane; Polso mostra un'affermazione alla volta, quindi ogni affermazione comincia con \"Nelle ultime due settimane\" (in inglese \"Over the last two weeks,\", con la prima parola in minuscolo). Motivo: un'affermazione mostrata da sola deve riportare il proprio periodo." }[language],
        { en: 'Each statement ends with a full stop, which the official form does not print. Reason: each statement is shown as a sentence on its own.', it: 'Ogni affermazione termina con un punto, che il modulo ufficiale non stampa. Motivo: ogni affermazione è mostrata come una frase a sé.' }[language],
        { en: 'The official form prints the options from "All of the time" (5) down to "At no time" (0); Polso shows them from "At no time" (0) up to "All of the time" (5), with the same words and values. Reason: every Polso scale runs from low to high.', it: 'Il modulo ufficiale elenca le risposte da "All of the time" (5, "Sempre") a "At no time" (0, "Mai"); Polso le mostra da "Mai" (0) a "Sempre" (5), con le stesse parole e gli stessi valori. Motivo: in Polso ogni scala va dal valore basso al valore alto.' }[language],
        { en: 'Polso asks the five statements together, alone in their week, once every four weeks, as part of a weekly pulse; the answers are saved even if fewer than five are given, but the index is scored only when all five are answered.', it: "Polso pone le cinque affermazioni insieme, da sole nella loro settimana, una volta ogni quattro settimane, all'interno del questionario settimanale; le risposte sono salvate anche se sono meno di cinque, ma l'indice è calcolato solo quando tutte e cinque hanno una risposta." }[language],
        { en: "The Italian text has not yet been checked against WHO's Italian translation, so it is shown with WHO's translation notice.", it: "Il testo italiano non è ancora stato confrontato con la traduzione italiana dell'OMS, quindi è accompagnato dall'avviso dell'OMS sulle traduzioni." }[language],
      ],
      unverified: [
        'The WHO publication page and the English PDF were not read: the licence, the citation, the copyright line and the item and option wording come from secondary copies that agree with each other.',
        "The document number is cited both as WHO/UCN/MSD/MHE/2024.01 (the form of WHO's page address, used here) and as WHO/UCN/MSD/MHE/2024.1; the form printed on the PDF was not read.",
        "The notices are WHO's standard wording for CC BY-NC-SA 3.0 IGO publications, read in a transcription of another 2024 WHO publication, not on the WHO-5 PDF.",
        "The Italian items and options are not checked against WHO's Italian translation, which was not read; secondary copies of it disagree. They are kept as they were until the official Italian PDF is checked by eye.",
        'No WHO rule on missing answers was found; Polso scores the index only when all five items are answered and never prorates.',
      ],
    },
    {
      id: 'single_item_burnout',
      name: 'Non-proprietary single-item burnout measure',
      written_by_project: false,
      licence: 'Non-proprietary: free to use, as described by its validators; no licence text is published',
      licence_url: null,
      copyright: null,
      citation: 'Dolan ED, Mohr D, Lempa M, et al. Using a single item to measure burnout in primary care staff: a psychometric evaluation. Journal of General Internal Medicine. 2015;30(5):582–587. doi:10.1007/s11606-014-3112-6. Rohland BM, Kruse GR, Rohrer JE. Validation of a single-item measure of burnout against the Maslach Burnout Inventory among physicians. Stress and Health. 2004;20(2):75–79. doi:10.1002/smi.1002',
      url: null,
      commercial_use: true,
      note: 'This is not an item of the Maslach Burnout Inventory. The wording is that of Dolan et al. 2015, Appendix A, without final full stops, as printed there. Answers of 3 or more count as burnout symptoms, the cut-off Dolan et al. used (38.5% of 5,404 respondents).',
      trademarks: null,
      notices: [],
      deviations: [
        { en: "The Italian stem and options are the Polso project's own translation; no published Italian version was found.", it: 'La domanda e le risposte in italiano sono una traduzione del progetto Polso; non è stata trovata una versione italiana pubblicata.' }[language],
        { en: "Besides the share of people answering 3 or more (the validated use), Polso's personal history shows the answer on a 0–100 score where 100 means no burnout, so that every Polso score is higher when things are better.", it: "Oltre alla quota di persone che rispondono 3 o più (l'uso validato), lo storico personale di Polso mostra la risposta su un punteggio da 0 a 100 in cui 100 significa nessun burnout, così che ogni punteggio di Polso sia più alto quando le cose vanno meglio." }[language],
        { en: 'Polso asks the item in two four-week cycles out of three; the third cycle asks the eNPS question instead.', it: "Polso pone la domanda in due cicli di quattro settimane su tre; nel terzo ciclo c'è invece la domanda eNPS." }[language],
      ],
      unverified: [
        "The stem was read in the National Academy of Medicine's summary of Dolan et al. 2015 and the options in a copy of the paper's Appendix A, not in the journal's own publication.",
        "Rohland et al. 2004 and Schmoldt et al. 1994, the measure's earlier sources, were not read.",
        "No Italian version exists; the Italian is the Polso project's translation.",
      ],
    },
    {
      id: 'enps',
      name: 'Employee Net Promoter Score (eNPS) question, generic wording',
      written_by_project: false,
      licence: 'Generic question wording: no licence text is published for it; the marks below belong to their owners',
      licence_url: null,
      copyright: null,
      citation: 'Adapted for employees from Reichheld FF. The one number you need to grow. Harvard Business Review. 2003;81(12):46–54.',
      url: null,
      commercial_use: true,
      note: 'Fred Reichheld describes eNPS as asking employees "how likely they would be to recommend the company to a friend or family member as a place to work", scored 0 to 10; no owner fixes a wording, so the wording recorded as official is the common convention.',
      trademarks: 'Net Promoter®, NPS®, NPS Prism®, and the NPS-related emoticons are registered trademarks of Bain & Company, Inc., NICE Systems, Inc., and Fred Reichheld. Net Promoter Score℠ and Net Promoter System℠ are service marks of Bain & Company, Inc., NICE Systems, Inc., and Fred Reichheld.',
      notices: [],
      deviations: [
        { en: "The generic question's \"[company]\" reads \"your organisation\".", it: 'Il generico "[company]" della domanda diventa "la tua organizzazione".' }[language],
        { en: 'Polso asks it about once a quarter, in every third four-week cycle.', it: 'Polso la pone circa una volta al trimestre, in un ciclo di quattro settimane su tre.' }[language],
      ],
      unverified: [
        'The trademark credit was read in secondary copies (several repositories carry the identical line), not on netpromotersystem.com; check it against the page "Trademarks and Licenses" there before shipping.',
        "Bain's own eNPS page was not read; the question's wording is a convention, not a text fixed by Bain.",
      ],
    },
    {
      id: 'ons_life_satisfaction',
      name: 'ONS personal well-being: the life satisfaction question',
      written_by_project: false,
      licence: 'Open Government Licence v3.0',
      licence_url: 'https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
      copyright: null,
      citation: 'Office for National Statistics. The four personal well-being questions as they appear on the ONS Annual Population Survey, in: Government Statistical Service harmonisation guidance, Personal well-being, 17 April 2019. Contains public sector information licensed under the Open Government Licence v3.0.',
      url: 'https://gss.civilservice.gov.uk/policy-store/personal-well-being/',
      commercial_use: true,
      note: 'Contains public sector information licensed under the Open Government Licence v3.0. The OGL lets anyone copy, adapt and exploit the information commercially and non-commercially, with this attribution, and without suggesting that ONS endorses Polso or the organisation using it. Polso asks only the first of the four ONS questions, life satisfaction, answered from 0 (not at all satisfied) to 10 (completely satisfied): it is the wellbeing measure a company may use commercially, and the default for new organisations.',
      trademarks: null,
      notices: [],
      deviations: [
        { en: "ONS's question is read out by an interviewer after an introduction to the four questions and answered with a number from 0 to 10; Polso shows the question alone, on screen, with the eleven numbers as answer options and the two ends labelled \"Not at all satisfied\" and \"Completely satisfied\", as the interviewer's instruction names them. Reason: a self-completed pulse has no interviewer.", it: "La domanda dell'ONS è letta da un intervistatore dopo un'introduzione alle quattro domande, e la risposta è un numero da 0 a 10; Polso mostra la domanda da sola, sullo schermo, con gli undici numeri come risposte e i due estremi etichettati \"Not at all satisfied\" (per niente soddisfatto) e \"Completely satisfied\" (completamente soddisfatto), come li nomina l'istruzione per l'intervistatore. Motivo: un questionario compilato da soli non ha intervistatore." }[language],
        { en: "ONS has no Italian version. The Italian Polso shows is not a translation of the ONS question but ISTAT's own life satisfaction question, kept verbatim: two official monolingual texts are paired. They ask the same thing in their own words (\"nowadays\" / \"Attualmente\"; the top end is \"completely satisfied\" in English and \"molto soddisfatto\", very satisfied, in Italian), so answers in the two languages are close but not strictly equivalent.", it: "L'ONS non ha una versione italiana. L'italiano che Polso mostra non è una traduzione della domanda dell'ONS ma la domanda dell'ISTAT sulla soddisfazione per la vita, riportata alla lettera: si affiancano due testi ufficiali in una sola lingua ciascuno. Chiedono la stessa cosa con parole proprie (\"nowadays\" / \"Attualmente\"; l'estremo alto è \"completely satisfied\" in inglese e \"molto soddisfatto\" in italiano), quindi le risposte nelle due lingue sono vicine ma non del tutto equivalenti." }[language],
        { en: 'ONS asks the question once per survey interview; Polso asks it once every four weeks, in the weekly pulse of organisations that do not use the WHO-5.', it: "L'ONS pone la domanda una volta per intervista; Polso la pone una volta ogni quattro settimane, nel questionario settimanale delle organizzazioni che non usano il WHO-5." }[language],
        { en: 'Polso scores the answer from 0 to 100 (the answer times ten), like every Polso score; ONS reports the mean answer and the shares of people in bands.', it: "Polso calcola il punteggio da 0 a 100 (la risposta per dieci), come ogni punteggio di Polso; l'ONS riporta la risposta media e le quote di persone per fasce." }[language],
      ],
      unverified: [
        'The GSS harmonisation page was read in a stored copy, not live; its licence footer (whether the page itself is published under the OGL) was not read.',
        "ONS's current attribution statement was not read; Polso uses the attribution the OGL v3.0 prescribes when the provider gives none.",
        "ONS's reporting bands (such as 0–4 low, 9–10 very high) were not read, and Polso does not use them.",
      ],
    },
    {
      id: 'istat_life_satisfaction',
      name: 'ISTAT, Aspetti della vita quotidiana (BES): soddisfazione per la propria vita',
      written_by_project: false,
      licence: 'Creative Commons Attribution 3.0 or later (CC BY)',
      licence_url: null,
      copyright: null,
      citation: "Istituto Nazionale di Statistica (ISTAT). Indagine multiscopo \"Aspetti della vita quotidiana\" 2018, variabile VOTOVI (soddisfazione per la vita nel complesso), usata per l'indicatore BES \"Soddisfazione per la propria vita\". Fonte: ISTAT.",
      url: 'http://www.istat.it/en/legal-notice',
      commercial_use: true,
      note: "Fonte: ISTAT (source: ISTAT). ISTAT's legal notice: \"Data and analysis from the Italian National Institute of Statistics can be copied, distributed, transmitted and freely adapted, even for commercial purposes, provided that the source is acknowledged\"; ISTAT's logos and trademarks are excluded. The question is ISTAT's official Italian wording and addresses the respondent with the formal \"Lei\": it is kept verbatim, an exception to Polso's informal \"tu\". ISTAT's BES indicator is the share of people aged 14 and over who answer 8 to 10.",
      trademarks: null,
      notices: [],
      deviations: [
        { en: 'ISTAT asks for a score from 0 to 10 ("Dia un punteggio da 0 a 10"); Polso shows the question with the eleven numbers as answer options, the ends labelled "per niente soddisfatto" and "molto soddisfatto", instead of the instruction.', it: "L'ISTAT chiede un punteggio da 0 a 10 (\"Dia un punteggio da 0 a 10\"); Polso mostra la domanda con gli undici numeri come risposte, con gli estremi etichettati \"per niente soddisfatto\" e \"molto soddisfatto\", al posto dell'istruzione." }[language],
        { en: 'ISTAT has no English version of the question; the English Polso shows is the ONS question, paired with it (see the ONS source).', it: "L'ISTAT non ha una versione inglese della domanda; l'inglese che Polso mostra è la domanda dell'ONS, affiancata a questa (vedi la fonte ONS)." }[language],
      ],
      unverified: [
        "The question was read in ISTAT's import program for the AVQ 2018 microdata (label of the variable VOTOVI), in a repository's copy, not in the AVQ paper questionnaire; the program follows it with the instruction \"Dia un punteggio da 0 a 10\".",
        "The end labels \"per niente soddisfatto\" (0) and \"molto soddisfatto\" (10) were read in a press quotation of ISTAT's 2019 report on satisfaction with living conditions, not in the questionnaire.",
        "The Creative Commons version ISTAT's site shows today (3.0 Italy or 4.0) was not read live; the stored legal notice says \"3.0 or later\".",
        'The Italian end labels agree in the masculine ("soddisfatto"), as ISTAT prints them.',
      ],
    },
  ];
  return {
    bank_version: 3,
    language,
    sources: sources.map((source) => ({
      ...source,
      items: ITEMS.flatMap((item) => itemAbout(item, source.id, language) ?? []),
    })),
  };
}
