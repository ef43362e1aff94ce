"""What a pod needs from the server: secret files that rotate in place, gRPC's
own log lines as JSON, the access log, and build and process metrics."""

import json
import os
import pathlib
import signal
import subprocess
import time

import grpc

from conftest import (
    Server,
    cognito_env,
    oidc_provider_config,
    server_binary,
    trailing,
    wait_health,
)
from test_faults import metric, scrape, wait_until


def mount_files(directory: pathlib.Path, files: dict) -> dict:
    """Writes `files` ({name: str or bytes}) the way the kubelet updates a
    Secret volume: a new timestamped directory, then an atomic rename of the
    `..data` symlink to it; each name is a symlink through `..data` and
    never changes. Returns {name: path}."""
    directory.mkdir(exist_ok=True)
    version = directory / f"..{time.monotonic_ns()}"
    version.mkdir()
    for name, value in files.items():
        if isinstance(value, bytes):
            (version / name).write_bytes(value)
        else:
            (version / name).write_text(value)
    staged = directory / "..data_tmp"
    os.symlink(version.name, staged)
    os.replace(staged, directory / "..data")
    links = {}
    for name in files:
        link = directory / name
        if not link.is_symlink():
            os.symlink(f"..data/{name}", link)
        links[name] = link
    return links


def mount_secret(directory: pathlib.Path, name: str, value: str) -> pathlib.Path:
    return mount_files(directory, {name: value})[name]


# The provider's answer to a bogus refresh token: invalid_grant (the caller's
# fault) when it accepted the client secret the server sent, invalid_client
# (the server's configuration) when not. Refresh is never cached, so each
# call shows the secret in use now.
ACCEPTED = (grpc.StatusCode.UNAUTHENTICATED, "invalid_grant")
REFUSED = (grpc.StatusCode.FAILED_PRECONDITION, "invalid_client")


def oauth_error_of_refresh(auth, pb) -> tuple:
    try:
        auth.RefreshToken(
            pb.auth.RefreshTokenRequest(provider="oidc", refresh_token="bogus"),
            timeout=10,
        )
    except grpc.RpcError as error:
        return error.code(), trailing(error)["authgate-oauth-error"]
    raise AssertionError("a bogus refresh token was accepted")


