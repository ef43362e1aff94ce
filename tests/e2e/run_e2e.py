#!/usr/bin/env python3
"""Runs authgate's end-to-end provider tests (standard library only).

Starts moto's Cognito emulator and the Cognito-shaped oidc-provider on
127.0.0.1 with free ports, prepares them, exports their endpoints, runs the
GoogleTest binary and always stops the providers.

    run_e2e.py --binary build/tests/e2e/e2e_provider_test [-- --gtest_filter=...]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import providers  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True, help="path to e2e_provider_test")
    parser.add_argument("gtest_args", nargs="*", help="passed to the binary")
    args = parser.parse_args()

    start = time.monotonic()
    with tempfile.TemporaryFile(mode="w+") as log:
        try:
            started, env = providers.start_all(log=log)
        except Exception as e:  # a clear message instead of a traceback
            log.seek(0)
            sys.stderr.write(
                f"e2e: could not start providers: {e}\n{log.read()[-4000:]}"
            )
            return 1
        try:
            env["AUTHGATE_E2E_DEAD_PORT"] = str(providers.free_port())
            print(
                f"e2e: providers ready in {time.monotonic() - start:.1f} s", flush=True
            )
            result = subprocess.run(
                [args.binary, *args.gtest_args], env={**os.environ, **env}, timeout=240
            )
            code = result.returncode
        except subprocess.TimeoutExpired:
            sys.stderr.write("e2e: test binary timed out\n")
            code = 1
        finally:
            for provider in started:
                provider.stop()
        if code != 0:
            log.seek(0)
            sys.stderr.write("e2e: provider output (tail):\n" + log.read()[-4000:])
    print(f"e2e: finished in {time.monotonic() - start:.1f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
