"""Fixtures for the authgate-server end-to-end suite.

Everything is real: the authgate-server binary, moto's Cognito emulator and
panva's oidc-provider (both started by tests/e2e/providers.py on loopback
ports), and gRPC client stubs generated at test time from proto/ with
Debian's python3-grpc-tools. Run with Debian's interpreter:

    /usr/bin/python3 -m pytest tests/grpc

The server binary is $AUTHGATE_SERVER, else build-grpc/ or build/.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
import types
import urllib.request

import grpc
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import providers  # noqa: E402  (tests/e2e/providers.py)

PROTO_DIRS = [REPO / "proto", REPO / "tests" / "grpc" / "protos"]
AUTH_SERVICE = "authgate.v1.AuthService"
EXT_AUTHZ_SERVICE = "envoy.service.auth.v3.Authorization"


def server_binary() -> str:
    candidates = [
        os.environ.get("AUTHGATE_SERVER"),
        REPO / "build-grpc" / "grpc_service" / "authgate-server",
        REPO / "build" / "grpc_service" / "authgate-server",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.fail(
        "authgate-server not built; set AUTHGATE_SERVER or build "
        "the authgate-server target into build-grpc/"
    )


@pytest.fixture(scope="session")
def pb(tmp_path_factory):
    """Python stubs for authgate.v1, the Envoy subset, health and reflection,
    generated into a temporary directory."""
    from grpc_tools import protoc
    import grpc_tools

    out = tmp_path_factory.mktemp("stubs")
    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    files = [str(p.relative_to(d)) for d in PROTO_DIRS for p in d.rglob("*.proto")]
    args = [
        "protoc",
        *[f"-I{d}" for d in PROTO_DIRS],
        f"-I{well_known}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        *files,
    ]
    assert protoc.main(args) == 0, "protoc failed"
    sys.path.insert(0, str(out))
    from authgate.v1 import auth_service_pb2, auth_service_pb2_grpc
    from envoy.service.auth.v3 import external_auth_pb2, external_auth_pb2_grpc
    from envoy.service.auth.v3 import attribute_context_pb2
    from envoy.config.core.v3 import base_pb2

    # Stored under wire/: a generated grpc/ package would shadow grpcio.
    from wire import health_pb2, health_pb2_grpc
    from wire import reflection_pb2, reflection_pb2_grpc

    return types.SimpleNamespace(
        auth=auth_service_pb2,
        auth_grpc=auth_service_pb2_grpc,
        ext=external_auth_pb2,
        ext_grpc=external_auth_pb2_grpc,
        attrs=attribute_context_pb2,
        core=base_pb2,
        health=health_pb2,
        health_grpc=health_pb2_grpc,
        refl=reflection_pb2,
        refl_grpc=reflection_pb2_grpc,
    )


class ServerProcess:
    """An authgate-server process started from any argv (the deploy tests run
    it under chroot or from an unpacked package). Its JSON log lines are
    collected from stderr; the bound ports come from the server_started
    event."""

    def __init__(self, argv: list, env: dict, stdout=None):
        self.proc = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            # A file to keep stdout (the secrets scan reads it); else dropped.
            stdout=stdout if stdout is not None else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.events: list[dict] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = None
        self.metrics_port = None

    def _read(self):
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    pass
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_event(self, name: str, timeout: float = 20, after: int = 0) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[after:]:
                    if event.get("event") == name:
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (
                    self.proc.poll() is not None and not self._reader.is_alive()
                ):
                    raise AssertionError(
                        f"no {name} event; log:\n" + "\n".join(self.lines[-30:])
                    )
                self._cond.wait(min(remaining, 0.2))

    def started(self, timeout: float = 20) -> "ServerProcess":
        event = self.wait_event("server_started", timeout)
        self.port, self.metrics_port = event["port"], event["metrics_port"]
        return self

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(f"127.0.0.1:{self.port}")

    def metrics(self) -> str:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()

    def kill_with(self, sig=signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        self.proc.stderr.close()
        return self.proc.returncode



class Server(ServerProcess):
    """The server on loopback ports chosen by the kernel, with this test's
    environment (no COGNITO_*/AUTHGATE_* leaking in) and an optional config
    written to `tmp`."""

    def __init__(self, args=(), env=None, config=None, tmp=None, stdout=None):
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("COGNITO_", "AUTHGATE_"))
        }
        self.env.update(env or {})
        argv = [
            server_binary(),
            "--listen=127.0.0.1:0",
            "--metrics_listen=127.0.0.1:0",
            *args,
        ]
        if config is not None:
            path = pathlib.Path(tmp) / f"authgate-{time.monotonic_ns()}.json"
            path.write_text(json.dumps(config))
            argv.append(f"--config={path}")
        super().__init__(argv, self.env, stdout)


def wait_health(stub, pb, want: str, timeout: float = 30, service: str = "") -> None:
    want_value = pb.health.HealthCheckResponse.ServingStatus.Value(want)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = stub.Check(
                pb.health.HealthCheckRequest(service=service), timeout=2
            ).status
            if last == want_value:
                return
        except grpc.RpcError as e:
            last = e.code()
        time.sleep(0.1)
    raise AssertionError(f"health is {last}, wanted {want}")


def trailing(error: grpc.RpcError) -> dict:
    return dict(error.trailing_metadata() or ())


# --- providers ----------------------------------------------------------------


@pytest.fixture(scope="session")
def moto():
    with providers.start_moto() as provider:
        yield provider


@pytest.fixture(scope="session")
def cognito(moto) -> dict:
    return providers.setup_cognito(moto.endpoint)


@contextlib.contextmanager
def started_oidc_provider():
    """providers.start_oidc_provider(), stopped on exit."""
    provider = providers.start_oidc_provider()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="session")
def oidc():
    with started_oidc_provider() as provider:
        yield provider


def cognito_env(cognito: dict) -> dict:
    return {
        "COGNITO_ISSUER": cognito["issuer"],
        "COGNITO_CLIENT_ID": cognito["client_id"],
        "COGNITO_CLIENT_SECRET": cognito["client_secret"],
        "AUTHGATE_JWKS_URI": cognito["jwks_uri"],
    }


def oidc_provider_config(oidc, client: str = "basic", **extra) -> dict:
    info = oidc.info
    config = {
        "name": "oidc",
        "kind": "oidc",
        "issuer": info["issuer"],
        "client_id": info["clients"][client]["id"],
        "redirect_uri": info["redirect_uri"],
        "scopes": ["openid", "email", "profile", "offline_access"],
    }
    secret = info["clients"][client].get("secret")
    if secret:
        config["client_secret"] = secret
        config["auth_method"] = (
            "client_secret_post" if client == "post" else "client_secret_basic"
        )
    config.update(extra)
    return config


def m2m_provider_config(oidc, **extra) -> dict:
    """The oidc-provider's machine-to-machine client (client_credentials
    tokens for the e2e API audience)."""
    return oidc_provider_config(
        oidc,
        client="m2m",
        scopes=["openid"],
        audiences=["https://api.e2e.authgate.test"],
        **extra,
    )


@pytest.fixture(scope="session")
def server(cognito, oidc, tmp_path_factory, pb):
    """One server for the shared tests: provider "cognito" (moto, from the
    COGNITO_* environment) and provider "oidc" (oidc-provider, from the
    config file)."""
    tmp = tmp_path_factory.mktemp("server")
    config = {
        "server": {"provider_retry_max": "2s"},
        "providers": [oidc_provider_config(oidc)],
    }
    srv = Server(env=cognito_env(cognito), config=config, tmp=tmp).started()
    with srv.channel() as channel:
        wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
    yield srv
    assert srv.stop() == 0


@pytest.fixture()
def channel(server):
    with server.channel() as ch:
        yield ch


@pytest.fixture()
def auth(channel, pb):
    return pb.auth_grpc.AuthServiceStub(channel)


@pytest.fixture()
def ext_authz(channel, pb):
    return pb.ext_grpc.AuthorizationStub(channel)
