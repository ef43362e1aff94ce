#!/usr/bin/python3
"""The verifier half of issue 12's hot-path table, in one run with one method.

Mints one corpus (corpus.py: distinct Cognito-shaped RS256 access tokens),
then for --rounds rounds runs, for each contender, a C++ EVP_DigestVerify
floor pass (authgate-bench-verify --mode floor) and right after it the
contender's pass, both pinned to one core (taskset -c 1). A contender's ratio
is its rate over the floor pass just before it (the "paced floor"); the table
shows the median ratio and median rate over the rounds. The scaling rows run
one thread and then two threads of the same path pinned to both cores
(taskset -c 0,1); their ratio is two over one, median over rounds.

Contenders (each a separate process, setup outside its clock):
  authgate-bench-verify  C++: cache_off, cache_on (fresh verifier per pass,
                         all misses), retained (cache off, every result kept
                         as the cache keeps its entries: cache_on's
                         reference), repeated (100 tokens, policy checked),
                         map_floor (a plain unordered_map token -> exp)
  verify_python.py       Python: the _authgate_bench floor, authgate cache on /
                         off / repeated, PyJWT
  verify_node.js         Node: crypto.verify floor, fast-jwt, aws-jwt-verify
Each pass lasts about --pass-seconds (0.4 s; passes and token counts per
contender come from a calibration pass), so one scheduling hiccup on this
shared machine costs little. Every driver also reports its process's CPU
seconds over the pass: a pair in which a one-thread pass (or the floor's
two-thread pass) got under 90% of its core is run again (--retries), and
the JSON flags the pairs kept disturbed.

Usage (Debian's /usr/bin/python3, which has python3-jwt):
  tests/perf/hot_paths/verifier_table.py [--build-dir /work/main/build]
      [--tokens 10000] [--rounds 5] [--retries 2] [--quick] [--json FILE]
Needs the build's authgate-bench-verify, python/_core and _authgate_bench
targets, taskset (util-linux) and node with tests/perf/node_peer's packages
(installed with `npm ci` from the lock file when missing). Importable:
scripts/bench_hot_paths calls main(argv).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
NODE_PEER = os.path.join(REPO, "tests", "perf", "node_peer")
sys.path.insert(0, HERE)

import corpus  # noqa: E402

PYTHON = "/usr/bin/python3"
ONE_CORE = "1"
TWO_CORES = "0,1"
REPEATED_TOKENS = 100
# Modes that cycle 100 tokens (passes of 100 calls) rather than the corpus.
CYCLING = {"repeated", "map_floor", "authgate_repeated"}
JWT_CPP = "not available here (not in Debian's apt)"
# A pass whose process got less of its core than this shared it with another
# process for long enough to matter: its pair is run again (measure()).
MIN_SHARE = 0.9

# (driver, mode): the single-core contenders, in the order each round runs them.
CONTENDERS = [
    ("cpp", "cache_off"),
    ("cpp", "cache_on"),
    ("cpp", "retained"),
    ("cpp", "repeated"),
    ("cpp", "map_floor"),
    ("python", "floor"),
    ("python", "authgate_cache_on"),
    ("python", "authgate_cache_off"),
    ("python", "authgate_repeated"),
    ("python", "pyjwt"),
    ("node", "floor"),
    ("node", "fast_jwt"),
    ("node", "aws_jwt_verify"),
]
# Paths measured at one and two threads on both cores. The C++ floor's own
# scaling says what two cores give at all on this shared machine, and the
# plain map's (read-only, nothing shared written) what they give to the
# memory-bound work of a repeated token.
SCALING = [
    ("cpp", "floor"),
    ("cpp", "cache_on"),
    ("cpp", "repeated"),
    ("cpp", "map_floor"),
    ("python", "authgate_cache_on"),
    ("python", "authgate_repeated"),
]
FLOOR = ("cpp", "floor")
PEERS = [
    ("node", "fast_jwt", "fast-jwt"),
    ("node", "aws_jwt_verify", "aws-jwt-verify"),
    ("python", "pyjwt", "PyJWT"),
]


def key(driver: str, mode: str, threads: int = 1) -> str:
    return f"{driver}:{mode}" + ("" if threads == 1 else f":x{threads}")


class Runner:
    """Builds and runs one driver invocation; returns its JSON line."""

    def __init__(self, build_dir: str, corpus_dir: str, pin: bool):
        self.corpus_dir = corpus_dir
        self.pin = pin and shutil.which("taskset") is not None
        self.cpp = os.path.join(
            build_dir, "tests", "perf", "hot_paths", "authgate-bench-verify"
        )
        self.env = dict(
            os.environ, AUTHGATE_PYTHON_BUILD_DIR=os.path.join(build_dir, "python")
        )

    def command(
        self, driver: str, mode: str, passes: int, threads: int, limit: int
    ) -> List[str]:
        args = [
            "--corpus",
            self.corpus_dir,
            "--mode",
            mode,
            "--passes",
            str(passes),
            "--threads",
            str(threads),
            "--limit",
            str(limit),
        ]
        if driver == "cpp":
            return [self.cpp] + args
        if driver == "python":
            return [PYTHON, os.path.join(HERE, "verify_python.py")] + args
        return ["node", os.path.join(HERE, "verify_node.js")] + args

    def run(
        self, driver: str, mode: str, passes: int, threads: int, limit: int, cpus: str
    ) -> dict:
        cmd = self.command(driver, mode, passes, threads, limit)
        if self.pin:
            cmd = ["taskset", "-c", cpus] + cmd
        done = subprocess.run(
            cmd, env=self.env, capture_output=True, text=True, timeout=600
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{key(driver, mode, threads)} exited {done.returncode}: "
                f"{done.stderr.strip()[-300:]}"
            )
        return json.loads(done.stdout.strip().splitlines()[-1])


class Plan:
    """Passes and token count giving one pass of about `seconds`."""

    def __init__(self, runner: Runner, tokens: int, seconds: float):
        self.runner, self.tokens, self.seconds = runner, tokens, seconds
        self.plans: Dict[str, dict] = {}

    def get(self, driver: str, mode: str, threads: int, cpus: str) -> dict:
        name = key(driver, mode, threads)
        if name not in self.plans:
            cycling = mode in CYCLING
            # A short first pass; its rate sizes the real ones.
            probe = self.runner.run(
                driver,
                mode,
                20 if cycling else 1,
                threads,
                0 if cycling else min(self.tokens, 200),
                cpus,
            )
            calls = probe["rate"] * self.seconds
            if cycling:
                plan = {"passes": max(1, round(calls / REPEATED_TOKENS)), "limit": 0}
            elif calls >= self.tokens:
                plan = {"passes": max(1, round(calls / self.tokens)), "limit": 0}
            else:
                plan = {"passes": 1, "limit": max(REPEATED_TOKENS, int(calls))}
            plan["probe_rate"] = probe["rate"]
            self.plans[name] = plan
        return self.plans[name]

    def run(self, driver: str, mode: str, threads: int, cpus: str) -> dict:
        plan = self.get(driver, mode, threads, cpus)
        return self.runner.run(
            driver, mode, plan["passes"], threads, plan["limit"], cpus
        )


def node_ready() -> Optional[str]:
    """None when node and the peers' packages are there; else why not."""
    if shutil.which("node") is None:
        return "node not installed"
    modules = os.path.join(NODE_PEER, "node_modules")
    if not all(
        os.path.isdir(os.path.join(modules, p)) for p in ("fast-jwt", "aws-jwt-verify")
    ):
        if shutil.which("npm") is None:
            return "npm not installed"
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=NODE_PEER,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            return "npm ci failed in tests/perf/node_peer"
    return None