def test_rotated_secret_file_is_used_after_sighup_and_after_the_poll(
    tmp_path, pb, oidc
):
    good = oidc.info["clients"]["basic"]["secret"]
    volume = tmp_path / "secret-volume"
    secret_file = mount_secret(volume, "client-secret", "wrong-at-start\n")
    provider = oidc_provider_config(oidc)
    del provider["client_secret"]
    provider["client_secret_file"] = str(secret_file)
    config = {
        "server": {"secret_poll_interval": "1s"},
        "providers": [provider],
    }
    srv = Server(config=config, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
            auth = pb.auth_grpc.AuthServiceStub(channel)
            assert oauth_error_of_refresh(auth, pb) == REFUSED

            # SIGHUP: re-read at once.
            mount_secret(volume, "client-secret", good + "\n")
            mark = len(srv.events)
            srv.kill_with(signal.SIGHUP)
            reloaded = srv.wait_event("secret_reloaded", after=mark)
            assert reloaded["provider"] == "oidc"
            assert reloaded["field"] == "client_secret_file"
            assert reloaded["file"] == str(secret_file)
            assert oauth_error_of_refresh(auth, pb) == ACCEPTED

            # The poll, no signal: a second rotation is picked up too.
            mark = len(srv.events)
            mount_secret(volume, "client-secret", "rotated-away")
            srv.wait_event("secret_reloaded", after=mark)
            assert oauth_error_of_refresh(auth, pb) == REFUSED
            mark = len(srv.events)
            mount_secret(volume, "client-secret", good)
            srv.wait_event("secret_reloaded", after=mark)
            assert oauth_error_of_refresh(auth, pb) == ACCEPTED

            # A bad new file (empty) keeps the previous secret, once logged.
            mark = len(srv.events)
            mount_secret(volume, "client-secret", "\n")
            srv.kill_with(signal.SIGHUP)
            failed = srv.wait_event("secret_reload_failed", after=mark)
            assert failed["level"] == "warn"
            assert failed["field"] == "client_secret_file"
            assert failed["file"] == str(secret_file)
            assert "is empty" in failed["message"]
            assert oauth_error_of_refresh(auth, pb) == ACCEPTED
            # An unreadable one (the link points nowhere) as well.
            mark = len(srv.events)
            os.replace(volume / "..data", volume / "..gone")
            failed = srv.wait_event("secret_reload_failed", after=mark)
            assert "cannot read" in failed["message"]
            assert oauth_error_of_refresh(auth, pb) == ACCEPTED

            samples = scrape(srv)
            assert metric(samples, "authgate_secret_reloads_total", result="ok") == 3
            assert (
                metric(samples, "authgate_secret_reloads_total", result="failed") == 2
            )
    finally:
        assert srv.stop() == 0
    text = "\n".join(srv.lines)
    assert good not in text
    assert "rotated-away" not in text and "wrong-at-start" not in text


def test_cognito_secret_file_from_environment_is_reloaded_on_sighup(
    tmp_path, pb, cognito
):
    env = cognito_env(cognito)
    volume = tmp_path / "secret-volume"
    env["COGNITO_CLIENT_SECRET_FILE"] = str(
        mount_secret(volume, "secret", env.pop("COGNITO_CLIENT_SECRET"))
    )
    srv = Server(env=env, config={"server": {"secret_poll_interval": "0s"}},
                 tmp=tmp_path).started()
    try:
        mark = len(srv.events)
        mount_secret(volume, "secret", "next-secret")
        srv.kill_with(signal.SIGHUP)
        reloaded = srv.wait_event("secret_reloaded", after=mark)
        assert reloaded["provider"] == "cognito"
        assert reloaded["file"] == env["COGNITO_CLIENT_SECRET_FILE"]
    finally:
        assert srv.stop() == 0
    assert "next-secret" not in "\n".join(srv.lines)


def test_grpc_log_lines_are_json(tmp_path, pb, oidc):
    config = {"providers": [oidc_provider_config(oidc)]}
    srv = Server(
        args=["--log_level=debug"],
        env={"GRPC_VERBOSITY": "debug"},
        config=config,
        tmp=tmp_path,
    ).started()
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
    finally:
        assert srv.stop() == 0
    assert srv.lines, "no log lines"
    for line in srv.lines:
        json.loads(line)  # every stderr line is one JSON object
    grpc_lines = [e for e in srv.events if e["event"] == "grpc_log"]
    assert grpc_lines, "GRPC_VERBOSITY=debug produced no grpc_log line"
    for event in grpc_lines:
        assert event["level"] in ("debug", "info", "error")
        assert event["file"] and isinstance(event["line"], int)
        assert len(event["message"]) <= 515
        if event["level"] == "debug":
            assert event["message"].startswith("(dropped")


def access_lines(srv: Server) -> list:
    return [e for e in srv.events if e["event"] == "access"]


def validate_once(tmp_path, pb, cognito, access_log: bool) -> Server:
    config = {"server": {"access_log": access_log}}
    srv = Server(env=cognito_env(cognito), config=config, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            auth = pb.auth_grpc.AuthServiceStub(channel)
            deadline = time.monotonic() + 30
            while True:  # until the keys are loaded
                try:
                    auth.ValidateToken(
                        pb.auth.ValidateTokenRequest(token=cognito["access_token"]),
                        timeout=10,
                    )
                    break
                except grpc.RpcError as error:
                    assert error.code() == grpc.StatusCode.UNAVAILABLE
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            if access_log:  # the warm-up call's line read first
                wait_until(
                    lambda: any(e["code"] == "OK" for e in access_lines(srv)),
                    20,
                    "the warm-up call's access line",
                )
            mark = len(access_lines(srv))
            auth.ValidateToken(
                pb.auth.ValidateTokenRequest(token=cognito["access_token"]),
                timeout=10,
            )
            try:
                auth.ValidateToken(
                    pb.auth.ValidateTokenRequest(token="not.a.token"), timeout=10
                )
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.UNAUTHENTICATED
            srv.mark = mark
    finally:
        assert srv.stop() == 0
    return srv


def test_access_log_has_one_line_per_rpc_without_the_token(tmp_path, pb, cognito):
    srv = validate_once(tmp_path, pb, cognito, access_log=True)
    lines = [
        e
        for e in access_lines(srv)[srv.mark :]
        if e["method"] == "/authgate.v1.AuthService/ValidateToken"
    ]
    assert len(lines) == 2, lines
    valid, invalid = lines
    assert set(valid) == {
        "ts", "level", "event", "peer", "method", "code", "reason", "duration_ms"
    }
    assert valid["peer"].startswith("ipv4:127.0.0.1:")
    assert (valid["code"], valid["reason"]) == ("OK", "none")
    assert invalid["code"] == "UNAUTHENTICATED"
    assert invalid["reason"] == "token_malformed"
    assert valid["duration_ms"] >= 0
    text = "\n".join(srv.lines)
    assert cognito["access_token"] not in text
    assert cognito["access_token"].split(".")[2] not in text


def test_access_log_is_off_by_default(tmp_path, pb, cognito):
    srv = validate_once(tmp_path, pb, cognito, access_log=False)
    assert access_lines(srv) == []


def test_build_process_and_key_fetch_metrics(tmp_path, pb, oidc):
    version = subprocess.run(
        [server_binary(), "--version"], capture_output=True, text=True, check=True
    ).stdout.split()[-1]
    started = time.time()
    config = {"providers": [oidc_provider_config(oidc)]}
    srv = Server(config=config, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
        samples = scrape(srv)
        now = time.time()
    finally:
        assert srv.stop() == 0
    assert metric(samples, "authgate_build_info", version=version) == 1
    assert [k for k in samples if k[0] == "authgate_build_info"] == [
        ("authgate_build_info", frozenset({("version", version)}))
    ]
    assert metric(samples, "process_open_fds") > 0
    assert metric(samples, "process_resident_memory_bytes") > 1 << 20
    assert ("process_cpu_seconds_total", frozenset()) in samples
    assert 0 <= metric(samples, "process_cpu_seconds_total") < now - started + 60
    # /proc's start time has clock-tick resolution (1/100 s).
    assert started - 1 <= metric(samples, "process_start_time_seconds") <= now
    fetched = metric(
        samples, "authgate_jwks_last_success_timestamp_seconds", provider="oidc"
    )
    assert started <= fetched <= now


# A static jwks_file mounted from a ConfigMap rotates like a secret: a new
# key set replaces the old one on SIGHUP (a token of the old key is refused
# even though it was verified and cached before), and a broken file keeps
# the keys in use.
def test_rotated_jwks_file_replaces_the_keys_and_a_bad_one_keeps_them(
    tmp_path, pb
):
    from test_server import ISSUER, rsa_jwks_and_token
    from test_validate_token import expect_error

    old_jwks, old_token = rsa_jwks_and_token(ISSUER, "offline-client")
    new_jwks, new_token = rsa_jwks_and_token(ISSUER, "offline-client")
    volume = tmp_path / "keys-volume"
    jwks_file = mount_secret(volume, "jwks.json", json.dumps(old_jwks))
    config = {
        "server": {"secret_poll_interval": "0s"},
        "providers": [
            {
                "name": "offline",
                "issuer": ISSUER,
                "client_id": "offline-client",
                "jwks_file": str(jwks_file),
            }
        ],
    }
    srv = Server(config=config, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING", timeout=5)
            auth = pb.auth_grpc.AuthServiceStub(channel)
            validate = lambda token: auth.ValidateToken(  # noqa: E731
                pb.auth.ValidateTokenRequest(token=token), timeout=5
            )
            assert validate(old_token).principal.subject == "user-1"
            # Same kid, another key: the signature does not match.
            expect_error(
                lambda: validate(new_token),
                grpc.StatusCode.UNAUTHENTICATED,
                "signature_invalid",
            )

            mount_secret(volume, "jwks.json", json.dumps(new_jwks))
            srv.proc.send_signal(signal.SIGHUP)
            srv.wait_event("key_file_reloaded", timeout=5)
            assert validate(new_token).principal.subject == "user-1"
            expect_error(
                lambda: validate(old_token),
                grpc.StatusCode.UNAUTHENTICATED,
                "signature_invalid",
            )

            mount_secret(volume, "jwks.json", '{"keys": [')
            srv.proc.send_signal(signal.SIGHUP)
            failed = srv.wait_event("key_file_reload_failed", timeout=5)
            assert failed["field"] == "jwks_file" and failed["keeping"] == "previous keys"
            assert validate(new_token).principal.subject == "user-1"
        page = scrape(srv)
        assert metric(page, "authgate_secret_reloads_total", result="ok") == 1
        assert metric(page, "authgate_secret_reloads_total", result="failed") == 1
    finally:
        assert srv.stop() == 0


# A TLS Secret swapped in place: gRPC's file watcher serves the new
# certificate to new connections without a restart.
def test_rotated_tls_files_are_served_without_a_restart(tmp_path, pb, cognito):
    from test_server import make_pki

    first_dir, second_dir = tmp_path / "pki-1", tmp_path / "pki-2"
    first_dir.mkdir()
    second_dir.mkdir()
    first, second = make_pki(first_dir), make_pki(second_dir)
    volume = tmp_path / "tls-volume"
    links = mount_files(
        volume, {"tls.crt": first["server.pem"], "tls.key": first["server.key"]}
    )
    args = [f"--tls_cert={links['tls.crt']}", f"--tls_key={links['tls.key']}"]
    config = {"server": {"secret_poll_interval": "1s"}}
    srv = Server(
        config=config, env=cognito_env(cognito), args=args, tmp=tmp_path
    ).started()

    def serves_certificate_of(pki) -> bool:
        credentials = grpc.ssl_channel_credentials(root_certificates=pki["ca.pem"])
        with grpc.secure_channel(f"127.0.0.1:{srv.port}", credentials) as channel:
            try:
                pb.health_grpc.HealthStub(channel).Check(
                    pb.health.HealthCheckRequest(service="liveness"), timeout=3
                )
                return True
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.UNAVAILABLE, error
                return False

    try:
        assert serves_certificate_of(first)
        assert not serves_certificate_of(second)
        mount_files(
            volume, {"tls.crt": second["server.pem"], "tls.key": second["server.key"]}
        )
        wait_until(
            lambda: serves_certificate_of(second), 15, "the second certificate served"
        )
        assert not serves_certificate_of(first)
        assert srv.proc.poll() is None
    finally:
        assert srv.stop() == 0
