/**
 * Named events delivered to apps from outside SIP (`POST /api/v1/apps/{name}/events/{event}`,
 * platform/http/app-routes.ts): the answer the HTTP route turns into a status, and the check
 * that what the handler returned can be sent as JSON.
 */
import type { JsonValue } from '../../container/index.js';
import type { PlainData, WireCaller } from '../protocol.js';

export type AppEventAnswer =
  /** The handler ran; `value` is what it returned (null for nothing). */
  | { kind: 'ok'; value: JsonValue }
  /** No such app, or the app has no handler for the event. */
  | { kind: 'not-found'; message: string }
  /** The app is disabled after faults, or at its session cap. */
  | { kind: 'unavailable'; message: string }
  /** The handler threw, ran out of budget, or returned something that is not JSON. */
  | { kind: 'fault'; message: string };

/** What the HTTP route needs from the app engine. */
export interface AppEventSink {
  deliverEvent(app: string, name: string, payload: PlainData, caller: WireCaller): Promise<AppEventAnswer>;
}

const MAX_DEPTH = 32;

/** `value` as JSON, or undefined when it holds something JSON cannot carry (bigint, Map, Date…). */
export function asJson(value: PlainData, depth = 0): JsonValue | undefined {
  if (value === null || value === undefined) return null;
  if (depth > MAX_DEPTH) return undefined;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (Array.isArray(value)) {
    const items: JsonValue[] = [];
    for (const item of value as readonly PlainData[]) {
      const json = asJson(item, depth + 1);
      if (json === undefined) return undefined;
      items.push(json);
    }
    return items;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const out: { [key: string]: JsonValue } = {};
  for (const [key, item] of Object.entries(value as { [key: string]: PlainData })) {
    if (item === undefined) continue;
    const json = asJson(item, depth + 1);
    if (json === undefined) return undefined;
    out[key] = json;
  }
  return out;
}
