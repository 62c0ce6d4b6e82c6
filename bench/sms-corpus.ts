/**
 * A small corpus for SMS segment counts. `weight` is the assumed share of such messages in traffic, used for the
 * cost per 1,000 messages; it is a guess, stated in the report, not a measurement.
 */
export interface CorpusEntry {
  label: string;
  text: string;
  weight: number;
}

const lorem =
  'The meeting moved to Thursday at 10, room 4B. Bring the Q3 numbers and the draft for the client; ' +
  'we will go through the open points one by one and agree who does what before the end of the month. ';

export const CORPUS: CorpusEntry[] = [
  { label: 'English, short', text: 'Running a little late, see you at the station at six?', weight: 0.35 },
  {
    label: 'English, smart quotes and dash',
    text: 'I’m on my way – don’t wait for me, just order the “usual” and tell them I’ll be there in 10.',
    weight: 0.15,
  },
  { label: 'English, ellipsis and NBSP', text: 'OK\u00a0… call me when you’re free', weight: 0.05 },
  { label: 'Chinese, short', text: '我晚点到，车站见，六点可以吗？', weight: 0.15 },
  {
    label: 'Emoji',
    text: 'Happy birthday!! 🎉🎂 Dinner is at 8, don’t be late, see you tonight 😊',
    weight: 0.1,
  },
  {
    label: 'French with ç (not in GSM-7)',
    text: 'ça va ? Le garçon arrive au café près de la gare à 18h.',
    weight: 0.05,
  },
  { label: 'English, long (~600 chars)', text: lorem.repeat(3).trim(), weight: 0.07 },
  {
    label: 'English, long with smart quotes',
    text: (lorem.replace(/we will/g, 'we’ll') + '“Thanks!”').repeat(2).trim(),
    weight: 0.03,
  },
  {
    label: 'Chinese, long (~200 chars)',
    text: '会议改到周四上午十点，四号会议室。请带上第三季度的数据和给客户的草稿；我们会逐条讨论未决事项，并在月底前确定分工。'.repeat(
      3,
    ),
    weight: 0.04,
  },
  { label: 'English, over 1,600 chars (cut)', text: lorem.repeat(10).trim(), weight: 0.01 },
];
