"""No secret reaches anything authgate-server writes, at its most verbose.

One server (authgate at --log_level=debug, gRPC at GRPC_VERBOSITY=debug with
every GRPC_TRACE flag but the wire dumps, see GRPC_TRACE) runs sign-ins
against oidc-provider with a client_secret_basic and a client_secret_post
client and an M2M client: authorization URL, code exchange, ID token
validation, a tampered token, userInfo, refresh, revoke, refresh after
revoke (refused), a replayed code (refused), ext_authz Check,
client_credentials. Then stdout, stderr and the metrics page are scanned for
every secret used (client secrets and their Basic credentials, codes, PKCE
verifiers, whole tokens and their payload and signature parts, refresh
tokens) in raw, base64, base64url and percent-encoded forms.
"""

import base64
import urllib.parse

import grpc

import providers
from secret_forms import encodings
from conftest import Server, oidc_provider_config, wait_health
from test_validate_token import expect_error


# Every gRPC tracer except the two that hex-dump the bytes on the socket
# (tcp: plaintext sockets; secure_endpoint: the bytes inside TLS). Those are
# a packet capture by design: they hold every request message, tokens and
# codes included, so they must never be on where secrets flow (docs/grpc.md).
GRPC_TRACE = "all,-tcp,-secure_endpoint"


def token_parts(token: str) -> set[str]:
    """A whole token and, for a JWS, its payload and signature (the header
    holds only alg, kid and typ, which are public)."""
    parts = {token}
    pieces = token.split(".")
    if len(pieces) == 3:
        parts.update(p for p in pieces[1:] if len(p) >= 16)
    return parts


def test_verbose_server_writes_no_secret(oidc, tmp_path, pb):
    clients = oidc.info["clients"]
    basic, post, m2m = clients["basic"], clients["post"], clients["m2m"]
    provider = oidc_provider_config(
        oidc,
        clients=[
            {
                "client_id": post["id"],
                "client_secret": post["secret"],
                "auth_method": "client_secret_post",
                "redirect_uri": oidc.info["redirect_uri"],
                "scopes": ["openid", "email", "profile", "offline_access"],
            },
            {
                "client_id": m2m["id"],
                "client_secret": m2m["secret"],
                "scopes": ["openid"],
            },
        ],
    )
    stdout_path = tmp_path / "stdout.txt"
    secrets: set[str] = set()
    for client in (basic, post, m2m):
        secrets |= encodings(client["secret"])
        for user_and_secret in (
            f"{client['id']}:{client['secret']}",
            urllib.parse.quote(client["id"], safe="")
            + ":"
            + urllib.parse.quote(client["secret"], safe=""),
        ):
            secrets.add(base64.b64encode(user_and_secret.encode()).decode())

    with open(stdout_path, "w") as stdout:
        srv = Server(
            args=["--log_level=debug"],
            env={"GRPC_VERBOSITY": "debug", "GRPC_TRACE": GRPC_TRACE},
            config={"providers": [provider]},
            tmp=tmp_path,
            stdout=stdout,
        ).started()
        try:
            with srv.channel() as channel:
                wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
                auth = pb.auth_grpc.AuthServiceStub(channel)
                ext = pb.ext_grpc.AuthorizationStub(channel)
                for client, user in ((basic, "scan-basic"), (post, "scan-post")):
                    built = auth.BuildAuthorizationUrl(
                        pb.auth.BuildAuthorizationUrlRequest(client_id=client["id"])
                    )
                    code, state = providers.login(built.url, oidc, username=user)
                    assert state == built.state
                    secrets |= encodings(code) | encodings(built.code_verifier)
                    exchange = pb.auth.ExchangeCodeRequest(
                        client_id=client["id"],
                        code=code,
                        code_verifier=built.code_verifier,
                        nonce=built.nonce,
                    )
                    tokens = auth.ExchangeCode(exchange).tokens
                    for token in (tokens.access_token, tokens.id_token):
                        for part in token_parts(token):
                            secrets |= encodings(part)
                    secrets |= encodings(tokens.refresh_token)
                    auth.ValidateToken(
                        pb.auth.ValidateTokenRequest(
                            token=tokens.id_token, nonce=built.nonce
                        )
                    )
                    tampered = tokens.id_token[:-4] + (
                        "AAAA" if not tokens.id_token.endswith("AAAA") else "BBBB"
                    )
                    expect_error(
                        lambda: auth.ValidateToken(
                            pb.auth.ValidateTokenRequest(token=tampered)
                        ),
                        grpc.StatusCode.UNAUTHENTICATED,
                        "signature_invalid",
                    )
                    auth.GetUserInfo(
                        pb.auth.GetUserInfoRequest(
                            client_id=client["id"], access_token=tokens.access_token
                        )
                    )
                    refresh = pb.auth.RefreshTokenRequest(
                        client_id=client["id"], refresh_token=tokens.refresh_token
                    )
                    refreshed = auth.RefreshToken(refresh).tokens
                    for token in (refreshed.access_token, refreshed.id_token):
                        for part in token_parts(token):
                            secrets |= encodings(part)
                    auth.RevokeToken(
                        pb.auth.RevokeTokenRequest(
                            client_id=client["id"], token=tokens.refresh_token
                        )
                    )
                    expect_error(
                        lambda: auth.RefreshToken(refresh),
                        grpc.StatusCode.UNAUTHENTICATED,
                        "oauth_invalid_grant",
                    )
                    # Last: a replayed code also revokes what it issued.
                    expect_error(
                        lambda: auth.ExchangeCode(exchange),
                        grpc.StatusCode.UNAUTHENTICATED,
                        "oauth_invalid_grant",
                    )
                    for header in (f"Bearer {tokens.id_token}", f"Bearer {tampered}"):
                        ext.Check(
                            pb.ext.CheckRequest(
                                attributes=pb.attrs.AttributeContext(
                                    request=pb.attrs.AttributeContext.Request(
                                        http=pb.attrs.AttributeContext.HttpRequest(
                                            headers={"authorization": header}
                                        )
                                    )
                                )
                            )
                        )
                machine = auth.GetClientCredentialsToken(
                    pb.auth.GetClientCredentialsTokenRequest(
                        client_id=m2m["id"], scopes=oidc.info["m2m_scopes"]
                    )
                ).tokens.access_token
                for part in token_parts(machine):
                    secrets |= encodings(part)
                auth.ValidateToken(pb.auth.ValidateTokenRequest(token=machine))
            metrics = srv.metrics()
        finally:
            assert srv.stop() == 0

    stderr = "\n".join(srv.lines)
    written = {
        "stdout": stdout_path.read_text(errors="replace"),
        "stderr": stderr,
        "metrics": metrics,
    }
    # The run was verbose: gRPC traces and authgate's debug lines are there.
    assert any(e.get("level") == "debug" for e in srv.events)
    assert len(stderr) > 100_000, len(stderr)
    assert any(e.get("event") == "token_validated" for e in srv.events)
    assert len(secrets) > 50
    leaks = sorted(
        (where, secret[:12] + "...")
        for where, text in written.items()
        for secret in secrets
        if secret in text
    )
    assert not leaks, leaks
