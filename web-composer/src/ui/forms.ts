/**
 * Edit forms for blocks: one labelled control per attribute, offering only values RFC 3880
 * allows (§4–§8). `read()` returns the attributes, or the problems to fix first.
 */
import type { Attrs, NodeKind } from '../model/cpl-model.js';
import {
  ADDRESS_FIELDS,
  ADDRESS_SUBFIELDS,
  addressOperators,
  isValidRejectStatus,
  LOCATION_URL,
  MAILTO_URL,
  ORDERINGS,
  PRIORITIES,
  PRIORITY_OPERATORS,
  REJECT_NAMES,
  STRING_FIELDS,
  STRING_OPERATORS,
} from '../model/node-specs.js';
import { field, h, input, select } from './dom.js';
import { recurrenceEditor } from './recurrence-editor.js';

export interface Form {
  element: HTMLElement;
  read(): { attrs: Attrs } | { problems: string[] };
}

export interface FormContext {
  /** Subactions a `sub` here may go to (§8: defined earlier). */
  subactions: string[];
  /** For address outputs: the subfield of the switch. */
  subfield?: string;
}

const ADDRESS_FIELD_LABEL: Record<string, string> = { origin: "The caller's address (From)", destination: 'The dialled address (Request-URI)', 'original-destination': 'The address the caller wrote (To)' };
const SUBFIELD_LABEL: Record<string, string> = {
  '': 'The whole address',
  'address-type': 'Address type (sip, tel …)',
  user: 'User name',
  host: 'Host or domain',
  port: 'Port',
  tel: 'Phone number',
  display: 'Display name',
  password: 'Password (not recommended)',
  'alias-type': 'Alias type (H.323)',
};
const OP_LABEL: Record<string, string> = { is: 'is exactly', contains: 'contains', 'subdomain-of': 'is in (domain or number prefix)' };
const REJECT_LABEL: Record<string, string> = { busy: 'Busy (486)', notfound: 'Not found (404)', reject: 'Declined (603)', error: 'Error (500)' };
const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

const uriHint = 'A SIP or tel address, e.g. sip:alice@example.com or tel:+4930123456';

function opts(values: readonly string[], labels: Record<string, string> = {}): Array<[string, string]> {
  return values.map((v) => [v, labels[v] ?? v]);
}

function value(el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): string {
  return el.value.trim();
}

/** Optional whole seconds within [1, max]. */
function secondsProblem(text: string, label: string, max = 300): string | undefined {
  if (text === '') return undefined;
  return /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= max ? undefined : `${label} must be a whole number from 1 to ${max}.`;
}

