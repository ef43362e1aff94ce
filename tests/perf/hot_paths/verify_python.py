#!/usr/bin/python3
"""One measured run of one Python verifier hot path, for verifier_table.py.

Reads the shared corpus (corpus.py) and prints one JSON line
{"mode", "threads", "ops", "seconds", "rate", "cpu_seconds"}. Modes:

  floor               _authgate_bench.bare_rs256_loop: EVP_DigestVerifyInit +
                      EVP_DigestVerify in C++ with one pre-parsed key over
                      pre-decoded signatures (BM_Bare's loop)
  authgate_cache_on   authgate.Verifier.verify, default cache, a fresh
                      verifier per pass (every token a miss and an insert)
  authgate_cache_off  the same with cache_max_entries=0
  authgate_repeated   100 tokens in turn through a warmed verifier, with
                      scopes and groups required per call (cache hits)
  pyjwt               jwt.decode with a pre-loaded key: signature, exp, iss

A pass is one traversal of the tokens in use (--limit of the corpus, or the
100 repeated ones). --threads 2 splits every pass between two started
threads released together; the clock runs from the release to the last join
(time.perf_counter, monotonic), setup excluded. One-thread floor runs use
the loop's own steady-clock seconds, which leave out the conversion of the
argument lists. Uses the in-tree module when AUTHGATE_PYTHON_BUILD_DIR is set
(e.g. build/python). Run with /usr/bin/python3
(Debian's python3-jwt).

  AUTHGATE_PYTHON_BUILD_DIR=build/python tests/perf/hot_paths/verify_python.py \
      --corpus DIR --mode authgate_cache_on --passes 2 --threads 1
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import threading
import time
from typing import Callable, List, Sequence

_BUILD_DIR = os.environ.get("AUTHGATE_PYTHON_BUILD_DIR")
if _BUILD_DIR:
    sys.path.insert(0, os.path.abspath(_BUILD_DIR))

MODES = (
    "floor",
    "authgate_cache_on",
    "authgate_cache_off",
    "authgate_repeated",
    "pyjwt",
)
# How many tokens the repeated mode cycles through (issue 12).
REPEATED_TOKENS = 100


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load(directory: str, limit: int) -> tuple[list[str], str, dict]:
    with open(os.path.join(directory, "tokens.txt")) as f:
        tokens = [line for line in f.read().split("\n") if line]
    if limit:
        tokens = tokens[:limit]
    if len(tokens) < REPEATED_TOKENS:
        raise SystemExit(f"the corpus needs at least {REPEATED_TOKENS} tokens")
    with open(os.path.join(directory, "jwks.json")) as f:
        jwks = f.read()
    with open(os.path.join(directory, "meta.json")) as f:
        meta = json.load(f)
    return tokens, jwks, meta


def run_threads(threads: int, work: Callable[[int], int]) -> tuple[float, float, int]:
    """Runs work(t) on `threads` started threads released together; returns
    (seconds from the release to the last join, the process's CPU seconds
    over the same span, failures)."""
    barrier = threading.Barrier(threads + 1)
    failed: List[int] = [0] * threads
    errors: List[BaseException] = []

    def body(t: int) -> None:
        barrier.wait()
        try:
            failed[t] = work(t)
        except BaseException as e:  # reported below, after the join
            errors.append(e)

    pool = [threading.Thread(target=body, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    cpu_start, start = time.process_time(), time.perf_counter()
    for thread in pool:
        thread.join()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    if errors:
        raise errors[0]
    return seconds, cpu_seconds, sum(failed)


def measure(mode: str, directory: str, passes: int, threads: int, limit: int) -> dict:
    tokens, jwks, meta = load(directory, limit)
    issuer, client_id = meta["issuer"], meta["client_id"]
    n = len(tokens)
    ops = passes * (REPEATED_TOKENS if mode == "authgate_repeated" else n)

    if mode == "floor":
        import _authgate_bench
        from cryptography.hazmat.primitives import serialization

        import jwt

        key = jwt.algorithms.RSAAlgorithm.from_jwk(json.loads(jwks)["keys"][0])
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        split = [t.rsplit(".", 1) for t in tokens]
        inputs = [s.encode() for s, _ in split]
        sigs = [_b64decode(sig) for _, sig in split]
        chunks = [(inputs[t::threads], sigs[t::threads]) for t in range(threads)]
        loop_seconds = [0.0] * threads

        def work(t: int) -> int:
            chunk_in, chunk_sig = chunks[t]
            failed = 0
            for _ in range(passes):
                valid, seconds = _authgate_bench.bare_rs256_loop(
                    der, chunk_in, chunk_sig
                )
                failed += len(chunk_in) - valid
                loop_seconds[t] += seconds
            return failed

    elif mode == "pyjwt":
        import jwt

        key = jwt.algorithms.RSAAlgorithm.from_jwk(json.loads(jwks)["keys"][0])
        decode = jwt.decode
        algorithms = ["RS256"]
        chunks_t = [tokens[t::threads] for t in range(threads)]

        def work(t: int) -> int:
            chunk = chunks_t[t]
            for _ in range(passes):
                for token in chunk:
                    decode(token, key, algorithms=algorithms, issuer=issuer)
            return 0

    else:
        import authgate

        def verifier(**cache) -> "authgate.Verifier":
            return authgate.Verifier.from_jwks(
                jwks, issuer=issuer, client_id=client_id, token_uses="access", **cache
            )

        if mode == "authgate_repeated":
            shared = verifier()
            repeated = tokens[:REPEATED_TOKENS]
            scopes, groups = ("openid",), ("readers",)
            for token in repeated:
                shared.verify(token, scopes=scopes, groups=groups)
            calls = [
                [
                    repeated[k % REPEATED_TOKENS]
                    for k in range(t, REPEATED_TOKENS, threads)
                ]
                for t in range(threads)
            ]

            def work(t: int) -> int:
                verify = shared.verify
                chunk = calls[t]
                for _ in range(passes):
                    for token in chunk:
                        verify(token, scopes=scopes, groups=groups)
                return 0

        else:
            cache_on = mode == "authgate_cache_on"
            # cache_on: one fresh verifier per pass, made before the clock starts.
            verifiers = (
                [verifier() for _ in range(passes)]
                if cache_on
                else [verifier(cache_max_entries=0)] * passes
            )
            chunks_t = [tokens[t::threads] for t in range(threads)]

            def work(t: int) -> int:
                chunk = chunks_t[t]
                for v in verifiers:
                    verify = v.verify
                    for token in chunk:
                        verify(token)
                return 0

    seconds, cpu_seconds, failed = run_threads(threads, work)
    if failed:
        raise SystemExit(f"verify_python: {failed} of {ops} {mode} calls failed")
    if mode == "floor" and threads == 1:
        seconds = loop_seconds[0]
    return {
        "mode": mode,
        "threads": threads,
        "ops": ops,
        "seconds": seconds,
        "rate": ops / seconds,
        # Well under threads x seconds: the core was shared during the pass.
        "cpu_seconds": cpu_seconds,
    }


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, choices=(1, 2))
    parser.add_argument(
        "--limit",
        type=int,
        default=0,
        help="use only the first N tokens of the corpus (0: all)",
    )
    args = parser.parse_args(argv)
    if args.passes < 1:
        parser.error("--passes must be at least 1")
    try:
        result = measure(args.mode, args.corpus, args.passes, args.threads, args.limit)
    except Exception as e:
        # A rejected token raises: fail naming only the error class, never
        # the message (it may quote a claim) nor the token.
        raise SystemExit(
            f"verify_python: {args.mode} failed: {type(e).__name__}"
        ) from None
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
