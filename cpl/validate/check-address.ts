/**
 * address-switch rules the schema cannot express (RFC 3880 §4.1, cpl.md §4.1):
 * field/subfield values, exactly one operator per `<address>`, which operator each subfield
 * allows (contains: display only; subdomain-of: host and tel), and values that could never match.
 */
import { attributeValue, findAttribute, type RawElement } from '../parse/raw-tree.js';
import { parseUri } from '../uri/parse-uri.js';
import type { Report } from './report.js';

export const ADDRESS_FIELDS = ['origin', 'destination', 'original-destination'] as const;
export const ADDRESS_SUBFIELDS = ['address-type', 'user', 'host', 'port', 'tel', 'display', 'password', 'alias-type'] as const;
export const ADDRESS_OPERATORS = ['is', 'contains', 'subdomain-of'] as const;

export function checkAddressSwitch(el: RawElement, report: Report): void {
  const field = findAttribute(el, 'field');
  if (field !== undefined && !(ADDRESS_FIELDS as readonly string[]).includes(field.value)) {
    report.error('address-unknown-field', field, `field="${field.value}" on <address-switch> must be origin, destination or original-destination`);
  }
  const subfield = findAttribute(el, 'subfield');
  if (subfield !== undefined && !(ADDRESS_SUBFIELDS as readonly string[]).includes(subfield.value)) {
    // RFC 3880 §4.1: "the server MAY reject the script at the time it is submitted".
    report.error('address-unknown-subfield', subfield, `subfield="${subfield.value}" is not one CPL defines; use ${ADDRESS_SUBFIELDS.join(', ')}, or leave it out to match the whole address`);
  }
  if (subfield?.value === 'display' && field?.value === 'destination') {
    report.warn('address-never-present', subfield, 'the destination (Request-URI) never has a display name, so no <address> output can match');
  }
  if (subfield?.value === 'alias-type') report.warn('address-never-present', subfield, 'alias-type exists only for H.323 addresses; SIP calls never have it');
  if (subfield?.value === 'password') report.warn('address-password', subfield, 'matching on URI passwords is NOT RECOMMENDED (RFC 3880 §4.1.1)');
}

export function checkAddressOutput(el: RawElement, parent: RawElement, report: Report): void {
  const ops = ADDRESS_OPERATORS.filter((op) => findAttribute(el, op) !== undefined);
  if (ops.length !== 1) {
    report.error('address-operator-count', el, `<address> needs exactly one of is, contains or subdomain-of${ops.length > 1 ? `, but it has ${ops.join(' and ')}` : ''}`);
    return;
  }
  const op = ops[0] ?? 'is';
  const attr = findAttribute(el, op);
  if (attr === undefined) return;
  const subfield = attributeValue(parent, 'subfield') ?? null;
  if (subfield !== null && !(ADDRESS_SUBFIELDS as readonly string[]).includes(subfield)) return;
  const sf = subfield ?? 'the whole address';
  if (op === 'contains' && subfield !== 'display') {
    // cpl.md open point 5: "contains" only for display (§4.1.1 "applies only for the subfield 'display'").
    report.error('address-operator-subfield', attr, `contains can only be used with subfield="display" (here: ${sf}); use is or subdomain-of`);
    return;
  }
  if (op === 'subdomain-of' && subfield !== 'host' && subfield !== 'tel') {
    report.error('address-operator-subfield', attr, `subdomain-of can only be used with subfield="host" or subfield="tel" (here: ${sf})`);
    return;
  }
  const v = attr.value;
  if (subfield === 'port' && !/^\s*\d{1,10}\s*$/.test(v)) {
    report.error('address-value-invalid', attr, `${op}="${v}" can never match a port; ports are numbers`);
  } else if (subfield === 'tel' && !/^[+0-9A-Da-d*#().\-\s]+$/.test(v)) {
    report.error('address-value-invalid', attr, `${op}="${v}" is not a telephone number (digits, +, *, #, A-D and the separators - . ( ))`);
  } else if (subfield === null && parseUri(v) === null) {
    report.error('address-value-invalid', attr, `is="${v}" must be a complete address such as sip:boss@example.com`);
  }
}
