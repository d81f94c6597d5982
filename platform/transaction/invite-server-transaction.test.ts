import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createResponse, type SipRequest } from '../sip/index.js';
import type { Flow } from '../transport/types.js';
import { InviteServerState, InviteServerTransaction } from './invite-server-transaction.js';
import {
  FakeSender,
  inbound,
  makeRequest,
  RecordingServerUser,
  RecordingTu,
  retransmission,
  tcpFlow,
  testBranch,
  transportError,
  udpFlow,
} from './test-support.js';
import { TransactionStateError } from './transaction.js';
import { TransactionLayer } from './transaction-layer.js';

const TO_TAG = 'uas-tag';

function setup(flow: Flow = udpFlow, configure?: (tu: RecordingTu) => void) {
  const sender = new FakeSender();
  const tu = new RecordingTu();
  configure?.(tu);
  const layer = new TransactionLayer({ sender, logger: silentLogger, user: tu });
  const branch = testBranch();
  const invite = makeRequest({ method: 'INVITE', branch, cseq: 7 });
  layer.handleInbound(inbound(invite, flow));
  const transaction = tu.last() as InviteServerTransaction;
  const serverUser = new RecordingServerUser();
  transaction.setUser(serverUser);
  const respond = (status: number) => transaction.respond(createResponse(invite, status, undefined, status > 100 ? { toTag: TO_TAG } : {}));
  const resend = () => layer.handleInbound(inbound(retransmission(invite), flow));
  const ack = (ackBranch = branch): SipRequest => {
    const request = makeRequest({ method: 'ACK', branch: ackBranch, cseq: 7, toTag: TO_TAG });
    layer.handleInbound(inbound(request, flow));
    return request;
  };
  return { sender, tu, layer, invite, branch, transaction, serverUser, respond, resend, ack };
}