export function nodeForm(kind: NodeKind, attrs: Attrs, ctx: FormContext): Form {
  const extra = (keep: string[]): Attrs => Object.fromEntries(Object.entries(attrs).filter(([k]) => !keep.includes(k)));
  switch (kind) {
    case 'address-switch': {
      const f = select('field', opts(ADDRESS_FIELDS, ADDRESS_FIELD_LABEL), attrs.field ?? 'origin');
      const s = select('subfield', opts(ADDRESS_SUBFIELDS, SUBFIELD_LABEL), attrs.subfield ?? '');
      return {
        element: h('div', {}, field('Which address', f), field('Which part of it', s, 'Matching on host or phone number can use "is in".')),
        read: () => ({ attrs: { ...extra(['field', 'subfield']), field: f.value, ...(s.value ? { subfield: s.value } : {}) } }),
      };
    }
    case 'string-switch': {
      const f = select('field', opts(STRING_FIELDS, { subject: 'Subject', organization: 'Organization', 'user-agent': "Caller's phone software (User-Agent)", display: 'Display text' }), attrs.field ?? 'subject');
      return { element: field('Which text', f), read: () => ({ attrs: { ...extra(['field']), field: f.value } }) };
    }
    case 'time-switch': {
      const tz = input('tzid', attrs.tzid ?? '', { list: 'cpl-zones', placeholder: 'Europe/Berlin', autocomplete: 'off' });
      const list = h('datalist', { id: 'cpl-zones' }, ...ZONES.map((z) => h('option', { value: z })));
      return {
        element: h('div', {}, field('Time zone', tz, 'Leave empty to use the server’s time zone.'), list),
        read: () => {
          const zone = value(tz);
          if (zone && ZONES.length > 0 && !ZONES.includes(zone)) return { problems: [`"${zone}" is not a known time zone (use a name such as Europe/Berlin).`] };
          return { attrs: { ...extra(['tzid']), ...(zone ? { tzid: zone } : {}) } };
        },
      };
    }
    case 'language-switch':
    case 'priority-switch':
      return { element: h('p', { class: 'hint' }, 'Add conditions to this block after creating it.'), read: () => ({ attrs }) };
    case 'location': {
      const url = input('url', attrs.url ?? '', { type: 'text', required: true, placeholder: 'sip:alice@example.com', autocomplete: 'off' });
      const prio = input('priority', attrs.priority ?? '', { type: 'number', min: '0', max: '1', step: '0.1', placeholder: '1.0' });
      const clear = input('clear', '', { type: 'checkbox', checked: attrs.clear === 'yes' });
      return {
        element: h('div', {}, field('Phone or address to ring', url, uriHint), field('Priority (0.0 – 1.0)', prio, 'Higher rings first when ringing one after another.'), field('Forget the phones added before', clear)),
        read: () => {
          const problems: string[] = [];
          if (!LOCATION_URL.test(value(url))) problems.push(`Enter a SIP or tel address (${uriHint.slice(uriHint.indexOf('e.g.'))}).`);
          const p = value(prio);
          if (p !== '' && !(/^(0(\.\d+)?|1(\.0+)?)$/.test(p))) problems.push('The priority must be between 0.0 and 1.0.');
          if (problems.length) return { problems };
          return { attrs: { ...extra(['url', 'priority', 'clear']), url: value(url), ...(p ? { priority: Number(p).toFixed(Math.max(1, (p.split('.')[1] ?? '').length)) } : {}), ...(clear.checked ? { clear: 'yes' } : {}) } };
        },
      };
    }
    case 'lookup': {
      const src = input('source', attrs.source ?? 'registration', { type: 'text', list: 'cpl-sources' });
      const list = h('datalist', { id: 'cpl-sources' }, h('option', { value: 'registration' }, 'my registered phones'));
      const timeout = input('timeout', attrs.timeout ?? '', { type: 'number', min: '1', max: '300', placeholder: '30' });
      const clear = input('clear', '', { type: 'checkbox', checked: attrs.clear === 'yes' });
      return {
        element: h('div', {}, field('Where to look', src, '"registration" means the phones you have signed in with.'), list, field('Give up after (seconds)', timeout), field('Replace the phones added before', clear)),
        read: () => {
          const problems: string[] = [];
          if (value(src) === '') problems.push('Say where to look (normally "registration").');
          const t = secondsProblem(value(timeout), 'The lookup time');
          if (t) problems.push(t);
          if (problems.length) return { problems };
          return { attrs: { ...extra(['source', 'timeout', 'clear']), source: value(src), ...(value(timeout) ? { timeout: value(timeout) } : {}), ...(clear.checked ? { clear: 'yes' } : {}) } };
        },
      };
    }
    case 'remove-location': {
      const loc = input('location', attrs.location ?? '', { type: 'text', placeholder: 'sip:alice@example.com (empty: all)' });
      return {
        element: field('Address to stop ringing', loc, 'Leave empty to forget every phone.'),
        read: () => (value(loc) !== '' && !LOCATION_URL.test(value(loc)) ? { problems: ['Enter a SIP or tel address, or leave it empty.'] } : { attrs: { ...extra(['location']), ...(value(loc) ? { location: value(loc) } : {}) } }),
      };
    }
    case 'proxy': {
      const timeout = input('timeout', attrs.timeout ?? '', { type: 'number', min: '1', max: '300', placeholder: '20' });
      const ordering = select('ordering', opts(ORDERINGS, { parallel: 'All at once', sequential: 'One after another', 'first-only': 'Only the first' }), attrs.ordering ?? 'parallel');
      const recurse = select('recurse', [['yes', 'Yes'], ['no', 'No']], attrs.recurse ?? 'yes');
      return {
        element: h('div', {}, field('Ring for (seconds)', timeout, 'Empty: 20 s when there is an "If nobody answers" case, else as long as the server allows.'), field('Ring the phones', ordering), field('Follow redirections', recurse)),
        read: () => {
          const t = secondsProblem(value(timeout), 'The ringing time');
          if (t) return { problems: [t] };
          return {
            attrs: {
              ...extra(['timeout', 'ordering', 'recurse']),
              ...(value(timeout) ? { timeout: value(timeout) } : {}),
              ...(ordering.value !== 'parallel' || attrs.ordering ? { ordering: ordering.value } : {}),
              ...(recurse.value !== 'yes' || attrs.recurse ? { recurse: recurse.value } : {}),
            },
          };
        },
      };
    }
    case 'redirect': {
      const permanent = input('permanent', '', { type: 'checkbox', checked: attrs.permanent === 'yes' });
      return { element: field('Permanently (301 instead of 302)', permanent), read: () => ({ attrs: { ...extra(['permanent']), ...(permanent.checked ? { permanent: 'yes' } : attrs.permanent ? { permanent: 'no' } : {}) } }) };
    }
    case 'reject': {
      const named = (REJECT_NAMES as readonly string[]).includes(attrs.status ?? 'busy');
      const status = select('status', [...opts(REJECT_NAMES, REJECT_LABEL), ['code', 'Another status code…']], named ? (attrs.status ?? 'busy') : 'code');
      const code = input('code', named ? '' : (attrs.status ?? ''), { type: 'number', min: '400', max: '699', placeholder: '480' });
      const reason = input('reason', attrs.reason ?? '', { type: 'text', maxlength: '200', placeholder: 'shown to the caller' });
      return {
        element: h('div', {}, field('Answer the caller with', status), field('Status code (400–699)', code, 'Only used with "Another status code…".'), field('Reason', reason)),
        read: () => {
          const s = status.value === 'code' ? value(code) : status.value;
          if (!isValidRejectStatus(s)) return { problems: ['The status code must be a number from 400 to 699.'] };
          return { attrs: { ...extra(['status', 'reason']), status: s, ...(value(reason) ? { reason: value(reason) } : {}) } };
        },
      };
    }
    case 'mail': {
      const parsed = parseMailto(attrs.url ?? '');
      const to = input('to', parsed.to, { type: 'email', placeholder: 'me@example.com' });
      const subject = input('subject', parsed.subject, { type: 'text' });
      const body = h('textarea', { name: 'body', rows: '2' }, parsed.body);
      return {
        element: h('div', {}, field('Send to', to), field('Subject', subject), field('Text', body)),
        read: () => {
          if (!/^[^\s@,]+@[^\s@,]+$/.test(value(to))) return { problems: ['Enter one e-mail address.'] };
          const q = [value(subject) && `subject=${encodeURIComponent(value(subject))}`, value(body) && `body=${encodeURIComponent(value(body))}`].filter(Boolean).join('&');
          const url = `mailto:${value(to)}${q ? `?${q}` : ''}`;
          return MAILTO_URL.test(url) ? { attrs: { ...extra(['url']), url } } : { problems: ['That address cannot be used.'] };
        },
      };
    }
    case 'log': {
      const name = input('name', attrs.name ?? '', { type: 'text', maxlength: '64', placeholder: 'default' });
      const comment = input('comment', attrs.comment ?? '', { type: 'text', maxlength: '200' });
      return {
        element: h('div', {}, field('Log name', name, 'Empty: your default log.'), field('Text to write', comment)),
        read: () => ({ attrs: { ...extra(['name', 'comment']), ...(value(name) ? { name: value(name) } : {}), ...(value(comment) ? { comment: value(comment) } : {}) } }),
      };
    }
    case 'sub': {
      if (ctx.subactions.length === 0) return { element: h('p', { class: 'hint' }, 'Create a named subaction first (it must come before this place).'), read: () => ({ problems: ['There is no subaction to go to yet.'] }) };
      const ref = select('ref', opts(ctx.subactions), attrs.ref ?? ctx.subactions[0] ?? '');
      return { element: field('Go to the subaction', ref), read: () => ({ attrs: { ...extra(['ref']), ref: ref.value } }) };
    }
    case 'extension':
      return { element: h('p', { class: 'hint' }, 'Extension elements are edited in the XML view.'), read: () => ({ attrs }) };
  }
}

