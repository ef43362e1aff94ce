#!/usr/bin/python3
"""The gRPC half of the hot-path table (issue 12), in one run, one method.

Every row is measured in the same run on one token corpus (corpus.py:
Cognito-shaped RS256 access tokens, a loopback JWKS that authgate-server
fetches and a JWKS file the Node peer caches):

  a. repeated token, h2load (-c 4 -m 16 = 64 in flight, one thread, the
     gRPC-framed ValidateTokenRequest as its body): authgate-server with its
     header guard (default) and without (`header_guard: false`) against
     authgate-bench-noop-server, the call that does nothing. calls/s ratio
     and server CPU us/call; the guard's relay cost is its own row.
  b. distinct tokens (a pool larger than the server's cache), 16 in flight,
     authgate-bench-client: calls/s and server CPU us/call, against the
     health check's CPU us/call plus 1.3 x one verification (from
     authgate-bench-verify --mode cache_off, else tests/cpp/verify_benchmark).
  c. the same distinct and repeated loads against Node (grpc-js +
     aws-jwt-verify, tests/perf/node_peer/grpc_server.js), one process on
     one core and a two-worker cluster on both: authgate's (one core)
     calls/s ratio.
  d. RSS idle, then after 16,384 distinct tokens, each sent once, filled a
     16,384-entry verified-token cache (the default 32 MiB byte bound may
     keep fewer); per-entry cost over the entries held.
  e. p99 open loop at half of the closed-loop peak (b and c's repeated
     run), distinct and repeated; as baselines, with the same client at the
     repeated rate, authgate's health check and the no-op server.
  f. authgate-server started on one core vs on both (CPU affinity, as
     taskset): distinct tokens with authgate-bench-client (64 in flight, 4
     connections), and, where the client's share is small, h2load (64 in
     flight) with one token against a server whose cache is off, so every
     call verifies a signature as a distinct token does (h2load costs ~15
     us a call; the gRPC client costs about half of what the server does).

Pinning (2 cores): every server under test on core 1, the load generator on
core 0; in f the two-core server, and the Node cluster, share core 0 with
the client, whose share of the CPU is printed. Servers and clients run
in sessions of their own with autogroup nice --nice (-10), so other
sessions' compiles yield to them. Server CPU is utime+stime from /proc (the
whole process tree, for the Node cluster) over the client's measuring
window, divided by the calls the client counted in it. Rounds (default 3)
are taken round-robin over the closed-loop runs; the table shows medians.

Usage: tests/perf/hot_paths/grpc_table.py [--build-dir /work/main/build]
           [--quick] [--rounds 3] [--duration 8] [--json FILE] [--no-build]
           [--corpus DIR]
Needs Debian's python3 (python3-jwt, python3-grpcio), h2load
(nghttp2-client) and node; the npm packages of tests/perf/node_peer are
installed with `npm ci` from its lock file when missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)
import corpus  # noqa: E402  (tests/perf/hot_paths/corpus.py)

NODE_PEER = os.path.join(REPO, "tests", "perf", "node_peer")
SERVER_CORE, CLIENT_CORE = 1, 0
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
FILL_ENTRIES = 16384
METHOD = "/authgate.v1.AuthService/ValidateToken"
# h2load: 4 connections x 16 streams = 64 in flight, one client thread.
H2LOAD_CONNS, H2LOAD_STREAMS = 4, 16


# --- processes ------------------------------------------------------------


def pinned(cores: set[int], nice: int):
    """preexec_fn: a session of its own whose autogroup has `nice` (the kernel
    shares CPU between sessions first, so plain nice would not count against
    other sessions' compiles), on `cores`."""

    def setup():
        os.setsid()
        if nice:
            try:
                with open("/proc/self/autogroup", "w") as f:
                    f.write(str(nice))
            except OSError:
                pass
        os.sched_setaffinity(0, cores)

    return setup


def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def tree_pids(pid: int) -> list[int]:
    """`pid` and its descendants (a Node cluster's workers)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                children.setdefault(int(_stat_fields(int(name))[1]), []).append(int(name))
            except (OSError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS


def rss_mb(pids: list[int]) -> float:
    kb = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            kb += int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    return kb / 1024


def core_busy(core: int) -> float:
    """Busy seconds of one core (/proc/stat: user nice system irq softirq)."""
    with open("/proc/stat") as f:
        for line in f:
            fields = line.split()
            if fields[0] == f"cpu{core}":
                v = [int(x) for x in fields[1:]]
                return (v[0] + v[1] + v[2] + v[5] + v[6]) / TICKS
    raise RuntimeError(f"no cpu{core} in /proc/stat")


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def metric_sum(text: str, name: str) -> float:
    return sum(
        float(m.group(1))
        for m in re.finditer(rf"^{name}(?:\{{[^}}]*\}})? (\S+)$", text, re.M)
    )


class Server:
    """One server under test: its process, gRPC port and metrics port."""

    def __init__(self, name: str, proc: subprocess.Popen, port: int, cores: set[int],
                 metrics_port=None):
        self.name, self.proc, self.port = name, proc, port
        self.cores, self.metrics_port = cores, metrics_port

    def pids(self) -> list[int]:
        return tree_pids(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_authgate(binary: str, name: str, tmp: str, jwks_url: str, *, cache: int,
                   header_guard: bool, cores: set[int], nice: int) -> Server:
    config = {
        "server": {
            "listen": "127.0.0.1:0",
            "metrics_listen": "127.0.0.1:0",
            "log_level": "warn",
            "header_guard": header_guard,
        },
        "verifier": {"cache_max_entries": cache},
        "providers": [{
            "name": "bench",
            "kind": "cognito",
            "issuer": corpus.ISSUER,
            "client_id": corpus.CLIENT_ID,
            "jwks_uri": jwks_url,
        }],
    }
    config_file = os.path.join(tmp, f"{name}.json")
    with open(config_file, "w") as f:
        json.dump(config, f)
    proc = subprocess.Popen(
        [binary, f"--config={config_file}", "--log_level=info"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        preexec_fn=pinned(cores, nice),
    )
    port = metrics_port = None
    for line in proc.stderr:
        event = json.loads(line)
        if event.get("event") == "server_started":
            port, metrics_port = event["port"], event["metrics_port"]
        if event.get("event") == "serving":
            break
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    if port is None:
        raise RuntimeError(f"{name}: authgate-server did not start")
    return Server(name, proc, port, cores, metrics_port)


def start_port_printer(name: str, argv: list[str], cores: set[int], nice: int,
                       cwd: str | None = None) -> Server:
    """A server that prints {"port": N} once serving (no-op server, Node)."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=cwd,
                            preexec_fn=pinned(cores, nice))
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"{name}: did not start")
    return Server(name, proc, json.loads(line)["port"], cores)


