/**
 * address-switch (RFC 3880 §4.1, SIP mapping §4.1.1). Subfield values and comparisons:
 * - none: the URI, `is` by RFC 3261 §19.1.4 URI equality;
 * - address-type: the scheme, case-insensitive;
 * - user: SIP user part (case-sensitive, after unescaping) or the tel URL's number;
 * - host: names as strings (case-insensitive), IPs numerically; a name never equals an IP;
 *   `subdomain-of` on label boundaries, ignoring leading dots; IPs only match exactly;
 * - port: numeric, absent when not explicit ("not the same as an explicit port 5060");
 * - tel: digits without visual separators, for user=phone SIP URIs and tel URLs; `subdomain-of`
 *   is a prefix match;
 * - display: the display-name, NFKC + caseless; never present for the destination;
 * - password: case-sensitive; alias-type: H.323 only, never present in SIP.
 */
import type { AddressSubfield, AddressSwitchNode, AddressTest } from '../../compile/compiled-script.js';
import { foldCase } from '../../text/fold-case.js';
import { hostsEqual, type NormalHost } from '../../uri/host.js';
import { isSipUri, isTelUri, type ParsedUri } from '../../uri/parse-uri.js';
import { telNumberOf } from '../../uri/tel.js';
import { urisEqual } from '../../uri/uri-equal.js';
import type { CallAddress, CallContext } from '../call-context.js';
import { absent, type SwitchResult } from './switch-result.js';

type Value =
  | { readonly kind: 'uri'; readonly uri: ParsedUri | null; readonly text: string }
  | { readonly kind: 'host'; readonly host: NormalHost; readonly text: string }
  | { readonly kind: 'port'; readonly port: number; readonly text: string }
  | { readonly kind: 'string'; readonly value: string; readonly text: string };

const OP_WORDS: Readonly<Record<string, [string, string]>> = {
  is: ['is', 'is not'],
  contains: ['contains', 'does not contain'],
  'subdomain-of': ['is a subdomain of', 'is not a subdomain of'],
};

export function evaluateAddressSwitch(node: AddressSwitchNode, ctx: CallContext, userIsPhone: boolean, trace: boolean): SwitchResult {
  const what = `${node.field}${node.subfield !== null ? ` ${node.subfield}` : ''}`;
  const value = extract(ctx.address(node.field), node.subfield, node.field === 'destination', userIsPhone);
  if (value === null) return absent(node.notPresent, node.otherwise, trace ? `${what}: not present in the call` : '');
  for (const c of node.cases) {
    if (matches(c.test, value)) {
      return { branch: c, detail: trace ? `${what}: ${value.text} ${OP_WORDS[c.test.op]?.[0] ?? c.test.op} ${c.value}` : '' };
    }
  }
  if (!trace) return { branch: node.otherwise, detail: '' };
  const tried = node.cases.map((c) => `${OP_WORDS[c.test.op]?.[1] ?? c.test.op} ${c.value}`).join(', ');
  return { branch: node.otherwise, detail: `${what}: ${value.text}${tried.length > 0 ? ` ${tried}` : ''}` };
}

function extract(addr: CallAddress, subfield: AddressSubfield | null, isDestination: boolean, userIsPhone: boolean): Value | null {
  const uri = addr.uri;
  switch (subfield) {
    case null:
      return { kind: 'uri', uri, text: addr.text };
    case 'address-type': {
      const scheme = uri?.scheme ?? /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(addr.text)?.[1]?.toLowerCase();
      return scheme === undefined ? null : { kind: 'string', value: scheme, text: scheme };
    }
    case 'user': {
      if (uri !== null && isSipUri(uri)) return uri.user === null ? null : { kind: 'string', value: uri.user, text: uri.user };
      if (uri !== null && isTelUri(uri)) return { kind: 'string', value: uri.number, text: uri.number };
      return null;
    }
    case 'host':
      return uri !== null && isSipUri(uri) ? { kind: 'host', host: uri.normalHost, text: uri.host } : null;
    case 'port':
      return uri !== null && isSipUri(uri) && uri.port !== null ? { kind: 'port', port: uri.port, text: String(uri.port) } : null;
    case 'tel': {
      const tel = uri === null ? null : telNumberOf(uri, userIsPhone);
      return tel === null ? null : { kind: 'string', value: tel, text: tel };
    }
    case 'display':
      return isDestination || addr.display === null ? null : { kind: 'string', value: foldCase(addr.display), text: `"${addr.display}"` };
    case 'password':
      return uri !== null && isSipUri(uri) && uri.password !== null ? { kind: 'string', value: uri.password, text: '(password)' } : null;
    case 'alias-type':
      return null;
  }
}

function matches(test: AddressTest, v: Value): boolean {
  switch (test.kind) {
    case 'uri':
      return v.kind === 'uri' && v.uri !== null && urisEqual(test.uri, v.uri);
    case 'host':
      return v.kind === 'host' && hostsEqual(test.host, v.host);
    case 'domain': {
      if (v.kind !== 'host') return false;
      // "IP addresses only match exactly"; a host name never equals an IP.
      if (test.host.kind !== 'name' || v.host.kind !== 'name') return hostsEqual(test.host, v.host);
      const host = v.host.normal.replace(/^\.+/, '');
      const domain = test.host.normal;
      return host === domain || host.endsWith(`.${domain}`);
    }
    case 'port':
      return v.kind === 'port' && v.port === test.port;
    case 'tel':
      return v.kind === 'string' && (test.op === 'is' ? v.value === test.digits : v.value.startsWith(test.digits));
    case 'folded':
      return v.kind === 'string' && (test.op === 'is' ? v.value === test.folded : v.value.includes(test.folded));
    case 'exact':
      return v.kind === 'string' && v.value === test.value;
    case 'lower':
      return v.kind === 'string' && v.value === test.value;
  }
}