export function outputForm(kind: string, attrs: Attrs, ctx: FormContext): Form {
  switch (kind) {
    case 'address':
    case 'string': {
      const ops = kind === 'address' ? addressOperators(ctx.subfield ?? '') : STRING_OPERATORS;
      const current = ops.find((o) => attrs[o] !== undefined) ?? 'is';
      const op = select('operator', opts(ops, OP_LABEL), current);
      const val = input('value', attrs[current] ?? '', { type: 'text', required: true, autocomplete: 'off' });
      const hint = kind === 'address' && !ctx.subfield ? 'A whole address, e.g. sip:boss@example.com' : undefined;
      return {
        element: h('div', { class: 'inline' }, field('If it', op), field('Value', val, hint)),
        read: () => {
          const v = value(val);
          if (v === '') return { problems: ['Enter the value to compare with.'] };
          if (kind === 'address' && ctx.subfield === 'port' && !/^\d{1,5}$/.test(v)) return { problems: ['A port is a number.'] };
          const rest = Object.fromEntries(Object.entries(attrs).filter(([k]) => !['is', 'contains', 'subdomain-of'].includes(k)));
          return { attrs: { ...rest, [op.value]: v } };
        },
      };
    }
    case 'language': {
      const m = input('matches', attrs.matches ?? '', { type: 'text', required: true, placeholder: 'en, es-MX', pattern: '[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*' });
      return {
        element: field('If the caller speaks (language tag)', m, 'e.g. en, de, es-MX'),
        read: () => (/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(value(m)) ? { attrs: { ...attrs, matches: value(m) } } : { problems: ['Enter a language tag such as "en" or "es-MX".'] }),
      };
    }
    case 'priority': {
      const current = PRIORITY_OPERATORS.find((o) => attrs[o] !== undefined) ?? 'equal';
      const op = select('operator', opts(PRIORITY_OPERATORS, { less: 'is lower than', greater: 'is higher than', equal: 'is' }), current);
      const val = select('priority', opts(PRIORITIES), attrs[current] ?? 'urgent');
      return { element: h('div', { class: 'inline' }, field('If the priority', op), field('Priority', val)), read: () => ({ attrs: { [op.value]: val.value } }) };
    }
    case 'time':
      return recurrenceEditor(attrs);
    default:
      return { element: h('span'), read: () => ({ attrs }) };
  }
}

function parseMailto(url: string): { to: string; subject: string; body: string } {
  const m = /^mailto:([^?]*)(?:\?(.*))?$/i.exec(url);
  if (!m) return { to: '', subject: '', body: '' };
  const params = new URLSearchParams(m[2] ?? '');
  const dec = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { to: dec(m[1] ?? ''), subject: params.get('subject') ?? '', body: params.get('body') ?? '' };
}

/** Starting attributes for a new output (forms then refine them). */
export function defaultOutputAttrs(kind: string, subfield?: string): Attrs {
  if (kind === 'address') return { [subfield === 'host' ? 'subdomain-of' : 'is']: '' };
  if (kind === 'string') return { contains: '' };
  if (kind === 'priority') return { equal: 'urgent' };
  return {};
}