# --- request bodies and the OK check --------------------------------------


def _field(number: int, payload: bytes) -> bytes:
    out = bytes([number << 3 | 2])
    n = len(payload)
    while True:
        byte, n = n & 0x7F, n >> 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out + payload


def grpc_body(token: str) -> bytes:
    """A gRPC-framed ValidateTokenRequest{token} (5-byte prefix + message)."""
    message = _field(1, token.encode())
    return b"\x00" + len(message).to_bytes(4, "big") + message


_CHECK = r"""
import sys, grpc
body = open(sys.argv[2], "rb").read()[5:]
with grpc.insecure_channel(sys.argv[1]) as channel:
    call = channel.unary_unary(sys.argv[3])
    response, info = call.with_call(body, timeout=10)
print(info.code().value[0], len(response))
"""


def check_ok(port: int, body_file: str) -> tuple[int, int]:
    """(grpc-status, response bytes) of one call with the h2load body, from a
    Python gRPC client in a child process (h2load cannot see trailers; a gRPC
    client's threads in this process would not survive the later forks)."""
    out = subprocess.run(
        [sys.executable, "-c", _CHECK, f"127.0.0.1:{port}", body_file, METHOD],
        capture_output=True, text=True, timeout=60,
    )
    if out.returncode != 0:
        # A non-OK status raises in the child: its code is in the message.
        match = re.search(r"StatusCode\.(\w+)", out.stderr)
        raise RuntimeError(f"port {port}: not OK ({match.group(1) if match else out.stderr[-300:]})")
    code, size = out.stdout.split()
    return int(code), int(size)


# --- load generators ------------------------------------------------------


