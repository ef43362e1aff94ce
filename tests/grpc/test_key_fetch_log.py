"""A failed key refetch while cached keys still serve is logged, and so is
the recovery (JwksCacheOptions::on_fetch, wired in provider_registry.cc).

Real server, real oidc-provider on loopback; the provider's outage switch
makes the refetch fail. Run with Debian's interpreter:

    /usr/bin/python3 -m pytest tests/grpc/test_key_fetch_log.py
"""

import base64
import json

import grpc

import providers
from conftest import Server, m2m_provider_config, started_oidc_provider, wait_health
from test_server import m2m_token


def with_kid(token: str, kid: str) -> str:
    """The token with another kid in its header (its signature then fails,
    but the kid is looked up first)."""
    header, rest = token.split(".", 1)
    padded = header + "=" * (-len(header) % 4)
    fields = json.loads(base64.urlsafe_b64decode(padded))
    fields["kid"] = kid
    encoded = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=")
    return encoded.decode() + "." + rest


def test_failed_refetch_is_logged_then_recovery(tmp_path, pb):
    with started_oidc_provider() as oidc:
        config = {
            "providers": [m2m_provider_config(oidc, jwks={"refetch_cooldown": "1s"})]
        }
        srv = Server(config=config, tmp=tmp_path).started()
        try:
            with srv.channel() as channel:
                wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
                token = with_kid(m2m_token(oidc), "unknown-kid-1")
                auth = pb.auth_grpc.AuthServiceStub(channel)
                providers.set_outage(oidc, True)
                try:
                    started = len(srv.events)
                    try:
                        auth.ValidateToken(
                            pb.auth.ValidateTokenRequest(token=token), timeout=20
                        )
                        raise AssertionError("a token with an unknown kid verified")
                    except grpc.RpcError as error:
                        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
                    failed = srv.wait_event("key_fetch_failed", after=started)
                finally:
                    providers.set_outage(oidc, False)
                assert failed["level"] == "warn"
                assert failed["provider"] == "oidc"
                assert failed["reason"] in ("provider_unavailable", "provider_timeout")
                assert failed["consecutive_failures"] == 1
                assert failed["serving_cached_keys"] is True
                assert failed["unknown_kid"] is True
                assert failed["suppressed"] == 0
                # The cache retries after its backoff on its own.
                recovered = srv.wait_event(
                    "key_fetch_recovered", timeout=30, after=started
                )
                assert recovered["level"] == "info"
                assert recovered["provider"] == "oidc"
                assert recovered["after_failures"] >= 1
                meta = auth.GetProviderMetadata(
                    pb.auth.GetProviderMetadataRequest(provider="oidc")
                )
                assert meta.ready and not meta.last_key_error
        finally:
            assert srv.stop() == 0
