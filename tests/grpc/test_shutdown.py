"""SIGTERM's grace is a bound: provider requests still running at the drain
deadline are aborted, so the process exits within the grace (plus libcurl's
abort check, about a second) and every in-flight call gets a status."""

import signal
import time

import grpc

from conftest import Server, m2m_provider_config, wait_health
from slow_jwks import SlowJwks
from test_key_waits import unknown_kid_token


# Calls of both kinds wait on a provider that does not answer (held for 60 s;
# the provider timeouts are 60 s): unknown-kid validations on the key lane
# and a userInfo call on a worker. SIGTERM with a 1 s grace ends the process
# at about 1 s, not 60 s, with exit 0, and each call ends CANCELLED (gRPC
# cancels what is left at the deadline) or UNAVAILABLE.
def test_sigterm_aborts_provider_requests_at_the_grace(oidc, tmp_path, pb):
    with SlowJwks(oidc.info["issuer"] + "/.well-known/jwks.json") as slow:
        config = {
            # Workers enough for every call, so the old pool cannot starve.
            "server": {"shutdown_grace": "1s", "worker_threads": 8},
            "providers": [
                m2m_provider_config(
                    oidc,
                    http_timeout="60s",
                    endpoints={"jwks_uri": slow.url, "userinfo_endpoint": slow.url},
                    jwks={"refetch_cooldown": "1s"},
                )
            ],
        }
        srv = Server(config=config, tmp=tmp_path).started()
        try:
            with srv.channel() as channel:
                wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
                auth = pb.auth_grpc.AuthServiceStub(channel)
                time.sleep(1.2)  # setup: past the start-up fetch's cooldown
                slow.hold()
                calls = [
                    auth.ValidateToken.future(
                        pb.auth.ValidateTokenRequest(
                            token=unknown_kid_token(oidc.issuer, f"kid-{i}")
                        ),
                        timeout=120,
                    )
                    for i in range(4)
                ]
                slow.wait_for_waiting(1)
                calls.append(
                    auth.GetUserInfo.future(
                        pb.auth.GetUserInfoRequest(access_token="opaque"), timeout=120
                    )
                )
                slow.wait_for_waiting(2)
                started = time.monotonic()
                srv.kill_with(signal.SIGTERM)
                assert srv.proc.wait(timeout=30) == 0
                elapsed = time.monotonic() - started
                assert elapsed < 4, f"exit took {elapsed:.1f} s against a 1 s grace"
                for call in calls:
                    error = call.exception(timeout=10)
                    assert error is not None
                    assert error.code() in (
                        grpc.StatusCode.CANCELLED,
                        grpc.StatusCode.UNAVAILABLE,
                    ), error
                done = srv.wait_event("shutdown_complete", timeout=5)
                assert done["drain_ms"] >= 1000
        finally:
            slow.release()
            srv.stop()
