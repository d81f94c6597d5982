import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createResponse } from '../sip/index.js';
import type { Flow } from '../transport/types.js';
import { NonInviteServerState, NonInviteServerTransaction } from './non-invite-server-transaction.js';
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

function setup(flow: Flow = udpFlow, method = 'REGISTER') {
  const sender = new FakeSender();
  const tu = new RecordingTu();
  const layer = new TransactionLayer({ sender, logger: silentLogger, user: tu });
  const request = makeRequest({ method, branch: testBranch() });
  layer.handleInbound(inbound(request, flow));
  const transaction = tu.last() as NonInviteServerTransaction;
  const serverUser = new RecordingServerUser();
  transaction.setUser(serverUser);
  const respond = (status: number) => transaction.respond(createResponse(request, status, undefined, { toTag: 'uas' }));
  const resend = () => layer.handleInbound(inbound(retransmission(request), flow));
  return { sender, tu, layer, request, transaction, serverUser, respond, resend };
}

const statuses = (sender: FakeSender) => sender.responses().map((response) => response.status);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('MUST enter Trying and pass the request to the TU', () => {
    const { transaction, tu, layer } = setup();
    expect(transaction).toBeInstanceOf(NonInviteServerTransaction);
    expect(transaction.state).toBe(NonInviteServerState.Trying);
    expect(tu.requests).toHaveLength(1);
    expect(layer.size).toBe(1);
  });

  it('sends no automatic 100 Trying (that is for INVITE only)', () => {
    const { sender } = setup();
    vi.advanceTimersByTime(10_000);
    expect(sender.sent).toHaveLength(0);
  });

  it('MUST discard request retransmissions in Trying', () => {
    const { sender, tu, resend } = setup();
    resend();
    expect(sender.sent).toHaveLength(0);
    expect(tu.requests).toHaveLength(1);
  });

  it('MUST move to Proceeding on a provisional response from the TU and send it', () => {
    const { transaction, sender, respond } = setup();
    respond(100);
    expect(transaction.state).toBe(NonInviteServerState.Proceeding);
    expect(statuses(sender)).toEqual([100]);
  });

  it('MUST send further provisional responses in Proceeding', () => {
    const { transaction, sender, respond } = setup();
    respond(100);
    respond(183);
    expect(transaction.state).toBe(NonInviteServerState.Proceeding);
    expect(statuses(sender)).toEqual([100, 183]);
  });

  it('MUST resend the most recent provisional response on a retransmission in Proceeding', () => {
    const { sender, tu, respond, resend } = setup();
    respond(100);
    respond(183);
    resend();
    expect(statuses(sender)).toEqual([100, 183, 183]);
    expect(tu.requests).toHaveLength(1);
  });

  it.each([200, 404])('MUST move to Completed on a %i from the TU in Trying and send it', (status) => {
    const { transaction, sender, respond } = setup();
    respond(status);
    expect(transaction.state).toBe(NonInviteServerState.Completed);
    expect(statuses(sender)).toEqual([status]);
  });

  it('MUST move to Completed on a final response in Proceeding', () => {
    const { transaction, sender, respond } = setup();
    respond(100);
    respond(200);
    expect(transaction.state).toBe(NonInviteServerState.Completed);
    expect(statuses(sender)).toEqual([100, 200]);
  });

  it('MUST resend the final response on every retransmission in Completed', () => {
    const { sender, respond, resend } = setup();
    respond(200);
    resend();
    resend();
    expect(statuses(sender)).toEqual([200, 200, 200]);
  });

  it('MUST discard further responses from the TU in Completed', () => {
    const { transaction, sender, respond } = setup();
    respond(200);
    expect(() => respond(500)).not.toThrow();
    expect(() => respond(100)).not.toThrow();
    expect(statuses(sender)).toEqual([200]);
    expect(transaction.finalResponse?.status).toBe(200);
  });

  it('Timer J: MUST move to Terminated 64*T1 after entering Completed (unreliable)', () => {
    const { transaction, serverUser, layer, respond } = setup();
    respond(200);
    vi.advanceTimersByTime(31_999);
    expect(transaction.state).toBe(NonInviteServerState.Completed);
    vi.advanceTimersByTime(1);
    expect(transaction.state).toBe(NonInviteServerState.Terminated);
    expect(serverUser.terminated).toBe(1);
    expect(layer.size).toBe(0);
  });

  it('Timer J: is zero over a reliable transport', () => {
    const { transaction, sender, layer, respond } = setup(tcpFlow);
    respond(200);
    expect(statuses(sender)).toEqual([200]);
    expect(transaction.state).toBe(NonInviteServerState.Terminated);
    expect(layer.size).toBe(0);
  });

  it('after Timer J a retransmission is a new request again', () => {
    const { tu, respond, resend } = setup(tcpFlow);
    respond(200);
    resend();
    expect(tu.requests).toHaveLength(2);
  });

  it.each([
    ['Trying', (respond: (status: number) => void) => respond(200)],
    ['Proceeding', (respond: (status: number) => void) => (respond(100), respond(200))],
  ])('MUST move to Terminated and inform the TU on a transport error (from %s)', async (_state, act) => {
    const { transaction, sender, serverUser, layer, respond } = setup();
    sender.failWith = transportError();
    act(respond);
    await vi.advanceTimersByTimeAsync(0);
    expect(transaction.state).toBe(NonInviteServerState.Terminated);
    expect(serverUser.transportErrors).toHaveLength(1);
    expect(serverUser.terminated).toBe(1);
    expect(layer.size).toBe(0);
  });

  it('MUST move to Terminated when resending the final response fails in Completed', async () => {
    const { transaction, sender, serverUser, respond, resend } = setup();
    respond(200);
    sender.failWith = transportError();
    resend();
    await vi.advanceTimersByTimeAsync(0);
    expect(transaction.state).toBe(NonInviteServerState.Terminated);
    expect(serverUser.transportErrors).toHaveLength(1);
  });

  it('refuses status codes outside 100-699 (a TU bug)', () => {
    const { transaction, request } = setup();
    const bogus = createResponse(request, 200);
    bogus.status = 99;
    expect(() => transaction.respond(bogus)).toThrow(TransactionStateError);
  });
});