class Runner:
    def __init__(self, args, tmp: str):
        self.args, self.tmp = args, tmp
        self.client = os.path.join(args.build_dir, "grpc_service", "authgate-bench-client")

    def h2load(self, server: Server, body_file: str) -> dict:
        url = f"http://127.0.0.1:{server.port}{METHOD}"
        base = ["h2load", "-c", str(H2LOAD_CONNS), "-m", str(H2LOAD_STREAMS), "-t", "1",
                "-d", body_file, "-H", "content-type: application/grpc",
                "-H", "te: trailers"]
        client = pinned({CLIENT_CORE}, self.args.nice)
        subprocess.run(base + ["-D", str(self.args.warmup), url], check=True,
                       stdout=subprocess.DEVNULL, preexec_fn=client)
        pids = server.pids()
        cpu0, busy0 = cpu_seconds(pids), core_busy(SERVER_CORE)
        client_busy0 = core_busy(CLIENT_CORE)
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(base + ["-D", str(self.args.duration), url], check=True,
                             capture_output=True, text=True, preexec_fn=client).stdout
        cpu, busy = cpu_seconds(pids) - cpu0, core_busy(SERVER_CORE) - busy0
        client_busy = core_busy(CLIENT_CORE) - client_busy0
        done = re.search(r"^requests: .* (\d+) succeeded, (\d+) failed, (\d+) errored", out, re.M)
        codes = re.search(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out, re.M)
        rate = re.search(r"^finished in ([\d.]+)s, ([\d.]+) req/s", out, re.M)
        if not (done and codes and rate):
            raise RuntimeError(f"unreadable h2load output:\n{out}")
        succeeded = int(done.group(1))
        if (int(done.group(2)) or int(done.group(3)) or int(codes.group(1)) != succeeded
                or not succeeded):
            raise RuntimeError(f"{server.name}: h2load saw failures:\n{out}")
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds = float(rate.group(1))
        client_cpu = (children1.ru_utime + children1.ru_stime
                      - children0.ru_utime - children0.ru_stime)
        result = self._result(server, "h2load", float(rate.group(2)), succeeded, cpu, busy,
                              seconds, client_cpu, client_busy)
        return result

    def bench(self, server: Server, rpc: str, tokens_file: str | None = None, *,
              concurrency: int = 16, channels: int = 2, rate: float = 0,
              duration: float | None = None, warmup: float | None = None) -> dict:
        """One authgate-bench-client run; server CPU sampled over the
        client's measuring window (after its warm-up)."""
        duration = self.args.duration if duration is None else duration
        warmup = self.args.warmup if warmup is None else warmup
        argv = [self.client, f"--target=127.0.0.1:{server.port}", f"--rpc={rpc}",
                f"--concurrency={concurrency}", f"--channels={channels}",
                f"--duration={duration}s", f"--warmup={warmup}s"]
        if tokens_file:
            argv.append(f"--tokens_file={tokens_file}")
        if rate:
            argv.append(f"--rate={rate:.0f}")
        pids = server.pids()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True,
                                preexec_fn=pinned({CLIENT_CORE}, self.args.nice))
        start = time.monotonic()
        time.sleep(warmup)
        cpu0, busy0 = cpu_seconds(pids), core_busy(SERVER_CORE)
        client0, client_busy0 = cpu_seconds([proc.pid]), core_busy(CLIENT_CORE)
        text0 = scrape(server.metrics_port) if server.metrics_port else ""
        time.sleep(max(0.0, start + warmup + duration - time.monotonic()))
        cpu, busy = cpu_seconds(pids) - cpu0, core_busy(SERVER_CORE) - busy0
        client_cpu = cpu_seconds([proc.pid]) - client0
        client_busy = core_busy(CLIENT_CORE) - client_busy0
        text1 = scrape(server.metrics_port) if server.metrics_port else ""
        out, _ = proc.communicate(timeout=duration + warmup + 60)
        if proc.returncode != 0:
            raise RuntimeError(f"{server.name}: authgate-bench-client exited {proc.returncode}")
        client = json.loads(out)
        if client["errors"]:
            raise RuntimeError(f"{server.name} {rpc}: {client['errors']} errors "
                               f"({client['first_error']})")
        result = self._result(server, rpc, client["calls_per_s"], client["calls"], cpu, busy,
                              duration, client_cpu, client_busy)
        result.update(p50_us=client["p50_us"], p99_us=client["p99_us"], rate=rate or None,
                      concurrency=concurrency, channels=channels)
        if text1:
            hits = (metric_sum(text1, "authgate_verified_token_cache_hits_total")
                    - metric_sum(text0, "authgate_verified_token_cache_hits_total"))
            misses = (metric_sum(text1, "authgate_verified_token_cache_misses_total")
                      - metric_sum(text0, "authgate_verified_token_cache_misses_total"))
            if hits + misses:
                result["cache_hit_ratio"] = round(hits / (hits + misses), 4)
        return result

    def _result(self, server: Server, load, calls_per_s, calls, cpu, busy, seconds,
                client_cpu, client_busy) -> dict:
        alone = server.cores == {SERVER_CORE}
        return {
            "server": server.name,
            "load": load,
            "calls_per_s": round(calls_per_s, 1),
            "calls": calls,
            "server_cpu_us_per_call": round(1e6 * cpu / calls, 2) if calls else None,
            "server_cores_used": round(cpu / seconds, 2),
            "client_cpu_us_per_call": round(1e6 * client_cpu / calls, 2) if calls else None,
            # Busy time of each core that was neither the server's nor the
            # client's: other sessions (known only while the server is alone
            # on core 1).
            "foreign_core1_pct": round(100 * max(0.0, (busy - cpu) / seconds), 1)
            if alone else None,
            "foreign_core0_pct": round(100 * max(0.0, (client_busy - client_cpu) / seconds), 1)
            if alone else None,
        }


