import { readFileSync } from 'node:fs';
import libxml from 'libxmljs2';
import { describe, expect, it } from 'vitest';
import { IMS_SUBSCRIPTION_XSD_TEXT } from './ims-subscription-xsd-text.js';
import { imsSubscriptionSchema } from './load-schema.js';

describe('IMSSubscription schema (TS 29.228 CxDataType)', () => {
  it('the embedded text is byte-identical to ims-subscription.xsd', () => {
    expect(IMS_SUBSCRIPTION_XSD_TEXT).toBe(readFileSync(new URL('./ims-subscription.xsd', import.meta.url), 'utf8'));
  });

  it('compiles, and accepts a minimal subscription', () => {
    const doc = libxml.parseXml(
      '<IMSSubscription><PrivateID>a@b</PrivateID><ServiceProfile><PublicIdentity><Identity>sip:a@b</Identity></PublicIdentity></ServiceProfile></IMSSubscription>',
    );
    expect(doc.validate(imsSubscriptionSchema())).toBe(true);
  });

  it('accepts SessionCase 4 (ORIGINATING_CDIV) and refuses 5', () => {
    const spt = (value: number): string =>
      `<IMSSubscription><PrivateID>a@b</PrivateID><ServiceProfile><PublicIdentity><Identity>sip:a@b</Identity></PublicIdentity>` +
      `<InitialFilterCriteria><Priority>0</Priority><TriggerPoint><ConditionTypeCNF>0</ConditionTypeCNF>` +
      `<SPT><Group>0</Group><SessionCase>${value}</SessionCase></SPT></TriggerPoint>` +
      `<ApplicationServer><ServerName>sip:as@b</ServerName></ApplicationServer></InitialFilterCriteria></ServiceProfile></IMSSubscription>`;
    expect(libxml.parseXml(spt(4)).validate(imsSubscriptionSchema())).toBe(true);
    expect(libxml.parseXml(spt(5)).validate(imsSubscriptionSchema())).toBe(false);
  });
});
