/**
 * Killing a script with everything it started. Scripts run in their own process group
 * (`detached: true` makes the child a session and group leader), so one signal to -pgid reaches
 * its children too (`sh` running `sleep 60`, a pipeline, a background job).
 *
 * Reaping: the script itself is our child and libuv reaps it. Its children, once killed, are
 * orphans that the kernel hands to PID 1 (or the nearest subreaper) to reap — run the server
 * under an init that reaps (systemd, `docker run --init`, tini).
 */

/** SIGKILL the whole group; false when it was already gone. */
export function killProcessGroup(pgid: number | undefined): boolean {
  if (pgid === undefined || pgid <= 0) return false;
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch (e) {
    // ESRCH: nobody left in the group. EPERM: the group now belongs to someone else (pid reuse
    // after the group emptied) — never signal it.
    if (e instanceof Error && 'code' in e && (e.code === 'ESRCH' || e.code === 'EPERM')) return false;
    throw e;
  }
}
