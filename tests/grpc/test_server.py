"""authgate-server as a process: health, start-up errors, drain, listeners."""

import base64
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import grpc
import pytest

import providers
from conftest import (
    AUTH_SERVICE,
    REPO,
    EXT_AUTHZ_SERVICE,
    Server,
    cognito_env,
    m2m_provider_config,
    oidc_provider_config,
    server_binary,
    started_oidc_provider,
    wait_health,
)
from test_validate_token import expect_error


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_token(issuer: str) -> str:
    """A token that routes to `issuer` but was never signed by it."""
    return ".".join(
        [
            b64({"alg": "RS256", "kid": "k1"}),
            b64({"iss": issuer, "sub": "x", "exp": int(time.time()) + 600}),
            "c2lnbmF0dXJl",
        ]
    )


def m2m_token(oidc) -> str:
    """A client_credentials access token straight from the provider."""
    client = oidc.info["clients"]["m2m"]
    form = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "scope": " ".join(oidc.info["m2m_scopes"])}
    ).encode()
    basic = base64.b64encode(
        (
            urllib.parse.quote(client["id"], safe="")
            + ":"
            + urllib.parse.quote(client["secret"], safe="")
        ).encode()
    ).decode()
    request = urllib.request.Request(
        oidc.issuer + "/oauth2/token",
        data=form,
        headers={"Authorization": "Basic " + basic},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access_token"]


def test_health_serving_for_server_and_each_service(channel, pb):
    health = pb.health_grpc.HealthStub(channel)
    for service in ("", AUTH_SERVICE, EXT_AUTHZ_SERVICE):
        wait_health(health, pb, "SERVING", timeout=5, service=service)


def test_reflection_lists_services(channel, pb):
    stub = pb.refl_grpc.ServerReflectionStub(channel)
    responses = stub.ServerReflectionInfo(
        iter([pb.refl.ServerReflectionRequest(list_services="")])
    )
    names = {s.name for s in next(responses).list_services_response.service}
    assert {AUTH_SERVICE, EXT_AUTHZ_SERVICE, "grpc.health.v1.Health"} <= names


def test_metrics_endpoint_reports_providers(server):
    text = server.metrics()
    assert 'authgate_provider_ready{provider="cognito"} 1' in text
    assert 'authgate_provider_ready{provider="oidc"} 1' in text
    assert 'authgate_jwks_fetches_total{provider="oidc"}' in text
    assert "authgate_worker_queue_depth 0" in text


def test_logs_are_json_lines_without_tokens(server, auth, pb, cognito):
    with pytest.raises(grpc.RpcError):
        auth.ValidateToken(
            pb.auth.ValidateTokenRequest(token=cognito["access_token"] + "x")
        )
    server.wait_event("token_rejected", timeout=5)
    assert server.events and all(isinstance(e, dict) for e in server.events)
    text = "\n".join(server.lines)
    for token in (cognito["access_token"], cognito["id_token"]):
        for part in token.split(".")[1:]:
            assert part not in text
    assert cognito["client_secret"] not in text
    rejected = [e for e in server.events if e.get("event") == "token_rejected"]
    assert rejected and all(len(e["token_fp"]) == 12 for e in rejected)


def wait_keys_loaded(auth, pb, provider: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        meta = auth.GetProviderMetadata(
            pb.auth.GetProviderMetadataRequest(provider=provider)
        )
        if meta.keys_loaded:
            return
        time.sleep(0.05)
    raise AssertionError(f"provider {provider} has no keys after {timeout} s")


def test_not_serving_while_provider_down_then_recovers(cognito, tmp_path, pb):
    with started_oidc_provider() as down:
        providers.set_outage(down, True)
        config = {
            "server": {
                "provider_retry_initial": "200ms",
                "provider_retry_max": "500ms",
            },
            "providers": [oidc_provider_config(down)],
        }
        srv = Server(env=cognito_env(cognito), config=config, tmp=tmp_path).started()
        try:
            with srv.channel() as channel:
                health = pb.health_grpc.HealthStub(channel)
                auth = pb.auth_grpc.AuthServiceStub(channel)
                srv.wait_event("provider_setup_failed")
                wait_health(health, pb, "NOT_SERVING", timeout=5)
                # The healthy provider keeps working meanwhile, once its own
                # keys are in (its set-up may finish after the other failed).
                wait_keys_loaded(auth, pb, "cognito")
                auth.ValidateToken(
                    pb.auth.ValidateTokenRequest(token=cognito["access_token"])
                )
                expect_error(
                    lambda: auth.ValidateToken(
                        pb.auth.ValidateTokenRequest(token=forged_token(down.issuer))
                    ),
                    grpc.StatusCode.UNAVAILABLE,
                    "provider_unavailable",
                )
                expect_error(
                    lambda: auth.RefreshToken(
                        pb.auth.RefreshTokenRequest(provider="oidc", refresh_token="x")
                    ),
                    grpc.StatusCode.UNAVAILABLE,
                    "provider_unavailable",
                )
                meta = auth.GetProviderMetadata(
                    pb.auth.GetProviderMetadataRequest(provider="oidc")
                )
                assert not meta.ready and not meta.keys_loaded and meta.last_key_error

                providers.set_outage(down, False)
                wait_health(health, pb, "SERVING", timeout=30)
                meta = auth.GetProviderMetadata(
                    pb.auth.GetProviderMetadataRequest(provider="oidc")
                )
                assert meta.ready and meta.keys_loaded
        finally:
            assert srv.stop() == 0


def test_not_serving_while_jwks_unreachable(cognito, tmp_path, pb):
    env = cognito_env(cognito)
    env["AUTHGATE_JWKS_URI"] = f"http://127.0.0.1:{providers.free_port()}/jwks.json"
    srv = Server(env=env, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            wait_health(
                pb.health_grpc.HealthStub(channel), pb, "NOT_SERVING", timeout=5
            )
            srv.wait_event("jwks_fetch_failed")
            expect_error(
                lambda: pb.auth_grpc.AuthServiceStub(channel).ValidateToken(
                    pb.auth.ValidateTokenRequest(token=cognito["access_token"])
                ),
                grpc.StatusCode.UNAVAILABLE,
                "provider_unavailable",
            )
    finally:
        assert srv.stop() == 0


def test_sigterm_drains_in_flight_call_and_exits_zero(oidc, tmp_path, pb):
    # The JWKS comes from a slow endpoint, so a token with a new kid holds a
    # worker for ~1.5 s while the server is told to stop.
    slow_jwks = (
        f"{oidc.endpoint}/faults/slow{oidc.issuer[len(oidc.endpoint):]}"
        "/.well-known/jwks.json?ms=1500"
    )
    config = {
        "server": {"shutdown_grace": "10s"},
        "providers": [
            m2m_provider_config(
                oidc,
                endpoints={"jwks_uri": slow_jwks},
                jwks={"refetch_cooldown": "1s"},
            )
        ],
    }
    srv = Server(config=config, tmp=tmp_path).started()
    with srv.channel() as channel:
        wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
        providers.rotate_keys(oidc)
        token = m2m_token(oidc)
        auth = pb.auth_grpc.AuthServiceStub(channel)
        future = auth.ValidateToken.future(
            pb.auth.ValidateTokenRequest(token=token), timeout=20
        )
        time.sleep(0.5)
        started = len(srv.events)
        srv.kill_with(signal.SIGTERM)
        srv.wait_event("shutdown_started", timeout=5, after=started)
        response = future.result()
        assert response.principal.client_id == oidc.info["clients"]["m2m"]["id"]
        assert srv.proc.wait(timeout=15) == 0
        done = srv.wait_event("shutdown_complete", timeout=5)
        assert done["drain_ms"] >= 500
    with pytest.raises(grpc.RpcError) as after:
        with srv.channel() as channel:
            pb.auth_grpc.AuthServiceStub(channel).ValidateToken(
                pb.auth.ValidateTokenRequest(token=token), timeout=2
            )
    assert after.value.code() == grpc.StatusCode.UNAVAILABLE
    srv.stop()


def test_sigint_exits_zero(cognito, tmp_path):
    srv = Server(env=cognito_env(cognito), tmp=tmp_path).started()
    assert srv.stop(signal.SIGINT) == 0
    srv.wait_event("shutdown_complete", timeout=5)


def test_rejection_logs_are_rate_limited_and_count_what_they_drop(
    cognito, tmp_path, pb
):
    config = {"server": {"rejection_log_rate": 5}}
    srv = Server(env=cognito_env(cognito), config=config, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
            auth = pb.auth_grpc.AuthServiceStub(channel)
            bad = pb.auth.ValidateTokenRequest(token=cognito["access_token"] + "x")

            def reject_once():
                with pytest.raises(grpc.RpcError):
                    auth.ValidateToken(bad)

            for _ in range(60):
                reject_once()
            time.sleep(1.2)  # refills the bucket
            before = len(srv.events)
            reject_once()
            last = srv.wait_event("token_rejected", timeout=5, after=before)
        rejected = [e for e in srv.events if e.get("event") == "token_rejected"]
        # A burst of 5, plus what refilled at 5/s while the 60 calls ran.
        assert 5 <= len(rejected) < 40
        assert sum(e.get("suppressed", 0) for e in rejected) == 61 - len(rejected)
        assert last["suppressed"] > 0
        # Metrics still count every rejection.
        counted = re.search(
            r'^authgate_token_validations_total\{reason="token_malformed",'
            r'[^}]*rpc="ValidateToken"\} (\S+)$',
            srv.metrics(),
            re.M,
        )
        assert counted and float(counted.group(1)) == 61
    finally:
        assert srv.stop() == 0


def test_unix_socket_listener(cognito, tmp_path, pb):
    sock = tmp_path / "authgate.sock"
    srv = Server(
        env=cognito_env(cognito), args=[f"--unix_socket={sock}"], tmp=tmp_path
    ).started()
    try:
        with grpc.insecure_channel(f"unix:{sock}") as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
            response = pb.auth_grpc.AuthServiceStub(channel).ValidateToken(
                pb.auth.ValidateTokenRequest(token=cognito["access_token"])
            )
            assert response.principal.username == "alice"
    finally:
        assert srv.stop() == 0


def make_pki(directory):
    """A CA, a server certificate for 127.0.0.1/localhost and a client one."""

    def run(*args):
        subprocess.run(
            ["openssl", *args], cwd=directory, check=True, capture_output=True
        )

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    )
    for name, san in (
        ("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
        ("client", "subjectAltName=DNS:client"),
    ):
        run(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            f"/CN={name}",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
        )
        (directory / f"{name}.ext").write_text(san + "\n")
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            f"{name}.ext",
            "-out",
            f"{name}.pem",
        )
    return {
        name: (directory / name).read_bytes()
        for name in ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")
    }


def test_tls_and_mtls(cognito, tmp_path, pb):
    pki = make_pki(tmp_path)
    args = [
        f"--tls_cert={tmp_path / 'server.pem'}",
        f"--tls_key={tmp_path / 'server.key'}",
        f"--tls_client_ca={tmp_path / 'ca.pem'}",
        "--require_client_cert",
    ]
    srv = Server(env=cognito_env(cognito), args=args, tmp=tmp_path).started()
    try:
        target = f"127.0.0.1:{srv.port}"
        with_cert = grpc.ssl_channel_credentials(
            root_certificates=pki["ca.pem"],
            private_key=pki["client.key"],
            certificate_chain=pki["client.pem"],
        )
        with grpc.secure_channel(target, with_cert) as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
            pb.auth_grpc.AuthServiceStub(channel).ValidateToken(
                pb.auth.ValidateTokenRequest(token=cognito["access_token"])
            )
        without_cert = grpc.ssl_channel_credentials(root_certificates=pki["ca.pem"])
        with grpc.secure_channel(target, without_cert) as channel:
            with pytest.raises(grpc.RpcError) as refused:
                pb.health_grpc.HealthStub(channel).Check(
                    pb.health.HealthCheckRequest(), timeout=5
                )
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        with grpc.insecure_channel(target) as channel:
            with pytest.raises(grpc.RpcError):
                pb.health_grpc.HealthStub(channel).Check(
                    pb.health.HealthCheckRequest(), timeout=5
                )
    finally:
        assert srv.stop() == 0


def run_server_expecting_error(args=(), env=None, config_text=None, tmp=None):
    argv = [server_binary(), "--listen=127.0.0.1:0", "--metrics_listen=", *args]
    if config_text is not None:
        path = tmp / "config.json"
        path.write_text(config_text)
        argv.append(f"--config={path}")
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COGNITO_", "AUTHGATE_"))
    }
    clean.update(env or {})
    done = subprocess.run(argv, env=clean, capture_output=True, text=True, timeout=20)
    return done.returncode, done.stderr


ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"


@pytest.mark.parametrize(
    "env,args,config_text,names",
    [
        ({}, [], None, "providers"),
        (
            {"COGNITO_ISSUER": ISSUER + "/", "COGNITO_CLIENT_ID": "c"},
            [],
            None,
            "COGNITO_ISSUER: ends in '/'",
        ),
        ({"COGNITO_ISSUER": ISSUER}, [], None, "COGNITO_CLIENT_ID"),
        (
            {
                "COGNITO_ISSUER": ISSUER,
                "COGNITO_CLIENT_ID": "c",
                "COGNITO_CLIENT_SECRET": "s",
                "COGNITO_CLIENT_SECRET_FILE": "/dev/null",
            },
            [],
            None,
            "COGNITO_CLIENT_SECRET",
        ),
        (
            {
                "COGNITO_ISSUER": ISSUER,
                "COGNITO_CLIENT_ID": "c",
                "COGNITO_CLIENT_SECRET_FILE": "/nonexistent/secret",
            },
            [],
            None,
            "COGNITO_CLIENT_SECRET_FILE",
        ),
        (
            {"COGNITO_ISSUER": ISSUER, "COGNITO_CLIENT_ID": "c"},
            ["--shutdown_grace=soon"],
            None,
            "--shutdown_grace",
        ),
        (
            {"COGNITO_ISSUER": ISSUER, "COGNITO_CLIENT_ID": "c"},
            ["--listen=nowhere"],
            None,
            "listen",
        ),
        (
            {"COGNITO_ISSUER": ISSUER, "COGNITO_CLIENT_ID": "c"},
            ["--tls_cert=/nonexistent.pem", "--tls_key=/nonexistent.key"],
            None,
            "tls.cert_file",
        ),
        ({}, ["--frobnicate"], None, "--frobnicate"),
        ({}, [], "{not json", "not valid JSON"),
        (
            {},
            [],
            '{"providers": [{"issuer": "%s", "client_id": "c", "clock_skew": "1h"}]}'
            % ISSUER,
            "clock_skew",
        ),
        (
            {},
            [],
            '{"providers": [{"issuer": "%s", "client_id": "c", "isuer": "x", '
            '"algorithms": ["RS256"], "jwks_file": "/nonexistent"}]}' % ISSUER,
            "providers[0].isuer: unknown field",
        ),
        ({}, ["--listen"], None, "--listen"),
        ({}, ["stray"], None, "stray: unexpected argument"),
        (
            {},
            [],
            '{"server": {"worker_threads": 0}, "providers": [{"issuer": "%s", '
            '"client_id": "c"}]}' % ISSUER,
            "worker_threads",
        ),
        (
            {},
            [],
            '{"providers": [{"kind": "oidc", "issuer": "http://idp.example.com", '
            '"client_id": "c"}]}',
            "issuer",
        ),
        (
            {},
            [],
            '{"ext_authz": {"provider": "missing"}, "providers": [{"issuer": "%s", '
            '"client_id": "c"}]}' % ISSUER,
            "ext_authz.provider",
        ),
    ],
)
def test_invalid_configuration_exits_with_one_line(
    env, args, config_text, names, tmp_path
):
    code, stderr = run_server_expecting_error(args, env, config_text, tmp_path)
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("authgate-server: invalid configuration: ")
    assert names in lines[0]


def test_secret_values_never_appear_in_errors(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t-value\n")
    code, stderr = run_server_expecting_error(
        env={"COGNITO_ISSUER": ISSUER, "COGNITO_CLIENT_SECRET_FILE": str(secret)},
        tmp=tmp_path,
    )
    assert code == 2 and "COGNITO_CLIENT_ID" in stderr
    assert "s3cr3t" not in stderr


def run_server(args, env=None, timeout=20):
    """Runs authgate-server to completion with only `env` (and PATH)."""
    clean = {"PATH": os.environ["PATH"], **(env or {})}
    return subprocess.run(
        [server_binary(), *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_check_config_validates_without_starting(tmp_path):
    done = run_server(
        ["--check_config"],
        {
            "COGNITO_ISSUER": ISSUER,
            "COGNITO_CLIENT_ID": "c",
            "COGNITO_CLIENT_SECRET": "s3cr3t-value",
        },
    )
    assert done.returncode == 0, done.stderr
    assert "1 provider" in done.stdout
    # The providers as the server reads them (DescribeProviderSpec), no secret.
    described = json.loads(done.stdout[done.stdout.index("\n") + 1 :])
    (provider,) = described["providers"]
    assert provider["name"] == "cognito" and provider["kind"] == "cognito"
    assert provider["issuers"] == [ISSUER]
    assert provider["clients"][0]["client_id"] == "c"
    assert "s3cr3t" not in done.stdout + done.stderr


# --check_config used to report this valid; the server refused it at start.
def test_check_config_refuses_one_issuer_claimed_twice(tmp_path):
    config = tmp_path / "dupe.json"
    config.write_text(
        json.dumps(
            {
                "providers": [
                    {"name": "a", "issuer": ISSUER, "client_id": "c"},
                    {"name": "b", "issuer": ISSUER, "client_id": "d"},
                ]
            }
        )
    )
    for args in (["--check_config"], ["--check-config"], []):
        done = run_server([f"--config={config}", "--listen=127.0.0.1:0", *args])
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and ISSUER in lines[0], done.stderr
        assert "claimed by two providers" in lines[0]


def test_version_prints_the_version():
    text = (REPO / "pyproject.toml").read_text()
    version = re.search(r'^version = "([0-9.]+)"$', text, re.M).group(1)
    done = run_server(["--version"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"authgate-server {version}\n"


def test_help_exits_zero_without_configuration():
    for flag in ("--help", "-h"):
        done = run_server([flag])
        assert done.returncode == 0, done.stderr
        assert "--check_config" in done.stdout and "--check-config" in done.stdout
        assert "COGNITO_ISSUER" in done.stdout


def test_unknown_flag_is_a_usage_error():
    done = run_server(["--frobnicate=1"])
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--frobnicate: unknown flag" in lines[0], done.stderr


def test_flags_take_hyphens_and_separate_values(cognito, tmp_path, pb):
    srv = Server(
        env=cognito_env(cognito),
        args=["--worker-threads", "2", "--log-level=info"],
        tmp=tmp_path,
    ).started()
    try:
        assert srv.wait_event("server_started")["worker_threads"] == 2
    finally:
        assert srv.stop() == 0


# Auth.js v5 spells the pool's settings AUTH_COGNITO_ISSUER, _ID, _SECRET.
def test_auth_js_v5_variables_configure_the_pool(cognito, tmp_path, pb):
    env = {
        "AUTH_COGNITO_ISSUER": cognito["issuer"],
        "AUTH_COGNITO_ID": cognito["client_id"],
        "AUTH_COGNITO_SECRET": cognito["client_secret"],
        "AUTHGATE_JWKS_URI": cognito["jwks_uri"],
    }
    srv = Server(env=env, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
            principal = (
                pb.auth_grpc.AuthServiceStub(channel)
                .ValidateToken(
                    pb.auth.ValidateTokenRequest(token=cognito["access_token"])
                )
                .principal
            )
            assert principal.provider == "cognito"
            assert principal.client_id == cognito["client_id"]
    finally:
        assert srv.stop() == 0


def rsa_jwks_and_token(issuer: str, audience: str) -> tuple[dict, str]:
    """A fresh RSA key as a JWKS and an access token it signs."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": "offline-1", "alg": "RS256", "use": "sig"})
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": issuer,
            "sub": "user-1",
            "client_id": audience,
            "token_use": "access",
            "scope": "orders/read",
            "iat": now - 10,
            "exp": now + 600,
        },
        key,
        algorithm="RS256",
        headers={"kid": "offline-1"},
    )
    return {"keys": [jwk]}, token


# A jwks_file provider verifies with no network at all: no discovery, no
# fetch, ready at once; it has no OAuth client.
def test_jwks_file_provider_verifies_offline(tmp_path, pb):
    jwks, token = rsa_jwks_and_token(ISSUER, "offline-client")
    jwks_path = tmp_path / "jwks.json"
    jwks_path.write_text(json.dumps(jwks))
    config = {
        "providers": [
            {
                "name": "offline",
                "issuer": ISSUER,
                "client_id": "offline-client",
                "jwks_file": str(jwks_path),
            }
        ]
    }
    srv = Server(config=config, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING", timeout=5)
            auth = pb.auth_grpc.AuthServiceStub(channel)
            principal = auth.ValidateToken(
                pb.auth.ValidateTokenRequest(token=token, required_scopes=["orders/read"])
            ).principal
            assert principal.provider == "offline" and principal.subject == "user-1"
            meta = auth.GetProviderMetadata(pb.auth.GetProviderMetadataRequest())
            assert meta.kind == "cognito" and meta.ready and meta.keys_loaded
            assert list(meta.key_ids) == ["offline-1"]
            error = expect_error(
                lambda: auth.RefreshToken(pb.auth.RefreshTokenRequest(refresh_token="r")),
                grpc.StatusCode.FAILED_PRECONDITION,
                "config_invalid",
            )
            assert error.details() == (
                "provider offline has static keys: OAuth flows need live keys"
            )
        assert 'authgate_jwks_fetches_total{provider="offline"} 0' in srv.metrics()
        assert not any(e.get("event") == "provider_setup_failed" for e in srv.events)
    finally:
        assert srv.stop() == 0


def test_busy_port_is_reported(cognito, tmp_path):
    first = Server(env=cognito_env(cognito), tmp=tmp_path).started()
    try:
        code, stderr = run_server_expecting_error(
            [f"--listen=127.0.0.1:{first.port}"], cognito_env(cognito), tmp=tmp_path
        )
        assert code == 1 and "cannot listen on" in stderr
    finally:
        first.stop()


def test_concurrent_validations_from_many_threads(channel, pb, cognito):
    auth = pb.auth_grpc.AuthServiceStub(channel)
    errors = []

    def work():
        try:
            for _ in range(50):
                auth.ValidateToken(
                    pb.auth.ValidateTokenRequest(token=cognito["access_token"])
                )
        except grpc.RpcError as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_documented_example_config_is_valid(tmp_path):
    """examples/authgate.jsonc must stay loadable (secret paths swapped for
    temporary files)."""
    text = (REPO / "examples" / "authgate.jsonc").read_text()
    for name in ("cognito-client-secret", "corp-sso-secret"):
        secret = tmp_path / name
        secret.write_text("example-secret\n")
        text = text.replace(f"/run/secrets/{name}", str(secret))
    cookie_keys = tmp_path / "authgate-cookie"
    cookie_keys.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    text = text.replace("/run/secrets/authgate-cookie", str(cookie_keys))
    config = tmp_path / "authgate.jsonc"
    config.write_text(text)
    env = {"PATH": os.environ["PATH"]}
    done = subprocess.run(
        [server_binary(), f"--config={config}", "--check_config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 0, done.stderr
    assert "3 provider(s)" in done.stdout


@pytest.mark.parametrize(
    "token_types, accepted", [(["at+jwt"], True), (["application/JWT"], False)]
)
def test_provider_token_types_check_the_header_typ(
    oidc, tmp_path, pb, token_types, accepted
):
    # oidc-provider signs RFC 9068 access tokens with "typ": "at+jwt".
    config = {"providers": [m2m_provider_config(oidc, token_types=token_types)]}
    srv = Server(config=config, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
            auth = pb.auth_grpc.AuthServiceStub(channel)
            request = pb.auth.ValidateTokenRequest(token=m2m_token(oidc))
            if accepted:
                assert auth.ValidateToken(request).principal.token_use == "access"
            else:
                expect_error(
                    lambda: auth.ValidateToken(request),
                    grpc.StatusCode.UNAUTHENTICATED,
                    "token_type_mismatch",
                )
    finally:
        assert srv.stop() == 0
