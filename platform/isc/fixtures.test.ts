/**
 * Every fixture's expected outcome, in one table. A fixture file that no row names fails the
 * suite, so a new fixture cannot be added without saying what it must do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { parseMessage, type SipRequest } from '../sip/index.js';
import { IfcEngine } from './ifc-engine.js';
import type { RegistrationType, SessionCase } from './ifc-model.js';
import { loadProfile } from './profile-parser.js';
import { findServiceProfile } from './served-user.js';

const dir = new URL('./fixtures/', import.meta.url);
const text = (path: string): string => readFileSync(new URL(path, dir), 'utf8');

interface Row {
  profile: string;
  request: string;
  sessionCase: SessionCase;
  registered: boolean;
  registrationType?: RegistrationType;
  servedUser?: string;
  wholeUri?: boolean;
  /** ServerNames of the iFCs that fire, in order (host part only, for brevity). */
  fires: string[];
}

const EVALUATIONS: Row[] = [
  // alice.xml: 5 voicemail (unreg part), 10 mmtel, 20 presence, 30 video, 50 cnam, 60 numbering, 90 logging (reg part)
  { profile: 'alice.xml', request: 'invite-audio.sip', sessionCase: 0, registered: true, fires: ['mmtel-as', 'cnam-as', 'logging-as'] },
  { profile: 'alice.xml', request: 'invite-video-multipart.sip', sessionCase: 0, registered: true, fires: ['mmtel-as', 'video-as', 'cnam-as', 'logging-as'] },
  { profile: 'alice.xml', request: 'invite-tel-private.sip', sessionCase: 0, registered: true, fires: ['mmtel-as', 'numbering-as', 'logging-as'] },
  { profile: 'alice.xml', request: 'invite-tel-private.sip', sessionCase: 0, registered: true, wholeUri: true, fires: ['mmtel-as', 'logging-as'] },
  { profile: 'alice.xml', request: 'message-subject.sip', sessionCase: 0, registered: true, fires: ['mmtel-as', 'logging-as'] },
  { profile: 'alice.xml', request: 'subscribe-presence.sip', sessionCase: 0, registered: true, fires: ['presence-as', 'logging-as'] },
  { profile: 'alice.xml', request: 'subscribe-reg.sip', sessionCase: 0, registered: true, fires: ['logging-as'] },
  { profile: 'alice.xml', request: 'invite-audio.sip', sessionCase: 1, registered: true, servedUser: 'tel:+1-555-123-0001', fires: ['cnam-as', 'logging-as'] },
  { profile: 'alice.xml', request: 'invite-audio.sip', sessionCase: 2, registered: false, servedUser: 'sip:alice@IMS.example.com', fires: ['voicemail', 'cnam-as'] },
  { profile: 'alice.xml', request: 'invite-audio.sip', sessionCase: 0, registered: true, servedUser: 'sip:alice-work@ims.example.com', fires: ['work-as'] },
  // session-cases.xml: one iFC per tDirectionOfRequest value
  { profile: 'session-cases.xml', request: 'invite-audio.sip', sessionCase: 0, registered: true, fires: ['orig-reg'] },
  { profile: 'session-cases.xml', request: 'invite-audio.sip', sessionCase: 1, registered: true, fires: ['term-reg'] },
  { profile: 'session-cases.xml', request: 'invite-audio.sip', sessionCase: 2, registered: false, fires: ['term-unreg'] },
  { profile: 'session-cases.xml', request: 'invite-audio.sip', sessionCase: 3, registered: false, fires: ['orig-unreg'] },
  { profile: 'session-cases.xml', request: 'invite-audio.sip', sessionCase: 4, registered: true, fires: ['orig-cdiv'] },
  // cnf-dnf.xml: A INVITE, B MESSAGE, C Subject present, D Priority ~ urgent
  { profile: 'cnf-dnf.xml', request: 'invite-tel-private.sip', sessionCase: 0, registered: true, fires: ['cnf', 'dnf', 'cnf-multigroup', 'dnf-multigroup'] },
  { profile: 'cnf-dnf.xml', request: 'invite-audio.sip', sessionCase: 0, registered: true, fires: ['cnf-multigroup', 'not-urgent'] },
  { profile: 'cnf-dnf.xml', request: 'message-subject.sip', sessionCase: 0, registered: true, fires: ['cnf'] },
  // register.xml: 0 initial only, 1 re- or de-registration, 2 any REGISTER
  { profile: 'register.xml', request: 'register.sip', sessionCase: 0, registered: false, fires: ['welcome-as', 'any-register-as'] },
  { profile: 'register.xml', request: 'register.sip', sessionCase: 0, registered: true, fires: ['refresh-as', 'any-register-as'] },
  { profile: 'register.xml', request: 'register.sip', sessionCase: 0, registered: true, registrationType: 0, fires: ['welcome-as', 'any-register-as'] },
  { profile: 'register.xml', request: 'register-deregister.sip', sessionCase: 0, registered: true, fires: ['refresh-as', 'any-register-as'] },
  { profile: 'register.xml', request: 'invite-audio.sip', sessionCase: 0, registered: true, fires: [] },
  // app-selection.yaml: the YAML form
  { profile: 'app-selection.yaml', request: 'invite-audio.sip', sessionCase: 0, registered: true, fires: ['app-mmtel', 'app-cnam'] },
  { profile: 'app-selection.yaml', request: 'subscribe-presence.sip', sessionCase: 0, registered: true, fires: ['app-presence'] },
  { profile: 'app-selection.yaml', request: 'invite-tel-private.sip', sessionCase: 3, registered: false, fires: [] },
];