def show(label: str, r: dict) -> None:
    extra = f"  p99 {r['p99_us']:>7.0f} us" if "p99_us" in r else ""
    if r.get("client_cpu_us_per_call") is not None:
        extra += f"  client {r['client_cpu_us_per_call']:>5.1f} us/call"
    print(f"  {label:<34} {r['calls_per_s']:>9.0f} calls/s  server CPU "
          f"{r['server_cpu_us_per_call'] or 0:>6.1f} us/call ({r['server_cores_used']:.2f} cores)"
          f"{extra}" + (f"  foreign core0 {r['foreign_core0_pct']:.0f}% core1 "
                        f"{r['foreign_core1_pct']:.0f}%" if r["foreign_core1_pct"] is not None
                        else ""), flush=True)


def median(runs: list[dict], key: str):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


# --- one verification's cost ----------------------------------------------


def verify_cost_us(args, corpus_dir: str) -> tuple[float | None, str]:
    """CPU us of one RS256 verification of a distinct token, cache off."""
    driver = os.path.join(args.build_dir, "tests", "perf", "hot_paths", "authgate-bench-verify")
    if os.path.exists(driver):
        rates = []
        for _ in range(args.rounds):
            out = subprocess.run(
                [driver, "--corpus", corpus_dir, "--mode", "cache_off", "--passes",
                 str(args.verify_passes), "--threads", "1"],
                capture_output=True, text=True, check=True,
                preexec_fn=pinned({SERVER_CORE}, args.nice),
            ).stdout
            rates.append(json.loads(out.strip().splitlines()[-1])["rate"])
        return 1e6 / statistics.median(rates), "authgate-bench-verify --mode cache_off"
    binary = os.path.join(args.build_dir, "tests", "cpp", "verify_benchmark")
    if not os.path.exists(binary) and not args.no_build:
        subprocess.run(["cmake", "--build", args.build_dir, "-j2", "--target",
                        "verify_benchmark"], capture_output=True)
    if not os.path.exists(binary):
        return None, "no verify benchmark built"
    out = subprocess.run(
        [binary, "--benchmark_filter=^BM_Verify/RS256/min_time",
         "--benchmark_format=json", f"--benchmark_repetitions={args.rounds}"],
        capture_output=True, text=True, preexec_fn=pinned({SERVER_CORE}, args.nice),
    ).stdout
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3}
    try:
        rows = [b for b in json.loads(out)["benchmarks"] if b.get("run_type") == "iteration"]
    except (ValueError, KeyError):
        return None, "verify_benchmark gave no result"
    if not rows:
        return None, "verify_benchmark has no BM_Verify/RS256"
    return (statistics.median(b["cpu_time"] * scale[b["time_unit"]] for b in rows),
            "tests/cpp/verify_benchmark BM_Verify/RS256")


# --- the table ------------------------------------------------------------


def fmt(n: float | None, digits: int = 0) -> str:
    return "n/a" if n is None else f"{n:,.{digits}f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def ratio(a, b):
    return a / b if a and b else None


