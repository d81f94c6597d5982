/**
 * One Service Point Trigger compiled to a test (TS 29.228 Annex B; matching rules as chosen in
 * isc.md §4): regular expressions are compiled once, here, with the linear-time engine.
 * `test` gives the SPT's own result (before ConditionNegated); `explain` gives the same result
 * with a sentence saying why.
 */
import type { RegistrationType as RegistrationTypeValue, ServicePointTrigger, SessionCase as SessionCaseValue } from './ifc-model.js';
import { describeSessionCase, labelOf, RegistrationType } from './ifc-model.js';
import { compileSafeRegex, describeRegexError, MAX_MATCH_INPUT, type SafeRegex } from './regex/safe-regex.js';
import type { RequestView } from './request-view.js';

/** What an evaluation knows about the served user, beyond the request itself. */
export interface EvaluationContext {
  /** The session case the S-CSCF (or the standalone caller) determined (24.229 §5.4.3.1). */
  sessionCase: SessionCaseValue;
  /** Whether the served user is registered: selects the ProfilePartIndicator part. */
  registered: boolean;
  /**
   * For REGISTER: which kind of registration this is. When absent it is derived: expiry 0 for
   * every binding → DE_REGISTRATION; else `registered` (the state before this REGISTER) →
   * RE_REGISTRATION, not registered → INITIAL_REGISTRATION.
   */
  registrationType?: RegistrationTypeValue;
}

export interface SptMatcher {
  readonly spt: ServicePointTrigger;
  test(view: RequestView, ctx: EvaluationContext): boolean;
  explain(view: RequestView, ctx: EvaluationContext): { result: boolean; text: string };
}

export type SptCompileResult = { ok: true; matcher: SptMatcher } | { ok: false; error: string };

/** RFC 3261 §25.1 token: method and header names. */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function compileSpt(spt: ServicePointTrigger): SptCompileResult {
  switch (spt.kind) {
    case 'method':
      if (!TOKEN.test(spt.method)) return { ok: false, error: `Method '${spt.method}' is not a SIP method name (RFC 3261 token)` };
      return { ok: true, matcher: methodMatcher(spt) };
    case 'request-uri': {
      const regex = compileSafeRegex(spt.requestUri);
      if (!regex.ok) return { ok: false, error: `RequestURI: ${describeRegexError(spt.requestUri, regex)}` };
      return { ok: true, matcher: requestUriMatcher(spt, regex.regex) };
    }
    case 'sip-header': {
      // `.`, `*` and `+` are token characters, but no header name uses them; a Header written as
      // a regular expression (as Kamailio and Clearwater accept) must not silently never match.
      if (!TOKEN.test(spt.header) || /[.*+]/.test(spt.header)) {
        return {
          ok: false,
          error: `SIPHeader Header '${spt.header}' is not a header field name; it is compared by name (case-insensitive, compact forms equivalent), not as a regular expression`,
        };
      }
      if (spt.content === undefined) return { ok: true, matcher: headerPresenceMatcher(spt) };
      const regex = compileSafeRegex(spt.content);
      if (!regex.ok) return { ok: false, error: `SIPHeader ${spt.header} Content: ${describeRegexError(spt.content, regex)}` };
      return { ok: true, matcher: headerContentMatcher(spt, regex.regex) };
    }
    case 'session-case':
      return { ok: true, matcher: sessionCaseMatcher(spt) };
    case 'session-description': {
      if (!/^[a-zA-Z]$/.test(spt.line)) {
        return { ok: false, error: `SessionDescription Line '${spt.line}' must be one SDP type letter such as m, c or a (RFC 4566 §5)` };
      }
      if (spt.content === undefined) return { ok: true, matcher: sdpMatcher(spt, undefined) };
      const regex = compileSafeRegex(spt.content);
      if (!regex.ok) return { ok: false, error: `SessionDescription ${spt.line}= Content: ${describeRegexError(spt.content, regex)}` };
      return { ok: true, matcher: sdpMatcher(spt, regex.regex) };
    }
  }
}

type Of<K extends ServicePointTrigger['kind']> = Extract<ServicePointTrigger, { kind: K }>;

function methodMatcher(spt: Of<'method'>): SptMatcher {
  // 29.228 Annex B: RegistrationType restricts a Method REGISTER SPT; ignored on other methods.
  const types = spt.method === 'REGISTER' ? new Set(spt.registrationTypes) : new Set<RegistrationTypeValue>();
  const test = (view: RequestView, ctx: EvaluationContext): boolean =>
    view.request.method === spt.method && (types.size === 0 || types.has(registrationTypeOf(view, ctx)));
  return {
    spt,
    test,
    explain(view, ctx) {
      const result = test(view, ctx);
      const method = view.request.method;
      if (types.size === 0 || method !== spt.method) {
        return { result, text: `Method ${spt.method}: request is ${method} → ${result}` };
      }
      const wanted = [...types].map((t) => labelOf(RegistrationType, t)).join(' or ');
      const actual = labelOf(RegistrationType, registrationTypeOf(view, ctx));
      return { result, text: `Method REGISTER with RegistrationType ${wanted}: request is a REGISTER (${actual}) → ${result}` };
    },
  };
}

