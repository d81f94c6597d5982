/**
 * The registrar (RFC 3261 §10.3): processes REGISTER requests for our domains against the
 * location service, reports every binding change, and sweeps expired bindings.
 *
 * Steps of §10.3 and where they happen:
 *   1 Request-URI domain is ours ............ `isResponsibleFor` (the endpoint's registrar stage)
 *   2 Require / §8.2 checks .................. the endpoint's validate stage
 *   3 authentication, 4 authorisation (403) .. the endpoint's auth stage (digest, To AOR check)
 *   5 To is a SIP AOR of the Request-URI's domain (400 / 404) ........................ here
 *   6 Contact * with Expires 0 (else 400) ............................................ here
 *   7 expiry (423, cap, default), q, Call-ID/CSeq order (500) ......................... here
 *   8 200 listing every current binding with its expires ............................. here
 * The whole REGISTER is applied atomically by BindingRepository.applyRegistration.
 */
import type { Logger } from '../log/logger.js';
import { decodeUser, type HeaderField, type SipRequest } from '../sip/index.js';
import type { Binding, BindingFlow, BindingRepository, ContactUpdate } from '../store/binding-repository.js';
import type { UserRepository } from '../store/user-repository.js';
import { BindingEvents, type BindingChangeListener } from './binding-events.js';
import type { BindingCacheOptions } from './binding-cache.js';
import { LocationService } from './location-service.js';
import { readRegister, type RequestedContact } from './register-request.js';
import { resolveRegistrarConfig, type RegistrarConfig } from './registrar-config.js';

export interface RegistrarOptions {
  bindings: BindingRepository;
  /** When given, REGISTER for an AOR that is not a user gets 404 (§10.3 step 5). */
  users?: UserRepository;
  config?: Partial<RegistrarConfig>;
  logger: Logger;
  clock?: () => number;
  /** The location service's lookup cache (binding-cache.ts); default: on when the binding
   *  repository offers `changeVersion()`. */
  locationCache?: BindingCacheOptions | false;
}

/** Where the REGISTER came from: kept with the binding (RFC 5626 §5.2 flow; NAT routing). */
export type RegisterSource = BindingFlow;

export interface RegisterReply {
  status: number;
  reason: string;
  headers: HeaderField[];
}

export class Registrar {
  readonly config: RegistrarConfig;
  readonly location: LocationService;
  readonly #bindings: BindingRepository;
  readonly #users: UserRepository | undefined;
  readonly #logger: Logger;
  readonly #clock: () => number;
  readonly #events: BindingEvents;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #sweeping = false;

  constructor(options: RegistrarOptions) {
    this.config = resolveRegistrarConfig(options.config);
    this.#bindings = options.bindings;
    this.#users = options.users;
    this.#logger = options.logger.child({ component: 'registrar' });
    this.#clock = options.clock ?? Date.now;
    this.#events = new BindingEvents((error) => this.#logger.error({ err: error }, 'binding listener threw'));
    this.location = new LocationService({
      bindings: options.bindings,
      ...(options.users ? { users: options.users } : {}),
      domains: this.config.domains,
      clock: this.#clock,
      ...(options.locationCache !== undefined ? { cache: options.locationCache } : {}),
    });
  }

  /** Subscribe to binding changes (added, refreshed, removed, expired); returns unsubscribe. */
  onBindingChange(listener: BindingChangeListener): () => void {
    return this.#events.onBindingChange(listener);
  }

  /** §10.3 step 1: whether the Request-URI names a domain we keep bindings for. */
  isResponsibleFor(request: SipRequest): boolean {
    const uri = request.uri;
    return uri.kind === 'sip' && uri.user === undefined && this.location.isOurDomain(uri.host);
  }

