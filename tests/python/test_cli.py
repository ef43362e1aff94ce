"""``python -m authgate``: verify, inspect, discover and login."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import providers
import pytest
from conftest import CLIENT_ID, ISSUER, access_claims, jwks_of, sign


def run_cli(*args, stdin=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "authgate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


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
    document = json.loads(result.stdout)
    assert document["valid"] is True
    assert document["subject"] == "u1" and document["alg"] == "RS256"
    assert document["claims"]["client_id"] == CLIENT_ID


def test_verify_token_type(jwks_file, rsa_key):
    token = sign(access_claims(), rsa_key, headers={"typ": "at+jwt"})
    ok = run_cli(*_verify_args(jwks_file, "--token-type", "at+jwt", token))
    assert ok.returncode == 0, ok.stderr
    refused = run_cli(*_verify_args(jwks_file, "--token_type", "JWT", token))
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["reason"] == "token_type_mismatch"


def test_verify_reads_a_bearer_header_from_stdin(jwks_file, mint):
    result = run_cli(*_verify_args(jwks_file), stdin=f"Bearer {mint()}\n")
    assert result.returncode == 0, result.stderr


def test_verify_invalid_token_exits_one_with_reason(jwks_file, rsa_key):
    expired = sign(access_claims(exp=int(time.time()) - 3600), rsa_key)
    result = run_cli(*_verify_args(jwks_file, expired))
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document == {
        "valid": False,
        "code": "UNAUTHENTICATED",
        "reason": "token_expired",
        "message": document["message"],
    }
    assert expired not in result.stdout


def test_verify_scope_and_group_rules(jwks_file, mint):
    token = mint()
    ok = run_cli(
        *_verify_args(
            jwks_file,
            "--scope",
            "orders/read,orders/write",
            "--group",
            "nobody,staff",
            token,
        )
    )
    assert ok.returncode == 0, ok.stdout
    missing = run_cli(*_verify_args(jwks_file, "--scope", "admin", token))
    assert json.loads(missing.stdout)["reason"] == "scope_missing"
    any_scope = run_cli(
        *_verify_args(
            jwks_file,
            "--scope",
            "admin",
            "--scope",
            "orders/read",
            "--any-scope",
            token,
        )
    )
    assert any_scope.returncode == 0
    all_groups = run_cli(
        *_verify_args(jwks_file, "--group", "nobody,staff", "--all-groups", token)
    )
    assert json.loads(all_groups.stdout)["reason"] == "group_missing"


def test_verify_usage_errors_exit_two(jwks_file, mint):
    assert run_cli("verify", "--jwks", jwks_file, mint()).returncode == 2
    assert run_cli("verify", "--issuer", ISSUER, mint()).returncode == 2
    assert run_cli("frobnicate").returncode == 2
    assert run_cli().returncode == 2


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
    assert json.loads(bad.stdout)["reason"] == "token_malformed"


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
    assert json.loads(mismatch.stdout)["reason"] in (
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
            "openid,email",
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
