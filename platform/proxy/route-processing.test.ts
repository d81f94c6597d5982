import { describe, expect, it } from 'vitest';
import { formatUri } from '../sip/index.js';
import { addRecordRoute, recordRouteValue } from './record-route.js';
import { adaptToStrictRouter, nextHopUri, prependRoutes, preprocessRoutes } from './route-processing.js';
import { invite, testIdentity } from './test-support.js';

const identity = testIdentity();

describe('Route preprocessing (RFC 3261 §16.4)', () => {
  it('removes the top Route value when it names this proxy', () => {
    const request = invite(['Route: <sip:192.0.2.1:5060;lr>, <sip:next.example.com;lr>']);
    expect(preprocessRoutes(request, identity)).toEqual({ strictRouteFixed: false, removedRoutes: 1 });
    expect(request.getHeaders('Route')).toEqual(['<sip:next.example.com;lr>']);
  });

  it('removes both values of a double Record-Route (transport change)', () => {
    const request = invite(['Route: <sip:192.0.2.1:5060;transport=tcp;lr>', 'Route: <sip:192.0.2.1;lr>, <sip:other.example.com;lr>']);
    expect(preprocessRoutes(request, identity).removedRoutes).toBe(2);
    expect(request.getHeaders('Route')).toEqual(['<sip:other.example.com;lr>']);
  });

  it('knows itself by an alias name with the default port', () => {
    const request = invite(['Route: <sip:proxy.example.com;lr>']);
    preprocessRoutes(request, identity);
    expect(request.hasHeader('Route')).toBe(false);
  });

  it('leaves a Route that names another host, or our host on another port', () => {
    const request = invite(['Route: <sip:192.0.2.1:5070;lr>']);
    expect(preprocessRoutes(request, identity)).toEqual({ strictRouteFixed: false, removedRoutes: 0 });
    expect(request.getHeaders('Route')).toEqual(['<sip:192.0.2.1:5070;lr>']);
  });

  it('fixes a request from a strict router: our URI in the Request-URI, the last Route becomes the Request-URI', () => {
    const request = invite(['Route: <sip:next.example.com;lr>, <sip:bob@198.51.100.9:5080>'], 'sip:192.0.2.1:5060;lr');
    expect(preprocessRoutes(request, identity)).toEqual({ strictRouteFixed: true, removedRoutes: 0 });
    expect(formatUri(request.uri)).toBe('sip:bob@198.51.100.9:5080');
    expect(request.getHeaders('Route')).toEqual(['<sip:next.example.com;lr>']);
  });

  it('does not take a user\'s Request-URI on our address for a strict-route case', () => {
    const request = invite(['Route: <sip:next.example.com;lr>'], 'sip:bob@192.0.2.1');
    expect(preprocessRoutes(request, identity).strictRouteFixed).toBe(false);
    expect(formatUri(request.uri)).toBe('sip:bob@192.0.2.1');
  });
});

describe('Route postprocessing (§16.6 step 6, RFC 3327)', () => {
  it('puts the Path of the binding in front of the existing Route values', () => {
    const request = invite(['Route: <sip:later.example.com;lr>']);
    prependRoutes(request, ['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>']);
    expect(request.getHeaders('Route')).toEqual(['<sip:edge1.example.com;lr>', '<sip:edge2.example.com;lr>', '<sip:later.example.com;lr>']);
    expect(nextHopUri(request)?.host).toBe('edge1.example.com');
  });

  it('adapts to a strict next hop: Request-URI to the end of Route, the first Route to the Request-URI', () => {
    const request = invite(['Route: <sip:strict.example.com>, <sip:after.example.com;lr>']);
    expect(adaptToStrictRouter(request)).toBe(true);
    expect(formatUri(request.uri)).toBe('sip:strict.example.com');
    expect(request.getHeaders('Route')).toEqual(['<sip:after.example.com;lr>', '<sip:bob@example.com>']);
  });

  it('leaves a loose next hop alone; without Route the next hop is the Request-URI', () => {
    const loose = invite(['Route: <sip:loose.example.com;lr>']);
    expect(adaptToStrictRouter(loose)).toBe(false);
    expect(nextHopUri(loose)?.host).toBe('loose.example.com');
    expect(nextHopUri(invite())?.host).toBe('example.com');
  });
});

describe('Record-Route (§16.6 step 4)', () => {
  const udp = { address: { host: '192.0.2.1', hostIsIPv6: false, port: 5060 }, protocol: 'udp' as const };
  const tcp = { address: { host: '192.0.2.1', hostIsIPv6: false, port: 5060 }, protocol: 'tcp' as const };

  it('writes one lr URI when both sides use the same transport and address', () => {
    const request = invite(['Record-Route: <sip:earlier.example.com;lr>']);
    expect(addRecordRoute(request, udp, udp)).toEqual(['<sip:192.0.2.1:5060;lr>']);
    expect(request.getHeaders('Record-Route')).toEqual(['<sip:192.0.2.1:5060;lr>', '<sip:earlier.example.com;lr>']);
  });

  it('doubles when the transports differ: outbound side on top, inbound below', () => {
    const request = invite();
    addRecordRoute(request, udp, tcp);
    expect(request.getHeaders('Record-Route')).toEqual(['<sip:192.0.2.1:5060;transport=tcp;lr>', '<sip:192.0.2.1:5060;lr>']);
  });

  it('brackets IPv6 hosts', () => {
    expect(recordRouteValue({ host: '2001:db8::1', hostIsIPv6: true, port: 5061 }, 'tls')).toBe('<sip:[2001:db8::1]:5061;transport=tls;lr>');
  });
});
