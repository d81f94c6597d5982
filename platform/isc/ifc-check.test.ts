import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { checkIfc, firedAsJson, formatCheckText, type IfcCheckInput, type IfcCheckReport } from './ifc-check.js';
import { readRequestFile } from './request-file.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`./fixtures/${path}`, import.meta.url));

function input(profile: string, request: string, sessionCase: number, extra: Partial<IfcCheckInput> = {}): IfcCheckInput {
  return {
    profileText: fixture(`profiles/${profile}`).toString('utf8'),
    profileName: profile,
    requestData: fixture(`requests/${request}`),
    requestName: request,
    sessionCase,
    ...extra,
  };
}

function report(i: IfcCheckInput): IfcCheckReport {
  const result = checkIfc(i, silentLogger);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.report;
}

function errors(i: IfcCheckInput): string[] {
  const result = checkIfc(i, silentLogger);
  if (result.ok) throw new Error('expected the check to fail');
  return result.errors;
}

describe('ifc check: text output', () => {
  it('lists the servers that fire, in order, with every reason, then those that do not', () => {
    expect(formatCheckText(report(input('cnf-dnf.xml', 'message-subject.sip', 0)))).toBe(
      [
        'Request: MESSAGE sip:bob@ims.example.com',
        'Session case: 0 ORIGINATING_REGISTERED, served user registered',
        'Served user: (not matched) (ServiceProfile 1: sip:dave@ims.example.com)',
        "Note: the served user is not among the profile's identities; using its only ServiceProfile",
        '',
        'Application servers that fire, in order (1 of 5 iFCs):',
        '  1. sip:cnf.example.com  (priority 1, DefaultHandling SESSION_CONTINUED)',
        '       CNF: group 0 [SPT 1 OR SPT 2] true AND group 1 [SPT 3 OR SPT 4] true → true',
        '       SPT 1 (group 0): Method INVITE: request is MESSAGE → false',
        '       SPT 2 (group 0): Method MESSAGE: request is MESSAGE → true',
        '       SPT 3 (group 1): SIPHeader Subject present → true',
        "       SPT 4 (group 1): SIPHeader Priority absent, so nothing matches 'urgent' → false",
        '',
        'Not fired:',
        '  - sip:dnf.example.com  (priority 2)',
        '       DNF: group 0 [SPT 1 AND SPT 2] false OR group 1 [SPT 3 AND SPT 4] false → false',
        '       SPT 1 (group 0): Method INVITE: request is MESSAGE → false',
        '       SPT 2 (group 0): Method MESSAGE: request is MESSAGE → true',
        '       SPT 3 (group 1): SIPHeader Subject present → true',
        "       SPT 4 (group 1): SIPHeader Priority absent, so nothing matches 'urgent' → false",
        '  - sip:cnf-multigroup.example.com  (priority 3)',
        '       CNF: group 3 [SPT 1 OR SPT 3] false AND group 7 [SPT 1 OR SPT 2] true → false',
        '       SPT 1 (group 7, 3): Method INVITE: request is MESSAGE → false',
        '       SPT 2 (group 7): SIPHeader Subject present → true',
        "       SPT 3 (group 3): SIPHeader Priority absent, so nothing matches 'urgent' → false",
        '  - sip:dnf-multigroup.example.com  (priority 4)',
        '       DNF: group 3 [SPT 1 AND SPT 3] false OR group 7 [SPT 1 AND SPT 2] false → false',
        '       SPT 1 (group 7, 3): Method INVITE: request is MESSAGE → false',
        '       SPT 2 (group 7): SIPHeader Subject present → true',
        "       SPT 3 (group 3): SIPHeader Priority absent, so nothing matches 'urgent' → false",
        '  - sip:not-urgent.example.com  (priority 5)',
        '       CNF: group 0 [SPT 1] false AND group 1 [SPT 2] true → false',
        '       SPT 1 (group 0): Method INVITE: request is MESSAGE → false',
        "       SPT 2 (group 1): NOT (SIPHeader Priority absent, so nothing matches 'urgent' → false) → true",
        '',
      ].join('\n'),
    );
  });

  it('names the served user, where it came from, and profile notes', () => {
    const text = formatCheckText(report(input('alice.xml', 'invite-audio.sip', 0)));
    expect(text).toContain('Served user: sip:alice@ims.example.com (ServiceProfile 1: sip:alice@ims.example.com, tel:+15551230001)');
    expect(text).toContain('Note: served user sip:alice@ims.example.com taken from P-Asserted-Identity');
    expect(text).toContain("Note: shared iFC sets 7 are referenced but not expanded (they live in the S-CSCF's configuration)");
  });

  it('says so when nothing fires', () => {
    expect(formatCheckText(report(input('register.xml', 'invite-audio.sip', 0)))).toContain('\nNo application server fires.\n');
  });

  it('takes the terminating served user from the Request-URI', () => {
    const r = report(input('alice.xml', 'subscribe-reg.sip', 1));
    expect(r.servedUser).toBe('sip:alice@ims.example.com');
    expect(r.notes[0]).toBe('served user sip:alice@ims.example.com taken from Request-URI');
  });
});

