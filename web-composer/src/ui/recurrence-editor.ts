/**
 * Calendar-style editor for a `time` condition (RFC 3880 §4.4): a first day, a daily period,
 * how it repeats (weekdays as toggle buttons, days of the month, months) and until when.
 * Rules the form cannot show (byhour, bysetpos, …) are edited as raw attributes instead.
 */
import type { Attrs } from '../model/cpl-model.js';
import { DATE_TIME, isValidDuration, WEEKDAYS } from '../model/node-specs.js';
import { recurrenceFromAttrs, recurrenceProblems, recurrenceToAttrs, type SimpleFreq } from '../model/recurrence.js';
import { field, h, input, select } from './dom.js';
import type { Form } from './forms.js';

const DAY_LABEL: Record<string, string> = { MO: 'Mon', TU: 'Tue', WE: 'Wed', TH: 'Thu', FR: 'Fri', SA: 'Sat', SU: 'Sun' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RAW_KEYS = ['dtstart', 'dtend', 'duration', 'freq', 'interval', 'until', 'count', 'bysecond', 'byminute', 'byhour', 'byday', 'bymonthday', 'byyearday', 'byweekno', 'bymonth', 'wkst', 'bysetpos'];

export function recurrenceEditor(attrs: Attrs): Form {
  const r = recurrenceFromAttrs(Object.keys(attrs).length > 0 ? attrs : recurrenceToAttrs(recurrenceFromAttrs({ dtstart: '20260105T090000', duration: 'PT8H', freq: 'weekly', byday: 'MO,TU,WE,TH,FR' })));
  if (!r.simple) return rawTimeForm(attrs);

  const startDate = input('startDate', r.startDate, { type: 'date', required: true });
  const startTime = input('startTime', r.startTime, { type: 'time', required: true });
  const endTime = input('endTime', r.endTime, { type: 'time', required: true });
  const utc = input('utc', '', { type: 'checkbox', checked: r.utc });
  const freq = select('freq', [['', 'Only once'], ['daily', 'Every day'], ['weekly', 'Every week'], ['monthly', 'Every month'], ['yearly', 'Every year']], r.freq);
  const interval = input('interval', String(r.interval), { type: 'number', min: '1', max: '10000' });
  const dayButtons = WEEKDAYS.map((d) =>
    h('button', { type: 'button', class: 'toggle', 'aria-pressed': String(r.byday.includes(d)), 'data-day': d, onclick: (e: Event) => toggle(e.currentTarget as HTMLElement) }, DAY_LABEL[d] ?? d),
  );
  const monthDays = input('bymonthday', r.bymonthday.join(','), { type: 'text', placeholder: 'e.g. 1,15', inputmode: 'numeric' });
  const monthButtons = MONTHS.map((m, i) =>
    h('button', { type: 'button', class: 'toggle', 'aria-pressed': String(r.bymonth.includes(i + 1)), 'data-month': String(i + 1), onclick: (e: Event) => toggle(e.currentTarget as HTMLElement) }, m),
  );
  const until = input('until', r.until, { type: 'date' });
  const count = input('count', r.count, { type: 'number', min: '1', max: '1000', placeholder: 'no limit' });

  const weekly = h('fieldset', { class: 'days' }, h('legend', {}, 'On these days'), ...dayButtons);
  const monthly = field('On these days of the month', monthDays, 'Numbers 1–31, separated by commas.');
  const yearly = h('fieldset', { class: 'months' }, h('legend', {}, 'In these months'), ...monthButtons);
  const repeatOnly = h('div', { class: 'repeat-only' }, field('Repeat every (periods)', interval), field('Until (last day)', until), field('Or this many times', count));
  const sync = (): void => {
    const f = freq.value as SimpleFreq;
    weekly.hidden = !(f === 'weekly' || f === 'daily');
    monthly.hidden = !(f === 'monthly' || f === 'yearly');
    yearly.hidden = f !== 'yearly';
    repeatOnly.hidden = f === '';
  };
  freq.addEventListener('change', sync);
  sync();

  const element = h(
    'div',
    { class: 'recurrence' },
    h('div', { class: 'inline' }, field('First day', startDate), field('From', startTime), field('To', endTime, 'An end before the start runs past midnight.')),
    field('Repeat', freq),
    weekly,
    monthly,
    yearly,
    repeatOnly,
    field('Times are UTC (not local)', utc),
  );
  return {
    element,
    read: () => {
      const next = {
        ...r,
        startDate: startDate.value,
        startTime: startTime.value,
        endTime: endTime.value,
        utc: utc.checked,
        freq: freq.value as SimpleFreq,
        interval: Number(interval.value || '1'),
        byday: dayButtons.filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.dataset.day as string),
        bymonthday: monthDays.value.split(',').map((s) => s.trim()).filter(Boolean).map(Number),
        bymonth: monthButtons.filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => Number(b.dataset.month)),
        until: until.value,
        count: until.value ? '' : count.value.trim(),
      };
      const problems = recurrenceProblems(next);
      if (next.bymonthday.some((d) => !Number.isInteger(d) || d < 1 || d > 31)) problems.push('Days of the month are numbers from 1 to 31.');
      return problems.length ? { problems } : { attrs: recurrenceToAttrs(next) };
    },
  };
}

function toggle(button: HTMLElement): void {
  button.setAttribute('aria-pressed', String(button.getAttribute('aria-pressed') !== 'true'));
}

/** Every §4.4 attribute as a text field, for rules beyond the calendar form. */
function rawTimeForm(attrs: Attrs): Form {
  const inputs = RAW_KEYS.map((k) => input(k, attrs[k] ?? '', { type: 'text', autocomplete: 'off' }));
  const element = h('div', { class: 'recurrence raw' }, h('p', { class: 'hint' }, 'This rule uses recurrence parts the calendar form cannot show; edit its iCalendar attributes (RFC 2445) directly.'), ...RAW_KEYS.map((k, i) => field(k, inputs[i] as HTMLInputElement)));
  return {
    element,
    read: () => {
      const out: Attrs = {};
      RAW_KEYS.forEach((k, i) => {
        const v = (inputs[i] as HTMLInputElement).value.trim();
        if (v) out[k] = v;
      });
      for (const [k, v] of Object.entries(attrs)) if (!RAW_KEYS.includes(k)) out[k] = v;
      const problems: string[] = [];
      if (!DATE_TIME.test(out.dtstart ?? '')) problems.push('dtstart must look like 20260105T090000 (or …Z for UTC).');
      if ((out.dtend === undefined) === (out.duration === undefined)) problems.push('Give exactly one of dtend and duration.');
      if (out.dtend !== undefined && !DATE_TIME.test(out.dtend)) problems.push('dtend must look like 20260105T170000.');
      if (out.duration !== undefined && !isValidDuration(out.duration)) problems.push('duration must look like PT8H or P1D.');
      return problems.length ? { problems } : { attrs: out };
    },
  };
}