def share(result: dict) -> float:
    """CPU seconds per wall second per thread over a measured pass."""
    return result.get("cpu_seconds", 0.0) / result["seconds"] / result["threads"]


def clean(*results: dict) -> bool:
    """True when no pass lost its pinned core to another process for long.

    Only one-thread passes and the floor's (which never blocks) are judged: a
    verifier's two-thread pass may wait on a lock, which is what it measures.
    """
    return all(
        share(r) >= MIN_SHARE
        for r in results
        if r["threads"] == 1 or r["mode"] == "floor"
    )


def measure(
    runner: Runner,
    tokens: int,
    rounds: int,
    seconds: float,
    skip: Dict[str, str],
    retries: int = 2,
) -> dict:
    """Runs every round; returns the raw passes and the per-round ratios.

    A pair (floor + contender, or one + two threads) during which a pass got
    under MIN_SHARE of its core is run again, up to `retries` times; the last
    try counts either way and is flagged "disturbed" in the raw results.
    """
    plan = Plan(runner, tokens, seconds)
    raw: Dict[str, List[dict]] = {}
    ratios: Dict[str, List[float]] = {}
    errors: Dict[str, str] = dict(skip)

    def pair(name: str, first: tuple, second: tuple) -> Optional[tuple]:
        for attempt in range(retries + 1):
            try:
                a, b = plan.run(*first), plan.run(*second)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                errors[name] = str(e)
                return None
            if clean(a, b):
                break
        b["attempts"], b["disturbed"] = attempt + 1, not clean(a, b)
        return a, b

    for _ in range(rounds):
        for driver, mode in CONTENDERS:
            name = key(driver, mode)
            if name in errors:
                continue
            got = pair(name, FLOOR + (1, ONE_CORE), (driver, mode, 1, ONE_CORE))
            if got is None:
                continue
            floor, result = got
            result["paced_floor_rate"] = floor["rate"]
            result["paced_floor_share"] = share(floor)
            raw.setdefault(name, []).append(result)
            ratios.setdefault(name, []).append(result["rate"] / floor["rate"])
        for driver, mode in SCALING:
            name = key(driver, mode, 2)
            if name in errors:
                continue
            got = pair(name, (driver, mode, 1, TWO_CORES), (driver, mode, 2, TWO_CORES))
            if got is None:
                continue
            one, two = got
            raw.setdefault(name, []).append({"one": one, "two": two})
            ratios.setdefault(name, []).append(two["rate"] / one["rate"])
    return {"plans": plan.plans, "raw": raw, "ratios": ratios, "errors": errors}


