import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { IfcEngine } from './ifc-engine.js';
import type { ImsSubscription } from './ifc-model.js';
import { loadProfile, type LoadProfileResult } from './profile-parser.js';

const fixture = (path: string): string => readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8');

function loaded(result: LoadProfileResult): ImsSubscription {
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.subscription;
}

function problems(result: LoadProfileResult): Array<{ line: number; column: number; message: string }> {
  if (result.ok) throw new Error('expected the profile to be refused');
  return result.problems;
}

/** The model without source positions, to compare XML and YAML loads. */
function withoutPositions(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'source' ? undefined : v)));
}

/** A one-ServiceProfile document around some iFC XML. */
function xmlProfile(ifcs: string, extra = ''): string {
  return `<?xml version="1.0"?>\n<IMSSubscription>\n<PrivateID>a@example.com</PrivateID>\n<ServiceProfile>\n<PublicIdentity><Identity>sip:a@example.com</Identity></PublicIdentity>\n${ifcs}\n${extra}</ServiceProfile>\n</IMSSubscription>\n`;
}

describe('TS 29.228 XML profiles', () => {
  it('maps every element of the model', () => {
    const sub = loaded(loadProfile(fixture('profiles/alice.xml')));
    expect(sub.privateId).toBe('alice@ims.example.com');
    expect(sub.serviceProfiles).toHaveLength(2);
    const [home, work] = sub.serviceProfiles;
    expect(home!.publicIdentities).toEqual([
      { identity: 'sip:alice@ims.example.com', barred: false },
      { identity: 'tel:+15551230001', barred: false },
    ]);
    expect(home!.sharedIfcSetIds).toEqual([7]);
    expect(home!.initialFilterCriteria.map((i) => i.priority)).toEqual([10, 20, 30, 5, 50, 60, 90]);
    const mmtel = home!.initialFilterCriteria[0]!;
    expect(withoutPositions(mmtel)).toEqual({
      priority: 10,
      triggerPoint: {
        conditionTypeCnf: true,
        spts: [
          { kind: 'method', method: 'INVITE', conditionNegated: false, groups: [0], registrationTypes: [] },
          { kind: 'method', method: 'MESSAGE', conditionNegated: false, groups: [0], registrationTypes: [] },
          { kind: 'session-case', sessionCase: 0, conditionNegated: false, groups: [1], registrationTypes: [] },
        ],
      },
      applicationServer: { serverName: 'sip:mmtel-as.ims.example.com', defaultHandling: 0, serviceInfo: 'mmtel-orig', includeRegisterRequest: false, includeRegisterResponse: false },
      profilePartIndicator: 0,
    });
    expect(mmtel.source).toEqual({ line: 15, column: 5 });
    expect(mmtel.triggerPoint!.spts[0]!.source).toEqual({ line: 19, column: 9 });
    const presence = home!.initialFilterCriteria[1]!;
    expect(presence.triggerPoint!.conditionTypeCnf).toBe(false);
    expect(presence.triggerPoint!.spts[1]).toMatchObject({ kind: 'sip-header', header: 'Event', content: '^presence', groups: [0, 1] });
    expect(home!.initialFilterCriteria[4]!.triggerPoint!.spts[1]).toMatchObject({ kind: 'sip-header', header: 'Privacy', conditionNegated: true });
    expect(home!.initialFilterCriteria[4]!.triggerPoint!.spts[1]).not.toHaveProperty('content');
    expect(home!.initialFilterCriteria[6]).not.toHaveProperty('triggerPoint');
    expect(work!.initialFilterCriteria).toHaveLength(1);
  });

  it('reads RegistrationType, IncludeRegisterRequest/Response and DefaultHandling', () => {
    const [profile] = loaded(loadProfile(fixture('profiles/register.xml'))).serviceProfiles;
    const [welcome, refresh] = profile!.initialFilterCriteria;
    expect(welcome!.triggerPoint!.spts[0]!.registrationTypes).toEqual([0]);
    expect(welcome!.applicationServer).toEqual({
      serverName: 'sip:welcome-as.example.com',
      defaultHandling: 1,
      serviceInfo: 'welcome',
      includeRegisterRequest: true,
      includeRegisterResponse: true,
    });
    expect(refresh!.triggerPoint!.spts[0]!.registrationTypes).toEqual([1, 2]);
  });

  it('reads CDATA, ignores comments and elements of other namespaces (xs:any ##other)', () => {
    const sub = loaded(
      loadProfile(
        xmlProfile(`<!-- <Priority>99</Priority> -->
<InitialFilterCriteria>
  <Priority>1</Priority>
  <TriggerPoint><ConditionTypeCNF>1</ConditionTypeCNF>
    <SPT><Group>0</Group><SIPHeader><Header>Subject</Header><Content><![CDATA[^a<b>&c$]]></Content></SIPHeader><v:hint xmlns:v="urn:vendor">x</v:hint></SPT>
  </TriggerPoint>
  <ApplicationServer><ServerName>sip:as.example.com</ServerName></ApplicationServer>
  <v:extra xmlns:v="urn:vendor"><v:more/></v:extra>
</InitialFilterCriteria>`),
      ),
    );
    const ifc = sub.serviceProfiles[0]!.initialFilterCriteria[0]!;
    expect(ifc.triggerPoint!.spts[0]).toMatchObject({ content: '^a<b>&c$', source: { line: 10, column: 5 } });
    expect(ifc.source).toEqual({ line: 7, column: 1 });
  });

  it('refuses a document that is not an IMSSubscription, or is in a namespace', () => {
    expect(problems(loadProfile('<ServiceProfile/>'))[0]!.message).toBe('the root element must be <IMSSubscription> (TS 29.228, no namespace), found <ServiceProfile>');
    expect(problems(loadProfile('<IMSSubscription xmlns="urn:x"><PrivateID>a</PrivateID></IMSSubscription>'))[0]!.message).toMatch(/no namespace/);
    expect(problems(loadProfile('  '))[0]!.message).toBe('the document is empty');
  });

  it('names every schema violation with its line and column', () => {
    const found = problems(
      loadProfile(
        xmlProfile(`<InitialFilterCriteria>
  <TriggerPoint><ConditionTypeCNF>maybe</ConditionTypeCNF><SPT><Group>0</Group><Method>INVITE</Method></SPT></TriggerPoint>
  <ApplicationServer><ServerName>sip:as.example.com</ServerName></ApplicationServer>
</InitialFilterCriteria>
<InitialFilterCriteria>
  <Priority>1</Priority>
  <TriggerPoint><ConditionTypeCNF>1</ConditionTypeCNF><SPT><Method>INVITE</Method></SPT></TriggerPoint>
  <ApplicationServer><ServerName>sip:as.example.com</ServerName><DefaultHandling>2</DefaultHandling></ApplicationServer>
</InitialFilterCriteria>`),
      ),
    );
    expect(found.map((p) => [p.line, p.column])).toEqual([
      [7, 3],
      [12, 60],
      [13, 65],
    ]);
    expect(found[0]!.message).toBe('not a valid TS 29.228 user profile: <TriggerPoint>: this element is not allowed here; expected <Priority>.');
    expect(found[1]!.message).toBe('not a valid TS 29.228 user profile: <Method>: this element is not allowed here; expected one of <ConditionNegated>, <Group>.');
    expect(found[2]!.message).toMatch(/^not a valid TS 29\.228 user profile: <DefaultHandling>: .*'2'/);
  });

  it('refuses over-size and over-deep documents before parsing them', () => {
    expect(problems(loadProfile(xmlProfile(''), { limits: { maxBytes: 100 } }))[0]!.message).toMatch(/^the document is \d+ bytes; at most 100 are accepted$/);
    const deep = `<IMSSubscription>${'<Extension>'.repeat(40)}${'</Extension>'.repeat(40)}</IMSSubscription>`;
    expect(problems(loadProfile(deep))[0]).toMatchObject({ line: 1, message: 'elements nested deeper than 32 levels' });
  });

  it('checks what the schema cannot: ServerName is a SIP URI', () => {
    const found = problems(loadProfile(xmlProfile('<InitialFilterCriteria><Priority>0</Priority><ApplicationServer><ServerName>http://as.example.com</ServerName></ApplicationServer></InitialFilterCriteria>')));
    expect(found[0]).toMatchObject({ line: 6, column: 1, message: "ServerName 'http://as.example.com' is not a SIP URI" });
  });

  it('warns about RegistrationType off REGISTER, white space around a pattern, and RequestURI patterns that start with a scheme', () => {
    const result = loadProfile(
      xmlProfile(`<InitialFilterCriteria><Priority>0</Priority><TriggerPoint><ConditionTypeCNF>1</ConditionTypeCNF>
<SPT><Group>0</Group><Method>INVITE</Method><Extension><RegistrationType>0</RegistrationType></Extension></SPT>
<SPT><Group>0</Group><SIPHeader><Header>Subject</Header><Content> hi</Content></SIPHeader></SPT>
<SPT><Group>0</Group><RequestURI>sip:.*@example\\.com</RequestURI></SPT>
</TriggerPoint><ApplicationServer><ServerName>sip:as.example.com</ServerName></ApplicationServer></InitialFilterCriteria>`),
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.warnings.map((w) => [w.line, w.message])).toEqual([
      [7, 'RegistrationType only applies to a Method REGISTER SPT; it is ignored here'],
      [8, "the regular expression ' hi' has leading or trailing white space, which is part of the pattern"],
      [9, "RequestURI is matched against the hostport of a SIP URI or the number of a tel URI (TS 29.228 Table F.1), so a pattern starting with 'sip:' never matches that"],
    ]);
  });

  it('in lenient mode keeps a profile with errors, as warnings; the engine then skips the bad iFCs', () => {
    const result = loadProfile(fixture('hostile/backreference-regex.xml'), { strict: false });
    if (!result.ok) throw new Error('lenient mode must accept it');
    expect(result.warnings[0]).toMatchObject({ line: 11, column: 9 });
    const engine = IfcEngine.compile(result.subscription.serviceProfiles[0]!.initialFilterCriteria, silentLogger);
    expect(engine.invalid).toHaveLength(1);
    expect(loadProfile(fixture('hostile/duplicate-priority.xml'), { strict: false }).ok).toBe(true);
  });

  it('never resolves entities: no DTD is accepted, even inside the prolog after comments', () => {
    const sneaky = `<?xml version="1.0"?>\n<!-- hello -->\n<?pi data?>\n<!DOCTYPE x SYSTEM "http://attacker.example/x.dtd">\n<IMSSubscription/>`;
    expect(problems(loadProfile(sneaky))[0]).toMatchObject({ line: 4, column: 1, message: expect.stringMatching(/DOCTYPE declaration is not accepted/) });
    // An undeclared entity reference is a well-formedness error, not a lookup.
    expect(problems(loadProfile(xmlProfile('', '<Extension><SharedIFCSetID>&x;</SharedIFCSetID></Extension>')))[0]!.message).toMatch(/Entity 'x' not defined/);
  });
});

