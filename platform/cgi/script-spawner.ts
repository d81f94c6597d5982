/**
 * The resident script spawner: a small Node process, started once by the invoker
 * (spawner-client.ts), that forks every SIP-CGI script on the server's behalf.
 *
 * Why a separate process: fork() copies the parent's page tables, so its cost grows with the
 * parent's resident memory. Measured on the 2-core CI VM: spawning `/bin/sh -c 'echo hi'` costs
 * 1.2 ms from a 50 MB process, 7 ms from a 150 MB one — and the server, with its caches,
 * transactions and app isolates, is the big one. The spawner stays small because it holds
 * nothing but the runs in progress (BENCHMARKS.md "SIP-CGI").
 *
 * Used where script-spawner.py cannot run (no python3, or `runAs`: posix_spawn cannot change
 * the user). Protocol: spawner-protocol.ts. When the server goes away (the channel closes) every
 * script still running is killed with its process group and the spawner exits.
 */
import { killProcessGroup } from './process-group.js';
import { runScript } from './run-script.js';
import { toReply, type SpawnerReply, type SpawnerRequest } from './spawner-protocol.js';

const running = new Set<number>();

function send(reply: SpawnerReply): void {
  if (process.connected) process.send?.(reply);
}

process.on('message', (message: SpawnerRequest) => {
  if (message.type !== 'run') return;
  const stdin = Buffer.from(message.invocation.stdin, 'base64');
  void runScript({ ...message.invocation, stdin }, message.limits, {
    started: (pid) => {
      running.add(pid);
      send({ type: 'started', id: message.id, pid });
    },
    ended: (pid) => running.delete(pid),
  }).then((result) => send(toReply(message.id, result)));
});

process.on('disconnect', () => {
  for (const pid of running) killProcessGroup(pid);
  process.exit(0);
});
