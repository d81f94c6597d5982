/**
 * The slim-record path (absorb-record.ts): once a transaction only waits out Timer D, I, J, K,
 * L or M, the layer runs a record in its place. These tests drive the layer as the transport
 * would and check that §17 / RFC 6026 behaviour is what it was with the full transaction.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createResponse } from '../sip/index.js';
import { InviteClientState, type InviteClientTransaction } from './invite-client-transaction.js';
import { InviteServerState, type InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteClientState } from './non-invite-client-transaction.js';
import { NonInviteServerState } from './non-invite-server-transaction.js';
import {
  FakeSender,
  inbound,
  makeRequest,
  makeResponse,
  RecordingClientUser,
  RecordingServerUser,
  RecordingTu,
  retransmission,
  testBranch,
  udpDestination,
  udpFlow,
} from './test-support.js';
import { TransactionLayer } from './transaction-layer.js';

const T1 = 500;
const T4 = 5000;

function setup() {
  const sender = new FakeSender();
  const tu = new RecordingTu();
  const layer = new TransactionLayer({ sender, logger: silentLogger, user: tu });
  return { sender, tu, layer };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('slim records for server transactions', () => {
  it('INVITE answered 2xx (Accepted): retransmissions absorbed, same-branch ACK to the TU, Timer L ends it', () => {
    const { sender, tu, layer } = setup();
    const invite = makeRequest({ method: 'INVITE', branch: testBranch() });
    layer.handleInbound(inbound(invite));
    const transaction = tu.last() as InviteServerTransaction;
    transaction.respond(makeResponse(invite, 200));
    expect(transaction.state).toBe(InviteServerState.Accepted);
    expect(layer.size).toBe(1);
    // The layer's table now holds the record: one queue timer, none of the transaction's own.
    expect(vi.getTimerCount()).toBe(1);
    sender.clear();

    layer.handleInbound(inbound(retransmission(invite)));
    expect(tu.requests).toHaveLength(1);
    expect(sender.sent).toEqual([]);

    // RFC 6026 §8.7: an ACK matching the INVITE's transaction in Accepted goes to the TU.
    const ack = makeRequest({ method: 'ACK', branch: invite.topVia?.params.get('branch') as string, cseqMethod: 'ACK' });
    layer.handleInbound(inbound(ack));
    expect(tu.acks).toHaveLength(1);
    expect(tu.acks[0]?.ack).toBe(ack);

    // The TU may still retransmit its 2xx through the transaction object (§13.3.1.4).
    transaction.respond(makeResponse(invite, 200));
    expect(sender.responses(200)).toHaveLength(1);

    vi.advanceTimersByTime(64 * T1 - 1);
    expect(transaction.state).toBe(InviteServerState.Accepted);
    vi.advanceTimersByTime(1);
    expect(transaction.state).toBe(InviteServerState.Terminated);
    expect(layer.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    // After Timer L a retransmitted INVITE is a new request again.
    layer.handleInbound(inbound(retransmission(invite)));
    expect(tu.requests).toHaveLength(2);
  });

  it('a CANCEL for an INVITE that has its final response is answered 200 and changes nothing (§9.2)', () => {
    const { sender, tu, layer } = setup();
    const invite = makeRequest({ method: 'INVITE', branch: testBranch() });
    layer.handleInbound(inbound(invite));
    tu.last().respond(makeResponse(invite, 200));
    const cancel = makeRequest({ method: 'CANCEL', branch: invite.topVia?.params.get('branch') as string });
    layer.handleInbound(inbound(cancel));
    expect(tu.cancels).toEqual([]);
    expect(sender.responses().map((response) => `${response.status} ${response.cseq.method}`)).toEqual(['200 INVITE', '200 CANCEL']);
    // The CANCEL's own transaction absorbs its retransmission with the same 200.
    layer.handleInbound(inbound(retransmission(cancel)));
    expect(sender.responses(200)).toHaveLength(3);
  });

  it('INVITE answered 486: Completed stays full (Timer G resends), the ACK moves it to a Confirmed record', () => {
    const { sender, tu, layer } = setup();
    const invite = makeRequest({ method: 'INVITE', branch: testBranch() });
    layer.handleInbound(inbound(invite));
    const transaction = tu.last() as InviteServerTransaction;
    transaction.respond(makeResponse(invite, 486));
    vi.advanceTimersByTime(T1);
    expect(sender.responses(486)).toHaveLength(2);
    const ack = makeRequest({ method: 'ACK', branch: invite.topVia?.params.get('branch') as string, cseqMethod: 'ACK', toTag: 'totag1' });
    layer.handleInbound(inbound(ack));
    expect(transaction.state).toBe(InviteServerState.Confirmed);
    sender.clear();
    layer.handleInbound(inbound(retransmission(ack)));
    layer.handleInbound(inbound(retransmission(invite)));
    expect(sender.sent).toEqual([]);
    expect(tu.acks).toEqual([]);
    vi.advanceTimersByTime(T4);
    expect(transaction.state).toBe(InviteServerState.Terminated);
    expect(layer.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('non-INVITE Completed: a retransmission gets the same final response octets, Timer J ends it', () => {
    const { sender, tu, layer } = setup();
    const bye = makeRequest({ method: 'BYE', branch: testBranch() });
    layer.handleInbound(inbound(bye));
    const transaction = tu.last();
    const ok = makeResponse(bye, 200);
    transaction.respond(ok);
    const sentOctets = ok.toBuffer().toString('latin1');
    expect(transaction.state).toBe(NonInviteServerState.Completed);

    layer.handleInbound(inbound(retransmission(bye)));
    layer.handleInbound(inbound(retransmission(bye)));
    const resent = sender.sent.filter((sent) => sent.kind === 'response');
    expect(resent).toHaveLength(3);
    for (const sent of resent) {
      expect(sent.message.toBuffer().toString('latin1')).toBe(sentOctets);
      expect(sent.kind === 'response' && sent.flow).toBe(udpFlow);
    }
    expect(tu.requests).toHaveLength(1);
    // §17.2.2: further final responses from the TU are discarded.
    transaction.respond(createResponse(bye, 500));
    expect(sender.responses(500)).toEqual([]);

    vi.advanceTimersByTime(64 * T1);
    expect(transaction.terminated).toBe(true);
    expect(layer.size).toBe(0);
  });

  it('a failed resend ends the record (§17.2.4)', async () => {
    const { sender, tu, layer } = setup();
    const bye = makeRequest({ method: 'BYE', branch: testBranch() });
    layer.handleInbound(inbound(bye));
    tu.last().respond(makeResponse(bye, 200));
    sender.failWith = new Error('unreachable');
    layer.handleInbound(inbound(retransmission(bye)));
    await vi.advanceTimersByTimeAsync(0);
    expect(layer.size).toBe(0);
  });

  it('a transport error for the response sent on entering Completed ends the record too (§17.2.4)', async () => {
    const { sender, tu, layer } = setup();
    const bye = makeRequest({ method: 'BYE', branch: testBranch() });
    layer.handleInbound(inbound(bye));
    const transaction = tu.last();
    sender.failWith = new Error('unreachable');
    transaction.respond(makeResponse(bye, 200));
    await vi.advanceTimersByTimeAsync(0);
    expect(transaction.terminated).toBe(true);
    expect(layer.size).toBe(0);
    // As before slim records: a retransmission is a new request for the TU.
    sender.failWith = undefined;
    layer.handleInbound(inbound(retransmission(bye)));
    expect(tu.requests).toHaveLength(2);
    vi.advanceTimersByTime(64 * T1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the full transaction when a ServerTransactionUser observes it', () => {
    const { tu, layer } = setup();
    const invite = makeRequest({ method: 'INVITE', branch: testBranch() });
    layer.handleInbound(inbound(invite));
    const transaction = tu.last() as InviteServerTransaction;
    const observer = new RecordingServerUser();
    transaction.setUser(observer);
    transaction.respond(makeResponse(invite, 200));
    vi.advanceTimersByTime(64 * T1);
    expect(observer.terminated).toBe(1);
    expect(layer.size).toBe(0);
  });

  it('reliable transports wait zero: no record at all', () => {
    const { tu, layer } = setup();
    const bye = makeRequest({ method: 'BYE', branch: testBranch(), transport: 'TCP' });
    layer.handleInbound(inbound(bye, { ...udpFlow, protocol: 'tcp', id: 'tcp-1' }));
    tu.last().respond(makeResponse(bye, 200));
    expect(tu.last().terminated).toBe(true);
    expect(layer.size).toBe(0);
  });
});

describe('slim records for client transactions', () => {
  it('INVITE Accepted: every later 2xx reaches the TU until Timer M (RFC 6026 §8.4)', () => {
    const { sender, layer } = setup();
    const user = new RecordingClientUser();
    const invite = makeRequest({ method: 'INVITE', branch: testBranch() });
    const transaction = layer.sendRequest(invite, udpDestination, user) as InviteClientTransaction;
    layer.handleInbound(inbound(makeResponse(invite, 180)));
    layer.handleInbound(inbound(makeResponse(invite, 200)));
    expect(transaction.state).toBe(InviteClientState.Accepted);
    layer.handleInbound(inbound(makeResponse(invite, 200)));
    layer.handleInbound(inbound(makeResponse(invite, 200, 'other-fork')));
    // A stray 1xx or failure after the 2xx is not passed up.
    layer.handleInbound(inbound(makeResponse(invite, 180)));
    expect(user.statuses()).toEqual([180, 200, 200, 200]);
    expect(sender.requests('ACK')).toEqual([]);
    vi.advanceTimersByTime(64 * T1);
    expect(transaction.state).toBe(InviteClientState.Terminated);
    expect(user.terminated).toBe(1);
    expect(layer.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('INVITE Completed: a retransmitted failure gets the ACK again and is not passed up (§17.1.1.2)', async () => {
    const { sender, layer } = setup();
    const user = new RecordingClientUser();
    const invite = makeRequest({ method: 'INVITE', branch: testBranch() });
    const transaction = layer.sendRequest(invite, udpDestination, user);
    await vi.advanceTimersByTimeAsync(0);
    layer.handleInbound(inbound(makeResponse(invite, 486)));
    layer.handleInbound(inbound(makeResponse(invite, 486)));
    layer.handleInbound(inbound(makeResponse(invite, 486)));
    const acks = sender.requests('ACK');
    expect(acks).toHaveLength(3);
    expect(new Set(acks)).toHaveProperty('size', 1);
    expect(user.statuses()).toEqual([486]);
    vi.advanceTimersByTime(32_000);
    expect(transaction.terminated).toBe(true);
    expect(user.events.at(-1)).toBe('terminated');
  });

  it('non-INVITE Completed: retransmitted finals absorbed, Timer K ends it', () => {
    const { layer } = setup();
    const user = new RecordingClientUser();
    const bye = makeRequest({ method: 'BYE', branch: testBranch() });
    const transaction = layer.sendRequest(bye, udpDestination, user);
    layer.handleInbound(inbound(makeResponse(bye, 200)));
    layer.handleInbound(inbound(makeResponse(bye, 200)));
    expect(transaction.state).toBe(NonInviteClientState.Completed);
    expect(user.statuses()).toEqual([200]);
    vi.advanceTimersByTime(T4);
    expect(transaction.state).toBe(NonInviteClientState.Terminated);
    expect(user.terminated).toBe(1);
    expect(layer.size).toBe(0);
  });

  it('close() ends records without telling the TUs and stops the queue timers', () => {
    const { tu, layer } = setup();
    const user = new RecordingClientUser();
    const invite = makeRequest({ method: 'INVITE', branch: testBranch() });
    const client = layer.sendRequest(invite, udpDestination, user);
    layer.handleInbound(inbound(makeResponse(invite, 200)));
    const bye = makeRequest({ method: 'BYE', branch: testBranch() });
    layer.handleInbound(inbound(bye));
    tu.last().respond(makeResponse(bye, 200));
    expect(layer.size).toBe(2);
    layer.close();
    expect(layer.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(client.terminated).toBe(true);
    expect(tu.last().terminated).toBe(true);
    expect(user.events).toEqual(['response 200']);
  });
});