def summarise(measured: dict) -> dict:
    """Medians over rounds, and the derived figures the table shows."""
    ratios, raw = measured["ratios"], measured["raw"]
    med = {name: statistics.median(values) for name, values in ratios.items()}
    rate = {
        name: statistics.median(r["rate"] for r in runs)
        for name, runs in raw.items()
        if "rate" in runs[0]
    }
    floor_rates = [
        r["paced_floor_rate"]
        for runs in raw.values()
        for r in runs
        if "paced_floor_rate" in r
    ]
    derived: Dict[str, float] = {}

    def per_round(a: str, b: str) -> Optional[float]:
        # a's ratio over b's, each against its own paced floor, median of rounds.
        if a not in ratios or b not in ratios:
            return None
        pairs = list(zip(ratios[a], ratios[b]))
        return statistics.median(x / y for x, y in pairs)

    derived["cpp_cache_on_vs_off"] = per_round("cpp:cache_on", "cpp:cache_off")
    # What holding the entries' memory costs without the cache, and the
    # cache's own cost beyond that.
    derived["cpp_retained_vs_off"] = per_round("cpp:retained", "cpp:cache_off")
    derived["cpp_cache_on_vs_retained"] = per_round("cpp:cache_on", "cpp:retained")
    derived["python_cache_on_vs_off"] = per_round(
        "python:authgate_cache_on", "python:authgate_cache_off"
    )
    for driver, mode, _ in PEERS:
        if driver == "node":
            derived[f"{mode}_vs_node_floor"] = per_round(
                key(driver, mode), "node:floor"
            )
    peers = {label: med[key(d, m)] for d, m, label in PEERS if key(d, m) in med}
    if peers and "cpp:cache_on" in med:
        best = max(peers, key=peers.get)
        derived["best_peer"] = best
        derived["lead_over_best_peer"] = med["cpp:cache_on"] / peers[best]
        if "python:authgate_cache_on" in med:
            derived["python_lead_over_best_peer"] = (
                med["python:authgate_cache_on"] / peers[best]
            )
    return {
        "median_ratio": med,
        "median_rate": rate,
        "floor_rate": statistics.median(floor_rates) if floor_rates else None,
        "derived": derived,
    }


def _met(value: Optional[float], target: float) -> str:
    return "—" if value is None else ("yes" if value >= target else "**no**")


