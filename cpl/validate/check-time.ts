/**
 * time-switch checks (RFC 3880 §4.4): zones resolved at upload ("Servers SHOULD resolve 'tzid'
 * and 'tzurl' references ... at the time the script is uploaded" and reject what they cannot);
 * every `<time>` parsed (time-rule.ts); recurrences whose periods overlap ("MUST be small enough
 * such that subsequent intervals do not overlap") or that are absurdly dense (§4.4.1) refused.
 * tzurl is never fetched (SSRF; cpl.md §4.4): a known tzid is required.
 */
import { attributeValue, findAttribute, type RawElement } from '../parse/raw-tree.js';
import { formatFloating } from '../time/date-time.js';
import { nominalDurationMs } from '../time/duration.js';
import { compileTimeMatcher } from '../time/time-matcher.js';
import { parseTimeRule, type TimeRule } from '../time/time-rule.js';
import { resolveZone, utcZone, type ZoneResolver } from '../time/zone.js';
import type { Report } from './report.js';

export function checkTimeSwitch(el: RawElement, report: Report): void {
  const tzid = findAttribute(el, 'tzid');
  const tzurl = findAttribute(el, 'tzurl');
  if (tzid !== undefined && resolveZone(tzid.value) === null) {
    report.error('time-tzid-unknown', tzid, `tzid="${tzid.value}" is not a time zone this server knows; use an IANA name such as America/New_York or Europe/Paris`);
  }
  if (tzurl !== undefined && tzid === undefined) {
    report.error('time-tzurl-unresolvable', tzurl, `tzurl="${tzurl.value}" cannot be used on its own: time zone URLs are never fetched; add a tzid with an IANA zone name`);
  } else if (tzurl !== undefined) {
    report.warn('time-tzurl-ignored', tzurl, `tzurl is not fetched; the zone is taken from tzid="${tzid?.value ?? ''}"`);
  }
}

export function checkTimeOutput(el: RawElement, parent: RawElement, report: Report): void {
  const attrs = new Map<string, string>();
  for (const a of el.attributes) if (a.namespace === null) attrs.set(a.localName, a.value);
  const { rule, issues } = parseTimeRule(attrs, report.policy.timeRules);
  for (const issue of issues) {
    const at = findAttribute(el, issue.attribute) ?? el;
    if (issue.warning === true) report.warn(issue.code, at, issue.message);
    else report.error(issue.code, at, issue.message);
  }
  if (rule === null || rule.freq === null) return;
  const tzid = attributeValue(parent, 'tzid');
  const zone: ZoneResolver = (tzid !== undefined ? resolveZone(tzid) : null) ?? utcZone();
  checkRecurrence(el, rule, zone, report);
}

/** Scans the first occurrences for overlaps (in wall-clock terms) and absurd density. */
function checkRecurrence(el: RawElement, rule: TimeRule, zone: ZoneResolver, report: Report): void {
  const matcher = compileTimeMatcher(rule, zone);
  const first = matcher.firstOccurrences(400);
  if (matcher.tooDense) {
    report.error('time-rule-too-dense', el, 'this recurrence produces too many occurrences to evaluate; use fewer byxxx values or a coarser freq');
    return;
  }
  const length = rule.duration !== null ? nominalDurationMs(rule.duration) : rule.dtend !== null && rule.dtend.utc === rule.dtstart.utc ? rule.dtend.floating - rule.dtstart.floating : 0;
  for (let i = 1; i < first.length; i++) {
    const a = first[i - 1];
    const b = first[i];
    if (a === undefined || b === undefined) break;
    if (b.floating - a.floating < length) {
      report.error('time-overlap', el, `the periods of this <time> overlap: the one starting ${formatFloating(a.floating)} lasts until ${formatFloating(a.floating + length)}, but the next starts ${formatFloating(b.floating)}; make the duration shorter than the gap between occurrences (RFC 3880 §4.4)`);
      return;
    }
  }
}
