/** A header field as stored in a message: the HeaderField plus its lookup key. */
import { headerKey } from './header-names.js';
import type { HeaderField } from './types.js';

export class Field implements HeaderField {
  constructor(
    readonly name: string,
    readonly value: string,
    /** Lower-case long name (`v` and `VIA` → `via`). */
    readonly key: string = headerKey(name),
    /** Byte range of this field's line (with CRLF) in the parsed datagram when that line is
     *  already in serialized form (`Name: value` CRLF); -1 otherwise. Edits make new fields. */
    readonly rawStart: number = -1,
    readonly rawEnd: number = -1,
  ) {}
}

export function toField(field: HeaderField): Field {
  return field instanceof Field ? field : new Field(field.name, field.value);
}

/** Where a parsed message's octets are, so that unchanged parts serialize as a copy. */
export interface WireSource {
  readonly data: Buffer;
  /** Start line with its CRLF, when it is in serialized form; -1 otherwise. */
  readonly lineStart: number;
  readonly lineEnd: number;
  /** Offset of the empty line's CRLF (the body follows it), -1 when not CRLF-terminated. */
  readonly tailStart: number;
  /** The body as parsed (serialization copies the tail only while `body` is still this one). */
  readonly body: Buffer;
  /** End of the message when start line, every field and the tail are in serialized form and
   *  contiguous from `lineStart` (then an unchanged message serializes as one copy); else -1. */
  readonly wholeEnd: number;
}
