import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { pushClientVia } from './client-via.js';
import { isRfc3261Branch } from './matching.js';
import { FakeSender, makeRequest, RecordingClientUser, udpDestination } from './test-support.js';
import { TransactionLayer } from './transaction-layer.js';

describe('pushClientVia', () => {
  it('pushes a top Via with a fresh RFC 3261 branch, rport and an empty (0.0.0.0) sent-by', () => {
    const request = makeRequest({ branch: 'z9hG4bKupstream' });
    const branch = pushClientVia(request, 'tcp');
    expect(isRfc3261Branch(branch)).toBe(true);
    expect(request.via).toHaveLength(2);
    expect(request.topVia).toMatchObject({ transport: 'TCP', host: '0.0.0.0' });
    expect(request.topVia?.params.get('branch')).toBe(branch);
    expect(request.topVia?.params.get('rport')).toBeNull();
    expect(request.via[1]?.params.get('branch')).toBe('z9hG4bKupstream');
  });

  it('gives a different branch every time and writes a given sent-by', () => {
    const a = makeRequest();
    const b = makeRequest();
    const branchA = pushClientVia(a, 'udp', { sentBy: { host: 'proxy.example.com', port: 5080 }, rport: false });
    const branchB = pushClientVia(b, 'udp');
    expect(branchA).not.toBe(branchB);
    expect(a.topVia).toMatchObject({ host: 'proxy.example.com', port: 5080 });
    expect(a.topVia?.params.has('rport')).toBe(false);
  });

  it('prepares a request that sendRequest accepts', () => {
    const layer = new TransactionLayer({ sender: new FakeSender(), logger: silentLogger });
    const request = makeRequest({ branch: null });
    pushClientVia(request, 'udp');
    expect(() => layer.sendRequest(request, udpDestination, new RecordingClientUser())).not.toThrow();
    layer.close();
  });
});
