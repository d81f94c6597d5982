import { describe, expect, it } from 'vitest';
import { parseVia } from '../sip/index.js';
import { routeResponse } from './response-route.js';
import { TransportError } from './types.js';

function route(via: string): ReturnType<typeof routeResponse> {
  const [top] = parseVia(via);
  if (!top) throw new Error(`no Via in ${via}`);
  return routeResponse(top);
}

describe('response routing (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  it('unreliable, received and rport: the source address and port', () => {
    expect(route('SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1;received=198.51.100.7;rport=40000')).toEqual({
      protocol: 'udp',
      host: '198.51.100.7',
      port: 40000,
    });
  });

  it('unreliable, received only: received with the sent-by port, 5060 when absent', () => {
    expect(route('SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1;received=198.51.100.7')).toMatchObject({ host: '198.51.100.7', port: 5070 });
    expect(route('SIP/2.0/UDP host.example.com;branch=z9hG4bK1;received=198.51.100.7')).toMatchObject({ host: '198.51.100.7', port: 5060 });
  });

  it('maddr wins over received, with the sent-by port', () => {
    expect(route('SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1;maddr=239.255.255.1;received=198.51.100.7;rport=4000')).toEqual({
      protocol: 'udp',
      host: '239.255.255.1',
      port: 5070,
    });
  });

  it('nothing stamped: sent-by host and port', () => {
    expect(route('SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1')).toEqual({ protocol: 'udp', host: '2001:db8::1', port: 5060 });
  });

  it('reliable: received with the sent-by port, and the received:rport connection to try first', () => {
    expect(route('SIP/2.0/TCP 192.0.2.1:5070;branch=z9hG4bK1;received=198.51.100.7;rport=40000')).toEqual({
      protocol: 'tcp',
      host: '198.51.100.7',
      port: 5070,
      existing: { address: '198.51.100.7', port: 40000 },
    });
    expect(route('SIP/2.0/TLS sip.example.com;branch=z9hG4bK1')).toEqual({ protocol: 'tls', host: 'sip.example.com', port: 5061 });
  });

  it('ignores an rport that is not a port', () => {
    const [via] = parseVia('SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1;received=198.51.100.7');
    if (!via) throw new Error('no Via');
    for (const bad of ['99999', '0', 'x1']) {
      via.params.set('rport', bad);
      expect(routeResponse(via)).toMatchObject({ host: '198.51.100.7', port: 5070 });
    }
  });

  it('refuses a transport it does not have', () => {
    expect(() => route('SIP/2.0/SCTP 192.0.2.1;branch=z9hG4bK1')).toThrow(TransportError);
  });
});
