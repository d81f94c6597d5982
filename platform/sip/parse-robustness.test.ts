/**
 * parseMessage never throws, and typed getters throw only SipParseException, whatever the input:
 * every torture message truncated at every length, and mutated at random (seeded, reproducible).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkRequest, checkResponse, parseMessage, SipParseException, StreamFramer, type SipRequest, type SipResponse } from './index.js';

const DIR = fileURLToPath(new URL('../../../shared/conformance/sip-torture/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.dat'));

/** Read every typed view and serialize; only SipParseException may come out of a getter. */
function exercise(data: Buffer): void {
  const { message } = parseMessage(data);
  if (!message) return;
  for (const read of [
    () => message.via,
    () => message.topVia,
    () => message.from,
    () => message.to,
    () => message.callId,
    () => message.cseq,
    () => message.maxForwards,
    () => message.contacts,
    () => message.routes,
    () => message.recordRoutes,
    () => message.contentType,
    () => message.contentLength,
    () => (message.kind === 'request' ? checkRequest(message as SipRequest, { role: 'uas', methods: ['INVITE'] }) : checkResponse(message as SipResponse, { role: 'proxy' })),
  ]) {
    try {
      read();
    } catch (e) {
      if (!(e instanceof SipParseException)) throw e;
    }
  }
  const again = parseMessage(message.toBuffer());
  expect(again.message?.kind).toBe(message.kind);
}

/** xorshift32: small, seeded, reproducible. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const NASTY = [0x00, 0x0a, 0x0d, 0x20, 0x09, 0x22, 0x3c, 0x3e, 0x3b, 0x2c, 0x3a, 0x40, 0x25, 0x5b, 0x5d, 0x5c, 0x3d, 0x3f, 0xff, 0xc3];

describe('parseMessage robustness', () => {
  it('never throws on any truncation of a torture message', () => {
    for (const file of FILES) {
      const data = readFileSync(`${DIR}${file}`);
      for (let length = 0; length <= data.length; length++) exercise(data.subarray(0, length));
    }
  });

  it('never throws on randomly mutated torture messages', () => {
    const next = random(4475);
    for (const file of FILES) {
      const data = readFileSync(`${DIR}${file}`);
      for (let round = 0; round < 150; round++) {
        const copy = Buffer.from(data);
        const edits = 1 + Math.floor(next() * 6);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(next() * copy.length);
          copy[at] = next() < 0.7 ? NASTY[Math.floor(next() * NASTY.length)]! : Math.floor(next() * 256);
        }
        exercise(copy);
      }
    }
  });

  it('the stream framer survives the same inputs split at random points', () => {
    const next = random(5118);
    for (const file of FILES) {
      const data = readFileSync(`${DIR}${file}`);
      const framer = new StreamFramer();
      let at = 0;
      while (at < data.length) {
        const size = 1 + Math.floor(next() * 200);
        for (const event of framer.push(data.subarray(at, at + size))) {
          if (event.type === 'message') exercise(event.data);
        }
        at += size;
      }
    }
  });
});
