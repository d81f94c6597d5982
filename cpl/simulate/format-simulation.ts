/**
 * Text and JSON forms of a simulation, for the CLI and the HTTP API. The JSON form is
 * versioned so clients can rely on its shape.
 */
import type { CplDecision } from '../run/host.js';
import type { CplSimulation } from './simulate-cpl.js';

export function describeDecision(d: CplDecision): string {
  switch (d.kind) {
    case 'proceed':
      return `the call is answered (${d.response.status} ${d.response.reason}); the script ends and the call proceeds`;
    case 'redirect':
      return `redirect with ${d.status} ${d.reason}: ${d.contacts.map((c) => `<${c.uri}>;q=${(c.q ?? 1).toFixed(1)}`).join(', ')}`;
    case 'reject':
      return `reject with ${d.status} ${d.reason}${d.byDefault ? ' (default behaviour)' : ''}`;
    case 'server-default':
      return 'no CPL decision: the server handles the call as if there were no script';
    case 'proxy-locations':
      return `default behaviour: proxy to ${d.locations.map((l) => l.uri).join(', ')}`;
    case 'proxy-or-redirect':
      return `default behaviour: proxy or redirect (server policy) to ${d.locations.map((l) => l.uri).join(', ')}`;
    case 'best-response':
      return `default behaviour: send the best response received upstream: ${d.response.status} ${d.response.reason}`;
    case 'aborted':
      return `stopped: ${d.reason}; the server handles the call as if there were no script`;
  }
}

export function formatSimulation(sim: CplSimulation): string {
  const lines: string[] = [];
  lines.push(`Call: ${sim.call.direction}, from ${sim.call.from} to ${sim.call.to} (Request-URI ${sim.call.requestUri}) at ${sim.call.time}`);
  if (!sim.ok) {
    lines.push('The script is not valid:');
    for (const e of sim.errors) lines.push(`  ${e.message} [${e.rule}]`);
    return lines.join('\n');
  }
  for (const w of sim.warnings) lines.push(`Warning: ${w.message} [${w.rule}]`);
  lines.push('', 'Steps:');
  sim.steps.forEach((s, i) => {
    const where = s.line > 0 ? `line ${s.line}` : '';
    lines.push(`  ${String(i + 1).padStart(2)}. ${where.padEnd(8)} ${s.sentence}`);
  });
  lines.push('', 'Actions:');
  if (sim.actions.length === 0) lines.push('  (none)');
  sim.actions.forEach((a, i) => {
    const n = `  ${String(i + 1).padStart(2)}.`;
    switch (a.kind) {
      case 'proxy':
        lines.push(`${n} proxy to ${a.targets.join(', ')} (${a.ordering}, ${a.timeoutSeconds !== null ? `timeout ${a.timeoutSeconds} s` : 'server maximum ring time'}${a.recurse ? ', following redirections' : ''}) → ${a.result}`);
        for (const t of a.attempts) lines.push(`        ${t.uri}: ${t.result}${t.redirectedFrom !== undefined ? ` (redirected from ${t.redirectedFrom})` : ''}`);
        break;
      case 'lookup':
        lines.push(`${n} lookup ${a.source} → ${a.result}`);
        break;
      case 'mail':
        lines.push(`${n} mail to ${a.to.join(', ')}: "${a.subject}"`);
        break;
      case 'log':
        lines.push(`${n} log${a.name !== null ? ` "${a.name}"` : ''}: ${a.comment ?? ''}`);
        break;
      case 'extension':
        lines.push(`${n} extension ${a.name} (${a.namespace})`);
        break;
    }
  });
  lines.push('', `Decision: ${sim.decision !== null ? describeDecision(sim.decision) : '(none)'}`);
  return lines.join('\n');
}

/** Stable JSON for API clients (format version 1). */
export function simulationJson(sim: CplSimulation): Record<string, unknown> {
  return {
    format: 'switchboard.cpl.simulation/1',
    ok: sim.ok,
    errors: sim.errors,
    warnings: sim.warnings,
    call: sim.call,
    steps: sim.steps,
    actions: sim.actions,
    decision: sim.decision,
    summary: sim.decision !== null ? describeDecision(sim.decision) : null,
  };
}
