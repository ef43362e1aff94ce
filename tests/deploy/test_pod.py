"""A pod of its own: authgate-server and a client app in a network namespace
(`ip netns`, as root) that shares with the host only what the sidecar manifest
shares. The API is on a Unix socket in a directory standing in for the
emptyDir, the probes on 0.0.0.0:9464 for the kubelet, which dials the pod IP
from outside. The client secret is mounted the way the kubelet mounts a
Secret (`..data` symlink to a timestamped dir). The real oidc-provider runs on
the host, reachable from the pod only through a FaultProxy on the host end of
the veth pair, so the test can take the provider down and slow it.

Also the client app: `python3 test_pod.py client STUBS SOCKET MODE [SCOPES]`
(run inside the namespace) prints one JSON line with the call's outcome.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import uuid

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "grpc"))

GRACE_MARGIN_S = 3  # the server's abort of provider requests plus process exit


# --- the client app (runs in the pod) ------------------------------------------


def client_main(stubs_dir: str, socket_path: str, mode: str, scopes: str = "") -> int:
    """cc: GetClientCredentialsToken then ValidateToken of it; validate: the
    token on stdin. Prints {code, reason, subject, client_id[, token]}."""
    sys.path.insert(0, stubs_dir)
    import grpc
    from authgate.v1 import auth_service_pb2 as auth, auth_service_pb2_grpc as auth_grpc

    out: dict = {}
    with grpc.insecure_channel(f"unix://{socket_path}") as channel:
        stub = auth_grpc.AuthServiceStub(channel)
        try:
            if mode == "cc":
                got = stub.GetClientCredentialsToken(
                    auth.GetClientCredentialsTokenRequest(scopes=scopes.split(",")),
                    timeout=30,
                )
                token = got.tokens.access_token
                out["token"] = token
            else:
                token = sys.stdin.read().strip()
            principal = stub.ValidateToken(
                auth.ValidateTokenRequest(token=token), timeout=60
            ).principal
            out.update(code="OK", subject=principal.subject, client_id=principal.client_id)
        except grpc.RpcError as error:
            reason = dict(error.trailing_metadata() or ()).get("authgate-error-reason")
            out.update(code=error.code().name, reason=reason)
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["client"]:
    sys.exit(client_main(*sys.argv[2:]))


# --- the test (runs on the host) -----------------------------------------------

import fault_proxy  # noqa: E402  (tests/grpc/fault_proxy.py)
import pytest  # noqa: E402
import yaml  # noqa: E402
from conftest import m2m_provider_config, started_oidc_provider  # noqa: E402
from deploy_support import Process, http_get, server_binary, stubs  # noqa: E402
from test_key_waits import unknown_kid_token  # noqa: E402

SIDECAR = REPO / "deploy" / "kubernetes" / "sidecar"
JWKS = "/.well-known/jwks.json"
IP = "/usr/sbin/ip"


def run(*argv: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, **kwargs)


@pytest.fixture()
def pod():
    """A network namespace with lo up and a veth pair to the host; its name
    and both addresses. Deleted on the way out whatever happened."""
    if os.geteuid() != 0:
        pytest.skip("ip netns needs root")
    pid = os.getpid()
    name, host_if, pod_if = f"ag-pod-{pid}", f"agh{pid}", f"agp{pid}"
    # A /30 in 10.213.0.0/16 from the pid: unlikely to clash with anything.
    block = (pid % 16384) * 4
    subnet = f"10.213.{block // 256}.{block % 256}"
    host_ip = f"10.213.{block // 256}.{block % 256 + 1}"
    pod_ip = f"10.213.{block // 256}.{block % 256 + 2}"
    added = run(IP, "netns", "add", name)
    if added.returncode != 0:
        pytest.skip(f"ip netns add failed: {added.stderr.strip()}")
    try:
        steps = [
            [IP, "link", "add", host_if, "type", "veth", "peer", "name", pod_if],
            [IP, "link", "set", pod_if, "netns", name],
            [IP, "addr", "add", f"{host_ip}/30", "dev", host_if],
            [IP, "link", "set", host_if, "up"],
            [IP, "-n", name, "link", "set", "lo", "up"],
            [IP, "-n", name, "addr", "add", f"{pod_ip}/30", "dev", pod_if],
            [IP, "-n", name, "link", "set", pod_if, "up"],
        ]
        for step in steps:
            done = run(*step)
            assert done.returncode == 0, (step, done.stderr, subnet)
        yield name, host_ip, pod_ip
    finally:
        run(IP, "link", "del", host_if)  # takes the pod end with it
        run(IP, "netns", "del", name)


def sidecar_config() -> dict:
    (config_map,) = [
        d for d in yaml.safe_load_all((SIDECAR / "configmap.yaml").read_text()) if d
    ]
    return json.loads(config_map["data"]["authgate.json"])


def mount_secret(volume: pathlib.Path, name: str, value: str) -> None:
    """Writes the Secret's volume the way the kubelet does: the data in a
    fresh timestamped dir, `..data` swapped to it by one rename, `name` a
    symlink through `..data`."""
    stamp = volume / f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{uuid.uuid4().hex[:8]}"
    stamp.mkdir(parents=True)
    (stamp / name).write_text(value)
    os.chmod(stamp / name, 0o440)
    (volume / "..data_tmp").symlink_to(stamp.name)
    os.rename(volume / "..data_tmp", volume / "..data")
    if not (volume / name).is_symlink():
        (volume / name).symlink_to(f"..data/{name}")


def wait_for(what: str, check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def events(server: Process, name: str) -> list[dict]:
    return [e for e in list(server.events) if e.get("event") == name]


def test_sidecar_pod_through_outage_rotation_and_sigterm(pod, tmp_path):
    """The issue's pod-shaped test, in order: outage at start (alive, not
    ready, API off TCP); ready once keys load and a token validates; outage
    with cached keys; the secret rotated in place; SIGTERM drains."""
    ns, host_ip, pod_ip = pod
    pb = stubs(tmp_path / "stubs")
    stubs_dir = str(pathlib.Path(pb.auth.__file__).parents[2])
    sidecar = sidecar_config()
    grace_s = int(sidecar["server"]["shutdown_grace"].rstrip("s"))
    secret_name = os.path.basename(sidecar["providers"][0]["client_secret_file"])

    def client(mode: str, token: str = "", scopes=()) -> dict:
        out = subprocess.run(
            [IP, "netns", "exec", ns, "/usr/bin/python3", __file__, "client",
             stubs_dir, str(socket), mode, ",".join(scopes)],
            input=token, capture_output=True, text=True, timeout=90, env={},
        )
        assert out.returncode == 0, out.stderr[-2000:]
        return json.loads(out.stdout)

    def probe(path: str) -> tuple[int, dict]:
        return http_get(f"http://{pod_ip}:9464{path}")

    with started_oidc_provider() as oidc:
        m2m = oidc.info["clients"]["m2m"]
        with fault_proxy.FaultProxy(oidc.endpoint, host=host_ip) as proxy:
            pool_path = oidc.issuer[len(oidc.endpoint):]
            proxy.set_fault("refuse")  # the provider is out when the pod starts

            # The emptyDir, the Secret volume and the ConfigMap's file.
            socket_dir = tmp_path / "run-authgate"
            socket_dir.mkdir()
            socket = socket_dir / os.path.basename(sidecar["server"]["unix_socket"])
            volume = tmp_path / "secret-volume"
            mount_secret(volume, secret_name, m2m["secret"])
            provider = m2m_provider_config(
                oidc,
                use_discovery=False,
                allow_insecure_http=True,  # the proxy is plain http off loopback
                client_secret_file=str(volume / secret_name),
                endpoints={
                    "token_endpoint": proxy.url + pool_path + "/oauth2/token",
                    "jwks_uri": proxy.url + pool_path + JWKS,
                },
                jwks={"refetch_cooldown": "1s", "fetch_timeout": "30s"},
                http_timeout="30s",
            )
            del provider["client_secret"]
            config = {
                "server": {
                    **sidecar["server"],
                    "unix_socket": str(socket),
                    # Test speed only: retry the down provider quickly.
                    "provider_retry_initial": "200ms",
                    "provider_retry_max": "500ms",
                },
                "providers": [provider],
            }
            config_file = tmp_path / "authgate.json"
            config_file.write_text(json.dumps(config))
            server = Process(
                [IP, "netns", "exec", ns, server_binary(), f"--config={config_file}"],
                env={},
            )
            try:
                server.started()

                # 1. Outage at start: alive, not ready, from outside the pod.
                assert probe("/healthz") == (200, {"status": "serving"})
                assert probe("/readyz") == (
                    503,
                    {"status": "not_ready", "providers": {"oidc": False}},
                )
                listening = run(IP, "netns", "exec", ns, "/usr/bin/ss", "-ltnH")
                assert listening.returncode == 0, listening.stderr
                tcp = sorted(line.split()[3] for line in listening.stdout.splitlines())
                assert tcp == ["0.0.0.0:9464"]  # the API has no TCP listener
                assert socket.is_socket()
                assert events(server, "keys_loaded") == []

                # 2. The provider comes back: ready once keys load; the app
                # validates a client-credentials token through the socket.
                proxy.heal()
                wait_for("/readyz 200", lambda: probe("/readyz")[0] == 200)
                assert probe("/readyz") == (
                    200,
                    {"status": "ready", "providers": {"oidc": True}},
                )
                assert proxy.count(JWKS) >= 1 and len(events(server, "keys_loaded")) >= 1
                first = client("cc", scopes=oidc.info["m2m_scopes"])
                token = first.pop("token", "")
                assert first == {"code": "OK", "subject": m2m["id"], "client_id": m2m["id"]}

                # 3. Outage again: still alive, and the cached keys validate.
                proxy.set_fault("refuse")
                assert probe("/healthz") == (200, {"status": "serving"})
                again = client("validate", token=token)
                assert again == {"code": "OK", "subject": m2m["id"], "client_id": m2m["id"]}
                assert probe("/healthz") == (200, {"status": "serving"})

                # 4. Secret rotation in place: a wrong secret, then the right.
                proxy.heal()
                for value, want in (
                    # The provider's invalid_client: the pod's configuration
                    # is wrong, not the caller (core/src/token_response.cc).
                    (
                        "not-the-secret",
                        {"code": "FAILED_PRECONDITION", "reason": "oauth_invalid_client"},
                    ),
                    (m2m["secret"], {"code": "OK", "subject": m2m["id"], "client_id": m2m["id"]}),
                ):
                    seen = len(events(server, "secret_reloaded"))
                    mount_secret(volume, secret_name, value)
                    server.proc.send_signal(signal.SIGHUP)
                    wait_for(
                        "secret_reloaded",
                        lambda: len(events(server, "secret_reloaded")) > seen,
                    )
                    got = client("cc", scopes=oidc.info["m2m_scopes"])
                    got.pop("token", None)
                    assert got == want
                assert server.proc.poll() is None  # no restart

                # 5. SIGTERM with a call in flight on a slow key fetch: the
                # call is answered and the process exits 0 within the grace.
                wait_for(
                    "refetch cooldown past",
                    lambda: time.monotonic() - proxy.last_at(JWKS) > 1.5,
                )
                proxy.set_fault("delay", match=JWKS, seconds=grace_s / 2)
                held_before = proxy.faulted(JWKS)
                in_flight = subprocess.Popen(
                    [IP, "netns", "exec", ns, "/usr/bin/python3", __file__, "client",
                     stubs_dir, str(socket), "validate"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True, env={},
                )
                try:
                    in_flight.stdin.write(unknown_kid_token(oidc.issuer, "kid-unknown"))
                    in_flight.stdin.close()
                    wait_for("the held JWKS refetch", lambda: proxy.faulted(JWKS) > held_before)
                    server.proc.send_signal(signal.SIGTERM)
                    assert server.proc.wait(timeout=grace_s + GRACE_MARGIN_S) == 0
                    in_flight.wait(timeout=30)
                    out, err = in_flight.stdout.read(), in_flight.stderr.read()
                finally:
                    if in_flight.poll() is None:
                        in_flight.kill()
                        in_flight.wait()
                    in_flight.stdout.close()
                    in_flight.stderr.close()
                assert in_flight.returncode == 0, err[-2000:]
                assert json.loads(out) == {"code": "UNAUTHENTICATED", "reason": "key_not_found"}
                assert len(events(server, "shutdown_complete")) == 1
            finally:
                server.stop()
