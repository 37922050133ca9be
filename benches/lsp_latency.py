#!/usr/bin/env python3
"""lsp_latency.py — how fast `kiln lsp` answers an editor, on a generated fleet.

Not a test and never run in CI: timings depend on the machine and its load.

  benches/lsp_latency.py [--kiln PATH] [--apps N] [--envs M] [--edits K]
                         [--requests R] [--project DIR] [--timeout S]

A real stdio session, framed as an editor frames it (Content-Length
headers, JSON-RPC): `initialize`, `didOpen` of one app file of an N x M
fleet (default 1000 x 10, made with ../shared/bench/gen-project when it is
there, else with benches/gen_fleet.py), then K `didChange` edits of that
file that alternately break it and fix it again, in three ways (a value of
the wrong type, an unknown parameter, a syntax error). Each edit is timed
from the moment its `didChange` is written to the moment the server
publishes diagnostics for that file: a break must publish at least one
error, a fix an empty list, or the run fails. Then R hover and R
completion requests on the clean file, each timed to its response. Prints
the median and the 90th percentile (nearest rank) of each series.
Half the fixes go back to the clean text (an undo, which the server has
rendered before); the other half give new text (a comment line of its
own), which makes the server render the app again in every env. With
`--new-port` the new text also gives the app's first `port N` another
number: its Service changes, which lint's env-wide rules judge the other
apps beside, so they judge every app of every env again.

The edits wait for each other (an editor that types, pauses and reads the
squiggles): the figure is the latency of one edit, not the throughput of
a burst. `--project DIR` uses an existing project instead, editing the
first file under apps/ (or kiln.kdl). `LSP_STDERR=FILE` keeps what the
server writes to stderr.
"""
import argparse
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def percentile(values, p):
    """Nearest-rank percentile: the smallest value with at least p% of the
    values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


class Session:
    """One `kiln lsp` process and a reader thread that timestamps every
    message on arrival, so that the time a message waits in this script
    never counts."""

    def __init__(self, kiln, cwd):
        self.proc = subprocess.Popen(
            [kiln, "lsp"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(os.environ.get("LSP_STDERR", os.devnull), "w"),
        )
        self.messages = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put((time.perf_counter(), None))
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            body = out.read(length)
            self.messages.put((time.perf_counter(), json.loads(body)))

    def send(self, message):
        """Writes one message; returns the time just before it was written."""
        body = json.dumps(message).encode()
        frame = b"Content-Length: %d\r\n\r\n" % len(body) + body
        t = time.perf_counter()
        self.proc.stdin.write(frame)
        self.proc.stdin.flush()
        return t

    def notify(self, method, params):
        return self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        """Sends a request; returns (its id, the time it was written)."""
        self.next_id += 1
        t = self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id, t

    def wait(self, accept, timeout):
        """The first message `accept` takes, and when it arrived; other
        messages are dropped."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no answer within {timeout} s")
            try:
                at, msg = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if msg is None:
                raise RuntimeError("kiln lsp exited")
            if accept(msg):
                return at, msg

    def call(self, method, params, timeout):
        """A request and its response: (seconds, result)."""
        rid, t = self.request(method, params)
        at, msg = self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error']}")
        return at - t, msg.get("result")

    def close(self):
        try:
            rid, _ = self.request("shutdown", None)
            self.wait(lambda m: m.get("id") == rid, 30)
            self.notify("exit", None)
            self.proc.wait(timeout=30)
        except (TimeoutError, RuntimeError, subprocess.TimeoutExpired, BrokenPipeError):
            self.proc.kill()
            self.proc.wait()


def make_fleet(work, apps, envs):
    """Generates the fleet; returns the kiln project's directory."""
    shared = os.environ.get("KILN_SHARED_BENCH", os.path.join(REPO, "..", "shared", "bench"))
    gen = os.path.join(shared, "gen-project")
    if os.access(gen, os.X_OK):
        out = os.path.join(work, "fleet")
        subprocess.run([gen, out, "--apps", str(apps), "--envs", str(envs)],
                       check=True, stdout=subprocess.DEVNULL)
        return os.path.join(out, "kiln")
    out = os.path.join(work, "kiln")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_fleet.py"), out,
                    "--apps", str(apps), "--envs", str(envs)],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def pick_file(project, apps):
    """The file to edit: an app in the middle of the fleet, if there is one."""
    middle = os.path.join(project, "apps", f"svc-{apps // 2:04d}.kdl")
    if os.path.exists(middle):
        return middle
    folder = os.path.join(project, "apps")
    if os.path.isdir(folder):
        names = sorted(n for n in os.listdir(folder) if n.endswith(".kdl"))
        if names:
            return os.path.join(folder, names[0])
    return os.path.join(project, "kiln.kdl")


def breakages(text):
    """Edits that each make the file wrong in a way reported in the file
    itself: (name, broken text). Each is made next to the first parameter
    line of the first block."""
    lines = text.split("\n")
    at = next((i for i, l in enumerate(lines) if l.rstrip().endswith("{")), 0) + 1
    indent = " " * (len(lines[at]) - len(lines[at].lstrip())) if at < len(lines) else "    "

    def insert(line):
        return "\n".join(lines[:at] + [indent + line] + lines[at:])

    return [
        ("wrong type", insert('replicas "two"')),
        ("unknown parameter", insert("replicass 2")),
        ("syntax error", insert('replicas "2')),
    ]


def position_of(text, needle, delta=0):
    """The LSP position (line, UTF-16 column) of the first `needle`, plus
    `delta` characters on its line."""
    offset = text.index(needle) + delta
    before = text[:offset]
    line = before.count("\n")
    column = len(before[before.rfind("\n") + 1:].encode("utf-16-le")) // 2
    return {"line": line, "character": column}