function registrationTypeOf(view: RequestView, ctx: EvaluationContext): RegistrationTypeValue {
  if (ctx.registrationType !== undefined) return ctx.registrationType;
  if (view.isDeregistration) return RegistrationType.DE_REGISTRATION;
  return ctx.registered ? RegistrationType.RE_REGISTRATION : RegistrationType.INITIAL_REGISTRATION;
}

function requestUriMatcher(spt: Of<'request-uri'>, regex: SafeRegex): SptMatcher {
  const test = (view: RequestView): boolean => regex.test(view.requestUriText);
  return {
    spt,
    test,
    explain(view) {
      const result = test(view);
      const subject = view.requestUriText;
      const verb = result ? 'matches' : subject.length > MAX_MATCH_INPUT ? 'is too long to match' : 'does not match';
      return { result, text: `RequestURI '${show(subject)}' ${verb} '${spt.requestUri}' → ${result}` };
    },
  };
}

function headerPresenceMatcher(spt: Of<'sip-header'>): SptMatcher {
  const test = (view: RequestView): boolean => view.headerValues(spt.header).length > 0;
  return {
    spt,
    test,
    explain(view) {
      const result = test(view);
      return { result, text: `SIPHeader ${spt.header} ${result ? 'present' : 'absent'} → ${result}` };
    },
  };
}

/**
 * Content is tested against each value of the header (comma lists split as RFC 3261 §7.3.1
 * allows), and, when there are several, against all of them joined by ", " — the single-line
 * form §7.3.1 declares equivalent — so patterns written for either form work. Any match → true;
 * an absent header matches nothing (so a negated Content SPT is true when the header is absent).
 */
function headerContentMatcher(spt: Of<'sip-header'>, regex: SafeRegex): SptMatcher {
  const matching = (values: string[]): string | undefined => {
    for (const value of values) if (regex.test(value)) return value;
    if (values.length > 1) {
      const joined = values.join(', ');
      if (regex.test(joined)) return joined;
    }
    return undefined;
  };
  return {
    spt,
    test: (view) => matching(view.headerValues(spt.header)) !== undefined,
    explain(view) {
      const values = view.headerValues(spt.header);
      const hit = matching(values);
      if (hit !== undefined) return { result: true, text: `SIPHeader ${spt.header} matches '${spt.content}' ('${show(hit)}') → true` };
      if (values.length === 0) return { result: false, text: `SIPHeader ${spt.header} absent, so nothing matches '${spt.content}' → false` };
      const shown = values.map((v) => `'${show(v)}'`).join(', ');
      const tooLong = values.some((v) => v.length > MAX_MATCH_INPUT) ? `; values over ${MAX_MATCH_INPUT} characters are not matched` : '';
      return { result: false, text: `SIPHeader ${spt.header} does not match '${spt.content}' (${shown}${tooLong}) → false` };
    },
  };
}

function sessionCaseMatcher(spt: Of<'session-case'>): SptMatcher {
  const test = (_view: RequestView, ctx: EvaluationContext): boolean => ctx.sessionCase === spt.sessionCase;
  return {
    spt,
    test,
    explain(view, ctx) {
      const result = test(view, ctx);
      return { result, text: `SessionCase ${describeSessionCase(spt.sessionCase)}: request is ${describeSessionCase(ctx.sessionCase)} → ${result}` };
    },
  };
}

/** Line is compared exactly with each SDP line's type; Content is searched in the text after `=`. */
function sdpMatcher(spt: Of<'session-description'>, regex: SafeRegex | undefined): SptMatcher {
  const matching = (view: RequestView): string | undefined => {
    for (const line of view.sdpLines) {
      if (line.type === spt.line && (regex === undefined || regex.test(line.value))) return line.value;
    }
    return undefined;
  };
  const what = regex === undefined ? `SessionDescription ${spt.line}=` : `SessionDescription ${spt.line}= '${spt.content}'`;
  return {
    spt,
    test: (view) => matching(view) !== undefined,
    explain(view) {
      const hit = matching(view);
      if (hit !== undefined) return { result: true, text: `${what} matches line '${spt.line}=${show(hit)}' → true` };
      if (view.sdpLines.length === 0) return { result: false, text: `${what}: the request has no SDP → false` };
      return { result: false, text: `${what}: no SDP line matches → false` };
    },
  };
}

/** Values shown in explanations: shortened, so one long header cannot flood the output. */
function show(value: string): string {
  return value.length <= 80 ? value : `${value.slice(0, 77)}...`;
}
