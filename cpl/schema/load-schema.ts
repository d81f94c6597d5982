/**
 * The compiled RFC 3880 schema, parsed once per process on first use. The schema text is local
 * (embedded), so no network or file access happens here.
 */
import libxml, { type Document } from 'libxmljs2';
import { CPL_XSD_TEXT } from './cpl-xsd-text.js';
import { applySchemaPatches } from './schema-patches.js';

export const CPL_NAMESPACE = 'urn:ietf:params:xml:ns:cpl';
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';

let schema: Document | null = null;

export function cplSchema(): Document {
  schema ??= libxml.parseXml(applySchemaPatches(CPL_XSD_TEXT), { nonet: true, noent: false, dtdload: false });
  return schema;
}
