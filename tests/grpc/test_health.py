"""Liveness and readiness, on the gRPC health service and the HTTP port, and
the HTTP port's resistance to idle connections."""

import json
import socket
import urllib.error
import urllib.request

import providers
from conftest import Server, oidc_provider_config, started_oidc_provider, wait_health


def http_get(srv: Server, path: str) -> tuple[int, dict]:
    url = f"http://127.0.0.1:{srv.metrics_port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# A provider down at start: the process is alive (liveness SERVING, /healthz
# 200) but not ready (readiness and "" NOT_SERVING, /readyz 503 naming the
# provider); once the provider is back, readiness follows.
def test_liveness_stays_serving_while_a_provider_is_down(tmp_path, pb):
    with started_oidc_provider() as down:
        providers.set_outage(down, True)
        config = {
            "server": {"provider_retry_initial": "200ms", "provider_retry_max": "500ms"},
            "providers": [oidc_provider_config(down)],
        }
        srv = Server(config=config, tmp=tmp_path).started()
        try:
            with srv.channel() as channel:
                health = pb.health_grpc.HealthStub(channel)
                srv.wait_event("provider_setup_failed")
                wait_health(health, pb, "SERVING", service="liveness", timeout=5)
                for service in ("readiness", "", "authgate.v1.AuthService"):
                    wait_health(health, pb, "NOT_SERVING", service=service, timeout=5)
                assert http_get(srv, "/healthz") == (200, {"status": "serving"})
                assert http_get(srv, "/readyz") == (
                    503,
                    {"status": "not_ready", "providers": {"oidc": False}},
                )

                providers.set_outage(down, False)
                wait_health(health, pb, "SERVING", service="readiness", timeout=30)
                wait_health(health, pb, "SERVING", service="", timeout=5)
                wait_health(health, pb, "SERVING", service="liveness", timeout=5)
                assert http_get(srv, "/readyz") == (
                    200,
                    {"status": "ready", "providers": {"oidc": True}},
                )
        finally:
            assert srv.stop() == 0


# Idle TCP connections do not stop a scrape: six (the port has eight HTTP
# threads; before, one thread waited 30 s on the first idle connection).
def test_idle_connections_do_not_block_the_metrics_port(tmp_path, pb, oidc):
    config = {"providers": [oidc_provider_config(oidc)]}
    srv = Server(config=config, tmp=tmp_path).started()
    idle = []
    try:
        for _ in range(6):
            idle.append(socket.create_connection(("127.0.0.1", srv.metrics_port)))
        text = srv.metrics()  # urllib timeout: 5 s
        assert "authgate_provider_ready" in text
        assert http_get(srv, "/healthz")[0] == 200
    finally:
        for sock in idle:
            sock.close()
        assert srv.stop() == 0