def build_table(s: dict) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    rows = []
    a = s["a"]
    on, off = ratio(a["guard_on"]["calls_per_s"], a["noop"]["calls_per_s"]), ratio(
        a["guard_off"]["calls_per_s"], a["noop"]["calls_per_s"])
    rows.append((
        "gRPC `ValidateToken`, repeated token, h2load at 64 in flight, vs a no-op C++ gRPC server"
        " (header guard on, the default)",
        f"{fmt(a['guard_on']['calls_per_s'])} vs {fmt(a['noop']['calls_per_s'])} calls/s = "
        f"{fmt(on, 2)}; {fmt(a['guard_on']['cpu'], 1)} vs {fmt(a['noop']['cpu'], 1)} µs server"
        " CPU per call",
        "≥ 0.95 of the no-op server's calls/s", verdict(on >= 0.95 if on else None)))
    rows.append((
        "same, header guard off (`header_guard: false`)",
        f"{fmt(a['guard_off']['calls_per_s'])} calls/s = {fmt(off, 2)}; "
        f"{fmt(a['guard_off']['cpu'], 1)} µs server CPU per call",
        "≥ 0.95", verdict(off >= 0.95 if off else None)))
    guard_cpu = (a["guard_on"]["cpu"] - a["guard_off"]["cpu"]
                 if a["guard_on"]["cpu"] and a["guard_off"]["cpu"] else None)
    rows.append((
        "the header guard's relay (Http2Guard), per call",
        f"{fmt(guard_cpu, 1)} µs server CPU; calls/s on/off = "
        f"{fmt(ratio(a['guard_on']['calls_per_s'], a['guard_off']['calls_per_s']), 2)}",
        "(its own cost, no target)", "—"))
    b = s["b"]
    budget = (b["health_cpu"] + 1.3 * s["verify_us"]
              if b["health_cpu"] and s["verify_us"] else None)
    rows.append((
        "gRPC `ValidateToken`, distinct tokens (cache misses), 16 in flight",
        f"{fmt(b['calls_per_s'])} calls/s, **{fmt(b['cpu'], 1)} µs** server CPU per call "
        f"(the health check: {fmt(b['health_cpu'], 1)} µs; one verification: "
        f"{fmt(s['verify_us'], 1)} µs)",
        f"≤ health + 1.3 × one verification (≈ {fmt(budget)} µs)",
        verdict(b["cpu"] <= budget if budget and b["cpu"] else None)))
    c = s["c"]
    d1, d2 = ratio(b["calls_per_s"], c["node1_distinct"]), ratio(b["calls_per_s"],
                                                                 c["node2_distinct"])
    r1, r2 = ratio(c["authgate_repeated"], c["node1_repeated"]), ratio(
        c["authgate_repeated"], c["node2_repeated"])
    worst_d = min(x for x in (d1, d2) if x) if (d1 or d2) else None
    worst_r = min(x for x in (r1, r2) if x) if (r1 or r2) else None
    rows.append((
        "same, against Node grpc-js + aws-jwt-verify in the same run",
        f"distinct {fmt(d1, 1)}× one Node process ({fmt(c['node1_distinct'])}/s), "
        f"{fmt(d2, 1)}× a two-worker cluster ({fmt(c['node2_distinct'])}/s); repeated "
        f"{fmt(r1, 1)}× / {fmt(r2, 1)}× ({fmt(c['authgate_repeated'])} vs "
        f"{fmt(c['node1_repeated'])} / {fmt(c['node2_repeated'])}/s)",
        "≥ 3× distinct, ≥ 8× repeated",
        verdict(worst_d >= 3 and worst_r >= 8 if worst_d and worst_r else None)))
    d = s["d"]
    # Over the entries held: the byte bound (cache_max_bytes) may keep fewer
    # than the fill sent.
    per_entry_kb = ((d["full_mb"] - d["idle_mb"]) * 1024 / d["entries"]
                    if d["entries"] else None)
    rows.append((
        "server RSS with the verified-token cache full (16,384 entries)",
        f"{fmt(d['full_mb'], 1)} MB ({fmt(d['idle_mb'], 1)} MB idle; "
        f"{fmt(per_entry_kb, 2)} KB per entry; {fmt(d['entries'])} entries)",
        "< 50 MB, or a documented per-entry cost of at most 1 KB",
        verdict(d["full_mb"] < 50 or (per_entry_kb is not None and per_entry_kb <= 1))))
    e = s["e"]
    rows.append((
        "p99 at half of peak (open loop), distinct / repeated",
        f"{fmt(e['distinct_p99_us'] / 1000 if e['distinct_p99_us'] else None, 2)} / "
        f"{fmt(e['repeated_p99_us'] / 1000 if e['repeated_p99_us'] else None, 2)} ms at "
        f"{fmt(e['distinct_rate'])} / {fmt(e['repeated_rate'])} calls/s (same client "
        f"and rate as repeated: authgate's health check "
        f"{fmt(e['health_p99_us'] / 1000 if e['health_p99_us'] else None, 2)} ms, "
        f"the no-op server {fmt(e['noop_p99_us'] / 1000 if e['noop_p99_us'] else None, 2)} ms)",
        "< 2 ms at half of peak",
        verdict(e["distinct_p99_us"] < 2000 and e["repeated_p99_us"] < 2000
                if e["distinct_p99_us"] and e["repeated_p99_us"] else None)))
    for key, what in (("f", "distinct tokens, authgate-bench-client at 64 in flight"),
                      ("f_h2", "every call verified (cache off, one token), h2load at 64 in "
                               "flight")):
        f = s[key]
        scale = ratio(f["two"]["calls_per_s"], f["one"]["calls_per_s"])
        rows.append((
            f"scaling: authgate-server on both cores vs one core, {what}",
            f"{fmt(f['two']['calls_per_s'])} vs {fmt(f['one']['calls_per_s'])} calls/s = "
            f"{fmt(scale, 2)}×; {fmt(f['two']['cpu'], 1)} vs {fmt(f['one']['cpu'], 1)} µs "
            f"server CPU per call ({fmt(f['two']['cores'], 2)} cores busy); the client took "
            f"{fmt(f['client_share_pct'], 0)}% of the CPU",
            "≥ 1.8×", verdict(scale >= 1.8 if scale else None)))
    notes = [
        f"{s['rounds']} round(s), medians; {s['duration']} s per run after {s['warmup']} s of "
        f"warm-up; corpus of {s['corpus_count']} distinct RS256 tokens ({s['token_bytes']} "
        "bytes), the server's cache 2,048 entries and a pool of "
        f"{s['pool']} tokens for the distinct loads (hit ratio {fmt(b['hit_ratio'], 3)}).",
        "Pinning: each server under test on core 1, the load generator on core 0 "
        "(authgate-bench-client: 2 connections, 16 in flight; h2load: -c 4 -m 16 -t 1). "
        "Node: one process on core 1; the node:cluster of two workers on both cores (a "
        "cluster exists to use them), sharing core 0 with the client, against authgate's "
        "one-core figures.",
        "Scaling: the same server binary started on core 1 alone and on cores 0-1; the "
        "client stays on core 0. authgate-bench-client costs "
        f"{fmt(s['f']['two']['client_us'], 1)} µs per call against the server's "
        f"{fmt(s['f']['two']['cpu'], 1)} ({fmt(s['f']['client_share_pct'], 0)}% of the CPU "
        "used), so the second row takes h2load, which costs "
        f"{fmt(s['f_h2']['two']['client_us'], 1)} µs per call "
        f"({fmt(s['f_h2']['client_share_pct'], 0)}%), against servers with the cache off: "
        "one token then costs a signature check on every call, as a distinct token does "
        "(the cache's insert and eviction aside).",
        "Spread of calls/s over the rounds ((max - min) / median): "
        + ", ".join(f"{key} {value}%" for key, value in s["spread_pct"].items()
                    if key in ("a_noop", "a_on", "a_off", "b_distinct", "f_one", "f_two",
                               "f_h2_one", "f_h2_two"))
        + ".",
        "h2load counts HTTP 2xx only; every target answered the h2load body with grpc-status"
        f" {s['ok_check']} (a Python gRPC call before the runs).",
        f"One verification: {s['verify_source']}, on core 1. Server CPU: utime+stime from "
        "/proc over the client's measuring window / the calls it counted.",
        "Other load during the runs (other sessions; busy time that was neither the "
        f"server's nor the client's): median {fmt(s['foreign_pct'][0], 0)}% of core 0 and "
        f"{fmt(s['foreign_pct'][1], 0)}% of core 1, at most {fmt(s['foreign_max_pct'][0], 0)}%"
        f" / {fmt(s['foreign_max_pct'][1], 0)}% in one run.",
    ]
    return rows, notes


