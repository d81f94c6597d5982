/**
 * Value checks for the other nodes and outputs: string/priority/language outputs (§4.2, §4.3,
 * §4.5), location modifiers (§5), proxy/redirect/reject (§6), mail and log (§7).
 */
import { attributeValue, findAttribute, type RawElement } from '../parse/raw-tree.js';
import { LANGUAGE_TAG } from '../text/language-range.js';
import { parseMailto } from '../uri/mailto.js';
import { parseUri } from '../uri/parse-uri.js';
import type { Report } from './report.js';

export const PRIORITY_VALUES = ['emergency', 'urgent', 'normal', 'non-urgent'] as const;
export const REJECT_WORDS = ['busy', 'notfound', 'reject', 'error'] as const;

export function checkStringOutput(el: RawElement, report: Report): void {
  const ops = ['is', 'contains'].filter((op) => findAttribute(el, op) !== undefined);
  if (ops.length !== 1) report.error('string-operator-count', el, `<string> needs exactly one of is or contains${ops.length > 1 ? ', not both' : ''}`);
}

export function checkLanguageOutput(el: RawElement, report: Report): void {
  const m = findAttribute(el, 'matches');
  if (m !== undefined && !LANGUAGE_TAG.test(m.value)) {
    report.error('language-tag-invalid', m, `matches="${m.value}" is not a language tag; write a tag such as en, es or es-MX`);
  }
}

export function checkPriorityOutput(el: RawElement, report: Report): void {
  const ops = ['less', 'greater', 'equal'].filter((op) => findAttribute(el, op) !== undefined);
  if (ops.length !== 1) {
    report.error('priority-operator-count', el, `<priority> needs exactly one of less, greater or equal${ops.length > 1 ? `, but it has ${ops.join(' and ')}` : ''}`);
    return;
  }
  const a = findAttribute(el, ops[0] ?? 'equal');
  if (a !== undefined && a.localName !== 'equal' && !(PRIORITY_VALUES as readonly string[]).includes(a.value.toLowerCase())) {
    report.error('priority-value', a, `${a.localName}="${a.value}" must be emergency, urgent, normal or non-urgent`);
  }
}

export function checkLocation(el: RawElement, report: Report): void {
  const url = findAttribute(el, 'url');
  if (url !== undefined) {
    const parsed = parseUri(url.value);
    if (parsed === null) report.error('location-url-invalid', url, `url="${url.value}" is not a valid address; write e.g. sip:alice@example.com or tel:+12125551212`);
    else if (!report.policy.locationSchemes.has(parsed.scheme)) {
      // §5.1: an unsupported location "SHOULD [be detected and reported] to the user at the time the script is submitted".
      report.error('location-url-scheme', url, `url="${url.value}" uses the scheme ${parsed.scheme}:, which this server cannot call; allowed: ${[...report.policy.locationSchemes].join(', ')}`);
    }
  }
  const priority = findAttribute(el, 'priority');
  if (priority !== undefined && !validPriority(priority.value)) {
    report.error('location-priority-range', priority, `priority="${priority.value}" must be a number from 0.0 to 1.0`);
  }
}

export function checkLookup(el: RawElement, report: Report): void {
  const source = findAttribute(el, 'source');
  if (source !== undefined && source.value !== 'registration') {
    const allowed = parseUri(source.value) !== null && report.policy.lookupSources.some((p) => source.value.startsWith(p));
    if (!allowed) {
      report.error('lookup-source-not-allowed', source, `source="${source.value}" is not allowed; this server looks up locations only with source="registration"${report.policy.lookupSources.length > 0 ? ` or URLs starting with ${report.policy.lookupSources.join(', ')}` : ''}`);
    }
  }
  checkTimeout(el, report);
}

export function checkRemoveLocation(el: RawElement, report: Report): void {
  const loc = findAttribute(el, 'location');
  if (loc !== undefined && parseUri(loc.value) === null) {
    report.error('remove-location-invalid', loc, `location="${loc.value}" is not a valid address, so it could never match a location; write e.g. sip:me@mobile.provider.net`);
  }
}

export function checkProxy(el: RawElement, report: Report): void {
  checkTimeout(el, report);
  const redirection = el.children.find((c) => c.localName === 'redirection');
  if (redirection !== undefined && (attributeValue(el, 'recurse') ?? 'yes') === 'yes') {
    report.warn('proxy-redirection-unreachable', redirection, '<redirection> is never taken because recurse is "yes" (the default): the server follows redirections itself (RFC 3880 §6.1); add recurse="no" to use it');
  }
}

export function checkReject(el: RawElement, report: Report): void {
  const status = findAttribute(el, 'status');
  if (status !== undefined) {
    const v = status.value.trim();
    const numeric = /^\d{3}$/.test(v) && Number(v) >= 400 && Number(v) <= 699;
    if (!numeric && !(REJECT_WORDS as readonly string[]).includes(v)) {
      report.error('reject-status-invalid', status, `status="${status.value}" must be busy, notfound, reject, error or a SIP status from 400 to 699`);
    }
  }
  const reason = findAttribute(el, 'reason');
  if (reason !== undefined && /[\u0000-\u001f\u007f]/.test(reason.value)) {
    report.warn('reject-reason-sanitized', reason, 'the reason contains line breaks or control characters; they will be removed from the SIP reason phrase');
  }
}

export function checkMail(el: RawElement, report: Report): void {
  const url = findAttribute(el, 'url');
  if (url === undefined) return;
  const mail = parseMailto(url.value);
  if (mail === null) {
    report.error('mail-url-invalid', url, `url="${url.value}" must be a mailto: URL with an address, e.g. mailto:mary@example.com?subject=Missed%20call`);
  } else if (mail.ignored.length > 0) {
    report.warn('mail-headers-ignored', url, `the mailto fields ${mail.ignored.join(', ')} are ignored; only subject and body are used`);
  }
}

export function checkLog(el: RawElement, report: Report): void {
  const name = findAttribute(el, 'name');
  if (name !== undefined && /[/\\]|\.\./.test(name.value)) {
    report.warn('log-name-suspicious', name, `name="${name.value}" looks like a file path; log names are labels in your own log and never file names (RFC 3880 §7.2)`);
  }
}

function checkTimeout(el: RawElement, report: Report): void {
  const t = findAttribute(el, 'timeout');
  if (t !== undefined && /^\s*\d+\s*$/.test(t.value) && Number(t.value) > report.policy.maxTimeoutSeconds) {
    report.warn('timeout-clamped', t, `timeout="${t.value}" is longer than this server allows; ${report.policy.maxTimeoutSeconds} seconds will be used`);
  }
}

/** xs:float in 0.0..1.0, in the decimal forms people write ("1", "0.5", ".5", "1.0"). */
export function validPriority(text: string): boolean {
  const t = text.trim();
  if (!/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(t)) return false;
  const n = Number(t);
  return n >= 0 && n <= 1;
}
