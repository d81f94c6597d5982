/** Free loopback ports for tests: bound on UDP and TCP at once, then released. */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

async function tryPort(port: number, host: string): Promise<number | undefined> {
  const tcp = createServer();
  const tcpPort = await new Promise<number | undefined>((resolve) => {
    tcp.once('error', () => resolve(undefined));
    tcp.listen(port, host, () => {
      const address = tcp.address();
      resolve(typeof address === 'object' && address ? address.port : undefined);
    });
  });
  if (tcpPort === undefined) return undefined;
  const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const ok = await new Promise<boolean>((resolve) => {
    udp.once('error', () => resolve(false));
    udp.bind(tcpPort, host, () => resolve(true));
  });
  await new Promise<void>((resolve) => tcp.close(() => resolve()));
  if (ok) await new Promise<void>((resolve) => udp.close(() => resolve()));
  return ok ? tcpPort : undefined;
}

/** A port free on both UDP and TCP at `host`. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryPort(0, host);
    if (port !== undefined) return port;
  }
  throw new Error(`no free UDP+TCP port on ${host} after 50 attempts`);
}
