/**
 * The compiled IMSSubscription schema, parsed once per process on first use. The schema text is
 * embedded, so no network or file access happens here.
 */
import libxml, { type Document } from 'libxmljs2';
import { IMS_SUBSCRIPTION_XSD_TEXT } from './ims-subscription-xsd-text.js';

let schema: Document | null = null;

export function imsSubscriptionSchema(): Document {
  schema ??= libxml.parseXml(IMS_SUBSCRIPTION_XSD_TEXT, { nonet: true, noent: false, dtdload: false });
  return schema;
}
