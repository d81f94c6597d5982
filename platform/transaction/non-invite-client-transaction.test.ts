import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log/logger.js';
import type { Destination } from '../transport/types.js';
import { NonInviteClientState, NonInviteClientTransaction } from './non-invite-client-transaction.js';
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

function setup(destination: Destination = udpDestination, method = 'OPTIONS') {
  const sender = new FakeSender();
  const tu = new RecordingTu();
  const layer = new TransactionLayer({ sender, logger: silentLogger, user: tu });
  const user = new RecordingClientUser();
  const request = makeRequest({ method, branch: testBranch() });
  const transaction = layer.sendRequest(request, destination, user) as NonInviteClientTransaction;
  const receive = (status: number) => layer.handleInbound(inbound(makeResponse(request, status)));
  return { sender, tu, layer, user, request, transaction, receive };
}

/** The instants (ms since start) at which the request went out again. */
function retransmissionTimes(sender: FakeSender, until: number): number[] {
  const times: number[] = [];
  for (let t = 1; t <= until; t++) {
    const before = sender.sent.length;
    vi.advanceTimersByTime(1);
    if (sender.sent.length > before) times.push(t);
  }
  return times;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('MUST enter Trying and pass the request to the transport', () => {
    const { transaction, sender, request } = setup();
    expect(transaction).toBeInstanceOf(NonInviteClientTransaction);
    expect(transaction.state).toBe(NonInviteClientState.Trying);
    expect(sender.requests()).toEqual([request]);
  });

  describe('Timer E', () => {
    it('MUST retransmit at T1, then MIN(2^n*T1, T2) intervals while Trying (unreliable)', () => {
      const { sender } = setup();
      // intervals 500, 1000, 2000, 4000, 4000, 4000 …: capped at T2
      expect(retransmissionTimes(sender, 20_000)).toEqual([500, 1500, 3500, 7500, 11_500, 15_500, 19_500]);
    });

    it('MUST retransmit every T2 once in Proceeding', () => {
      const { sender, receive } = setup();
      vi.advanceTimersByTime(400);
      receive(100);
      sender.clear();
      // E was started at 0 with T1 = 500: it fires at 500 in Proceeding and is reset to T2
      expect(retransmissionTimes(sender, 13_000).map((t) => t + 400)).toEqual([500, 4500, 8500, 12_500]);
    });

    it('SHOULD NOT be started over a reliable transport', () => {
      const { sender } = setup(tcpDestination);
      vi.advanceTimersByTime(31_999);
      expect(sender.requests()).toHaveLength(1);
    });

    it('stops when §18.1.1 moved the request to TCP', async () => {
      const sender = new FakeSender();
      sender.usedProtocol = 'tcp';
      const layer = new TransactionLayer({ sender, logger: silentLogger, user: new RecordingTu() });
      layer.sendRequest(makeRequest({ branch: testBranch() }), udpDestination, new RecordingClientUser());
      await vi.advanceTimersByTimeAsync(20_000);
      expect(sender.requests()).toHaveLength(1);
    });
  });

  describe('Timer F', () => {
    it('MUST inform the TU of the timeout and enter Terminated after 64*T1 in Trying', () => {
      const { transaction, user, layer } = setup();
      vi.advanceTimersByTime(31_999);
      expect(transaction.state).toBe(NonInviteClientState.Trying);
      vi.advanceTimersByTime(1);
      expect(transaction.state).toBe(NonInviteClientState.Terminated);
      expect(user.events).toEqual(['timeout', 'terminated']);
      expect(layer.size).toBe(0);
    });

    it('MUST also apply in Proceeding (a 1xx does not stop it)', () => {
      const { transaction, user, receive } = setup(tcpDestination);
      receive(100);
      vi.advanceTimersByTime(32_000);
      expect(transaction.state).toBe(NonInviteClientState.Terminated);
      expect(user.events).toEqual(['response 100', 'timeout', 'terminated']);
    });
  });

  describe('responses', () => {
    it('MUST move to Proceeding on a provisional response in Trying and pass it to the TU', () => {
      const { transaction, user, receive } = setup();
      receive(100);
      expect(transaction.state).toBe(NonInviteClientState.Proceeding);
      expect(user.statuses()).toEqual([100]);
    });

    it('MUST pass further provisional responses in Proceeding to the TU', () => {
      const { user, receive } = setup();
      receive(100);
      receive(180);
      expect(user.statuses()).toEqual([100, 180]);
    });

    it.each([200, 404, 603])('MUST move to Completed on a %i in Trying and pass it to the TU', (status) => {
      const { transaction, user, receive } = setup();
      receive(status);
      expect(transaction.state).toBe(NonInviteClientState.Completed);
      expect(user.statuses()).toEqual([status]);
    });

    it('MUST move to Completed on a final response in Proceeding', () => {
      const { transaction, user, receive } = setup(udpDestination, 'BYE');
      receive(100);
      receive(200);
      expect(transaction.state).toBe(NonInviteClientState.Completed);
      expect(user.statuses()).toEqual([100, 200]);
    });

    it('absorbs final response retransmissions in Completed and stops retransmitting', () => {
      const { user, sender, receive } = setup();
      receive(200);
      receive(200);
      receive(500);
      vi.advanceTimersByTime(4999);
      expect(user.statuses()).toEqual([200]);
      expect(sender.requests()).toHaveLength(1);
    });

    it('Timer K: MUST move to Terminated T4 after entering Completed (unreliable)', () => {
      const { transaction, layer, user, receive } = setup();
      receive(200);
      vi.advanceTimersByTime(4999);
      expect(transaction.state).toBe(NonInviteClientState.Completed);
      vi.advanceTimersByTime(1);
      expect(transaction.state).toBe(NonInviteClientState.Terminated);
      expect(layer.size).toBe(0);
      expect(user.events).toEqual(['response 200', 'terminated']);
    });

    it('Timer K: is zero over a reliable transport', () => {
      const { transaction, layer, receive } = setup(tcpDestination);
      receive(200);
      expect(transaction.state).toBe(NonInviteClientState.Terminated);
      expect(layer.size).toBe(0);
    });

    it('Timer F no longer fires once Completed', () => {
      const { user, receive } = setup();
      receive(200);
      vi.advanceTimersByTime(64_000);
      expect(user.timeouts).toBe(0);
    });
  });

  it('MUST inform the TU and enter Terminated on a transport error', async () => {
    const sender = new FakeSender();
    sender.failWith = transportError();
    const layer = new TransactionLayer({ sender, logger: silentLogger, user: new RecordingTu() });
    const user = new RecordingClientUser();
    const transaction = layer.sendRequest(makeRequest({ branch: testBranch() }), udpDestination, user);
    await vi.advanceTimersByTimeAsync(0);
    expect(transaction.state).toBe(NonInviteClientState.Terminated);
    expect(user.events).toEqual(['transport-error', 'terminated']);
    expect(layer.size).toBe(0);
  });

  it('MUST inform the TU when a retransmission fails in Proceeding', async () => {
    const { transaction, user, sender, receive } = setup();
    receive(100);
    sender.failWith = transportError();
    await vi.advanceTimersByTimeAsync(500);
    expect(transaction.state).toBe(NonInviteClientState.Terminated);
    expect(user.events).toEqual(['response 100', 'transport-error', 'terminated']);
  });

  it('keeps a CANCEL transaction apart from its INVITE transaction (same branch, CSeq method differs, §17.1.3)', () => {
    const sender = new FakeSender();
    const layer = new TransactionLayer({ sender, logger: silentLogger, user: new RecordingTu() });
    const branch = testBranch();
    const inviteUser = new RecordingClientUser();
    const cancelUser = new RecordingClientUser();
    const invite = makeRequest({ method: 'INVITE', branch });
    const cancel = makeRequest({ method: 'CANCEL', branch });
    layer.sendRequest(invite, udpDestination, inviteUser);
    layer.sendRequest(cancel, udpDestination, cancelUser);
    expect(layer.size).toBe(2);
    layer.handleInbound(inbound(makeResponse(cancel, 200)));
    layer.handleInbound(inbound(makeResponse(invite, 487)));
    expect(cancelUser.statuses()).toEqual([200]);
    expect(inviteUser.statuses()).toEqual([487]);
  });
});
