"""The conformance table (tests/conformance/cases.json) through Python.

conformance_materialize mints the table's tokens and key sets into a
temporary directory (tests/conformance/FORMAT.md). One authgate.Verifier
holds every provider, each built with ProviderPolicy.from_spec from the spec
object exactly as the server reads it; each row's request goes to verify()
as keywords unchanged (Python's keywords are the request's keys), and the
exception's .code/.reason (or OK) must equal the row's verdict. A row Python
cannot express (an unknown request key, a value verify() will not take) is a
failing row; nothing is skipped.

The materializer is <build>/tests/cpp/conformance_materialize, <build> being
the parent of AUTHGATE_PYTHON_BUILD_DIR (build/python -> build); set
AUTHGATE_CONFORMANCE_MATERIALIZE to use another binary.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
from typing import Any, Dict, List, Tuple

import authgate
import pytest

_CASES = pathlib.Path(__file__).resolve().parent.parent / "conformance" / "cases.json"
_MIN_ROWS = 100


def _materializer() -> pathlib.Path:
    explicit = os.environ.get("AUTHGATE_CONFORMANCE_MATERIALIZE")
    if explicit:
        return pathlib.Path(explicit)
    python_build = os.environ.get("AUTHGATE_PYTHON_BUILD_DIR")
    if not python_build:
        pytest.fail(
            "set AUTHGATE_PYTHON_BUILD_DIR (its parent holds "
            "tests/cpp/conformance_materialize) or AUTHGATE_CONFORMANCE_MATERIALIZE"
        )
    build = pathlib.Path(python_build).resolve().parent
    return build / "tests" / "cpp" / "conformance_materialize"


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> Dict[str, Any]:
    binary = _materializer()
    assert binary.is_file(), (
        f"{binary} is missing: build it with "
        f"`cmake --build {binary.parent.parent.parent} --target conformance_materialize`"
    )
    out = tmp_path_factory.mktemp("conformance")
    result = subprocess.run(
        [str(binary), str(_CASES), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / "materialized.json").read_text())


def _verdict(verifier: authgate.Verifier, row: Dict[str, Any]) -> Tuple[str, str, str]:
    """(code, reason, detail) of one row through verify()."""
    try:
        verifier.verify(row["token"], **row.get("request", {}))
    except authgate.AuthgateError as error:
        return error.code, error.reason, str(error)
    except (TypeError, ValueError) as error:
        # The face cannot express this row.
        return "CANNOT_EXPRESS", type(error).__name__, str(error)
    return "OK", "", ""


def test_every_row_gives_its_verdict_through_python(table):
    providers = table["providers"]
    assert providers, "the table has no providers"
    verifier = authgate.Verifier(
        [authgate.ProviderPolicy.from_spec(spec) for spec in providers]
    )
    assert verifier.providers == [spec["name"] for spec in providers]

    mismatches: List[str] = []
    rows = 0
    # Twice: the second pass answers repeated tokens from the verified-token
    # cache, which must give the same verdicts.
    for label in ("", "(cached) "):
        for row in table["cases"]:
            code, reason, detail = _verdict(verifier, row)
            expect = row["expect"]
            if (code, reason) != (expect["code"], expect["reason"]):
                mismatches.append(
                    f"{label}{row['name']}: expected {expect['code']}/"
                    f"{expect['reason']}, got {code}/{reason}"
                    + (f" ({detail})" if detail else "")
                )
            rows += 1
    assert rows >= 2 * _MIN_ROWS, f"only {rows // 2} rows in the table"
    assert not mismatches, f"{len(mismatches)} rows differ:\n" + "\n".join(mismatches)


# Verifies that the runner has teeth: a wrong verdict and a row the face
# cannot express both count as mismatches.
def test_the_runner_reports_wrong_and_inexpressible_rows(table):
    verifier = authgate.Verifier(
        [authgate.ProviderPolicy.from_spec(spec) for spec in table["providers"]]
    )
    row = dict(table["cases"][0])
    assert _verdict(verifier, {**row, "token": ""})[:2] == (
        "UNAUTHENTICATED",
        "token_malformed",
    )
    inexpressible = {**row, "request": {**row.get("request", {}), "colour": "red"}}
    assert _verdict(verifier, inexpressible)[0] == "CANNOT_EXPRESS"
