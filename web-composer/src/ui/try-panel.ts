/**
 * "Try it": describe a pretend call (who calls, when, what each phone does) and run the
 * server's simulator (POST /api/v1/cpl/simulate) on the script in the builder. The decision
 * path is listed in words and highlighted on the blocks.
 */
import type { Api, Simulation } from '../api.js';
import { find, walk } from '../model/edit.js';
import { ownerOfLine, type ComposerState } from '../state.js';
import { field, h, input, select } from './dom.js';

const OUTCOMES: Array<[string, string]> = [
  ['answer', 'answers'],
  ['busy', 'is busy'],
  ['noanswer', 'does not answer'],
  ['unreachable', 'is unreachable'],
  ['603', 'declines (603)'],
];

export interface TryPanel {
  element: HTMLElement;
  render(): void;
}

export function createTryPanel(state: ComposerState, api: Api): TryPanel {
  const aor = (): string => state.session?.aor ?? 'me@example.com';
  const domain = (): string => aor().slice(aor().indexOf('@') + 1);
  const direction = select('direction', [['incoming', 'Someone calls me'], ['outgoing', 'I make a call']], 'incoming');
  const from = input('from', '', { type: 'text', autocomplete: 'off' });
  const to = input('to', '', { type: 'text', autocomplete: 'off' });
  const when = input('time', localNow(), { type: 'datetime-local' });
  const subject = input('subject', '', { type: 'text' });
  const priority = select('priority', [['', '(none)'], ['non-urgent', 'non-urgent'], ['normal', 'normal'], ['urgent', 'urgent'], ['emergency', 'emergency']], '');
  const language = input('language', '', { type: 'text', placeholder: 'e.g. es, en;q=0.5' });
  const registrations = input('registrations', '', { type: 'text', autocomplete: 'off' });
  const phones = h('div', { class: 'phones' });
  const result = h('div', { class: 'sim-result', role: 'status', 'aria-live': 'polite' });
  const phoneChoices = new Map<string, string>();
  let initialised = false;

  const targets = (): string[] => {
    const set = new Set<string>();
    for (const r of registrations.value.split(/[\s,]+/).filter((x) => /^(sips?|tel):/.test(x))) set.add(r);
    for (const f of walk(state.script)) {
      if (f.node?.kind === 'location' && f.node.attrs.url) set.add(f.node.attrs.url);
    }
    set.add('*');
    return [...set];
  };

  const renderPhones = (): void => {
    phones.replaceChildren(
      h('h4', {}, 'What each phone does'),
      ...targets().map((t) => {
        const s = select(`outcome-${t}`, OUTCOMES, phoneChoices.get(t) ?? (t === '*' ? 'noanswer' : 'answer'), { 'data-target': t, onchange: (e: Event) => phoneChoices.set(t, (e.target as HTMLSelectElement).value) });
        return field(t === '*' ? 'Any other phone' : t, s);
      }),
    );
  };

  const run = async (e: Event): Promise<void> => {
    e.preventDefault();
    result.replaceChildren(h('p', {}, 'Running…'));
    const outcomes: Record<string, string> = {};
    for (const s of phones.querySelectorAll('select')) outcomes[(s as HTMLSelectElement).dataset.target as string] = (s as HTMLSelectElement).value;
    const headers: Record<string, string> = {};
    if (subject.value.trim()) headers.Subject = subject.value.trim();
    if (priority.value) headers.Priority = priority.value;
    if (language.value.trim()) headers['Accept-Language'] = language.value.trim();
    const time = when.value ? new Date(when.value).toISOString() : undefined;
    try {
      const sim = await api.simulate({
        script: state.serialized.xml,
        call: {
          direction: direction.value as 'incoming' | 'outgoing',
          from: angle(from.value),
          to: angle(to.value),
          headers,
          ...(time ? { time } : {}),
          registrations: registrations.value.trim() || 'notfound',
        },
        outcomes,
      });
      state.simulation = sim;
      highlight(state, sim);
      state.emit('simulation');
    } catch (error) {
      result.replaceChildren(h('p', { class: 'error' }, (error as Error).message));
    }
  };

  const form = h(
    'form',
    { class: 'try-form', onsubmit: (e: Event) => void run(e) },
    field('The call', direction),
    field('From (caller)', from),
    field('To', to),
    field('When', when),
    h('details', {}, h('summary', {}, 'More about the call'), field('Subject', subject), field('Priority', priority), field('Caller’s languages (Accept-Language)', language)),
    field('My registered phones', registrations, 'Addresses found by “Find my registered phones”; empty: none registered.'),
    phones,
    h('button', { type: 'submit', class: 'primary', 'data-key': 'try-run' }, 'Run the pretend call'),
  );

  const element = h('section', { class: 'panel try', 'aria-labelledby': 'try-title' }, h('h2', { id: 'try-title' }, 'Try it'), form, result);

  return {
    element,
    render() {
      if (!initialised && state.session) {
        initialised = true;
        from.value = `sip:bob@${domain()}`;
        to.value = `sip:${aor()}`;
        registrations.value = `sip:${aor().slice(0, aor().indexOf('@'))}@192.0.2.10`;
      }
      renderPhones();
      const sim = state.simulation;
      if (!sim) {
        result.replaceChildren();
        return;
      }
      result.replaceChildren(simulationView(sim));
    },
  };
}

function simulationView(sim: Simulation): HTMLElement {
  if (!sim.ok) return h('div', {}, h('p', { class: 'error' }, 'The script has problems, so nothing ran:'), h('ul', {}, ...sim.errors.map((e) => h('li', {}, e.message))));
  return h(
    'div',
    {},
    h('p', { class: 'outcome', 'data-outcome': sim.decision?.kind ?? 'none' }, h('strong', {}, 'Outcome: '), sim.summary),
    h('ol', { class: 'steps' }, ...sim.steps.map((s) => h('li', {}, s.sentence))),
  );
}

/** Mark the blocks on the path: each step's line → block; a step's output → that output. */
export function highlight(state: ComposerState, sim: Simulation): void {
  state.path.clear();
  const owners = state.serialized.lineOwners;
  for (const step of sim.steps) {
    if (!step.line) continue;
    const uid = ownerOfLine(owners, step.line);
    if (!uid) continue;
    state.path.add(uid);
    const node = find(state.script, uid)?.node;
    if (node && step.output) {
      const name = /^<?([\w-]+)/.exec(step.output)?.[1];
      const candidates = node.outputs.filter((o) => o.kind === name);
      const chosen = candidates.find((o) => Object.values(o.attrs).every((v) => (step.output as string).includes(v))) ?? candidates[0];
      if (chosen) state.path.add(chosen.uid);
    }
  }
}

function angle(v: string): string {
  const t = v.trim();
  return t.startsWith('<') || t.includes('<') ? t : `<${t}>`;
}

function localNow(): string {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}
