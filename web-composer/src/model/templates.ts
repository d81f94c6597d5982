/**
 * Starting trees for the common cases (issue 8 §4). Each takes a few answers from a small form
 * (where to forward, how long to ring) and returns a script the user then adjusts in the
 * builder. "My phones" are always the user's registrations (§5.2 lookup source="registration").
 */
import { makeNode, makeOutput, newUid, type CplNode, type CplScript } from './cpl-model.js';

export interface TemplateParam {
  name: string;
  label: string;
  kind: 'uri' | 'seconds' | 'text' | 'time' | 'uris' | 'checkbox';
  value: string;
}

export interface Template {
  id: string;
  title: string;
  description: string;
  params(aor: string): TemplateParam[];
  build(values: Record<string, string>): CplScript;
}

const domainOf = (aor: string): string => aor.slice(aor.lastIndexOf('@') + 1) || 'example.com';

/** lookup(registration) → success: `onFound`, notfound: `onMissing`. */
function myPhones(onFound: CplNode, onMissing: CplNode | null = null): CplNode {
  const outputs = [makeOutput('success', {}, onFound)];
  if (onMissing) outputs.push(makeOutput('notfound', {}, onMissing));
  return makeNode('lookup', { source: 'registration' }, { outputs });
}

const location = (url: string, next: CplNode): CplNode => makeNode('location', { url }, { next });
const proxy = (attrs: Record<string, string> = {}, outputs: ReturnType<typeof makeOutput>[] = []): CplNode => makeNode('proxy', attrs, { outputs });
const sub = (ref: string): CplNode => makeNode('sub', { ref });

function script(subactions: Array<[string, CplNode]>, incoming: CplNode): CplScript {
  return {
    rootAttrs: {},
    ancillary: false,
    subactions: subactions.map(([id, node]) => ({ uid: newUid('s'), id, node })),
    toplevel: [{ uid: newUid('t'), kind: 'incoming', node: incoming }],
  };
}

const seconds = (v: string | undefined, fallback: number): string => (/^[1-9]\d{0,2}$/.test(v ?? '') ? (v as string) : String(fallback));

export const TEMPLATES: readonly Template[] = [
  {
    id: 'forward-always',
    title: 'Forward all calls',
    description: 'Every call goes straight to another number.',
    params: (aor) => [{ name: 'target', label: 'Forward to', kind: 'uri', value: `sip:mobile@${domainOf(aor)}` }],
    build: (v) => script([], location(v.target ?? '', proxy())),
  },
  {
    id: 'forward-busy-noanswer',
    title: 'Forward when busy or not answered',
    description: 'Ring my phones; if I am busy or do not answer in time, forward the call.',
    params: (aor) => [
      { name: 'target', label: 'Forward to', kind: 'uri', value: `sip:voicemail@${domainOf(aor)}` },
      { name: 'timeout', label: 'Ring my phones for (seconds)', kind: 'seconds', value: '20' },
      { name: 'busy', label: 'Also when I am busy', kind: 'checkbox', value: 'yes' },
    ],
    build: (v) => {
      const outputs = [makeOutput('noanswer', {}, sub('forward'))];
      if (v.busy !== 'no') outputs.unshift(makeOutput('busy', {}, sub('forward')));
      return script([['forward', location(v.target ?? '', proxy())]], myPhones(proxy({ timeout: seconds(v.timeout, 20) }, outputs), sub('forward')));
    },
  },
  {
    id: 'follow-me',
    title: 'Follow me',
    description: 'Ring my phones first, then each other number in turn.',
    params: (aor) => [
      { name: 'targets', label: 'Then ring, in order (one address per line)', kind: 'uris', value: `sip:mobile@${domainOf(aor)}\nsip:home@${domainOf(aor)}` },
      { name: 'timeout', label: 'Ring each for (seconds)', kind: 'seconds', value: '15' },
    ],
    build: (v) => {
      const targets = (v.targets ?? '').split(/\s+/).filter(Boolean);
      // Lower priorities are tried later in a sequential proxy (§6.1); registered phones come first.
      const chain = (): CplNode =>
        targets.reduceRight<CplNode>(
          (next, url, i) => makeNode('location', { url, priority: Math.max(0.1, 0.9 - i * 0.1).toFixed(1) }, { next }),
          proxy({ ordering: 'sequential', timeout: seconds(v.timeout, 15) }),
        );
      const node = chain();
      return script([], myPhones(node, targets.length > 0 ? chain() : null));
    },
  },
  {
    id: 'office-hours',
    title: 'Do not disturb outside office hours',
    description: 'Ring my phones on weekdays during office hours; otherwise refuse the call as busy.',
    params: () => [
      { name: 'start', label: 'Office opens at', kind: 'time', value: '09:00' },
      { name: 'end', label: 'Office closes at', kind: 'time', value: '17:00' },
      { name: 'tzid', label: 'Time zone', kind: 'text', value: guessZone() },
    ],
    build: (v) => {
      const start = (v.start ?? '09:00').replace(':', '');
      const [sh, sm] = (v.start ?? '09:00').split(':').map(Number);
      const [eh, em] = (v.end ?? '17:00').split(':').map(Number);
      let minutes = (eh ?? 17) * 60 + (em ?? 0) - ((sh ?? 9) * 60 + (sm ?? 0));
      if (minutes <= 0) minutes += 1440;
      const duration = `PT${Math.floor(minutes / 60) ? `${Math.floor(minutes / 60)}H` : ''}${minutes % 60 ? `${minutes % 60}M` : ''}`;
      const time = makeOutput('time', { dtstart: `20260105T${start}00`, duration, freq: 'weekly', byday: 'MO,TU,WE,TH,FR' }, myPhones(proxy()));
      const otherwise = makeOutput('otherwise', {}, makeNode('reject', { status: 'busy', reason: 'Outside office hours' }));
      const attrs: Record<string, string> = v.tzid ? { tzid: v.tzid } : {};
      return script([], makeNode('time-switch', attrs, { outputs: [time, otherwise] }));
    },
  },
  {
    id: 'block-list',
    title: 'Block callers',
    description: 'Refuse calls from the addresses on a list; ring my phones for everyone else.',
    params: () => [{ name: 'blocked', label: 'Blocked callers (one address per line)', kind: 'uris', value: 'sip:spammer@example.com' }],
    build: (v) => {
      const blocked = (v.blocked ?? '').split(/\s+/).filter(Boolean);
      const outputs = blocked.map((url) => makeOutput('address', { is: url }, makeNode('reject', { status: 'reject', reason: 'I do not take calls from you' })));
      outputs.push(makeOutput('otherwise', {}, myPhones(proxy())));
      return script([], makeNode('address-switch', { field: 'origin' }, { outputs }));
    },
  },
  {
    id: 'voicemail-away',
    title: 'Voicemail when I am away',
    description: 'When none of my phones is registered, send calls to voicemail.',
    params: (aor) => [{ name: 'target', label: 'Voicemail address', kind: 'uri', value: `sip:voicemail@${domainOf(aor)}` }],
    build: (v) => script([['voicemail', location(v.target ?? '', proxy())]], myPhones(proxy({}, [makeOutput('noanswer', {}, sub('voicemail'))]), sub('voicemail'))),
  },
];

function guessZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Berlin';
  } catch {
    return 'Europe/Berlin';
  }
}
