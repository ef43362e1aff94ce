"""Conformance table, command-line face: every case of
tests/conformance/cases.json (format: tests/conformance/FORMAT.md) through
the native ``authgate verify``.

The materializer (``conformance_materialize CASES_JSON OUTDIR``) mints the
table's tokens and key sets; every provider goes
to one ``--providers-file`` (one verifier holds them all and routes by iss),
the token to ``--token-file`` (byte for byte) and the request to per-call
flags. A row the CLI cannot express fails; nothing is skipped.

Binaries: AUTHGATE_CONFORMANCE_MATERIALIZE and AUTHGATE_CLI, else
``tests/cpp/conformance_materialize`` and ``core/tools/authgate`` in the build
directory above AUTHGATE_PYTHON_BUILD_DIR.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

_CASES = Path(__file__).resolve().parents[1] / "conformance" / "cases.json"
_MIN_CASES = 100
_WORKERS = 4

# Request key -> (flag, whether it takes a list of strings).
_REQUEST_FLAGS = {
    "provider": ("--provider", False),
    "token_uses": ("--token-use", True),
    "audiences": ("--required-audience", True),
    "scopes": ("--scope", True),
    "scope_match": ("--scope-match", False),
    "groups": ("--group", True),
    "group_match": ("--group-match", False),
    "nonce": ("--nonce", False),
}


def _binary(variable: str, relative: str) -> str:
    path = os.environ.get(variable)
    if not path:
        build = os.environ.get("AUTHGATE_PYTHON_BUILD_DIR")
        assert build, (
            f"set {variable}, or AUTHGATE_PYTHON_BUILD_DIR to a CMake build's "
            "python/ directory"
        )
        path = str(Path(build).resolve().parent / relative)
    assert os.access(path, os.X_OK), f"{path} is not built"
    return path


class Unexpressible(Exception):
    """A request the CLI has no flag for."""


def request_flags(request: Dict[str, Any]) -> List[str]:
    """The per-call flags of a row's request (absent keys: the defaults)."""
    if not isinstance(request, dict):
        raise Unexpressible(f"request is not an object: {request!r}")
    flags: List[str] = []
    for key, value in request.items():
        if key not in _REQUEST_FLAGS:
            raise Unexpressible(f"request key {key!r} has no CLI flag")
        flag, is_list = _REQUEST_FLAGS[key]
        values = value if is_list else [value]
        if not isinstance(values, list) or not all(
            isinstance(v, str) for v in values
        ):
            raise Unexpressible(f"request {key} is not a string{'s' * is_list}")
        if not is_list and value == "":
            continue  # "" is the default, which an absent flag gives
        if "" in values:
            raise Unexpressible(f"request {key} holds an empty string")
        # "--flag=value" keeps a value that starts with "-" a value.
        flags.extend(f"{flag}={v}" for v in values)
    return flags


def verdict(result: subprocess.CompletedProcess) -> Tuple[str, str]:
    """(code, reason) of a verify run; raises AssertionError if it gave none."""
    if result.returncode not in (0, 1):
        raise AssertionError(
            f"exit {result.returncode}, stderr {result.stderr.strip()[:300]}"
        )
    try:
        document = json.loads(result.stdout)
    except ValueError:
        raise AssertionError(
            f"exit {result.returncode}, no verdict on stdout; stderr "
            f"{result.stderr.strip()[:300]}"
        ) from None
    if document.get("valid") is True and result.returncode == 0:
        return "OK", ""
    if document.get("valid") is False and result.returncode == 1:
        return document.get("code", "?"), document.get("reason", "?")
    raise AssertionError(f"exit {result.returncode} with verdict {document}")


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Tuple[Dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("conformance")
    materialize = _binary(
        "AUTHGATE_CONFORMANCE_MATERIALIZE", "tests/cpp/conformance_materialize"
    )
    subprocess.run(
        [materialize, str(_CASES), str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    materialized = json.loads((out / "materialized.json").read_text())
    providers = out / "cli-providers.json"
    providers.write_text(json.dumps(materialized["providers"]))
    return materialized, providers


def _run_case(
    cli: str, providers: Path, workdir: Path, index: int, case: Dict[str, Any]
) -> Optional[str]:
    """None when the CLI gives the expected verdict, else what went wrong."""
    name = case.get("name", f"case {index}")
    try:
        expect = (case["expect"]["code"], case["expect"].get("reason", ""))
        flags = request_flags(case.get("request", {}))
        token_file = workdir / f"token-{index}"
        token_file.write_bytes(case["token"].encode("utf-8", "surrogatepass"))
        result = subprocess.run(
            [
                cli,
                "verify",
                f"--providers-file={providers}",
                *flags,
                f"--token-file={token_file}",
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        got = verdict(result)
    except (Unexpressible, AssertionError, KeyError, TypeError) as error:
        return f"{name}: {type(error).__name__}: {error}"
    if got != expect:
        return f"{name}: expected {expect[0]} {expect[1]!r}, got {got[0]} {got[1]!r}"
    return None


def test_every_case_through_the_cli(table, tmp_path):
    materialized, providers = table
    cases = materialized["cases"]
    cli = _binary("AUTHGATE_CLI", "core/tools/authgate")
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        outcomes = list(
            pool.map(
                lambda item: _run_case(cli, providers, tmp_path, *item),
                enumerate(cases),
            )
        )
    mismatches = [outcome for outcome in outcomes if outcome is not None]
    assert not mismatches, (
        f"{len(mismatches)} of {len(cases)} cases differ:\n" + "\n".join(mismatches)
    )
    assert len(cases) >= _MIN_CASES, f"only {len(cases)} cases ran"


@pytest.mark.parametrize(
    "request_, flags",
    [
        ({}, []),
        (
            {"token_uses": ["id", "access"], "scope_match": "any", "nonce": "n"},
            ["--token-use=id", "--token-use=access", "--scope-match=any", "--nonce=n"],
        ),
        ({"scopes": ["-x"]}, ["--scope=-x"]),
        ({"provider": "", "nonce": "", "groups": []}, []),
    ],
)
def test_requests_become_flags(request_, flags):
    assert request_flags(request_) == flags


@pytest.mark.parametrize(
    "request_",
    [{"access_token": "t"}, {"scopes": "a"}, {"scopes": [""]}, {"nonce": 1}, []],
)
def test_an_unexpressible_request_fails_its_row(request_):
    with pytest.raises(Unexpressible):
        request_flags(request_)
