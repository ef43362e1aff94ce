"""``python -m authgate``: the authgate tool, the same C++ code as the native
``authgate`` binary, with the same flags, JSON and exit statuses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import providers
import pytest
from conftest import CLIENT_ID, ISSUER, access_claims, jwks_of, sign

_ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, stdin="", timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "authgate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def native_cli() -> str:
    """The C++ ``authgate`` binary of the build under test."""
    path = os.environ.get("AUTHGATE_CLI")
    build = os.environ.get("AUTHGATE_PYTHON_BUILD_DIR")
    if not path and build:
        path = str(Path(build).resolve().parent / "core" / "tools" / "authgate")
    assert path and os.access(path, os.X_OK), (
        "no native authgate binary: set AUTHGATE_PYTHON_BUILD_DIR to a CMake "
        "build's python/ directory (or AUTHGATE_CLI to the binary)"
    )
    return path


def one_error_line(result) -> dict:
    """The one JSON line a failure that is not a verdict prints on stderr."""
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n")
    document = json.loads(result.stderr)
    assert set(document) == {"valid", "code", "reason", "message"}
    assert document["valid"] is False
    return document


@pytest.fixture(scope="module")
def jwks_file(tmp_path_factory, rsa_key):
    path = tmp_path_factory.mktemp("cli") / "jwks.json"
    path.write_text(jwks_of(rsa_key))
    return str(path)


def _verify_args(jwks_file, *extra):
    return (
        "verify",
        "--jwks",
        jwks_file,
        "--issuer",
        ISSUER,
        "--client-id",
        CLIENT_ID,
        *extra,
    )


def test_verify_valid_token_exits_zero(jwks_file, mint):
    result = run_cli(*_verify_args(jwks_file, "--token-use", "access", mint(sub="u1")))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document["valid"] is True
    assert document["subject"] == "u1" and document["alg"] == "RS256"
    assert document["claims"]["client_id"] == CLIENT_ID
    assert set(document) == {
        "valid",
        "provider",
        "issuer",
        "subject",
        "token_use",
        "key_id",
        "alg",
        "claims",
    }


def test_verify_token_type(jwks_file, rsa_key):
    token = sign(access_claims(), rsa_key, headers={"typ": "at+jwt"})
    ok = run_cli(*_verify_args(jwks_file, "--token-type", "at+jwt", token))
    assert ok.returncode == 0, ok.stderr
    refused = run_cli(*_verify_args(jwks_file, "--token_type", "JWT", token))
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["reason"] == "token_type_mismatch"


def test_stdin_loses_exactly_one_final_newline(jwks_file, mint):
    token = mint()
    assert run_cli(*_verify_args(jwks_file), stdin=f"{token}\n").returncode == 0
    for text in (f"Bearer {token}\n", f" {token}\n", f"{token}\n\n"):
        result = run_cli(*_verify_args(jwks_file), stdin=text)
        assert result.returncode == 1, text
        assert json.loads(result.stdout)["reason"] == "token_malformed"


def test_argument_and_token_file_are_taken_byte_for_byte(jwks_file, mint, tmp_path):
    token = mint()
    spaced = run_cli(*_verify_args(jwks_file, " " + token))
    assert json.loads(spaced.stdout)["reason"] == "token_malformed"
    exact = tmp_path / "token"
    exact.write_text(token)
    assert run_cli(*_verify_args(jwks_file, "--token-file", str(exact))).returncode == 0
    newline = tmp_path / "token_nl"
    newline.write_text(token + "\n")
    result = run_cli(*_verify_args(jwks_file, "--token-file", str(newline)))
    assert result.returncode == 1
    assert json.loads(result.stdout)["reason"] == "token_malformed"


def test_verify_invalid_token_exits_one_with_reason(jwks_file, rsa_key):
    expired = sign(access_claims(exp=int(time.time()) - 3600), rsa_key)
    result = run_cli(*_verify_args(jwks_file, expired))
    assert result.returncode == 1
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document == {
        "valid": False,
        "code": "UNAUTHENTICATED",
        "reason": "token_expired",
        "message": document["message"],
    }
    assert expired not in result.stdout


def test_now_evaluates_time_rules_at_a_fixed_instant(jwks_file, rsa_key):
    token = sign(access_claims(iat=1700000000, exp=1700000600), rsa_key)
    assert run_cli(*_verify_args(jwks_file, "--now=1700000300", token)).returncode == 0
    late = run_cli(*_verify_args(jwks_file, "--now", "2023-11-14T23:00:00Z", token))
    assert json.loads(late.stdout)["reason"] == "token_expired"


def test_verify_scope_and_group_rules(jwks_file, mint):
    token = mint()
    ok = run_cli(
        *_verify_args(
            jwks_file,
            "--scope",
            "orders/read",
            "--scope",
            "orders/write",
            "--group",
            "nobody",
            "--group",
            "staff",
            token,
        )
    )
    assert ok.returncode == 0, ok.stdout
    missing = run_cli(*_verify_args(jwks_file, "--scope", "admin", token))
    assert json.loads(missing.stdout)["reason"] == "scope_missing"
    assert json.loads(missing.stdout)["code"] == "PERMISSION_DENIED"
    any_scope = run_cli(
        *_verify_args(
            jwks_file,
            "--scope",
            "admin",
            "--scope",
            "orders/read",
            "--scope-match",
            "any",
            token,
        )
    )
    assert any_scope.returncode == 0
    all_groups = run_cli(
        *_verify_args(
            jwks_file,
            "--group",
            "nobody",
            "--group",
            "staff",
            "--group-match=all",
            token,
        )
    )
    assert json.loads(all_groups.stdout)["reason"] == "group_missing"


def test_usage_errors_exit_two_with_one_json_line(jwks_file, mint):
    for args in (
        (),
        ("frobnicate",),
        ("verify", "--no-such-flag", mint()),
        ("verify", "--scope-match", "some", mint()),
        ("discover",),
    ):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert one_error_line(result)["reason"] == "invalid_argument", args


def test_configuration_errors_exit_two_on_stderr(jwks_file, mint):
    # The provider spec's own rules: an issuer, and a client or audience.
    for args in (
        ("verify", "--jwks", jwks_file, "--client-id", CLIENT_ID, mint()),
        ("verify", "--jwks", jwks_file, "--issuer", ISSUER, mint()),
        ("verify", "--jwks", "/nonexistent", "--issuer", ISSUER, "--any-audience"),
    ):
        result = run_cli(*args)
        assert result.returncode == 2, args
        assert one_error_line(result)["reason"] == "config_invalid", args


def test_provider_file_is_a_spec_object(jwks_file, mint, tmp_path):
    spec = tmp_path / "provider.json"
    spec.write_text(
        json.dumps(
            {
                "issuer": ISSUER,
                "client_id": CLIENT_ID,
                "jwks_file": jwks_file,
                "token_uses": ["id"],
            }
        )
    )
    refused = run_cli("verify", "--provider-file", str(spec), mint())
    assert json.loads(refused.stdout)["reason"] == "token_use_mismatch"


def test_help_and_version():
    for command in ("verify", "inspect", "discover", "login"):
        result = run_cli(command, "--help")
        assert result.returncode == 0, command
        assert f"Usage: authgate {command}" in result.stdout
    version = re.search(
        r'^version = "([^"]+)"$', (_ROOT / "pyproject.toml").read_text(), re.M
    ).group(1)
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout == f"authgate {version}\n"


def test_console_script_entry_point_runs_the_tool():
    script = (
        "import sys; from authgate.__main__ import main; "
        "sys.argv = ['authgate', '--version']; sys.exit(main())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("authgate ")
    assert 'authgate = "authgate.__main__:main"' in (
        _ROOT / "pyproject.toml"
    ).read_text()


def test_inspect_labels_claims_unverified(mint):
    token = mint(sub="peek")
    result = run_cli("inspect", token)
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document["warning"].startswith("UNVERIFIED")
    assert document["claims"]["sub"] == "peek"
    assert document["header"]["kid"] == "rsa-key-1"
    assert len(document["fingerprint"]) == 12
    bad = run_cli("inspect", "not-a-token")
    assert bad.returncode == 1
    assert one_error_line(bad)["reason"] == "token_malformed"


def test_python_and_native_tools_print_the_same(jwks_file, mint, rsa_key, tmp_path):
    # One tool: byte-identical stdout, stderr and exit status.
    token = mint(sub="same")
    expired = sign(access_claims(exp=int(time.time()) - 3600), rsa_key)
    cases = [
        (_verify_args(jwks_file, token), None),
        (_verify_args(jwks_file, expired), None),
        (_verify_args(jwks_file), token + "\n"),
        (_verify_args(jwks_file, "--scope", "admin", token), None),
        (("verify", "--issuer", ISSUER, token), None),
        (("inspect", token), None),
        (("inspect", "x.y"), None),
        (("verify", "--bogus"), None),
        (("discover", "--help"), None),
        (("--version",), None),
    ]
    native = native_cli()
    for args, stdin in cases:
        ours = run_cli(*args, stdin=stdin or "")
        theirs = subprocess.run(
            [native, *args],
            input=stdin or "",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (ours.returncode, ours.stdout, ours.stderr) == (
            theirs.returncode,
            theirs.stdout,
            theirs.stderr,
        ), args


def test_verify_with_live_jwks_uri(cognito):
    result = run_cli(
        "verify",
        "--jwks-uri",
        cognito["jwks_uri"],
        "--issuer",
        cognito["issuer"],
        "--client-id",
        cognito["client_id"],
        "--token-use",
        "access",
        cognito["access_token"],
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["claims"]["username"] == cognito["username"]


def test_discover_prints_endpoints(oidc):
    result = run_cli("discover", oidc.issuer)
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["issuer"] == oidc.issuer
    assert document["jwks_uri"] == oidc.issuer + "/.well-known/jwks.json"
    mismatch = run_cli("discover", oidc.issuer + "/")
    assert mismatch.returncode == 1
    assert one_error_line(mismatch)["reason"] in (
        "discovery_mismatch",
        "provider_unavailable",
    )


def test_verify_with_discovery(oidc):
    # An ID token from a real sign-in, verified through discovery.
    import authgate

    client = oidc.info["clients"]["public"]
    provider = authgate.Provider.discover(
        oidc.issuer, client_id=client["id"], redirect_uri=oidc.info["redirect_uri"]
    )
    login = provider.authorization_url()
    code, _ = providers.login(login.url, oidc)
    id_token = provider.exchange_code(code, code_verifier=login.code_verifier).id_token
    result = run_cli(
        "verify",
        "--discover",
        "--issuer",
        oidc.issuer,
        "--client-id",
        client["id"],
        "--token-use",
        "id",
        id_token,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_login_runs_the_whole_code_flow(oidc):
    client = oidc.info["clients"]["public"]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "authgate",
            "login",
            "--issuer",
            oidc.issuer,
            "--client-id",
            client["id"],
            "--auth-method",
            "none",
            "--scope",
            "openid",
            "--scope",
            "email",
            "--redirect-host",
            "127.0.0.1",
            "--timeout-s",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = ""
        while not url.startswith("http"):
            line = process.stderr.readline()
            assert line, "login exited before printing the authorization URL"
            url = line.strip()
        redirect_uri = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)[
            "redirect_uri"
        ][0]
        code, state = providers.login(url, oidc, username="dave")
        callback = (
            redirect_uri + "?" + urllib.parse.urlencode({"code": code, "state": state})
        )
        with urllib.request.urlopen(callback, timeout=10) as response:
            assert response.status == 200
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == 0, stdout + stderr
    document = json.loads(stdout)
    assert document["id_token"]["claims"]["cognito:username"] == "dave"
    assert document["refresh_token_received"] is True
    assert code not in stdout
