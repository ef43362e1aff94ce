"""Calls waiting for a provider's keys hold no worker thread: a slow key
refetch during a flood of unknown kids does not delay OAuth calls."""

import time

import grpc

import providers
from conftest import Server, m2m_provider_config, wait_health
from slow_jwks import SlowJwks
from test_server import b64, m2m_token


def unknown_kid_token(issuer: str, kid: str) -> str:
    return ".".join(
        [
            b64({"alg": "RS256", "kid": kid}),
            b64({"iss": issuer, "sub": "x", "exp": int(time.time()) + 600}),
            "c2lnbmF0dXJl",
        ]
    )


def slow_key_server(oidc, tmp_path, jwks: SlowJwks, **server) -> Server:
    config = {
        "server": {"worker_threads": 2, **server},
        "providers": [
            m2m_provider_config(
                oidc,
                endpoints={"jwks_uri": jwks.url},
                jwks={"refetch_cooldown": "1s", "fetch_timeout": "60s"},
            )
        ],
    }
    return Server(config=config, tmp=tmp_path).started()


# Sixteen unknown-kid calls (eight times the worker threads) wait on one held
# JWKS refetch; meanwhile OAuth calls and known-key validations all finish
# within their deadlines, and the waiting calls are answered once the
# provider answers.
def test_unknown_kids_during_a_slow_refetch_do_not_starve_oauth(oidc, tmp_path, pb):
    with SlowJwks(oidc.info["issuer"] + "/.well-known/jwks.json") as jwks:
        srv = slow_key_server(oidc, tmp_path, jwks)
        try:
            with srv.channel() as channel:
                wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
                auth = pb.auth_grpc.AuthServiceStub(channel)
                known = m2m_token(oidc)
                auth.ValidateToken(pb.auth.ValidateTokenRequest(token=known), timeout=5)
                time.sleep(1.2)  # setup: past the start-up fetch's cooldown
                jwks.hold()
                waiting = [
                    auth.ValidateToken.future(
                        pb.auth.ValidateTokenRequest(
                            token=unknown_kid_token(oidc.issuer, f"kid-{i}")
                        ),
                        timeout=60,
                    )
                    for i in range(16)
                ]
                jwks.wait_for_waiting(1)
                oauth = [
                    auth.GetClientCredentialsToken.future(
                        pb.auth.GetClientCredentialsTokenRequest(
                            scopes=oidc.info["m2m_scopes"]
                        ),
                        timeout=10,
                    )
                    for _ in range(4)
                ]
                for future in oauth:
                    assert future.result().tokens.access_token
                principal = auth.ValidateToken(
                    pb.auth.ValidateTokenRequest(token=known), timeout=5
                ).principal
                assert principal.client_id == oidc.info["clients"]["m2m"]["id"]
                assert all(not f.done() for f in waiting)
                assert jwks.waiting == 1  # one refetch for sixteen kids

                jwks.release()
                for future in waiting:
                    error = future.exception()
                    assert error is not None
                    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
                    assert dict(error.trailing_metadata())[
                        "authgate-error-reason"
                    ] == "key_not_found"
        finally:
            jwks.release()
            assert srv.stop() == 0


# A new signing key during the held refetch: the call waiting for it succeeds
# once the provider answers (the continuation re-verifies with the new set).
def test_waiting_call_succeeds_with_the_refetched_key(oidc, tmp_path, pb):
    with SlowJwks(oidc.info["issuer"] + "/.well-known/jwks.json") as jwks:
        srv = slow_key_server(oidc, tmp_path, jwks)
        try:
            with srv.channel() as channel:
                wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
                auth = pb.auth_grpc.AuthServiceStub(channel)
                time.sleep(1.2)  # setup: past the start-up fetch's cooldown
                providers.rotate_keys(oidc)
                jwks.hold()
                future = auth.ValidateToken.future(
                    pb.auth.ValidateTokenRequest(token=m2m_token(oidc)), timeout=30
                )
                jwks.wait_for_waiting(1)
                jwks.release()
                principal = future.result().principal
                assert principal.client_id == oidc.info["clients"]["m2m"]["id"]
        finally:
            jwks.release()
            assert srv.stop() == 0
