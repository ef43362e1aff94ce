"""What the deploy tests share: the binaries, an offline provider (a fresh
RSA key as a static JWKS and a token it signs), gRPC stubs generated from
proto/, and a server process whose ports come from its server_started event.

Run the suite with Debian's interpreter, as root (chroot, dpkg):

    /usr/bin/python3 -m pytest tests/deploy
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "grpc"))
from conftest import ServerProcess  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
ISSUER = "https://issuer.deploy.test"
CLIENT_ID = "deploy-client"
KID = "deploy-1"


def binary(env_name: str, *relative: str) -> str:
    """$env_name, else the first of build-deploy/, build-server/, build/
    that has the file."""
    candidates = [os.environ.get(env_name)] + [
        REPO / d / pathlib.Path(*relative)
        for d in ("build-deploy", "build-server", "build")
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    pytest.fail(f"{'/'.join(relative)} not built; set {env_name}")


def server_binary() -> str:
    return binary("AUTHGATE_SERVER", "grpc_service", "authgate-server")


def cli_binary() -> str:
    return binary("AUTHGATE_CLI", "core", "tools", "authgate")


def build_runtime_tree(root: pathlib.Path) -> set[str]:
    """deploy/runtime_tree.sh into root; returns the entries it printed."""
    out = subprocess.run(
        [str(REPO / "deploy" / "runtime_tree.sh"), str(root), server_binary(), cli_binary()],
        check=True,
        capture_output=True,
        text=True,
    )
    return set(out.stdout.split())


def chroot_argv(root: pathlib.Path, *args: str) -> list[str]:
    """Runs args inside root as uid/gid 65532, the image's USER."""
    return ["/usr/sbin/chroot", "--userspec=65532:65532", str(root), *args]


def project_version() -> str:
    """The one version source: pyproject.toml (CMake reads it too)."""
    import tomllib

    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["version"]


def static_keys() -> tuple[dict, str]:
    """A JWKS with one fresh RSA key, and an access token that key signs for
    ISSUER / CLIENT_ID."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": ISSUER,
            "sub": "deploy-user",
            "client_id": CLIENT_ID,
            "token_use": "access",
            "iat": now - 10,
            "exp": now + 600,
        },
        key,
        algorithm="RS256",
        headers={"kid": KID},
    )
    return {"keys": [jwk]}, token


def static_config(jwks_path: str, **server) -> dict:
    """A configuration with one static-keys provider: no network needed."""
    return {
        "server": {
            "listen": "127.0.0.1:0",
            "metrics_listen": "127.0.0.1:0",
            **server,
        },
        "providers": [
            {
                "name": "static",
                "kind": "cognito",
                "issuer": ISSUER,
                "client_id": CLIENT_ID,
                "jwks_file": jwks_path,
            }
        ],
    }


_STUBS = None


def stubs(tmp_dir: pathlib.Path) -> types.SimpleNamespace:
    """authgate.v1 and health stubs, generated once per process."""
    global _STUBS
    if _STUBS is None:
        import grpc_tools
        from grpc_tools import protoc

        well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
        dirs = [REPO / "proto", REPO / "tests" / "grpc" / "protos"]
        files = [str(p.relative_to(d)) for d in dirs for p in d.rglob("*.proto")]
        tmp_dir.mkdir(parents=True, exist_ok=True)
        args = ["protoc", *[f"-I{d}" for d in dirs], f"-I{well_known}"]
        args += [f"--python_out={tmp_dir}", f"--grpc_python_out={tmp_dir}", *files]
        assert protoc.main(args) == 0, "protoc failed"
        sys.path.insert(0, str(tmp_dir))
        from authgate.v1 import auth_service_pb2, auth_service_pb2_grpc
        from wire import health_pb2, health_pb2_grpc

        _STUBS = types.SimpleNamespace(
            auth=auth_service_pb2,
            auth_grpc=auth_service_pb2_grpc,
            health=health_pb2,
            health_grpc=health_pb2_grpc,
        )
    return _STUBS


# The gRPC suite's server runner, for any argv (chroot, package root).
Process = ServerProcess


def http_get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def wait_ready(metrics_port: int, timeout: float = 20) -> dict:
    """Polls GET /readyz until 200 and returns its body."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = http_get(f"http://127.0.0.1:{metrics_port}/readyz")
        if last[0] == 200:
            return last[1]
        time.sleep(0.1)
    raise AssertionError(f"/readyz never answered 200; last {last}")


def validate(pb, target: str, token: str):
    """ValidateToken over gRPC; returns the principal."""
    import grpc

    with grpc.insecure_channel(target) as channel:
        health = pb.health_grpc.HealthStub(channel)
        status = health.Check(pb.health.HealthCheckRequest(service="readiness"), timeout=5)
        assert status.status == pb.health.HealthCheckResponse.SERVING
        auth = pb.auth_grpc.AuthServiceStub(channel)
        return auth.ValidateToken(pb.auth.ValidateTokenRequest(token=token), timeout=5).principal
