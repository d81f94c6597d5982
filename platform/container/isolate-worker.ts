/**
 * Worker-thread entry that hosts app isolates for `worker-host.ts`. Entries run with
 * `applySync`: the worker has no other work, so blocking it costs nothing and saves the
 * isolated-vm thread-pool hop of async `apply` (measured in bench/sandbox-bench.ts). The price is
 * head-of-line blocking: while one isolate runs (up to its CPU budget), the other isolates of the
 * same worker wait.
 */
import { parentPort } from 'node:worker_threads';
import { AppIsolate } from './app-isolate.js';
import type { IsolateCallbacks } from './isolate-handle.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('isolate-worker.ts must run in a worker thread');

const isolates = new Map<number, AppIsolate>();

function post(message: FromWorker): void {
  port?.postMessage(message);
}

function callbacksFor(id: number): IsolateCallbacks {
  return {
    hostCall: (call) => post({ t: 'host-call', id, call }),
    log: (eventId, level, message) => post({ t: 'log', id, eventId, level, message }),
    catastrophic: (message) => post({ t: 'catastrophic', id, message }),
  };
}

port.on('message', (message: ToWorker) => {
  switch (message.t) {
    case 'create':
      AppIsolate.create(message.spec, callbacksFor(message.id), 'sync').then(
        (isolate) => {
          isolates.set(message.id, isolate);
          post({ t: 'created', id: message.id, handlers: isolate.handlers });
        },
        (error: unknown) => post({ t: 'created', id: message.id, error: error instanceof Error ? error.message : String(error) }),
      );
      return;
    case 'dispatch': {
      const isolate = isolates.get(message.id);
      const { eventId } = message.request;
      if (isolate === undefined) {
        post({ t: 'outcome', id: message.id, eventId, outcome: { ok: false, fault: 'disposed', message: 'the app isolate is gone', cpuMs: 0 } });
        return;
      }
      isolate.dispatch(message.request).then(
        (outcome) => {
          try {
            post({ t: 'outcome', id: message.id, eventId, outcome });
          } catch (error) {
            const text = error instanceof Error ? error.message : String(error);
            post({ t: 'outcome', id: message.id, eventId, outcome: { ok: false, fault: 'error', message: text, cpuMs: outcome.cpuMs } });
          }
        },
        (error: unknown) => {
          const text = error instanceof Error ? error.message : String(error);
          post({ t: 'outcome', id: message.id, eventId, outcome: { ok: false, fault: 'error', message: text, cpuMs: 0 } });
        },
      );
      return;
    }
    case 'settle':
      isolates.get(message.id)?.settle(message.eventId, message.callId, message.ok, message.text);
      return;
    case 'abandon':
      isolates.get(message.id)?.abandon(message.eventId);
      return;
    case 'memory': {
      const isolate = isolates.get(message.id);
      if (isolate === undefined) {
        post({ t: 'memory', requestId: message.requestId, error: 'the app isolate is gone' });
        return;
      }
      isolate.memory().then(
        (memory) => post({ t: 'memory', requestId: message.requestId, memory }),
        (error: unknown) => post({ t: 'memory', requestId: message.requestId, error: String(error) }),
      );
      return;
    }
    case 'dispose':
      isolates.get(message.id)?.dispose(message.reason);
      isolates.delete(message.id);
      return;
    case 'shutdown':
      // Handled between tasks, so no isolated-vm call is on this thread's stack: closing the
      // port lets the thread end by itself once the isolates are gone.
      for (const isolate of isolates.values()) isolate.dispose('the sandbox worker is shutting down');
      isolates.clear();
      port.close();
      return;
  }
});
