import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { createResponse, formatUri, formatVia, parseMessage, SipRequest, type SipParseError } from '../sip/index.js';
import { createCancel } from './create-cancel.js';
import { InviteServerState, InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteServerState, NonInviteServerTransaction } from './non-invite-server-transaction.js';
import {
  FakeSender,
  inbound,
  makeFlow,
  makeRequest,
  makeResponse,
  parseRequest,
  RecordingClientUser,
  RecordingTu,
  retransmission,
  tcpFlow,
  testBranch,
  udpDestination,
  udpFlow,
} from './test-support.js';
import { TransactionLayer, type TransactionLayerOptions } from './transaction-layer.js';

const tortureDir = new URL('../../../shared/conformance/sip-torture/', import.meta.url);

function torture(name: string): { message: SipRequest; errors: SipParseError[] } {
  const { message, errors } = parseMessage(readFileSync(new URL(name, tortureDir)));
  if (!(message instanceof SipRequest)) throw new Error(`${name} is not a request`);
  return { message, errors };
}

function setup(options: Partial<TransactionLayerOptions> = {}) {
  const sender = new FakeSender();
  const tu = new RecordingTu();
  const layer = new TransactionLayer({ sender, logger: silentLogger, user: tu, ...options });
  return { sender, tu, layer };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TransactionLayer', () => {
  describe('response matching (§17.1.3)', () => {
    it('MUST match a response by top Via branch and CSeq method', () => {
      const { layer } = setup();
      const user = new RecordingClientUser();
      const request = makeRequest({ method: 'OPTIONS', branch: testBranch() });
      layer.sendRequest(request, udpDestination, user);
      layer.handleInbound(inbound(makeResponse(request, 200)));
      expect(user.statuses()).toEqual([200]);
    });

    it('does not match a response whose CSeq method differs, even with the same branch', () => {
      const { layer, tu } = setup();
      const user = new RecordingClientUser();
      const branch = testBranch();
      const invite = makeRequest({ method: 'INVITE', branch });
      layer.sendRequest(invite, udpDestination, user);
      layer.handleInbound(inbound(makeResponse(makeRequest({ method: 'CANCEL', branch }), 200)));
      expect(user.responses).toHaveLength(0);
      expect(tu.strays.map((stray) => stray.response.cseq.method)).toEqual(['CANCEL']);
    });

    it('passes a response matching no client transaction to the TU as stray, with its flow', () => {
      const { layer, tu } = setup();
      const response = makeResponse(makeRequest({ method: 'INVITE', branch: testBranch() }), 200);
      layer.handleInbound(inbound(response, tcpFlow));
      expect(tu.strays).toEqual([{ response, flow: tcpFlow }]);
    });

    it('drops a response with parse errors (never answered, never passed up)', () => {
      const { layer, tu, sender } = setup();
      const request = makeRequest({ method: 'OPTIONS', branch: testBranch() });
      const user = new RecordingClientUser();
      layer.sendRequest(request, udpDestination, user);
      layer.handleInbound(inbound(makeResponse(request, 200), udpFlow, [{ code: 'bad-cseq', status: 400, reason: 'Bad CSeq' }]));
      expect(user.responses).toHaveLength(0);
      expect(tu.strays).toHaveLength(0);
      expect(sender.responses()).toHaveLength(0);
    });
  });

  describe('request matching (§17.2.3)', () => {
    it('MUST match a retransmission by branch, sent-by and method', () => {
      const { layer, tu } = setup();
      const request = makeRequest({ method: 'REGISTER', branch: testBranch() });
      layer.handleInbound(inbound(request));
      layer.handleInbound(inbound(retransmission(request)));
      expect(tu.requests).toHaveLength(1);
      expect(layer.size).toBe(1);
    });

    it('matches regardless of received/rport stamped by the transport (they are not sent-by)', () => {
      const { layer, tu } = setup();
      const branch = testBranch();
      layer.handleInbound(inbound(makeRequest({ method: 'REGISTER', branch, viaParams: ';rport=5070;received=192.0.2.1' })));
      layer.handleInbound(inbound(makeRequest({ method: 'REGISTER', branch, viaParams: ';rport=6000;received=192.0.2.2' })));
      expect(tu.requests).toHaveLength(1);
    });

    it('starts a new transaction when the sent-by differs (same branch from another client)', () => {
      const { layer, tu } = setup();
      const branch = testBranch();
      layer.handleInbound(inbound(makeRequest({ method: 'REGISTER', branch, sentBy: 'a.example.com' })));
      layer.handleInbound(inbound(makeRequest({ method: 'REGISTER', branch, sentBy: 'b.example.com' })));
      expect(tu.requests).toHaveLength(2);
      expect(layer.size).toBe(2);
    });

    it('starts a new transaction when the method differs', () => {
      const { layer, tu } = setup();
      const branch = testBranch();
      layer.handleInbound(inbound(makeRequest({ method: 'INVITE', branch })));
      layer.handleInbound(inbound(makeRequest({ method: 'INFO', branch })));
      expect(tu.requests.map((r) => r.transaction.constructor)).toEqual([InviteServerTransaction, NonInviteServerTransaction]);
    });

    it('compares the sent-by host case-insensitively', () => {
      const { layer, tu } = setup();
      const branch = testBranch();
      layer.handleInbound(inbound(makeRequest({ method: 'REGISTER', branch, sentBy: 'Client.Example.COM:5070' })));
      layer.handleInbound(inbound(makeRequest({ method: 'REGISTER', branch, sentBy: 'client.example.com:5070' })));
      expect(tu.requests).toHaveLength(1);
    });

    it('passes an ACK that matches no transaction to the TU (an ACK for a 2xx)', () => {
      const { layer, tu } = setup();
      const ack = makeRequest({ method: 'ACK', branch: testBranch(), toTag: 'x' });
      layer.handleInbound(inbound(ack, tcpFlow));
      expect(tu.acks).toEqual([{ ack, flow: tcpFlow, transaction: undefined }]);
      expect(tu.requests).toHaveLength(0);
      expect(layer.size).toBe(0);
    });

    it('drops requests when no TU is registered yet', () => {
      const sender = new FakeSender();
      const layer = new TransactionLayer({ sender, logger: silentLogger });
      layer.handleInbound(inbound(makeRequest({ method: 'OPTIONS', branch: testBranch() })));
      expect(layer.size).toBe(0);
      const tu = new RecordingTu();
      layer.setUser(tu);
      layer.handleInbound(inbound(makeRequest({ method: 'OPTIONS', branch: testBranch() })));
      expect(tu.requests).toHaveLength(1);
    });
  });

  describe('CANCEL (§9.2)', () => {
    function withInvite(options: Partial<TransactionLayerOptions> = {}) {
      const context = setup(options);
      const branch = testBranch();
      const invite = makeRequest({ method: 'INVITE', branch, cseq: 5 });
      context.layer.handleInbound(inbound(invite));
      const inviteTransaction = context.tu.last() as InviteServerTransaction;
      return { ...context, branch, invite, inviteTransaction };
    }

    it('gives the CANCEL its own server transaction and finds the INVITE by branch and sent-by', () => {
      const { layer, tu, invite, inviteTransaction } = withInvite();
      const cancel = createCancel(invite);
      layer.handleInbound(inbound(cancel));
      expect(tu.cancels).toHaveLength(1);
      expect(tu.cancels[0]?.invite).toBe(inviteTransaction);
      expect(tu.cancels[0]?.transaction).toBeInstanceOf(NonInviteServerTransaction);
      expect(tu.cancels[0]?.transaction.method).toBe('CANCEL');
      expect(tu.requests).toHaveLength(1);
      expect(layer.size).toBe(2);
    });

    it('lets the TU answer 200 to the CANCEL and 487 to the INVITE', () => {
      const { layer, tu, sender, invite, inviteTransaction } = withInvite();
      layer.handleInbound(inbound(createCancel(invite)));
      const { cancel, transaction } = tu.cancels[0]!;
      transaction.respond(createResponse(cancel, 200, undefined, { toTag: 'uas' }));
      inviteTransaction.respond(createResponse(invite, 487, undefined, { toTag: 'uas' }));
      expect(sender.responses().map((r) => `${r.status} ${r.cseq.method}`)).toEqual(['200 CANCEL', '487 INVITE']);
      expect(inviteTransaction.state).toBe(InviteServerState.Completed);
    });

    it('absorbs CANCEL retransmissions in the CANCEL transaction', () => {
      const { layer, tu, sender, invite } = withInvite();
      const cancel = createCancel(invite);
      layer.handleInbound(inbound(parseRequest(cancel.toString())));
      tu.cancels[0]!.transaction.respond(createResponse(cancel, 200, undefined, { toTag: 'uas' }));
      layer.handleInbound(inbound(parseRequest(cancel.toString())));
      expect(tu.cancels).toHaveLength(1);
      expect(sender.responses(200)).toHaveLength(2);
    });

    it('finds no INVITE for a CANCEL with another branch or another sent-by', () => {
      const { layer, tu, branch } = withInvite();
      layer.handleInbound(inbound(makeRequest({ method: 'CANCEL', branch: testBranch(), cseq: 5 })));
      layer.handleInbound(inbound(makeRequest({ method: 'CANCEL', branch, cseq: 5, sentBy: 'other.example.com' })));
      expect(tu.cancels.map((c) => c.invite)).toEqual([undefined, undefined]);
    });

    it('hands an unmatched CANCEL to the TU by default (a proxy forwards it statelessly, §16.10)', () => {
      const { layer, tu, sender } = setup();
      layer.handleInbound(inbound(makeRequest({ method: 'CANCEL', branch: testBranch() })));
      expect(tu.cancels).toHaveLength(1);
      expect(tu.cancels[0]?.invite).toBeUndefined();
      expect(sender.sent).toHaveLength(0);
    });

    it('answers an unmatched CANCEL 481 itself when configured to', () => {
      const { layer, tu, sender } = setup({ answerUnmatchedCancel: true });
      layer.handleInbound(inbound(makeRequest({ method: 'CANCEL', branch: testBranch() })));
      expect(tu.cancels).toHaveLength(0);
      expect(sender.responses().map((r) => [r.status, r.cseq.method])).toEqual([[481, 'CANCEL']]);
    });

    it('still hands a matched CANCEL to the TU when configured to answer unmatched ones', () => {
      const { layer, tu, invite, inviteTransaction } = withInvite({ answerUnmatchedCancel: true });
      layer.handleInbound(inbound(createCancel(invite)));
      expect(tu.cancels[0]?.invite).toBe(inviteTransaction);
    });
  });

  describe('createCancel (§9.1)', () => {
    it('copies Request-URI, Call-ID, To, From and CSeq number, keeps the single top Via and the Routes', () => {
      const invite = makeRequest({ method: 'INVITE', branch: testBranch(), cseq: 9, headers: ['Route: <sip:p1.example.com;lr>'] });
      invite.addHeader('Via', 'SIP/2.0/UDP second.example.com;branch=z9hG4bKsecond');
      const cancel = createCancel(invite);
      expect(cancel.method).toBe('CANCEL');
      expect(formatUri(cancel.uri)).toBe(formatUri(invite.uri));
      expect(cancel.via).toHaveLength(1);
      expect(formatVia(cancel.via[0]!)).toBe(formatVia(invite.topVia!));
      expect(cancel.callId).toBe(invite.callId);
      expect(cancel.getHeader('From')).toBe(invite.getHeader('From'));
      expect(cancel.getHeader('To')).toBe(invite.getHeader('To'));
      expect(cancel.cseq).toEqual({ seq: 9, method: 'CANCEL' });
      expect(cancel.getHeaders('Route')).toEqual(invite.getHeaders('Route'));
      expect(cancel.maxForwards).toBe(70);
    });
  });

  describe('RFC 2543 fallback (§17.2.3, last paragraph)', () => {
    it('matches a retransmission of an INVITE without a branch (RFC 4475 §3.4.1 inv2543)', () => {
      const { layer, tu } = setup();
      const first = torture('inv2543.dat');
      expect(first.errors).toEqual([]);
      layer.handleInbound(inbound(first.message));
      layer.handleInbound(inbound(torture('inv2543.dat').message));
      expect(tu.requests).toHaveLength(1);
      expect(tu.last()).toBeInstanceOf(InviteServerTransaction);
      expect(layer.size).toBe(1);
    });

    it('treats the bare magic cookie branch as RFC 2543 (RFC 4475 §3.2.1 badbranch)', () => {
      const { layer, tu, sender } = setup();
      const first = torture('badbranch.dat');
      const again = torture('badbranch.dat');
      // the parser reports the fault; the layer matches such requests the 2543 way instead of a 400
      expect(first.errors.map((error) => error.code)).toEqual(['bad-branch']);
      layer.handleInbound(inbound(first.message, udpFlow, first.errors));
      layer.handleInbound(inbound(again.message, udpFlow, again.errors));
      expect(tu.requests).toHaveLength(1);
      expect(sender.sent).toHaveLength(0);
      // another request with the same bare branch but another Call-ID is another transaction
      const text = readFileSync(new URL('badbranch.dat', tortureDir), 'latin1').replace('badbranch.sadonfo23i420jv0as0derf3j3n', 'badbranch.other');
      layer.handleInbound(inbound(parseRequest(text)));
      expect(tu.requests).toHaveLength(2);
    });

    const spec = { method: 'INVITE', branch: null, callId: 'rfc2543@example.com', cseq: 3, fromTag: 'f1' } as const;

    it.each([
      ['Request-URI', { uri: 'sip:carol@example.com' }],
      ['To tag', { toTag: 'other' }],
      ['From tag', { fromTag: 'f2' }],
      ['Call-ID', { callId: 'another@example.com' }],
      ['CSeq number', { cseq: 4 }],
      ['top Via', { sentBy: 'elsewhere.example.com' }],
    ])('does not match when the %s differs', (_field, change) => {
      const { layer, tu } = setup();
      layer.handleInbound(inbound(makeRequest(spec)));
      layer.handleInbound(inbound(makeRequest({ ...spec, ...change })));
      expect(tu.requests).toHaveLength(2);
    });

    it('matches the ACK for a non-2xx by To tag of the response sent, moving the INVITE to Confirmed', () => {
      const { layer, tu } = setup();
      const invite = makeRequest(spec);
      layer.handleInbound(inbound(invite));
      const transaction = tu.last() as InviteServerTransaction;
      transaction.respond(createResponse(invite, 486, undefined, { toTag: 'uas2543' }));
      layer.handleInbound(inbound(makeRequest({ ...spec, method: 'ACK', toTag: 'wrong' })));
      expect(transaction.state).toBe(InviteServerState.Completed);
      expect(tu.acks).toHaveLength(1);
      layer.handleInbound(inbound(makeRequest({ ...spec, method: 'ACK', toTag: 'uas2543' })));
      expect(transaction.state).toBe(InviteServerState.Confirmed);
    });

    it('matches a CANCEL to its RFC 2543 INVITE', () => {
      const { layer, tu } = setup();
      const invite = makeRequest(spec);
      layer.handleInbound(inbound(invite));
      layer.handleInbound(inbound(makeRequest({ ...spec, method: 'CANCEL' })));
      expect(tu.cancels[0]?.invite).toBe(tu.last());
      // the CANCEL is a transaction of its own, matched the 2543 way on retransmission
      layer.handleInbound(inbound(makeRequest({ ...spec, method: 'CANCEL' })));
      expect(tu.cancels).toHaveLength(1);
      expect(layer.size).toBe(2);
    });

    it('removes RFC 2543 transactions when they terminate', () => {
      const { layer, tu } = setup();
      const request = makeRequest({ ...spec, method: 'OPTIONS' });
      layer.handleInbound(inbound(request, tcpFlow));
      tu.last().respond(createResponse(request, 200, undefined, { toTag: 't' }));
      expect(layer.size).toBe(0);
      layer.handleInbound(inbound(retransmission(request), tcpFlow));
      expect(tu.requests).toHaveLength(2);
    });
  });

  describe('requests with parse errors', () => {
    it('answers statelessly with the status and reason of the fault (400 naming it)', () => {
      const { layer, tu, sender } = setup();
      const request = makeRequest({ method: 'INVITE', branch: testBranch() });
      layer.handleInbound(inbound(request, udpFlow, [{ code: 'bad-content-length', status: 400, reason: 'Bad Content-Length' }]));
      const [response] = sender.responses();
      expect(response?.status).toBe(400);
      expect(response?.reason).toBe('Bad Content-Length');
      expect(response?.callId).toBe(request.callId);
      expect(response?.to.params.get('tag')).toBeTruthy();
      expect(sender.sent[0]).toMatchObject({ flow: udpFlow });
      expect(tu.requests).toHaveLength(0);
      expect(layer.size).toBe(0);
    });

    it('prefers 505 for a bad version among several faults', () => {
      const { layer, sender } = setup();
      layer.handleInbound(
        inbound(makeRequest({ branch: testBranch() }), udpFlow, [
          { code: 'bad-header', status: 400, reason: 'Bad Header' },
          { code: 'bad-version', status: 505, reason: 'Version Not Supported' },
        ]),
      );
      expect(sender.responses().map((r) => r.status)).toEqual([505]);
    });

    it('answers RFC 4475 §3.1.2.16 badvers with 505', () => {
      const { layer, sender, tu } = setup();
      const { message, errors } = torture('badvers.dat');
      expect(errors.length).toBeGreaterThan(0);
      layer.handleInbound(inbound(message, udpFlow, errors));
      expect(sender.responses().map((r) => r.status)).toEqual([505]);
      expect(tu.requests).toHaveLength(0);
    });

    it('drops, without answering, a request lacking the headers a response needs (RFC 4475 §3.3.1 insuf)', () => {
      const { layer, sender, tu } = setup();
      const { message, errors } = torture('insuf.dat');
      expect(errors.length).toBeGreaterThan(0);
      layer.handleInbound(inbound(message, udpFlow, errors));
      expect(sender.sent).toHaveLength(0);
      expect(tu.requests).toHaveLength(0);
    });

    it('never answers an ACK, even a malformed one', () => {
      const { layer, sender, tu } = setup();
      layer.handleInbound(inbound(makeRequest({ method: 'ACK', branch: testBranch() }), udpFlow, [{ code: 'x', status: 400, reason: 'Bad' }]));
      expect(sender.sent).toHaveLength(0);
      expect(tu.acks).toHaveLength(0);
    });

    it('logs, and does not throw, when the stateless response cannot be sent', async () => {
      const { layer, sender } = setup();
      sender.failWith = new Error('down');
      expect(() => layer.handleInbound(inbound(makeRequest({ branch: testBranch() }), udpFlow, [{ code: 'x', status: 400, reason: 'Bad' }]))).not.toThrow();
      await vi.advanceTimersByTimeAsync(0);
    });
  });

  describe('sendRequest', () => {
    it('refuses an ACK (never a client transaction)', () => {
      const { layer } = setup();
      expect(() => layer.sendRequest(makeRequest({ method: 'ACK', branch: testBranch() }), udpDestination, new RecordingClientUser())).toThrow(/ACK/);
    });

    it.each([
      ['no branch', null],
      ['a branch without the magic cookie', '1234abcd'],
      ['the bare magic cookie', 'z9hG4bK'],
    ])('refuses a request with %s', (_what, branch) => {
      const { layer } = setup();
      expect(() => layer.sendRequest(makeRequest({ branch }), udpDestination, new RecordingClientUser())).toThrow(/branch/);
    });

    it('refuses a second live transaction with the same branch and method', () => {
      const { layer } = setup();
      const branch = testBranch();
      layer.sendRequest(makeRequest({ branch }), udpDestination, new RecordingClientUser());
      expect(() => layer.sendRequest(makeRequest({ branch }), udpDestination, new RecordingClientUser())).toThrow(/already exists/);
    });

    it('sends stateless requests and responses straight to the transport', async () => {
      const { layer, sender } = setup();
      const ack = makeRequest({ method: 'ACK', branch: testBranch() });
      await expect(layer.sendStatelessRequest(ack, udpDestination)).resolves.toMatchObject({ protocol: 'udp' });
      const response = makeResponse(makeRequest({ method: 'INVITE', branch: testBranch() }), 200);
      await expect(layer.sendStatelessResponse(response, tcpFlow)).resolves.toBe(tcpFlow);
      expect(sender.sent.map((sent) => sent.message)).toEqual([ack, response]);
      expect(layer.size).toBe(0);
    });
  });

  describe('TU failures', () => {
    it('answers 500 when the TU throws on a new request, so the transaction still ends', () => {
      const { layer, tu, sender } = setup();
      tu.onRequestHook = () => {
        throw new Error('app bug');
      };
      layer.handleInbound(inbound(makeRequest({ method: 'INVITE', branch: testBranch() }), tcpFlow));
      expect(sender.responses().map((r) => r.status)).toEqual([500]);
      expect(tu.last().state).toBe(InviteServerState.Completed);
    });

    it('does not answer twice when the TU answered before throwing', () => {
      const { layer, tu, sender } = setup();
      tu.onRequestHook = (request, transaction) => {
        transaction.respond(createResponse(request, 200, undefined, { toTag: 't' }));
        throw new Error('after answering');
      };
      layer.handleInbound(inbound(makeRequest({ branch: testBranch() })));
      expect(sender.responses().map((r) => r.status)).toEqual([200]);
    });

    it('never throws from handleInbound, even when the TU does', () => {
      const { layer, tu } = setup();
      tu.onStrayResponse = () => {
        throw new Error('boom');
      };
      expect(() => layer.handleInbound(inbound(makeResponse(makeRequest({ branch: testBranch() }), 200)))).not.toThrow();
    });
  });

  describe('no unbounded growth', () => {
    it('counts live transactions and removes every one when it terminates', () => {
      const { layer, tu } = setup();
      const users: RecordingClientUser[] = [];
      for (let i = 0; i < 50; i++) {
        const user = new RecordingClientUser();
        users.push(user);
        layer.sendRequest(makeRequest({ method: i % 2 ? 'INVITE' : 'OPTIONS', branch: testBranch() }), udpDestination, user);
        const request = makeRequest({ method: i % 2 ? 'INVITE' : 'MESSAGE', branch: testBranch() });
        layer.handleInbound(inbound(request, makeFlow('udp', '192.0.2.1', 5000 + i)));
        tu.last().respond(createResponse(request, i % 3 === 0 ? 200 : 404, undefined, { toTag: 't' }));
      }
      expect(layer.size).toBe(100);
      vi.advanceTimersByTime(64 * 500 + 5000);
      expect(layer.size).toBe(0);
      expect(users.every((user) => user.terminated === 1)).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('close() ends every transaction without telling the TUs and stops all timers', () => {
      const { layer, tu } = setup();
      const user = new RecordingClientUser();
      layer.sendRequest(makeRequest({ method: 'INVITE', branch: testBranch() }), udpDestination, user);
      layer.handleInbound(inbound(makeRequest({ method: 'INVITE', branch: testBranch() })));
      layer.handleInbound(inbound(makeRequest({ method: 'OPTIONS', branch: null })));
      expect(layer.size).toBe(3);
      layer.close();
      expect(layer.size).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
      expect(user.events).toEqual([]);
      expect(tu.requests.map((r) => r.transaction.state)).toEqual([InviteServerState.Terminated, NonInviteServerState.Terminated]);
    });
  });
});