  /** §10.3 steps 5–8 for a REGISTER already authenticated and authorised. */
  async register(request: SipRequest, source: RegisterSource): Promise<RegisterReply> {
    const now = this.#clock();
    // Step 5: the To header field names the address-of-record.
    let to;
    try {
      to = request.to.uri;
    } catch {
      return reply(400, 'Bad To');
    }
    if (to.kind !== 'sip' || to.user === undefined) return reply(400, 'To must be a SIP or SIPS address-of-record');
    const requestUri = request.uri;
    const domain = requestUri.kind === 'sip' ? requestUri.host.toLowerCase() : '';
    // "If the address-of-record is not valid for the domain in the Request-URI, the registrar
    // MUST send a 404 (Not Found) response".
    if (to.host.toLowerCase() !== domain) return reply(404, 'Not Found');
    const user = decodeUser(to) ?? '';
    const aor = `${user}@${domain}`;
    if (this.#users && !(await this.#users.get(aor).catch(() => undefined))) return reply(404, 'Not Found');

    const intent = readRegister(request, this.config);
    if (intent.kind === 'reject') return reply(intent.status, intent.reason, intent.headers);

    let callId: string;
    let cseq: number;
    try {
      callId = request.callId;
      cseq = request.cseq.seq;
    } catch {
      return reply(400, 'Bad Call-ID or CSeq');
    }
    const path = request.getHeaders('Path');

    let active: Binding[];
    if (intent.kind === 'query') {
      active = await this.#bindings.listActive(aor, now);
    } else {
      const contacts = intent.kind === 'update' ? intent.contacts.map((c) => this.#toUpdate(c, now, path, source, request)) : [];
      let outcome;
      // The store's change version covers this write too; dropping the AOR here keeps the
      // location cache right even with a store that cannot report versions.
      this.location.invalidate(aor);
      try {
        outcome = await this.#bindings.applyRegistration({
          aor,
          callId,
          cseq,
          now,
          ...(intent.kind === 'remove-all' ? { removeAll: true } : { contacts }),
          maxBindings: this.config.maxContactsPerAor,
        });
      } catch (error) {
        // §10.3 step 7: if the update cannot be committed "the request MUST fail with a 500".
        this.#logger.error({ err: error, aor }, 'bindings could not be stored');
        return reply(500, 'Server Internal Error');
      } finally {
        this.location.invalidate(aor);
      }
      if (!outcome.ok) {
        this.#logger.info({ aor, callId, cseq, reason: outcome.reason }, outcome.message);
        // §10.3 steps 6/7: an older CSeq for the same Call-ID means "the update MUST be aborted
        // and the request fails"; with step 7's failure rule that is a 500.
        if (outcome.reason === 'out-of-order') return reply(500, 'Server Internal Error', [{ name: 'Warning', value: '399 switchboard "Out-of-order REGISTER (CSeq not above the stored one)"' }]);
        return reply(403, 'Too Many Registrations');
      }
      this.#events.emit('added', outcome.added);
      this.#events.emit('refreshed', outcome.refreshed);
      this.#events.emit('removed', outcome.removed);
      active = outcome.active;
      this.#logger.debug(
        { aor, added: outcome.added.length, refreshed: outcome.refreshed.length, removed: outcome.removed.length, active: active.length },
        'registration applied',
      );
    }

    // Step 8: "The response MUST contain Contact header field values enumerating all current
    // bindings. Each Contact value MUST feature an 'expires' parameter ... The response SHOULD
    // include a Date header field."
    const headers: HeaderField[] = active.map((binding) => ({ name: 'Contact', value: contactValue(binding, now) }));
    headers.push({ name: 'Date', value: new Date(now).toUTCString() });
    // RFC 3327 §5.3: the Path is echoed when the UA said it supports path.
    if (path.length > 0 && supportsPath(request)) headers.push({ name: 'Path', value: path.join(', ') });
    return reply(200, 'OK', headers);
  }

  /** Start removing expired bindings every `sweepIntervalMs` (reported as 'expired'). */
  startSweeper(): void {
    if (this.#sweepTimer !== undefined) return;
    this.#sweepTimer = setInterval(() => void this.sweep(), this.config.sweepIntervalMs);
    this.#sweepTimer.unref?.();
  }

  stopSweeper(): void {
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  /** Remove expired bindings now; returns them. */
  async sweep(): Promise<Binding[]> {
    if (this.#sweeping) return [];
    this.#sweeping = true;
    try {
      const expired = await this.#bindings.sweepExpired(this.#clock());
      for (const binding of expired) this.location.invalidate(binding.aor);
      this.#events.emit('expired', expired);
      return expired;
    } catch (error) {
      this.#logger.error({ err: error }, 'expiry sweep failed');
      return [];
    } finally {
      this.#sweeping = false;
    }
  }

  #toUpdate(contact: RequestedContact, now: number, path: string[], source: RegisterSource, request: SipRequest): ContactUpdate {
    const update: ContactUpdate = {
      contactUri: contact.uri,
      expiresAt: now + contact.expires * 1000,
      path,
      received: source,
    };
    if (contact.q !== undefined) update.q = contact.q;
    if (contact.instanceId !== undefined) update.instanceId = contact.instanceId;
    if (contact.regId !== undefined) update.regId = contact.regId;
    const userAgent = request.getHeader('User-Agent');
    if (userAgent !== undefined) update.userAgent = userAgent;
    return update;
  }
}

/** `<uri>;expires=N;q=0.5;+sip.instance="<…>";reg-id=1` for the 200 (§10.3 step 8, RFC 5626 §6). */
export function contactValue(binding: Binding, now: number): string {
  const expires = Math.max(1, Math.ceil((binding.expiresAt - now) / 1000));
  let value = `<${binding.contactUri}>;expires=${expires}`;
  if (binding.q !== 1) value += `;q=${binding.q}`;
  if (binding.instanceId !== undefined) value += `;+sip.instance="${binding.instanceId}"`;
  if (binding.regId !== undefined) value += `;reg-id=${binding.regId}`;
  return value;
}

function supportsPath(request: SipRequest): boolean {
  return request
    .getHeaders('Supported')
    .some((tag) => tag.trim().toLowerCase() === 'path');
}

function reply(status: number, reason: string, headers: HeaderField[] = []): RegisterReply {
  return { status, reason, headers };
}
