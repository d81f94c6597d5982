import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { formatUri, formatVia } from '../sip/index.js';
import type { Destination } from '../transport/types.js';
import { InviteClientState, InviteClientTransaction } from './invite-client-transaction.js';
import {
  FakeSender,
  inbound,
  makeRequest,
  makeResponse,
  RecordingClientUser,
  RecordingTu,
  tcpDestination,
  testBranch,
  transportError,
  udpDestination,
} from './test-support.js';
import { TransactionLayer } from './transaction-layer.js';

function setup(destination: Destination = udpDestination) {
  const sender = new FakeSender();
  const tu = new RecordingTu();
  const layer = new TransactionLayer({ sender, logger: silentLogger, user: tu });
  const user = new RecordingClientUser();
  const invite = makeRequest({
    method: 'INVITE',
    branch: testBranch(),
    cseq: 314,
    headers: ['Route: <sip:p1.example.com;lr>', 'Route: <sip:p2.example.com;lr>', 'Contact: <sip:alice@client.example.com>'],
  });
  const transaction = layer.sendRequest(invite, destination, user) as InviteClientTransaction;
  const receive = (status: number, toTag?: string) => layer.handleInbound(inbound(makeResponse(invite, status, toTag)));
  return { sender, tu, layer, user, invite, transaction, receive };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §8.4)', () => {
  it('MUST enter Calling and pass the INVITE to the transport when the TU initiates it', () => {
    const { transaction, sender, invite, layer } = setup();
    expect(transaction).toBeInstanceOf(InviteClientTransaction);
    expect(transaction.state).toBe(InviteClientState.Calling);
    expect(sender.requests('INVITE')).toEqual([invite]);
    expect(sender.sent[0]).toMatchObject({ destination: udpDestination });
    expect(layer.size).toBe(1);
  });

  describe('Timer A', () => {
    it('MUST retransmit the INVITE after T1 and reset to 2*T1, doubling with no T2 cap (unreliable)', () => {
      const { sender } = setup();
      const sendTimes: number[] = [];
      for (let t = 1; t <= 31_999; t++) {
        const before = sender.requests('INVITE').length;
        vi.advanceTimersByTime(1);
        if (sender.requests('INVITE').length > before) sendTimes.push(t);
      }
      // intervals 500, 1000, 2000, 4000, 8000, 16000: the last two exceed T2 = 4 s
      expect(sendTimes).toEqual([500, 1500, 3500, 7500, 15_500, 31_500]);
    });

    it('SHOULD NOT be started over a reliable transport', () => {
      const { sender } = setup(tcpDestination);
      vi.advanceTimersByTime(31_999);
      expect(sender.requests('INVITE')).toHaveLength(1);
    });

    it('stops when §18.1.1 moved the request to TCP (the flow used is reliable)', async () => {
      const sender = new FakeSender();
      sender.usedProtocol = 'tcp';
      const layer = new TransactionLayer({ sender, logger: silentLogger, user: new RecordingTu() });
      const transaction = layer.sendRequest(makeRequest({ method: 'INVITE', branch: testBranch() }), udpDestination, new RecordingClientUser());
      expect(transaction.reliable).toBe(false);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(transaction.reliable).toBe(true);
      expect(sender.requests('INVITE')).toHaveLength(1);
    });
  });

  describe('Timer B', () => {
    it('MUST inform the TU of a timeout and transition to Terminated after 64*T1 in Calling', () => {
      const { transaction, user, layer } = setup();
      vi.advanceTimersByTime(31_999);
      expect(transaction.state).toBe(InviteClientState.Calling);
      vi.advanceTimersByTime(1);
      expect(transaction.state).toBe(InviteClientState.Terminated);
      expect(user.events).toEqual(['timeout', 'terminated']);
      expect(layer.size).toBe(0);
    });

    it('fires after 64*T1 over a reliable transport too', () => {
      const { transaction, user } = setup(tcpDestination);
      vi.advanceTimersByTime(32_000);
      expect(transaction.state).toBe(InviteClientState.Terminated);
      expect(user.timeouts).toBe(1);
    });

    it('uses the layer instance T1 (64*T1 with T1 = 100 ms is 6.4 s)', () => {
      const sender = new FakeSender();
      const layer = new TransactionLayer({ sender, logger: silentLogger, timers: { T1: 100, T2: 400 }, user: new RecordingTu() });
      const user = new RecordingClientUser();
      layer.sendRequest(makeRequest({ method: 'INVITE', branch: testBranch() }), udpDestination, user);
      vi.advanceTimersByTime(6399);
      expect(user.timeouts).toBe(0);
      vi.advanceTimersByTime(1);
      expect(user.timeouts).toBe(1);
    });
  });

  describe('Calling and Proceeding', () => {
    it('MUST transition to Proceeding on a provisional response in Calling and pass it to the TU', () => {
      const { transaction, user, receive } = setup();
      receive(180);
      expect(transaction.state).toBe(InviteClientState.Proceeding);
      expect(user.statuses()).toEqual([180]);
    });

    it('SHOULD NOT retransmit the INVITE in Proceeding, and Timer B no longer applies', () => {
      const { transaction, user, sender, receive } = setup();
      receive(100);
      vi.advanceTimersByTime(120_000);
      expect(sender.requests('INVITE')).toHaveLength(1);
      expect(transaction.state).toBe(InviteClientState.Proceeding);
      expect(user.timeouts).toBe(0);
    });

    it('MUST pass further provisional responses in Proceeding to the TU', () => {
      const { transaction, user, receive } = setup();
      receive(100);
      receive(180);
      receive(183);
      expect(user.statuses()).toEqual([100, 180, 183]);
      expect(transaction.state).toBe(InviteClientState.Proceeding);
    });
  });

  describe('non-2xx final responses and the ACK (§17.1.1.3)', () => {
    it('MUST transition to Completed on 300-699 in Calling, send an ACK and pass the response to the TU', () => {
      const { transaction, user, sender, receive } = setup();
      receive(486);
      expect(transaction.state).toBe(InviteClientState.Completed);
      expect(user.statuses()).toEqual([486]);
      expect(sender.requests('ACK')).toHaveLength(1);
    });

    it('MUST transition to Completed on 300-699 in Proceeding as well', () => {
      const { transaction, user, sender, receive } = setup();
      receive(180);
      receive(603);
      expect(transaction.state).toBe(InviteClientState.Completed);
      expect(user.statuses()).toEqual([180, 603]);
      expect(sender.requests('ACK')).toHaveLength(1);
    });

    it('builds the ACK from the INVITE and the response: same branch, Request-URI, Call-ID, From, CSeq number, To from the response, Routes of the INVITE', () => {
      const { invite, sender, receive } = setup();
      receive(404, 'uas-tag');
      const [ack] = sender.requests('ACK');
      if (!ack) throw new Error('no ACK');
      expect(ack.method).toBe('ACK');
      expect(formatUri(ack.uri)).toBe(formatUri(invite.uri));
      expect(ack.via).toHaveLength(1);
      expect(formatVia(ack.via[0]!)).toBe(formatVia(invite.topVia!));
      expect(ack.callId).toBe(invite.callId);
      expect(ack.getHeader('From')).toBe(invite.getHeader('From'));
      expect(ack.to.params.get('tag')).toBe('uas-tag');
      expect(ack.cseq).toEqual({ seq: 314, method: 'ACK' });
      expect(ack.getHeaders('Route')).toEqual(invite.getHeaders('Route'));
      expect(ack.hasHeader('Contact')).toBe(false);
      expect(ack.body.length).toBe(0);
    });

    it('MUST send the ACK to the same address, port and transport as the INVITE', async () => {
      const { sender, receive } = setup();
      await vi.advanceTimersByTimeAsync(0);
      receive(500);
      const ackSend = sender.sent.find((sent) => sent.kind === 'request' && sent.message.method === 'ACK');
      expect(ackSend).toMatchObject({ destination: udpDestination });
    });

    it('MUST resend the ACK for a retransmitted final response in Completed and MUST NOT pass it to the TU', () => {
      const { transaction, user, sender, receive } = setup();
      receive(486);
      receive(486);
      receive(486);
      expect(sender.requests('ACK')).toHaveLength(3);
      expect(user.statuses()).toEqual([486]);
      expect(transaction.state).toBe(InviteClientState.Completed);
    });

    it('stops retransmitting the INVITE once Completed', () => {
      const { sender, receive } = setup();
      receive(486);
      vi.advanceTimersByTime(30_000);
      expect(sender.requests('INVITE')).toHaveLength(1);
    });

    it('Timer D: MUST move to Terminated at least 32 s after entering Completed (unreliable)', () => {
      const { transaction, layer, user, receive } = setup();
      receive(486);
      vi.advanceTimersByTime(31_999);
      expect(transaction.state).toBe(InviteClientState.Completed);
      vi.advanceTimersByTime(1);
      expect(transaction.state).toBe(InviteClientState.Terminated);
      expect(layer.size).toBe(0);
      expect(user.events).toEqual(['response 486', 'terminated']);
    });

    it('Timer D: is zero over a reliable transport, so Completed ends at once', () => {
      const { transaction, layer, sender, user, receive } = setup(tcpDestination);
      receive(486);
      expect(transaction.state).toBe(InviteClientState.Terminated);
      expect(sender.requests('ACK')).toHaveLength(1);
      expect(user.events).toEqual(['response 486', 'terminated']);
      expect(layer.size).toBe(0);
    });

    it('MUST inform the TU and move to Terminated when sending the ACK fails in Completed', async () => {
      const { transaction, user, sender, receive } = setup();
      await vi.advanceTimersByTimeAsync(0);
      sender.failWith = transportError('ACK could not be sent');
      receive(486);
      await vi.advanceTimersByTimeAsync(0);
      expect(transaction.state).toBe(InviteClientState.Terminated);
      expect(user.events).toEqual(['response 486', 'transport-error', 'terminated']);
    });
  });

  describe('2xx responses (RFC 6026 Accepted)', () => {
    it('MUST transition to Accepted on a 2xx in Calling and pass it to the TU, sending no ACK itself', () => {
      const { transaction, user, sender, receive } = setup();
      receive(200);
      expect(transaction.state).toBe(InviteClientState.Accepted);
      expect(user.statuses()).toEqual([200]);
      expect(sender.requests('ACK')).toHaveLength(0);
    });

    it('MUST transition to Accepted on a 2xx in Proceeding', () => {
      const { transaction, receive } = setup();
      receive(180);
      receive(200);
      expect(transaction.state).toBe(InviteClientState.Accepted);
    });

    it('MUST pass retransmitted 2xx and 2xx from other forks to the TU while Accepted', () => {
      const { transaction, user, receive } = setup();
      receive(200, 'fork-a');
      receive(200, 'fork-a');
      receive(200, 'fork-b');
      expect(user.responses.map((response) => response.to.params.get('tag'))).toEqual(['fork-a', 'fork-a', 'fork-b']);
      expect(transaction.state).toBe(InviteClientState.Accepted);
    });

    it('ignores provisional and non-2xx responses while Accepted', () => {
      const { user, sender, receive } = setup();
      receive(200);
      receive(180);
      receive(486);
      expect(user.statuses()).toEqual([200]);
      expect(sender.requests('ACK')).toHaveLength(0);
    });

    it('stops retransmitting the INVITE once Accepted', () => {
      const { sender, receive } = setup();
      receive(200);
      vi.advanceTimersByTime(20_000);
      expect(sender.requests('INVITE')).toHaveLength(1);
    });

    it('Timer M: MUST move to Terminated 64*T1 after entering Accepted, after which a 2xx is stray', () => {
      const { transaction, layer, tu, user, receive } = setup(tcpDestination);
      receive(200);
      vi.advanceTimersByTime(31_999);
      expect(transaction.state).toBe(InviteClientState.Accepted);
      vi.advanceTimersByTime(1);
      expect(transaction.state).toBe(InviteClientState.Terminated);
      expect(layer.size).toBe(0);
      receive(200);
      expect(user.statuses()).toEqual([200]);
      expect(tu.strays.map((stray) => stray.response.status)).toEqual([200]);
    });
  });

  describe('transport errors', () => {
    it('MUST inform the TU (a 503 to it) and move to Terminated when the INVITE cannot be sent', async () => {
      const sender = new FakeSender();
      sender.failWith = transportError();
      const layer = new TransactionLayer({ sender, logger: silentLogger, user: new RecordingTu() });
      const user = new RecordingClientUser();
      const transaction = layer.sendRequest(makeRequest({ method: 'INVITE', branch: testBranch() }), udpDestination, user);
      expect(transaction.state).toBe(InviteClientState.Calling);
      await vi.advanceTimersByTimeAsync(0);
      expect(transaction.state).toBe(InviteClientState.Terminated);
      expect(user.events).toEqual(['transport-error', 'terminated']);
      expect(user.transportErrors[0]?.message).toBe('connection refused');
      expect(layer.size).toBe(0);
    });

    it('wraps a non-TransportError rejection into a TransportError', async () => {
      const sender = new FakeSender();
      sender.failWith = new Error('EHOSTUNREACH');
      const layer = new TransactionLayer({ sender, logger: silentLogger, user: new RecordingTu() });
      const user = new RecordingClientUser();
      layer.sendRequest(makeRequest({ method: 'INVITE', branch: testBranch() }), udpDestination, user);
      await vi.advanceTimersByTimeAsync(0);
      expect(user.transportErrors[0]?.name).toBe('TransportError');
      expect(user.transportErrors[0]?.message).toBe('EHOSTUNREACH');
      expect(user.transportErrors[0]?.destination).toEqual(udpDestination);
    });
  });

  it('reports Terminated to the TU exactly once and ignores late input', () => {
    const { transaction, user, receive } = setup(tcpDestination);
    receive(486);
    receive(200);
    vi.advanceTimersByTime(100_000);
    expect(transaction.state).toBe(InviteClientState.Terminated);
    expect(user.terminated).toBe(1);
  });

  it('refuses to start twice (a bug)', () => {
    const { transaction } = setup();
    expect(() => transaction.start()).toThrow(/start twice/);
  });
});