describe('ifc check: JSON output', () => {
  it('is an array of the fired iFCs in order with priority, server, defaultHandling and serviceInfo', () => {
    const fired = firedAsJson(report(input('alice.xml', 'invite-video-multipart.sip', 0)));
    expect(fired.map(({ explanation: _e, ...rest }) => rest)).toEqual([
      { priority: 10, server: 'sip:mmtel-as.ims.example.com', defaultHandling: 'SESSION_CONTINUED', serviceInfo: 'mmtel-orig' },
      { priority: 30, server: 'sip:video-as.ims.example.com', defaultHandling: 'SESSION_CONTINUED', serviceInfo: null },
      { priority: 50, server: 'sip:cnam-as.ims.example.com', defaultHandling: 'SESSION_CONTINUED', serviceInfo: null },
      { priority: 90, server: 'sip:logging-as.ims.example.com', defaultHandling: 'SESSION_CONTINUED', serviceInfo: 'log-everything' },
    ]);
    expect(fired[1]!.explanation).toEqual([
      'CNF: group 0 [SPT 1] true AND group 1 [SPT 2] true → true',
      'SPT 1 (group 0): Method INVITE: request is INVITE → true',
      "SPT 2 (group 1): SessionDescription m= '^video' matches line 'm=video 51372 RTP/AVP 99' → true",
    ]);
  });

  it('reports SESSION_TERMINATED and the RegistrationType given on the command line', () => {
    const fired = firedAsJson(report(input('register.xml', 'register.sip', 0, { registrationType: 0 })));
    expect(fired.map((f) => [f.server, f.defaultHandling, f.serviceInfo])).toEqual([
      ['sip:welcome-as.example.com', 'SESSION_TERMINATED', 'welcome'],
      ['sip:any-register-as.example.com', 'SESSION_CONTINUED', null],
    ]);
  });
});

describe('ifc check: refusals', () => {
  it('refuses session cases outside 0-4, contradicting flags and bad registration types', () => {
    expect(errors(input('alice.xml', 'invite-audio.sip', 7))[0]).toMatch(/^--session-case must be a tDirectionOfRequest value 0-4 \(0 ORIGINATING_REGISTERED, .*4 ORIGINATING_CDIV\), got 7$/);
    expect(errors(input('alice.xml', 'invite-audio.sip', 3, { registered: true }))[0]).toBe(
      '--session-case 3 ORIGINATING_UNREGISTERED is for an unregistered served user; it contradicts --registered',
    );
    expect(errors(input('alice.xml', 'invite-audio.sip', 0, { registrationType: 3 }))[0]).toMatch(/^--registration-type must be 0, 1 or 2/);
  });

  it('names the profile file, line and column of each problem', () => {
    const i = input('alice.xml', 'invite-audio.sip', 0, { profileText: fixture('hostile/duplicate-priority.xml').toString(), profileName: 'dup.xml' });
    expect(errors(i)).toEqual(['dup.xml:11:5: Priority 5 is also used by another InitialFilterCriteria (line 7); TS 29.228 Annex B requires distinct priorities']);
  });

  it('asks for --served-user when no ServiceProfile lists the served user', () => {
    expect(errors(input('alice.xml', 'invite-audio.sip', 1))[0]).toBe(
      'no ServiceProfile lists the served user: tried sip:bob@ims.example.com (Request-URI); the profile\'s identities are sip:alice@ims.example.com, tel:+15551230001, sip:alice-work@ims.example.com; name one with --served-user',
    );
    expect(errors(input('session-cases.xml', 'invite-audio.sip', 0, { servedUser: 'sip:nobody@example.com' }))[0]).toMatch(/^no ServiceProfile lists the served user: tried sip:nobody@example.com \(--served-user\)/);
  });

  it('says when the served identity is barred', () => {
    const profile = fixture('profiles/session-cases.xml').toString().replace('<PublicIdentity><Identity>', '<PublicIdentity><BarringIndication>1</BarringIndication><Identity>');
    const r = report(input('session-cases.xml', 'invite-audio.sip', 0, { profileText: profile, servedUser: 'sip:carol@ims.example.com' }));
    expect(r.notes).toContain('sip:carol@ims.example.com is barred (BarringIndication): an S-CSCF would refuse originating requests with 403');
  });
});

describe('request files', () => {
  it('passes wire bytes through unchanged', () => {
    const result = readRequestFile(fixture('requests/invite-audio.sip'));
    if (!result.ok) throw new Error(result.error);
    expect(result.notes).toEqual([]);
    expect(result.request.toBuffer().equals(fixture('requests/invite-audio.sip'))).toBe(true);
  });

  it('repairs LF line ends and a wrong Content-Length, and says so', () => {
    const result = readRequestFile(Buffer.from('MESSAGE sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: x\nCSeq: 1 MESSAGE\nMax-Forwards: 70\nl: 99\n\nhello\n'));
    if (!result.ok) throw new Error(result.error);
    expect(result.notes).toEqual(['line ends converted from LF to CRLF', 'Content-Length 99 replaced by 7, the length of the body in the file']);
    expect(result.request.body.toString()).toBe('hello\r\n');
  });

  it('refuses empty files, responses and garbage', () => {
    expect(readRequestFile(Buffer.alloc(0))).toEqual({ ok: false, error: 'the request file is empty' });
    expect(readRequestFile(Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@b>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n'))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^not a SIP request/),
    });
    expect(readRequestFile(Buffer.from('hello world\n'))).toMatchObject({ ok: false, error: expect.stringMatching(/^not a valid SIP message: 400 /) });
  });
});
