/**
 * CPL upload through REGISTER, as SER/Kamailio/OpenSIPS `cpl_process_register` do after
 * draft-lennox-sip-reg-payload-01 (cpl.md §12):
 * - `Content-Type: application/cpl+xml` with a body (and `Content-Disposition: script;
 *   action=store`, or none): store the script for the registering user;
 * - `Content-Disposition: script; action=remove` with an empty body: remove it;
 * - no body and `Accept: application/cpl+xml`: the 200 OK carries the stored script.
 *   Unlike Kamailio, `Accept: *\/*` is not a download request (it would turn ordinary
 *   REGISTERs into downloads).
 * The owner is the authenticated identity, never the To header alone. A bad script is answered
 * 400 "Bad CPL script" with the problems in a text/plain body (Kamailio sends none) and the
 * bindings are not touched; otherwise the registration proceeds as usual.
 */
import type { SipRequest } from '../../platform/sip/index.js';
import { formatProblems, type CplScriptManager } from './cpl-script-manager.js';

export const CPL_MEDIA_TYPE = 'application/cpl+xml';

export type CplRegisterAction =
  /** Not a CPL REGISTER: register as usual. */
  | { readonly kind: 'none' }
  /** Stored or removed: register as usual (and optionally log `detail`). */
  | { readonly kind: 'stored'; readonly version: number; readonly detail: string }
  | { readonly kind: 'removed'; readonly existed: boolean }
  /** Register as usual and put this body into the 200 OK. */
  | { readonly kind: 'download'; readonly body: { readonly contentType: string; readonly content: string } | null }
  /** Answer this instead of registering. */
  | { readonly kind: 'reject'; readonly status: number; readonly reason: string; readonly body?: { readonly contentType: string; readonly content: string } };

/**
 * What to do with a REGISTER for `aor` (the To AOR the registrar is about to update);
 * `authenticatedAs` is the AOR the request proved with digest credentials.
 */
export async function handleCplRegister(manager: CplScriptManager, request: SipRequest, aor: string, authenticatedAs: string | undefined): Promise<CplRegisterAction> {
  if (request.method !== 'REGISTER') return { kind: 'none' };
  const disposition = parseDisposition(request.getHeader('Content-Disposition'));
  const isCpl = request.contentType === CPL_MEDIA_TYPE;
  const wantsScript = request.getHeaders('Accept').some((value) => value.split(';')[0]?.trim().toLowerCase() === CPL_MEDIA_TYPE);
  const removing = disposition?.type === 'script' && disposition.action === 'remove';
  if (!isCpl && !removing && !(wantsScript && request.body.length === 0)) return { kind: 'none' };
  // RFC 3880 §13: scripts need strong authentication; the registrar already checked that
  // the credentials may update `aor`, this is the engine's own guard.
  if (authenticatedAs === undefined || authenticatedAs.toLowerCase() !== aor.toLowerCase()) {
    return { kind: 'reject', status: 403, reason: 'Forbidden' };
  }
  if (removing) return { kind: 'removed', existed: await manager.remove(aor) };
  if (isCpl && request.body.length > 0) {
    if (disposition !== undefined && (disposition.type !== 'script' || (disposition.action !== undefined && disposition.action !== 'store'))) {
      return { kind: 'reject', status: 400, reason: 'Bad Request', body: text('Content-Disposition must be "script; action=store" or "script; action=remove"\n') };
    }
    const result = await manager.upload(aor, request.body.toString('utf8'));
    if (!result.ok) return { kind: 'reject', status: 400, reason: 'Bad CPL script', body: text(formatProblems(result.errors)) };
    return { kind: 'stored', version: result.record.version, detail: formatProblems(result.warnings, 'warning') };
  }
  if (isCpl) return { kind: 'reject', status: 400, reason: 'Bad Request', body: text('an application/cpl+xml REGISTER needs the script as its body\n') };
  const stored = await manager.get(aor);
  return { kind: 'download', body: stored ? { contentType: CPL_MEDIA_TYPE, content: stored.xml } : null };
}

function text(content: string): { contentType: string; content: string } {
  return { contentType: 'text/plain;charset=utf-8', content };
}

/** `script; action=store` → { type: 'script', action: 'store' } (RFC 2183 syntax, lenient). */
function parseDisposition(value: string | undefined): { type: string; action?: string } | undefined {
  if (value === undefined) return undefined;
  const [type = '', ...params] = value.split(';').map((part) => part.trim());
  const out: { type: string; action?: string } = { type: type.toLowerCase() };
  for (const param of params) {
    const [name, raw] = param.split('=', 2).map((s) => s.trim());
    if (name?.toLowerCase() === 'action' && raw !== undefined) out.action = raw.replace(/^"(.*)"$/u, '$1').toLowerCase();
  }
  return out;
}