describe('YAML and JSON profiles', () => {
  it('load to the same model as the equivalent XML', () => {
    const yaml = `
privateId: alice@ims.example.com
serviceProfile:
  - publicIdentity:
      - identity: sip:alice@ims.example.com
      - { identity: tel:+15551230001, barringIndication: 0 }
    initialFilterCriteria:
      - priority: 10
        triggerPoint:
          conditionTypeCnf: 1
          spt:
            - { conditionNegated: false, group: 0, method: INVITE }
            - { group: [0], method: MESSAGE }
            - { group: 1, sessionCase: 0 }
        applicationServer: { serverName: sip:mmtel-as.ims.example.com, defaultHandling: 0, serviceInfo: mmtel-orig }
        profilePartIndicator: 0
`;
    const fromYaml = loaded(loadProfile(yaml));
    const fromXml = loaded(loadProfile(fixture('profiles/alice.xml')));
    expect(withoutPositions(fromYaml.serviceProfiles[0]!.publicIdentities)).toEqual(withoutPositions(fromXml.serviceProfiles[0]!.publicIdentities));
    expect(withoutPositions(fromYaml.serviceProfiles[0]!.initialFilterCriteria[0])).toEqual(withoutPositions(fromXml.serviceProfiles[0]!.initialFilterCriteria[0]));
    expect(fromYaml.serviceProfiles[0]!.initialFilterCriteria[0]!.triggerPoint!.spts[2]!.source).toEqual({ line: 14, column: 15 });
  });

  it('accepts enumeration labels and JSON', () => {
    const json = JSON.stringify({
      initialFilterCriteria: [
        {
          priority: 1,
          triggerPoint: {
            conditionTypeCnf: false,
            spt: [
              { group: 0, sessionCase: 'TERMINATING_UNREGISTERED' },
              { group: 0, method: 'REGISTER', registrationType: ['RE-REGISTRATION', 'DE_REGISTRATION'] },
              { group: 1, sessionDescription: { line: 'm', content: 'video' } },
              { group: 1, requestUri: 'example' },
            ],
          },
          applicationServer: { serverName: 'sip:as@example.com', defaultHandling: 'SESSION_TERMINATED', includeRegisterRequest: true },
          profilePartIndicator: 'UNREGISTERED',
        },
      ],
    });
    const [ifc] = loaded(loadProfile(json, { format: 'yaml' })).serviceProfiles[0]!.initialFilterCriteria;
    expect(ifc!.triggerPoint!.spts.map((s) => s.kind)).toEqual(['session-case', 'method', 'session-description', 'request-uri']);
    expect(ifc!.triggerPoint!.spts[0]).toMatchObject({ sessionCase: 2 });
    expect(ifc!.triggerPoint!.spts[1]!.registrationTypes).toEqual([1, 2]);
    expect(ifc).toMatchObject({ profilePartIndicator: 1, applicationServer: { defaultHandling: 1, includeRegisterRequest: true, includeRegisterResponse: false } });
  });

  it('names the path, line and column of each problem', () => {
    const yaml = `initialFilterCriteria:
  - priority: -1
    triggerPoint:
      conditionTypeCnf: true
      spt:
        - { group: 0 }
        - { group: 0, method: INVITE, sessionCase: 0 }
        - { group: 0, sessionCase: SIDEWAYS }
    applicationServer: { serverName: sip:as@example.com, colour: blue }
`;
    const found = problems(loadProfile(yaml));
    expect(found.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '2:15 initialFilterCriteria.0.priority: Too small: expected number to be >=0',
      '6:11 initialFilterCriteria.0.triggerPoint.spt.0: an spt needs exactly one of method, requestUri, sipHeader, sessionCase, sessionDescription; none given',
      '7:11 initialFilterCriteria.0.triggerPoint.spt.1: an spt needs exactly one of method, requestUri, sipHeader, sessionCase, sessionDescription; got method and sessionCase',
      '8:36 initialFilterCriteria.0.triggerPoint.spt.2.sessionCase: sessionCase must be one of 0 ORIGINATING_REGISTERED, 1 TERMINATING_REGISTERED, 2 TERMINATING_UNREGISTERED, 3 ORIGINATING_UNREGISTERED, 4 ORIGINATING_CDIV; got "SIDEWAYS"',
      '9:24 initialFilterCriteria.0.applicationServer: Unrecognized key: "colour"',
    ]);
  });

  it('refuses bad YAML with its position, and a document with neither or both forms', () => {
    expect(problems(loadProfile('initialFilterCriteria: [\n  { priority: 1'))[0]).toMatchObject({ line: 2, message: expect.stringMatching(/^not valid YAML: /) });
    expect(problems(loadProfile('privateId: x'))[0]!.message).toBe('give either serviceProfile (a list) or initialFilterCriteria (a list), not both or neither');
  });

  it('refuses deep nesting before the yaml library sees it (it would exhaust the stack or heap)', () => {
    const flow = `initialFilterCriteria: ${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(problems(loadProfile(flow))[0]).toEqual({ line: 1, column: 56, message: 'collections nested deeper than 32 levels' });
    expect(problems(loadProfile(`initialFilterCriteria:\n${'- '.repeat(200_000)}x`))[0]!.message).toBe('indented or nested more than 256 columns');
    // A quote inside a plain scalar does not hide brackets from the count.
    expect(problems(loadProfile(`initialFilterCriteria: [a'${'['.repeat(1000)}`))[0]!.message).toBe('collections nested deeper than 32 levels');
    expect(loaded(loadProfile(`initialFilterCriteria: [{ priority: 1, applicationServer: { serverName: "sip:o'brien@example.com" } }]`)).serviceProfiles).toHaveLength(1);
  });

  it('runs the same checks as for XML (regular expressions, priorities)', () => {
    const yaml = `initialFilterCriteria:
  - { priority: 1, applicationServer: { serverName: 'sip:a@example.com' } }
  - priority: 1
    triggerPoint: { conditionTypeCnf: true, spt: [{ group: 0, requestUri: '(?<=x)y' }] }
    applicationServer: { serverName: 'sip:b@example.com' }
`;
    expect(problems(loadProfile(yaml)).map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      '3:5 Priority 1 is also used by another InitialFilterCriteria (line 2); TS 29.228 Annex B requires distinct priorities',
      "4:51 RequestURI: invalid regular expression '(?<=x)y': lookaround assertions '(?<=…)' are not supported: iFC patterns must be regular expressions (POSIX ERE) (at character 1)",
    ]);
  });
});
