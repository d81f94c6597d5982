/**
 * What each CPL node may contain and which attribute values are valid (RFC 3880 §4–§8 and the
 * Appendix C schema). The builder's forms offer only these values; the XML reader uses the
 * output tables to tell outputs from nodes.
 */
import type { NodeKind, SwitchKind } from './cpl-model.js';

export const SWITCH_OUTPUT: Readonly<Record<SwitchKind, string>> = {
  'address-switch': 'address',
  'string-switch': 'string',
  'language-switch': 'language',
  'time-switch': 'time',
  'priority-switch': 'priority',
};

/** Fixed outputs of lookup (§5.2) and proxy (§6.1), in the order the builder writes them. */
export const FIXED_OUTPUTS: Readonly<Partial<Record<NodeKind, readonly string[]>>> = {
  lookup: ['success', 'notfound', 'failure'],
  proxy: ['busy', 'noanswer', 'redirection', 'failure', 'default'],
};

export const CONTAINER_KINDS: ReadonlySet<NodeKind> = new Set(['location', 'remove-location', 'mail', 'log']);
export const LEAF_KINDS: ReadonlySet<NodeKind> = new Set(['redirect', 'reject', 'sub']);
export const NODE_KINDS: readonly NodeKind[] = [
  'address-switch',
  'string-switch',
  'language-switch',
  'time-switch',
  'priority-switch',
  'location',
  'lookup',
  'remove-location',
  'proxy',
  'redirect',
  'reject',
  'mail',
  'log',
  'sub',
];

export function isSwitch(kind: NodeKind): kind is SwitchKind {
  return kind in SWITCH_OUTPUT;
}

/** The output element names a node kind may contain. */
export function outputNames(kind: NodeKind): readonly string[] {
  if (isSwitch(kind)) return [SWITCH_OUTPUT[kind], 'not-present', 'otherwise'];
  return FIXED_OUTPUTS[kind] ?? [];
}

// §4.1 address-switch
export const ADDRESS_FIELDS = ['origin', 'destination', 'original-destination'] as const;
export const ADDRESS_SUBFIELDS = ['', 'address-type', 'user', 'host', 'port', 'tel', 'display', 'password', 'alias-type'] as const;
/** Match operators allowed per subfield: `contains` only for display, `subdomain-of` only for host/tel (§4.1). */
export function addressOperators(subfield: string): readonly ('is' | 'contains' | 'subdomain-of')[] {
  if (subfield === 'display') return ['is', 'contains'];
  if (subfield === 'host' || subfield === 'tel') return ['is', 'subdomain-of'];
  return ['is'];
}
// §4.2 string-switch
export const STRING_FIELDS = ['subject', 'organization', 'user-agent', 'display'] as const;
export const STRING_OPERATORS = ['is', 'contains'] as const;
// §4.5 priority-switch
export const PRIORITIES = ['emergency', 'urgent', 'normal', 'non-urgent'] as const;
export const PRIORITY_OPERATORS = ['less', 'greater', 'equal'] as const;
// §6.1 proxy
export const ORDERINGS = ['parallel', 'sequential', 'first-only'] as const;
// §6.3 reject
export const REJECT_NAMES = ['busy', 'notfound', 'reject', 'error'] as const;
// §4.4 time-switch recurrence
export const FREQUENCIES = ['secondly', 'minutely', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

/** URL schemes a location may name (§5.1; the server checks the rest). */
export const LOCATION_URL = /^(sips?:[^\s@<>"]+@[^\s<>"]+|sips?:[^\s<>"@]+|tel:\+?[0-9A-Fa-f*#().\-;=+a-zA-Z]+)$/;
export const MAILTO_URL = /^mailto:[^\s]+$/i;
export const SUB_ID = /^[^\s]{1,64}$/;
/** RFC 2445 DATE-TIME forms 1 and 2 (floating or UTC), §4.4. */
export const DATE_TIME = /^\d{8}T\d{6}Z?$/;
/** RFC 2445 DURATION (positive). */
export const DURATION = /^P(\d+W|(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?)$/;

export function isValidRejectStatus(value: string): boolean {
  if ((REJECT_NAMES as readonly string[]).includes(value)) return true;
  return /^[4-6]\d\d$/.test(value);
}

export function isValidDuration(value: string): boolean {
  return DURATION.test(value) && value !== 'P' && !value.endsWith('T') && /[1-9]/.test(value);
}
