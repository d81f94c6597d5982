import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnswerRetransmitter } from './answer-retransmitter.js';

describe('2xx retransmission (§13.3.1.4)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resends at T1, 2T1, 4T1 … capped at T2 and gives up after 64*T1', () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    let timedOut = false;
    const start = Date.now();
    const retransmitter = new AnswerRetransmitter({
      T1: 500,
      T2: 4000,
      reliable: false,
      resend: () => sent.push(Date.now() - start),
      onAckTimeout: () => (timedOut = true),
    });
    retransmitter.start();
    vi.advanceTimersByTime(64 * 500 - 1);
    expect(sent.slice(0, 6)).toEqual([500, 1500, 3500, 7500, 11500, 15500]);
    expect(timedOut).toBe(false);
    vi.advanceTimersByTime(1);
    expect(timedOut).toBe(true);
    expect(retransmitter.running).toBe(false);
  });

  it('stops on the ACK, and never resends over a reliable transport', () => {
    vi.useFakeTimers();
    let resent = 0;
    let timedOut = false;
    const unreliable = new AnswerRetransmitter({ T1: 500, T2: 4000, reliable: false, resend: () => resent++, onAckTimeout: () => (timedOut = true) });
    unreliable.start();
    vi.advanceTimersByTime(600);
    unreliable.stop();
    vi.advanceTimersByTime(60_000);
    expect(resent).toBe(1);
    expect(timedOut).toBe(false);

    const reliable = new AnswerRetransmitter({ T1: 500, T2: 4000, reliable: true, resend: () => resent++, onAckTimeout: () => (timedOut = true) });
    reliable.start();
    vi.advanceTimersByTime(64 * 500);
    expect(resent).toBe(1);
    expect(timedOut).toBe(true);
  });
});