def print_table(rows, notes) -> None:
    print("\n| path | measured | target | met? |\n| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    for note in notes:
        print(f"- {note}")


# --- the run --------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default="/work/main/build")
    parser.add_argument("--quick", action="store_true",
                        help="one round of 2 s runs (< 90 s), for a smoke run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--pool", type=int, default=8192,
                        help="distinct tokens of the distinct loads (> the cache's 2048)")
    parser.add_argument("--nice", type=int, default=-10,
                        help="autogroup nice of servers and clients (0: off)")
    parser.add_argument("--corpus", help="reuse (or create) the corpus in this directory")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--json", help="also write every figure here")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.warmup = 1, 2, 1
    args.verify_passes = 1 if args.quick else 3
    args.build_dir = os.path.abspath(args.build_dir)
    cache = 2048
    if args.pool <= cache:
        parser.error("--pool must exceed the server's cache (2048)")

    if not args.no_build:
        subprocess.run(["cmake", "--build", args.build_dir, "-j2", "--target",
                        "authgate-server", "authgate-bench-client",
                        "authgate-bench-noop-server"], check=True)
    server_bin = os.path.join(args.build_dir, "grpc_service", "authgate-server")
    noop_bin = os.path.join(args.build_dir, "tests", "perf", "hot_paths",
                            "authgate-bench-noop-server")
    if not os.path.isdir(os.path.join(NODE_PEER, "node_modules", "@grpc", "grpc-js")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_PEER, check=True,
                       stdout=subprocess.DEVNULL)

    tmp = tempfile.mkdtemp(prefix="authgate-grpc-table-")
    corpus_dir = args.corpus or os.path.join(tmp, "corpus")
    meta_file = os.path.join(corpus_dir, "meta.json")
    count = max(args.pool, FILL_ENTRIES)
    meta = None
    if os.path.exists(meta_file):
        with open(meta_file) as f:
            meta = json.load(f)
        if meta["count"] < count or meta["exp"] < time.time() + 3600:
            meta = None
    if meta is None:
        print(f"minting {count} RS256 tokens into {corpus_dir} ...", flush=True)
        meta = corpus.create(corpus_dir, count)
    tokens = corpus.load_tokens(corpus_dir)
    distinct_file = os.path.join(tmp, "distinct.txt")
    repeated_file = os.path.join(tmp, "repeated.txt")
    fill_file = os.path.join(tmp, "fill.txt")
    body_file = os.path.join(tmp, "validate.bin")
    with open(distinct_file, "w") as f:
        f.write("\n".join(tokens[: args.pool]) + "\n")
    with open(repeated_file, "w") as f:
        f.write(tokens[0] + "\n")
    with open(fill_file, "w") as f:
        f.write("\n".join(tokens[:FILL_ENTRIES]) + "\n")
    with open(body_file, "wb") as f:
        f.write(grpc_body(tokens[0]))

    verify_us, verify_source = verify_cost_us(args, corpus_dir)
    print(f"one verification: {fmt(verify_us, 2)} us ({verify_source})", flush=True)

    jwks_server, jwks_url = corpus.serve_jwks(corpus_dir)
    one = {SERVER_CORE}
    servers: list[Server] = []
    results: dict = {"config": {k: v for k, v in vars(args).items()},
                     "machine": {"cpus": os.cpu_count()}}
    try:
        def node(name, workers, cores=one):
            return start_port_printer(
                name, ["node", "grpc_server.js", "--jwks", os.path.join(corpus_dir, "jwks.json"),
                       "--user-pool-id", corpus.ISSUER.rsplit("/", 1)[1],
                       "--client-id", corpus.CLIENT_ID, "--workers", str(workers)],
                cores, args.nice, cwd=NODE_PEER)

        s_on = start_authgate(server_bin, "authgate", tmp, jwks_url, cache=cache,
                              header_guard=True, cores=one, nice=args.nice)
        servers.append(s_on)
        s_off = start_authgate(server_bin, "authgate-noguard", tmp, jwks_url, cache=cache,
                               header_guard=False, cores=one, nice=args.nice)
        servers.append(s_off)
        s_two = start_authgate(server_bin, "authgate-2cores", tmp, jwks_url, cache=cache,
                               header_guard=True, cores={0, 1}, nice=args.nice)
        servers.append(s_two)
        # f's servers that verify every call (cache off), on one core and on two.
        s_verify1 = start_authgate(server_bin, "authgate-nocache", tmp, jwks_url, cache=0,
                                   header_guard=True, cores=one, nice=args.nice)
        servers.append(s_verify1)
        s_verify2 = start_authgate(server_bin, "authgate-nocache-2cores", tmp, jwks_url,
                                   cache=0, header_guard=True, cores={0, 1}, nice=args.nice)
        servers.append(s_verify2)
        noop = start_port_printer("noop", [noop_bin, "--listen=127.0.0.1:0"], one, args.nice)
        servers.append(noop)
        node1 = node("node", 1)
        servers.append(node1)
        node2 = node("node-cluster", 2, {0, 1})
        servers.append(node2)

        codes = {}
        for server in (noop, s_on, s_off, s_verify1, node1, node2):
            code, size = check_ok(server.port, body_file)
            if code != 0 or (server is not noop and size == 0):
                raise RuntimeError(f"{server.name}: grpc-status {code}, {size} bytes")
            codes[server.name] = code
        print(f"h2load body answered OK by {', '.join(codes)}", flush=True)

        runner = Runner(args, tmp)
        runs: dict[str, list[dict]] = {}

        def record(key, label, result):
            runs.setdefault(key, []).append(result)
            show(label, result)

        for n in range(args.rounds):
            print(f"round {n + 1}/{args.rounds}", flush=True)
            record("a_noop", "a no-op, h2load", runner.h2load(noop, body_file))
            record("a_on", "a authgate guard on, h2load", runner.h2load(s_on, body_file))
            record("a_off", "a authgate guard off, h2load", runner.h2load(s_off, body_file))
            record("b_distinct", "b authgate distinct",
                   runner.bench(s_on, "validate", distinct_file))
            record("b_health", "b authgate health", runner.bench(s_on, "health"))
            record("c_authgate_repeated", "c authgate repeated",
                   runner.bench(s_on, "validate", repeated_file))
            record("c_node1_distinct", "c node distinct",
                   runner.bench(node1, "validate", distinct_file))
            record("c_node1_repeated", "c node repeated",
                   runner.bench(node1, "validate", repeated_file))
            record("c_node2_distinct", "c node cluster distinct",
                   runner.bench(node2, "validate", distinct_file))
            record("c_node2_repeated", "c node cluster repeated",
                   runner.bench(node2, "validate", repeated_file))
            record("f_one", "f one core, distinct 64/4",
                   runner.bench(s_on, "validate", distinct_file, concurrency=64, channels=4))
            record("f_two", "f two cores, distinct 64/4",
                   runner.bench(s_two, "validate", distinct_file, concurrency=64, channels=4))
            record("f_h2_one", "f one core, cache off, h2load",
                   runner.h2load(s_verify1, body_file))
            record("f_h2_two", "f two cores, cache off, h2load",
                   runner.h2load(s_verify2, body_file))

        half_distinct = median(runs["b_distinct"], "calls_per_s") / 2
        half_repeated = median(runs["c_authgate_repeated"], "calls_per_s") / 2
        for n in range(args.rounds):
            record("e_distinct", "e distinct at half peak",
                   runner.bench(s_on, "validate", distinct_file, rate=half_distinct))
            record("e_repeated", "e repeated at half peak",
                   runner.bench(s_on, "validate", repeated_file, rate=half_repeated))
            # Baselines at the same rates and with the same client: what the
            # load generator, gRPC and the machine alone give for p99.
            record("e_health", "e health check at the repeated rate",
                   runner.bench(s_on, "health", rate=half_repeated))
            record("e_noop", "e no-op server at the repeated rate",
                   runner.bench(noop, "validate", repeated_file, rate=half_repeated))

        # d: a fresh server whose cache holds every token of the fill.
        s_fill = start_authgate(server_bin, "authgate-fill", tmp, jwks_url,
                                cache=FILL_ENTRIES, header_guard=True, cores=one,
                                nice=args.nice)
        servers.append(s_fill)
        time.sleep(1)
        idle_mb = rss_mb(s_fill.pids())
        fill_rate = 4096
        text0 = scrape(s_fill.metrics_port)
        # Open loop, no warm-up: exactly rate x duration calls, token n for call n.
        fill = runner.bench(s_fill, "validate", fill_file, rate=fill_rate,
                            duration=FILL_ENTRIES / fill_rate, warmup=0)
        time.sleep(0.5)
        text1 = scrape(s_fill.metrics_port)
        full_mb = rss_mb(s_fill.pids())
        misses = (metric_sum(text1, "authgate_verified_token_cache_misses_total")
                  - metric_sum(text0, "authgate_verified_token_cache_misses_total"))
        entries = metric_sum(text1, "authgate_verified_token_cache_entries")
        print(f"  d RSS idle {idle_mb:.1f} MB, after {misses:.0f} distinct tokens "
              f"{full_mb:.1f} MB ({entries:.0f} cache entries)", flush=True)
        results["fill"] = fill

        def pick(key, field="calls_per_s"):
            return median(runs[key], field)

        def scaling(one_key, two_key):
            client = pick(two_key, "client_cpu_us_per_call")
            server = pick(two_key, "server_cpu_us_per_call")
            return {"one": {"calls_per_s": pick(one_key),
                            "cpu": pick(one_key, "server_cpu_us_per_call")},
                    "two": {"calls_per_s": pick(two_key), "cpu": server,
                            "client_us": client,
                            "cores": pick(two_key, "server_cores_used")},
                    "client_share_pct": 100 * client / (client + server)
                    if client and server else None}

        summary = {
            "rounds": args.rounds, "duration": args.duration, "warmup": args.warmup,
            "pool": args.pool, "corpus_count": meta["count"], "token_bytes": len(tokens[0]),
            "verify_us": verify_us, "verify_source": verify_source,
            "ok_check": "0",
            "a": {
                k: {"calls_per_s": pick(key), "cpu": pick(key, "server_cpu_us_per_call")}
                for k, key in (("noop", "a_noop"), ("guard_on", "a_on"),
                               ("guard_off", "a_off"))
            },
            "b": {"calls_per_s": pick("b_distinct"),
                  "cpu": pick("b_distinct", "server_cpu_us_per_call"),
                  "health_cpu": pick("b_health", "server_cpu_us_per_call"),
                  "hit_ratio": pick("b_distinct", "cache_hit_ratio")},
            "c": {"authgate_repeated": pick("c_authgate_repeated"),
                  "node1_distinct": pick("c_node1_distinct"),
                  "node1_repeated": pick("c_node1_repeated"),
                  "node2_distinct": pick("c_node2_distinct"),
                  "node2_repeated": pick("c_node2_repeated")},
            "d": {"idle_mb": idle_mb, "full_mb": full_mb, "entries": entries,
                  "misses": misses},
            "e": {"distinct_p99_us": pick("e_distinct", "p99_us"),
                  "repeated_p99_us": pick("e_repeated", "p99_us"),
                  "distinct_rate": half_distinct, "repeated_rate": half_repeated,
                  "health_p99_us": pick("e_health", "p99_us"),
                  "noop_p99_us": pick("e_noop", "p99_us")},
            "f": scaling("f_one", "f_two"),
            "f_h2": scaling("f_h2_one", "f_h2_two"),
            "spread_pct": {key: round(100 * (max(r["calls_per_s"] for r in rs)
                                             - min(r["calls_per_s"] for r in rs))
                                      / statistics.median(r["calls_per_s"] for r in rs))
                           for key, rs in runs.items()},
            "foreign_pct": {core: median([r for rs in runs.values() for r in rs],
                                         f"foreign_core{core}_pct") for core in (0, 1)},
            "foreign_max_pct": {core: max(r[f"foreign_core{core}_pct"] or 0
                                          for rs in runs.values() for r in rs)
                                for core in (0, 1)},
        }
        rows, notes = build_table(summary)
        results.update(runs=runs, summary=summary,
                       table=[dict(zip(("path", "measured", "target", "met"), r)) for r in rows],
                       notes=notes)
        print_table(rows, notes)
    finally:
        for server in reversed(servers):
            server.stop()
        jwks_server.shutdown()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
