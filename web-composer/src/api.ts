/**
 * The HTTP API the composer talks to (contracts: session and CPL API notes). Every call sends
 * `X-Requested-With: XMLHttpRequest` so a 401 never pops the browser's password dialog, and
 * every write made with the session cookie carries the session's CSRF token.
 */
export interface Session {
  aor: string;
  csrfToken: string;
  expiresAt: string;
}

export interface Problem {
  line: number;
  column: number;
  rule: string;
  message: string;
}

export interface StoredScript {
  aor: string;
  version: number;
  hash: string;
  size: number;
  uploadedAt: string;
  script: string;
}

export interface UploadResult {
  aor: string;
  version: number;
  uploadedAt: string;
  warnings: Problem[];
}

export interface LogEntry {
  id: number;
  time: string;
  name: string | null;
  comment: string | null;
  origin: string | null;
  destination: string | null;
  callId: string | null;
}

export interface SimStep {
  nodeId: number | null;
  element: string;
  line: number;
  column: number;
  sentence: string;
  output?: string;
}

export interface SimAction {
  kind: string;
  nodeId?: number;
  line?: number;
  targets?: string[];
  result?: string;
  timeoutSeconds?: number | null;
  ordering?: string;
  source?: string;
  to?: string[];
  subject?: string;
  comment?: string | null;
  name?: string | null;
}

export interface Simulation {
  ok: boolean;
  errors: Problem[];
  warnings: Problem[];
  steps: SimStep[];
  actions: SimAction[];
  decision: { kind: string; status?: number; reason?: string } | null;
  summary: string;
}

export interface SimulateRequest {
  script: string;
  call: {
    direction: 'incoming' | 'outgoing';
    from: string;
    to: string;
    requestUri?: string;
    headers?: Record<string, string>;
    time?: string;
    registrations?: string;
  };
  outcomes: Record<string, string>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

const BASE = '/api/v1';

export class Api {
  csrfToken = '';

  async #call<T>(method: string, path: string, body?: { json: unknown } | { xml: string }, accept = 'application/json'): Promise<T> {
    const headers: Record<string, string> = { 'X-Requested-With': 'XMLHttpRequest', Accept: accept };
    let payload: string | undefined;
    if (body && 'json' in body) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      headers['Content-Type'] = 'application/cpl+xml'; // RFC 3880 §14.3
      payload = body.xml;
    }
    if (method !== 'GET' && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    const response = await fetch(`${BASE}${path}`, { method, headers, body: payload, credentials: 'same-origin' });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const e = (data ?? {}) as { error?: string; message?: string; problems?: Problem[] };
      throw new ApiError(response.status, e.error ?? 'http-error', e.message ?? `The server answered ${response.status}.`, e.problems ?? []);
    }
    return data as T;
  }

  async login(username: string, password: string): Promise<Session> {
    const s = await this.#call<Session>('POST', '/session', { json: { username, password } });
    this.csrfToken = s.csrfToken;
    return s;
  }

  async whoAmI(): Promise<Session | undefined> {
    try {
      const s = await this.#call<Session>('GET', '/session');
      this.csrfToken = s.csrfToken;
      return s;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return undefined;
      throw error;
    }
  }

  async logout(): Promise<void> {
    await this.#call<void>('DELETE', '/session');
    this.csrfToken = '';
  }

  /** The stored script, or undefined when the user has none yet. */
  async getScript(aor: string): Promise<StoredScript | undefined> {
    try {
      return await this.#call<StoredScript>('GET', `/users/${encodeURIComponent(aor)}/cpl`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  putScript(aor: string, xml: string): Promise<UploadResult> {
    return this.#call<UploadResult>('PUT', `/users/${encodeURIComponent(aor)}/cpl`, { xml });
  }

  deleteScript(aor: string): Promise<void> {
    return this.#call<void>('DELETE', `/users/${encodeURIComponent(aor)}/cpl`);
  }

  async log(aor: string, limit = 20): Promise<LogEntry[]> {
    const r = await this.#call<{ entries: LogEntry[] }>('GET', `/users/${encodeURIComponent(aor)}/cpl/log?limit=${limit}`);
    return r.entries;
  }

  validate(xml: string): Promise<{ valid: boolean; problems: Problem[]; warnings: Problem[] }> {
    return this.#call('POST', '/cpl/validate', { xml });
  }

  simulate(request: SimulateRequest): Promise<Simulation> {
    return this.#call('POST', '/cpl/simulate', { json: request });
  }
}