/** Hostile and invalid profiles: refused with this problem at this position, or accepted. */
const HOSTILE: Array<{ file: string; line: number; column: number; message: RegExp } | { file: string; accepted: true }> = [
  { file: 'not-well-formed.xml', line: 9, column: 29, message: /^not well-formed XML: Opening and ending tag mismatch: ApplicationServer/ },
  { file: 'entity-bomb.xml', line: 2, column: 1, message: /^a DOCTYPE declaration is not accepted: profiles may not use DTDs or entities$/ },
  { file: 'external-entity.xml', line: 2, column: 1, message: /^a DOCTYPE declaration is not accepted/ },
  { file: 'schema-invalid.xml', line: 12, column: 11, message: /^not a valid TS 29\.228 user profile: <SessionCase>: .*'7'/ },
  { file: 'backreference-regex.xml', line: 11, column: 9, message: /^SIPHeader Subject Content: invalid regular expression '\^\(a\+\)\\1\$': backreference '\\1' is not supported/ },
  { file: 'duplicate-priority.xml', line: 11, column: 5, message: /^Priority 5 is also used by another InitialFilterCriteria \(line 7\)/ },
  { file: 'alias-bomb.yaml', line: 0, column: 0, message: /alias/i },
  { file: 'deep-nesting.yaml', line: 3, column: 56, message: /^collections nested deeper than 32 levels$/ },
  { file: 'catastrophic-regex.xml', accepted: true },
];

function request(name: string): SipRequest {
  const { message, errors } = parseMessage(readFileSync(new URL(`requests/${name}`, dir)));
  if (errors.length > 0 || message?.kind !== 'request') throw new Error(`fixture ${name} is not a valid request: ${JSON.stringify(errors)}`);
  return message;
}

function host(server: string): string {
  return server.replace(/^sip:/, '').replace(/\.(ims\.)?example\.com$/, '').replace(/@switchboard\.local$/, '');
}

describe('fixture evaluations', () => {
  for (const row of EVALUATIONS) {
    const name = `${row.profile} × ${row.request}, session case ${row.sessionCase}${row.registered ? '' : ', unregistered'}${row.servedUser ? `, served user ${row.servedUser}` : ''}${row.wholeUri ? ', whole URI' : ''}${row.registrationType === undefined ? '' : `, registration type ${row.registrationType}`}`;
    it(`${name} → ${row.fires.join(', ') || 'nothing'}`, () => {
      const loaded = loadProfile(text(`profiles/${row.profile}`));
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
      expect(loaded.warnings).toEqual([]);
      const req = request(row.request);
      const found = findServiceProfile(loaded.subscription, req, row.sessionCase, row.servedUser);
      if (!found.ok) throw new Error(found.error);
      const engine = IfcEngine.compile(found.match.profile.initialFilterCriteria, silentLogger, { requestUriTarget: row.wholeUri ? 'uri' : 'hostport' });
      expect(engine.invalid).toEqual([]);
      const ctx = { sessionCase: row.sessionCase, registered: row.registered, ...(row.registrationType === undefined ? {} : { registrationType: row.registrationType }) };
      const fired = engine.evaluate(req, ctx).map((ifc) => host(ifc.applicationServer.serverName));
      expect(fired).toEqual(row.fires);
      // The explaining path must agree with the fast path.
      expect(engine.explain(req, ctx).filter((v) => v.fired).map((v) => host(v.ifc.applicationServer.serverName))).toEqual(row.fires);
    });
  }
});

describe('hostile and invalid profiles', () => {
  for (const entry of HOSTILE) {
    if ('accepted' in entry) {
      it(`${entry.file} is accepted`, () => {
        expect(loadProfile(text(`hostile/${entry.file}`)).ok).toBe(true);
      });
      continue;
    }
    it(`${entry.file} is refused at ${entry.line}:${entry.column}`, () => {
      const loaded = loadProfile(text(`hostile/${entry.file}`));
      if (loaded.ok) throw new Error('expected the profile to be refused');
      expect(loaded.problems[0]).toMatchObject({ line: entry.line, column: entry.column, message: expect.stringMatching(entry.message) });
    });
  }
});

describe('the fixture tables are complete', () => {
  it('every profile and request fixture has a row', () => {
    const profiles = new Set(EVALUATIONS.map((r) => r.profile));
    const requests = new Set(EVALUATIONS.map((r) => r.request));
    expect(readdirSync(new URL('profiles/', dir)).filter((f) => !profiles.has(f))).toEqual([]);
    expect(readdirSync(new URL('requests/', dir)).filter((f) => !requests.has(f))).toEqual([]);
  });

  it('every hostile fixture has a row', () => {
    const named = new Set(HOSTILE.map((h) => h.file));
    expect(readdirSync(new URL('hostile/', dir)).filter((f) => !named.has(f))).toEqual([]);
  });
});
