"""The resident SIP-CGI script spawner, posix_spawn flavour (see spawner-client.ts).

Node can only fork(): the cost of forking grows with the forking process's page tables, about
2 ms from even a small Node process. glibc's posix_spawn (CLONE_VM | CLONE_VFORK) does not copy
them; from this small process a trivial /bin/sh script runs in about 1 ms in all. Node does not
expose posix_spawn, hence this helper; it speaks the same protocol as script-spawner.ts over the
Node IPC channel (JSON lines on NODE_CHANNEL_FD):

  in:  {"type": "run", "id": N, "invocation": {script, env, stdin (base64), cwd?, timeoutMs?},
        "limits": {timeoutMs, maxOutputBytes, maxStderrBytes, closeGraceMs}}
  out: {"type": "started", "id": N, "pid": P}
       {"type": "result", "id": N, "ok": bool, "stdout" (base64), "stderr", "spawnMs", "runMs",
        "failure": {"code", "detail"}?, "exitCode"?, "signal"?}

Each script runs as RFC 3050 §5.4 and §6.1 ask: executed directly, with exactly its environment,
the body on stdin, its directory as working directory, in its own session and process group.
The timeout and the output cap kill the whole group; stragglers die when the script exits. When
the server goes away (the channel closes) every running group is killed and the helper exits.
"""
import base64
import json
import os
import selectors
import signal
import time

CHANNEL = int(os.environ["NODE_CHANNEL_FD"])
selector = selectors.DefaultSelector()
runs = {}  # pid -> Run
wakeup_r, wakeup_w = os.pipe()
os.set_blocking(wakeup_r, False)
os.set_blocking(wakeup_w, False)
signal.set_wakeup_fd(wakeup_w)
signal.signal(signal.SIGCHLD, lambda signum, frame: None)


def now_ms():
    return time.monotonic() * 1000.0


def send(message):
    # The channel stays blocking: a reply is written whole even when the server reads slowly.
    data = memoryview((json.dumps(message, separators=(",", ":")) + "\n").encode())
    while data:
        data = data[os.write(CHANNEL, data):]


def kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class Run:
    def __init__(self, request):
        self.id = request["id"]
        invocation = request["invocation"]
        limits = request["limits"]
        self.started = now_ms()
        self.deadline = self.started + (invocation.get("timeoutMs") or limits["timeoutMs"])
        self.timeout_ms = invocation.get("timeoutMs") or limits["timeoutMs"]
        self.max_out = limits["maxOutputBytes"]
        self.max_err = limits["maxStderrBytes"]
        self.grace_ms = limits["closeGraceMs"]
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.open_pipes = 0
        self.exit = None  # (exitCode, signal name)
        self.exit_at = None
        self.done = False
        self.pid = None
        self.stdin_fd = None
        script = invocation["script"]
        cwd = invocation.get("cwd") or os.path.dirname(script)
        body = base64.b64decode(invocation.get("stdin") or "")
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        actions = [
            (os.POSIX_SPAWN_DUP2, in_r, 0),
            (os.POSIX_SPAWN_DUP2, out_w, 1),
            (os.POSIX_SPAWN_DUP2, err_w, 2),
        ]
        for fd in (in_r, in_w, out_r, out_w, err_r, err_w):
            actions.append((os.POSIX_SPAWN_CLOSE, fd))
        try:
            # posix_spawn has no working-directory action here: the helper is single-threaded,
            # so it moves there for the spawn and back.
            os.chdir(cwd)
            self.pid = os.posix_spawn(script, [script], invocation["env"], file_actions=actions, setsid=True)
        except OSError as error:
            for fd in (in_r, in_w, out_r, out_w, err_r, err_w):
                os.close(fd)
            self.finish(failure=("spawn-failed", f"spawn {script} {error.strerror or error}"))
            return
        finally:
            os.chdir("/")
        self.spawn_ms = now_ms() - self.started
        for fd in (in_r, out_w, err_w):
            os.close(fd)
        runs[self.pid] = self
        send({"type": "started", "id": self.id, "pid": self.pid})
        for fd, kind in ((out_r, "out"), (err_r, "err")):
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ, (self, kind))
            self.open_pipes += 1
        # §5.5.2: the body on stdin; the script need not read it (EPIPE is not an error).
        self.stdin_fd = in_w
        self.stdin_left = memoryview(body)
        os.set_blocking(in_w, False)
        self.write_stdin()

    def write_stdin(self):
        while self.stdin_fd is not None:
            if not self.stdin_left:
                self.close_stdin()
                return
            try:
                written = os.write(self.stdin_fd, self.stdin_left)
                self.stdin_left = self.stdin_left[written:]
            except BlockingIOError:
                if self.stdin_fd not in selector.get_map():
                    selector.register(self.stdin_fd, selectors.EVENT_WRITE, (self, "in"))
                return
            except OSError:
                self.close_stdin()
                return

    def close_stdin(self):
        if self.stdin_fd is None:
            return
        if self.stdin_fd in selector.get_map():
            selector.unregister(self.stdin_fd)
        os.close(self.stdin_fd)
        self.stdin_fd = None

    def readable(self, fd, kind):
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.close_pipe(fd)
            return
        if kind == "out":
            self.stdout += chunk
            if len(self.stdout) > self.max_out:
                kill_group(self.pid)
                self.finish(failure=("output-limit", f"more than {self.max_out} octets of output"))
        elif len(self.stderr) < self.max_err:
            self.stderr += chunk[: self.max_err - len(self.stderr)]

    def close_pipe(self, fd):
        if fd in selector.get_map():
            selector.unregister(fd)
            os.close(fd)
            self.open_pipes -= 1
        self.maybe_finish()

    def exited(self, status):
        if os.WIFSIGNALED(status):
            self.exit = (None, signal.Signals(os.WTERMSIG(status)).name)
        else:
            self.exit = (os.WEXITSTATUS(status), None)
        self.exit_at = now_ms()
        # Anything the script left running dies with it: scripts are not resident (§3).
        kill_group(self.pid)
        self.maybe_finish()

    def maybe_finish(self):
        if self.done or self.exit is None:
            return
        if self.open_pipes > 0 and now_ms() - self.exit_at < self.grace_ms:
            return
        code, sig = self.exit
        if code == 0:
            self.finish()
        else:
            self.finish(failure=("exit-status", f"killed by {sig}" if sig else f"exit status {code}"))

    def expire(self):
        kill_group(self.pid)
        self.finish(failure=("timeout", f"killed after {self.timeout_ms} ms"))

    def finish(self, failure=None):
        if self.done:
            return
        self.done = True
        self.close_stdin()
        for key in list(selector.get_map().values()):
            if isinstance(key.data, tuple) and key.data[0] is self:
                selector.unregister(key.fd)
                os.close(key.fd)
        timing = {"runMs": now_ms() - self.started}
        if self.pid is not None:
            timing["spawnMs"] = self.spawn_ms
        reply = {"type": "result", "id": self.id, "ok": failure is None, "stderr": self.stderr.decode("utf-8", "replace"), **timing}
        if failure is None:
            reply["stdout"] = base64.b64encode(bytes(self.stdout)).decode()
        else:
            reply["failure"] = {"code": failure[0], "detail": failure[1]}
            if self.exit is not None:
                reply["exitCode"], reply["signal"] = self.exit
        send(reply)


def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        run = runs.pop(pid, None)
        if run is not None:
            run.exited(status)


def main():
    selector.register(CHANNEL, selectors.EVENT_READ, "channel")
    selector.register(wakeup_r, selectors.EVENT_READ, "wakeup")
    pending = b""
    while True:
        deadlines = [run.exit_at + run.grace_ms if run.exit_at is not None else run.deadline for run in tracked]
        timeout = max(0.0, (min(deadlines) - now_ms()) / 1000.0) if deadlines else None
        for key, events in selector.select(timeout):
            if key.data == "channel":
                data = os.read(CHANNEL, 65536)
                if not data:
                    for pid in list(runs):
                        kill_group(pid)
                    os._exit(0)
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if line.strip():
                        message = json.loads(line)
                        if message.get("type") == "run":
                            track(Run(message))
            elif key.data == "wakeup":
                try:
                    os.read(wakeup_r, 4096)
                except BlockingIOError:
                    pass
                reap()
            else:
                run, kind = key.data
                if kind == "in":
                    run.write_stdin()
                else:
                    run.readable(key.fd, kind)
        reap()
        moment = now_ms()
        for run in list(tracked):
            if run.done:
                tracked.discard(run)
            elif run.exit is None and moment >= run.deadline:
                run.expire()
            elif run.exit is not None:
                run.maybe_finish()


tracked = set()


def track(run):
    if not run.done:
        tracked.add(run)


if __name__ == "__main__":
    main()