/** The instants (ms from now) at which something was sent. */
function sendTimes(sender: FakeSender, until: number): number[] {
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

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §8.5–§8.7)', () => {
  it('MUST enter Proceeding and pass the INVITE to the TU', () => {
    const { transaction, tu, layer, invite } = setup();
    expect(transaction).toBeInstanceOf(InviteServerTransaction);
    expect(transaction.state).toBe(InviteServerState.Proceeding);
    expect(tu.requests).toHaveLength(1);
    expect(tu.requests[0]?.request).toBe(invite);
    expect(transaction.flow).toBe(udpFlow);
    expect(layer.size).toBe(1);
  });

  describe('automatic 100 Trying', () => {
    it('MUST send a 100 Trying when the TU has not sent a provisional within 200 ms', () => {
      const { sender, invite } = setup();
      vi.advanceTimersByTime(199);
      expect(sender.responses()).toHaveLength(0);
      vi.advanceTimersByTime(1);
      const [trying] = sender.responses();
      expect(trying?.status).toBe(100);
      // §17.2.1: inserting a To tag is downgraded to SHOULD NOT for this 100
      expect(trying?.to.params.has('tag')).toBe(false);
      expect(trying?.callId).toBe(invite.callId);
      expect(trying?.cseq).toEqual({ seq: 7, method: 'INVITE' });
      expect(sender.sent[0]).toMatchObject({ kind: 'response', flow: udpFlow });
    });

    it('is not sent when the TU sends a provisional response within 200 ms', () => {
      const { sender, respond } = setup();
      vi.advanceTimersByTime(150);
      respond(180);
      vi.advanceTimersByTime(1000);
      expect(sender.responses().map((r) => r.status)).toEqual([180]);
    });

    it('is not sent when the TU answers at once', () => {
      const { sender } = setup(udpFlow, (tu) => {
        tu.onRequestHook = (request, transaction) => transaction.respond(createResponse(request, 486, undefined, { toTag: TO_TAG }));
      });
      vi.advanceTimersByTime(400); // past 200 ms, before Timer G's first retransmission at T1
      expect(sender.responses().map((r) => r.status)).toEqual([486]);
    });

    it('is sent over reliable transports too', () => {
      const { sender } = setup(tcpFlow);
      vi.advanceTimersByTime(200);
      expect(sender.responses().map((r) => r.status)).toEqual([100]);
    });
  });

  describe('Proceeding', () => {
    it('MUST pass provisional responses from the TU to the transport without changing state', () => {
      const { transaction, sender, respond } = setup();
      respond(180);
      respond(183);
      expect(sender.responses().map((r) => r.status)).toEqual([180, 183]);
      expect(transaction.state).toBe(InviteServerState.Proceeding);
    });

    it('MUST resend the most recent provisional response on an INVITE retransmission, without passing it to the TU', () => {
      const { sender, tu, respond, resend } = setup();
      respond(180);
      respond(183);
      resend();
      expect(sender.responses().map((r) => r.status)).toEqual([180, 183, 183]);
      expect(tu.requests).toHaveLength(1);
    });

    it('resends the automatic 100 when that is the most recent provisional', () => {
      const { sender, resend } = setup();
      vi.advanceTimersByTime(200);
      resend();
      expect(sender.responses().map((r) => r.status)).toEqual([100, 100]);
    });

    it('has nothing to resend for a retransmission before any provisional', () => {
      const { sender, tu, resend } = setup();
      resend();
      expect(sender.sent).toHaveLength(0);
      expect(tu.requests).toHaveLength(1);
    });

    it('MUST move to Terminated and inform the TU when a response cannot be sent', async () => {
      const { transaction, sender, serverUser, layer, respond } = setup();
      sender.failWith = transportError();
      respond(180);
      await vi.advanceTimersByTimeAsync(0);
      expect(transaction.state).toBe(InviteServerState.Terminated);
      expect(serverUser.transportErrors).toHaveLength(1);
      expect(serverUser.terminated).toBe(1);
      expect(layer.size).toBe(0);
    });
  });

  describe('non-2xx final responses: Completed and Confirmed', () => {
    it('MUST move to Completed on a 300-699 from the TU and send it', () => {
      const { transaction, sender, respond } = setup();
      respond(486);
      expect(transaction.state).toBe(InviteServerState.Completed);
      expect(sender.responses().map((r) => r.status)).toEqual([486]);
      expect(transaction.finalResponse?.status).toBe(486);
    });

    it('Timer G: MUST retransmit the final response at T1, then MIN(2^n*T1, T2) (unreliable)', () => {
      const { sender, respond } = setup();
      respond(486);
      sender.clear();
      expect(sendTimes(sender, 20_000)).toEqual([500, 1500, 3500, 7500, 11_500, 15_500, 19_500]);
      expect(new Set(sender.responses().map((r) => r.status))).toEqual(new Set([486]));
    });

    it('Timer G: MUST NOT be started over a reliable transport', () => {
      const { sender, respond } = setup(tcpFlow);
      respond(486);
      vi.advanceTimersByTime(31_999);
      expect(sender.responses()).toHaveLength(1);
    });

    it('Timer H: MUST move to Terminated and indicate a transaction failure to the TU when no ACK came in 64*T1', () => {
      const { transaction, serverUser, layer, respond } = setup();
      respond(486);
      vi.advanceTimersByTime(31_999);
      expect(transaction.state).toBe(InviteServerState.Completed);
      vi.advanceTimersByTime(1);
      expect(transaction.state).toBe(InviteServerState.Terminated);
      expect(serverUser.timeouts).toBe(1);
      expect(layer.size).toBe(0);
    });

    it('Timer H: applies over reliable transports too', () => {
      const { transaction, serverUser, respond } = setup(tcpFlow);
      respond(486);
      vi.advanceTimersByTime(32_000);
      expect(transaction.state).toBe(InviteServerState.Terminated);
      expect(serverUser.timeouts).toBe(1);
    });

    it('MUST resend the final response on an INVITE retransmission in Completed', () => {
      const { sender, tu, respond, resend } = setup();
      respond(486);
      resend();
      expect(sender.responses().map((r) => r.status)).toEqual([486, 486]);
      expect(tu.requests).toHaveLength(1);
    });

    it('MUST move to Confirmed on the ACK, absorb it, and stop Timer G', () => {
      const { transaction, sender, tu, respond, ack } = setup();
      respond(486);
      ack();
      expect(transaction.state).toBe(InviteServerState.Confirmed);
      expect(tu.acks).toHaveLength(0);
      vi.advanceTimersByTime(4999);
      expect(sender.responses()).toHaveLength(1);
    });

    it('absorbs ACK and INVITE retransmissions in Confirmed', () => {
      const { transaction, sender, tu, respond, ack, resend } = setup();
      respond(486);
      ack();
      ack();
      resend();
      expect(transaction.state).toBe(InviteServerState.Confirmed);
      expect(tu.acks).toHaveLength(0);
      expect(tu.requests).toHaveLength(1);
      expect(sender.responses()).toHaveLength(1);
    });

    it('Timer I: MUST move to Terminated T4 after entering Confirmed (unreliable)', () => {
      const { transaction, layer, serverUser, respond, ack } = setup();
      respond(486);
      ack();
      vi.advanceTimersByTime(4999);
      expect(transaction.state).toBe(InviteServerState.Confirmed);
      vi.advanceTimersByTime(1);
      expect(transaction.state).toBe(InviteServerState.Terminated);
      expect(serverUser.timeouts).toBe(0);
      expect(serverUser.terminated).toBe(1);
      expect(layer.size).toBe(0);
    });

    it('Timer I: is zero over a reliable transport', () => {
      const { transaction, layer, respond, ack } = setup(tcpFlow);
      respond(486);
      ack();
      expect(transaction.state).toBe(InviteServerState.Terminated);
      expect(layer.size).toBe(0);
    });

    it('MUST move to Terminated and inform the TU when a retransmission of the final fails', async () => {
      const { transaction, sender, serverUser, respond } = setup();
      respond(486);
      sender.failWith = transportError();
      await vi.advanceTimersByTimeAsync(500);
      expect(transaction.state).toBe(InviteServerState.Terminated);
      expect(serverUser.transportErrors).toHaveLength(1);
    });

    it('throws when the TU sends another response after the final one (a TU bug)', () => {
      const { respond, ack } = setup();
      respond(486);
      expect(() => respond(180)).toThrow(TransactionStateError);
      expect(() => respond(200)).toThrow(TransactionStateError);
      ack();
      expect(() => respond(500)).toThrow(TransactionStateError);
    });
  });

  describe('2xx final responses: Accepted (RFC 6026)', () => {
    it('MUST move to Accepted on a 2xx from the TU and send it', () => {
      const { transaction, sender, respond } = setup();
      respond(200);
      expect(transaction.state).toBe(InviteServerState.Accepted);
      expect(sender.responses().map((r) => r.status)).toEqual([200]);
    });

    it('MUST NOT retransmit the 2xx on its own', () => {
      const { sender, respond } = setup();
      respond(200);
      vi.advanceTimersByTime(31_000);
      expect(sender.responses()).toHaveLength(1);
    });

    it('MUST absorb INVITE retransmissions while Accepted (neither answered nor passed to the TU)', () => {
      const { sender, tu, respond, resend } = setup();
      respond(200);
      resend();
      resend();
      expect(sender.responses()).toHaveLength(1);
      expect(tu.requests).toHaveLength(1);
    });

    it('MUST pass 2xx retransmissions from the TU to the transport', () => {
      const { transaction, sender, respond } = setup();
      respond(200);
      respond(200);
      respond(200);
      expect(sender.responses().map((r) => r.status)).toEqual([200, 200, 200]);
      expect(transaction.state).toBe(InviteServerState.Accepted);
    });

    it('MUST pass ACKs that match the transaction directly to the TU', () => {
      const { transaction, tu, respond, ack } = setup();
      respond(200);
      const first = ack();
      ack();
      expect(tu.acks).toHaveLength(2);
      expect(tu.acks[0]?.ack).toBe(first);
      expect(tu.acks[0]?.transaction).toBe(transaction);
      expect(transaction.state).toBe(InviteServerState.Accepted);
    });

    it('leaves an ACK for the 2xx with its own branch to the TU without a transaction', () => {
      const { tu, respond, ack } = setup();
      respond(200);
      ack(testBranch());
      expect(tu.acks).toHaveLength(1);
      expect(tu.acks[0]?.transaction).toBeUndefined();
    });

    it('Timer L: MUST move to Terminated 64*T1 after entering Accepted', () => {
      const { transaction, layer, serverUser, respond } = setup(tcpFlow);
      respond(200);
      vi.advanceTimersByTime(31_999);
      expect(transaction.state).toBe(InviteServerState.Accepted);
      vi.advanceTimersByTime(1);
      expect(transaction.state).toBe(InviteServerState.Terminated);
      expect(serverUser.terminated).toBe(1);
      expect(layer.size).toBe(0);
    });

    it('stays Accepted and informs the TU when sending a 2xx fails (the TU owns the 2xx)', async () => {
      const { transaction, sender, serverUser, respond } = setup();
      respond(200);
      sender.failWith = transportError();
      respond(200);
      await vi.advanceTimersByTimeAsync(0);
      expect(transaction.state).toBe(InviteServerState.Accepted);
      expect(serverUser.transportErrors).toHaveLength(1);
    });

    it('throws when the TU sends a provisional or non-2xx after a 2xx (a TU bug)', () => {
      const { respond } = setup();
      respond(200);
      expect(() => respond(183)).toThrow(TransactionStateError);
      expect(() => respond(486)).toThrow(TransactionStateError);
    });

    it('drops (and does not throw for) a 2xx the TU sends after Timer L ended the transaction', () => {
      const { sender, respond } = setup();
      respond(200);
      vi.advanceTimersByTime(32_000);
      expect(() => respond(200)).not.toThrow();
      expect(sender.responses()).toHaveLength(1);
    });
  });

  it('refuses status codes outside 100-699', () => {
    const { transaction, invite } = setup();
    const bogus = createResponse(invite, 200);
    bogus.status = 700;
    expect(() => transaction.respond(bogus)).toThrow(TransactionStateError);
  });

  it('ignores an ACK before any final response', () => {
    const { transaction, tu, ack } = setup();
    ack();
    expect(transaction.state).toBe(InviteServerState.Proceeding);
    expect(tu.acks).toHaveLength(0);
  });

  it('refuses to start twice (a bug)', () => {
    const { transaction } = setup();
    expect(() => transaction.start()).toThrow(TransactionStateError);
  });
});
