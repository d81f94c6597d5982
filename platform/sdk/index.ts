/**
 * The Switchboard app SDK — import it as `@switchboard/sdk` (or by relative path inside this
 * repository). It is bundled into every app at deploy time and runs inside the app's sandbox.
 *
 * ```ts
 * import { defineApp } from '@switchboard/sdk';
 * export default defineApp({
 *   async onInvite(req, ctx) {
 *     if (await ctx.kv.get(`blocked:${req.from.user}`)) return req.reply(603, 'Decline');
 *     const res = await req.proxy(req.uri, { recordRoute: true, timeout: 20 });
 *     if (res.outcome === 'busy') await req.proxy('sip:voicemail@example.com');
 *   },
 * });
 * ```
 * See platform/sdk/README.md for the whole API.
 */
export { defineApp, type SwitchboardApp } from './define-app.js';
export type {
  AppContext,
  AppDefinition,
  AppEvent,
  AppLogger,
  AppSession,
  B2buaOptions,
  B2buaOutcomeKind,
  B2buaResult,
  CallConnectedHandler,
  CallEnd,
  CallEndedHandler,
  CallRef,
  Calls,
  ConnectOptions,
  ConnectResult,
  EventCaller,
  EventHandler,
  HeaderInit,
  JsonValue,
  KvStore,
  OutcomeKind,
  Party,
  PlainData,
  RegistrationEvent,
  RegistrationHandler,
  ProxyOptions,
  ReadonlySipHeaders,
  RequestHandler,
  ResponseHandler,
  SipHeaders,
  SipRequest,
  SipResponse,
  Target,
  TimerEvent,
  TimerHandler,
  TimerRef,
  Timers,
  Uac,
  UacInvite,
  UacInviteResponse,
  UacRequest,
  UacResponse,
} from './types.js';