def _rate(value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    return f"{value / 1e6:.2f} M/s" if value >= 1e6 else f"{value / 1e3:.0f} k/s"


def table(summary: dict, errors: Dict[str, str]) -> str:
    """The markdown table shaped like issue 12's first one, plus references."""
    med, rate, d = summary["median_ratio"], summary["median_rate"], summary["derived"]

    def ratio(name: str) -> Optional[float]:
        return med.get(name)

    def show(value: Optional[float], name: str = "", suffix: str = "") -> str:
        if value is None:
            return f"not run ({errors.get(name, 'missing')[:80]})"
        return f"{value:.2f}{suffix}"

    rows = [
        (
            "path (RS256, Cognito-shaped, distinct tokens unless said)",
            "measured",
            "target",
            "met?",
        )
    ]
    off, on = ratio("cpp:cache_off"), ratio("cpp:cache_on")
    rows.append(
        (
            "C++ verifier, verified-token cache **off**, vs the `EVP_DigestVerify` loop",
            show(off, "cpp:cache_off"),
            "≥ 1.0",
            _met(off, 1.0),
        )
    )
    on_text = show(on, "cpp:cache_on")
    if on is not None and d.get("cpp_cache_on_vs_off") is not None:
        on_text += f" = {d['cpp_cache_on_vs_off']:.2f} × cache off"
    if d.get("cpp_retained_vs_off") is not None and d.get(
        "cpp_cache_on_vs_retained"
    ):
        on_text += (
            f"; cache off keeping every result: {d['cpp_retained_vs_off']:.2f}"
            f" × cache off, so cache on = {d['cpp_cache_on_vs_retained']:.2f}"
            " × that"
        )
    rows.append(
        (
            "C++ verifier, cache **on** (the default), every token a miss",
            on_text,
            "≥ 0.97 × cache off",
            _met(d.get("cpp_cache_on_vs_off"), 0.97),
        )
    )
    rep = rate.get("cpp:repeated")
    rep_text = _rate(rep) if rep else show(None, "cpp:repeated")
    if "cpp:map_floor" in rate:
        rep_text += f" (plain `unordered_map`: {_rate(rate['cpp:map_floor'])})"
    rows.append(
        (
            "C++ repeated tokens (100 tokens in turn, cache hits, policy checked)",
            rep_text,
            "≥ 4 M/s",
            _met(rep, 4e6),
        )
    )
    py_on, py_off = ratio("python:authgate_cache_on"), ratio(
        "python:authgate_cache_off"
    )
    py_text = show(py_on, "python:authgate_cache_on")
    if py_off is not None:
        py_text += f" (cache off: {py_off:.2f})"
    rows.append(
        ("Python `Verifier.verify`, cache on", py_text, "≥ 0.95", _met(py_on, 0.95))
    )
    py_rep = rate.get("python:authgate_repeated")
    rows.append(
        (
            "Python repeated tokens (100 in turn, scopes + groups checked)",
            _rate(py_rep) if py_rep else show(None, "python:authgate_repeated"),
            "≥ 1.5 M/s",
            _met(py_rep, 1.5e6),
        )
    )
    rows.append(("peer: jwt-cpp", JWT_CPP, "", ""))
    for driver, mode, label in PEERS:
        name = key(driver, mode)
        text = show(ratio(name), name)
        own = d.get(f"{mode}_vs_node_floor")
        if own is not None:
            text += f" ({own:.2f} of Node's `crypto.verify` loop)"
        rows.append((f"peer: {label}", text, "", ""))
    lead = d.get("lead_over_best_peer")
    lead_text = "n/a" if lead is None else f"{lead:.2f}× {d['best_peer']}"
    if d.get("python_lead_over_best_peer") is not None:
        lead_text += f" (Python cache on: {d['python_lead_over_best_peer']:.2f}×)"
    rows.append(
        (
            "authgate (C++, cache on) over the best peer",
            lead_text,
            "≥ 1.6× the best peer",
            _met(lead, 1.6),
        )
    )
    for name, label in [
        ("cpp:cache_on:x2", "C++ cache on (distinct)"),
        ("cpp:repeated:x2", "C++ repeated"),
        ("python:authgate_cache_on:x2", "Python cache on (distinct)"),
        ("python:authgate_repeated:x2", "Python repeated"),
    ]:
        value = ratio(name)
        rows.append(
            (
                f"two threads / one thread, {label}",
                show(value, name, "×"),
                "≥ 1.9×",
                _met(value, 1.9),
            )
        )

    lines = []
    for i, row in enumerate(rows):
        lines.append("| " + " | ".join(row) + " |")
        if i == 0:
            lines.append("| --- | ---: | ---: | :---: |")
    floor = summary["floor_rate"]
    refs = []
    if floor:
        refs.append(f"C++ EVP floor {floor:,.0f}/s ({1e6 / floor:.1f} µs) on one core")
    if ratio("cpp:floor:x2") is not None:
        refs.append(
            f"its two threads / one: {ratio('cpp:floor:x2'):.2f}× (what two cores give)"
        )
    if ratio("cpp:map_floor:x2") is not None:
        refs.append(
            "the plain `unordered_map`'s two threads / one: "
            f"{ratio('cpp:map_floor:x2'):.2f}× (read-only: what two cores give"
            " a repeated token)"
        )
    if ratio("python:floor") is not None:
        refs.append(
            f"Python's _authgate_bench floor: {ratio('python:floor'):.2f} of it"
        )
    if ratio("node:floor") is not None:
        refs.append(f"Node's crypto.verify floor: {ratio('node:floor'):.2f} of it")
    if refs:
        lines.append("")
        lines.append("References: " + "; ".join(refs) + ".")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="issue 12's verifier table, one run")
    parser.add_argument(
        "--build-dir",
        default="/work/main/build",
        help="CMake build with authgate-bench-verify, _core, _authgate_bench",
    )
    parser.add_argument("--tokens", type=int, default=None, help="corpus size (10000)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (5)")
    parser.add_argument(
        "--pass-seconds",
        type=float,
        default=None,
        help="length of one measured pass (0.4)",
    )
    parser.add_argument(
        "--corpus", help="use this corpus directory instead of minting one"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="1000 tokens, 2 rounds, short passes (under a minute)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=None,
        help="reruns of a pair whose pass lost its core (2; --quick: 0)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    parser.add_argument("--json", help="write every number to this file")
    args = parser.parse_args(argv)
    tokens = args.tokens or (1000 if args.quick else 10_000)
    rounds = args.rounds or (2 if args.quick else 5)
    seconds = args.pass_seconds or (0.12 if args.quick else 0.4)
    retries = args.retries if args.retries is not None else (0 if args.quick else 2)
    build_dir = os.path.abspath(args.build_dir)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="verifier_table_") as tmp:
        corpus_dir = args.corpus or tmp
        if args.corpus:
            tokens = len(corpus.load_tokens(corpus_dir))
        else:
            corpus.create(corpus_dir, tokens)
        runner = Runner(build_dir, corpus_dir, pin=not args.no_pin)
        if not os.access(runner.cpp, os.X_OK):
            print(
                f"verifier_table: no {runner.cpp} (ninja authgate-bench-verify _core "
                "_authgate_bench)",
                file=sys.stderr,
            )
            return 2
        skip: Dict[str, str] = {}
        why = node_ready()
        if why:
            skip = {
                key("node", m): why for m in ("floor", "fast_jwt", "aws_jwt_verify")
            }
        measured = measure(runner, tokens, rounds, seconds, skip, retries)
    summary = summarise(measured)
    text = table(summary, measured["errors"])
    pinned = "taskset -c 1 (scaling: -c 0,1)" if runner.pin else "not pinned"
    passes = [r.get("two", r) for runs in measured["raw"].values() for r in runs]
    disturbed = sum(1 for r in passes if r.get("disturbed"))
    print(
        f"{tokens} distinct tokens, {rounds} rounds, passes of ~{seconds} s, {pinned}, "
        f"median over rounds, each ratio against the C++ floor pass just before it; "
        f"{sum(r.get('attempts', 1) - 1 for r in passes)} pairs rerun and "
        f"{disturbed} kept disturbed (a pass under {MIN_SHARE:.0%} of its core) "
        f"({time.monotonic() - started:.0f} s)\n"
    )
    print(text)
    if disturbed:
        print(
            f"\nNote: {disturbed} of {len(passes)} pairs kept a pass that had under "
            f"{MIN_SHARE:.0%} of its core (another process ran there): their figures "
            "say more about the machine's load than about the code."
        )
    for name, error in measured["errors"].items():
        print(f"\n{name}: {error}", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "tokens": tokens,
                    "rounds": rounds,
                    "pass_seconds": seconds,
                    "pinned": runner.pin,
                    **measured,
                    **summary,
                    "table": text,
                },
                f,
                indent=2,
            )
    # A contender that could not run (not one skipped for a missing peer)
    # fails the run: scripts/test runs --quick as a smoke of this machinery.
    failed = sorted(set(measured["errors"]) - set(skip))
    if failed:
        print(f"verifier_table: {', '.join(failed)} did not run", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