def report(name, seconds):
    ms = [s * 1000 for s in seconds]
    print(f"{name:<44} {statistics.median(ms):9.1f} {percentile(ms, 90):9.1f} {max(ms):9.1f} {len(ms):5d}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kiln", help="the kiln binary (default: cargo build --release)")
    p.add_argument("--apps", type=int, default=1000)
    p.add_argument("--envs", type=int, default=10)
    p.add_argument("--edits", type=int, default=24, help="didChange edits, alternately breaking and fixing")
    p.add_argument("--requests", type=int, default=20, help="hover and completion requests each")
    p.add_argument("--project", help="an existing project instead of a generated fleet")
    p.add_argument("--timeout", type=float, default=120, help="seconds to wait for one answer")
    p.add_argument("--new-port", action="store_true",
                   help="fixes to new text also give the app's first `port N` another number, "
                        "which changes its Service: lint's env-wide rules then judge every app again")
    args = p.parse_args()

    kiln = args.kiln
    if not kiln:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
        kiln = os.path.join(REPO, "target", "release", "kiln")
    kiln = os.path.realpath(kiln)

    work = tempfile.mkdtemp(prefix="kiln-lsp-bench.")
    try:
        project = os.path.realpath(args.project) if args.project else make_fleet(work, args.apps, args.envs)
        path = pick_file(project, args.apps)
        with open(path, encoding="utf-8") as f:
            clean = f.read()
        uri = "file://" + path
        session = Session(kiln, project)
        try:
            run(session, args, project, uri, clean)
        finally:
            session.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(session, args, project, uri, clean):
    session.call("initialize", {
        "processId": os.getpid(),
        "rootUri": "file://" + project,
        "capabilities": {"textDocument": {"publishDiagnostics": {"versionSupport": True}}},
    }, args.timeout)
    session.notify("initialized", {})

    # Opening compiles the project; a clean file gets no diagnostics, so
    # the first answer to a request tells that the open was handled.
    t = session.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "kdl", "version": 1, "text": clean}})
    _, hover_at = session.request("textDocument/hover", {
        "textDocument": {"uri": uri}, "position": position_of(clean, "replicas", 2)})
    at, _ = session.wait(lambda m: "id" in m and "method" not in m, args.timeout)
    opened = at - t

    def publishes(expect_errors):
        def accept(m):
            if m.get("method") != "textDocument/publishDiagnostics" or m["params"]["uri"] != uri:
                return False
            # Errors only: the generated fleet's apps carry lint warnings.
            found = sum(1 for d in m["params"]["diagnostics"] if d.get("severity", 1) == 1)
            if (found > 0) != expect_errors:
                raise RuntimeError(
                    f"expected {'errors' if expect_errors else 'no errors'} for {uri}, got {found}")
            return True
        return accept

    broken_kinds = breakages(clean)
    times = {"break": [], "fix": []}
    per_kind = {name: [] for name, _ in broken_kinds}
    fixes = {"undo": [], "new": []}
    version = 1
    for i in range(args.edits):
        breaking = i % 2 == 0
        name, text = broken_kinds[(i // 2) % len(broken_kinds)]
        if not breaking:
            # Every other fix goes back to the clean text (an undo: the
            # server has rendered that text before); the others give
            # text never seen, with a comment of its own, so that the app
            # is rendered again in every env.
            undo = (i // 2) % 2 == 0
            text = clean if undo else clean + f"// revision {i}\n"
            if not undo and args.new_port:
                text = re.sub(r"\bport (\d+)", f"port {9000 + i}", text, count=1)
        version += 1
        t = session.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": text}]})
        at, _ = session.wait(publishes(breaking), args.timeout)
        times["break" if breaking else "fix"].append(at - t)
        if breaking:
            per_kind[name].append(at - t)
        else:
            fixes["undo" if undo else "new"].append(at - t)

    hovers, completions = [], []
    # An empty line inside the app block, where completion lists the
    # app's parameters; the file stays clean, so nothing is published and
    # a first, untimed request waits for the edit to be handled.
    text = clean.replace("\n", "\n    \n", 1)
    version += 1
    session.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"text": text}]})
    hover_pos = position_of(text, "replicas", 2)
    completion_pos = {"line": 1, "character": 4}
    session.call("textDocument/hover", {"textDocument": {"uri": uri}, "position": hover_pos}, args.timeout)
    for _ in range(args.requests):
        secs, result = session.call("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": hover_pos}, args.timeout)
        if not result:
            raise RuntimeError("hover on `replicas` gave no answer")
        hovers.append(secs)
        secs, result = session.call("textDocument/completion", {
            "textDocument": {"uri": uri}, "position": completion_pos}, args.timeout)
        if not result:
            raise RuntimeError("completion in the app block gave no items")
        completions.append(secs)

    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else ["?"]
    label = project if args.project else f"a generated {args.apps} x {args.envs} fleet"
    print(f"== kiln lsp on {label}; load {' '.join(load)}; {os.cpu_count()} cores")
    print(f"{'':<44} {'median ms':>9} {'p90 ms':>9} {'max ms':>9} {'n':>5}")
    report("didOpen -> first answer (1 run)", [opened])
    report("didChange -> publishDiagnostics, all", times["break"] + times["fix"])
    report("  edit that breaks the file", times["break"])
    report("  edit that fixes it", times["fix"])
    report("    fix: back to the clean text", fixes["undo"])
    report("    fix: to new text (app rendered again)", fixes["new"])
    for name, series in per_kind.items():
        if series:
            report(f"    break: {name}", series)
    report("hover", hovers)
    report("completion", completions)
    print("-- targets: didChange -> publishDiagnostics <= 100 ms median; hover, completion <= 50 ms")


if __name__ == "__main__":
    main()
