/**
 * What an operator switches a trace on for: one user (an address-of-record, matched against
 * From, To and Request-URI of a call's initial request) or one app (calls the app engine
 * handled). Every rule expires, so a forgotten trace switches itself off.
 */
import { normalizeAor } from '../store/aor.js';

export type TraceRuleKind = 'user' | 'app';

export interface TraceTarget {
  kind: TraceRuleKind;
  /** `user@domain` (domain lower-cased) or an app name. */
  target: string;
}

export interface TraceRule extends TraceTarget {
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms; the rule matches nothing from then on. */
  expiresAt: number;
}

export const DEFAULT_RULE_MS = 60 * 60 * 1000;
export const MAX_RULE_MS = 24 * 60 * 60 * 1000;

/** A usage mistake (bad AOR, duration or name): the CLI prints it, HTTP answers 400. */
export class TraceInputError extends Error {
  override readonly name = 'TraceInputError';
}

// The app manifest's name rule (platform/container/manifest.ts).
const APP_NAME = /^[a-z0-9-]{1,64}$/u;
const DURATION_PART = /(\d+)(ms|s|m|h|d)/gu;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `1h`, `90s`, `1h30m` → milliseconds (1 ms … 24 h). A bare number is refused: its
 *  unit would be a guess. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(DURATION_PART)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed += match[0].length;
  }
  if (trimmed.length === 0 || consumed !== trimmed.length) {
    throw new TraceInputError(`"${text}" is not a duration: use a number with a unit, e.g. 90s, 30m, 1h, 1h30m`);
  }
  if (total <= 0) throw new TraceInputError(`the duration "${text}" must be longer than zero`);
  if (total > MAX_RULE_MS) throw new TraceInputError(`the duration "${text}" is longer than the maximum of 24h`);
  return total;
}

/** `alice@sb.test`, `sip:alice@SB.test` or `<sip:alice@sb.test>` → `alice@sb.test`. */
export function parseUserTarget(text: string): string {
  const bare = text.trim().replace(/^<(.*)>$/u, '$1').replace(/^sips?:/iu, '').replace(/[;?].*$/u, '');
  try {
    return normalizeAor(bare);
  } catch {
    throw new TraceInputError(`"${text}" is not an address-of-record of the form user@domain`);
  }
}

export function parseAppTarget(text: string): string {
  const name = text.trim();
  if (!APP_NAME.test(name)) throw new TraceInputError(`"${text}" is not an app name (lower-case letters, digits and "-", at most 64)`);
  return name;
}

/** Exactly one of `user` / `app`, checked and normalised. */
export function parseTarget(input: { user?: string | undefined; app?: string | undefined }): TraceTarget {
  const { user, app } = input;
  if ((user === undefined) === (app === undefined)) throw new TraceInputError('name exactly one: a user (user@domain) or an app (its name)');
  return user !== undefined ? { kind: 'user', target: parseUserTarget(user) } : { kind: 'app', target: parseAppTarget(app as string) };
}

/** `user:alice@sb.test` / `app:screening`: how a rule names itself in listings. */
export function formatTarget(target: TraceTarget): string {
  return `${target.kind}:${target.target}`;
}
