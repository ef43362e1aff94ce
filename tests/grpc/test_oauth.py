"""The OAuth RPCs against panva's oidc-provider (Cognito-shaped) and moto."""

import urllib.parse

import grpc
import pytest

import providers
from conftest import (
    Server,
    m2m_provider_config,
    oidc_provider_config,
    trailing,
    wait_health,
)
from test_validate_token import expect_error


def sign_in(auth, pb, oidc, username="alice", **request):
    built = auth.BuildAuthorizationUrl(
        pb.auth.BuildAuthorizationUrlRequest(provider="oidc", **request)
    )
    code, state = providers.login(built.url, oidc, username=username)
    assert state == built.state
    return built, code


def test_authorization_url_carries_pkce_state_and_nonce(auth, pb, oidc):
    built = auth.BuildAuthorizationUrl(
        pb.auth.BuildAuthorizationUrlRequest(
            provider="oidc", extra_params={"lang": "fr"}, prompt="login"
        )
    )
    query = urllib.parse.parse_qs(urllib.parse.urlparse(built.url).query)
    assert query["client_id"] == [oidc.info["clients"]["basic"]["id"]]
    assert query["state"] == [built.state]
    assert query["nonce"] == [built.nonce]
    assert query["code_challenge_method"] == ["S256"]
    assert query["lang"] == ["fr"] and query["prompt"] == ["login"]
    assert built.code_verifier and built.code_verifier not in built.url
    assert built.redirect_uri == oidc.info["redirect_uri"]


def test_authorization_url_rejects_reserved_extra_param(auth, pb):
    expect_error(
        lambda: auth.BuildAuthorizationUrl(
            pb.auth.BuildAuthorizationUrlRequest(
                provider="oidc", extra_params={"state": "mine"}
            )
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid_argument",
    )


def test_code_flow_exchange_validate_userinfo_refresh_revoke(auth, pb, oidc):
    built, code = sign_in(auth, pb, oidc)
    exchanged = auth.ExchangeCode(
        pb.auth.ExchangeCodeRequest(
            provider="oidc",
            code=code,
            code_verifier=built.code_verifier,
            nonce=built.nonce,
        )
    )
    tokens = exchanged.tokens
    assert tokens.access_token and tokens.id_token and tokens.refresh_token
    assert tokens.token_type.lower() == "bearer" and tokens.expires_in_seconds > 0
    sub = exchanged.id_token_principal.subject
    assert sub and exchanged.id_token_principal.username == "alice"

    validated = auth.ValidateToken(
        pb.auth.ValidateTokenRequest(
            token=tokens.id_token, provider="oidc", nonce=built.nonce
        )
    )
    assert validated.principal.subject == sub
    expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(token=tokens.id_token, nonce="another-nonce")
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "nonce_mismatch",
    )

    info = auth.GetUserInfo(
        pb.auth.GetUserInfoRequest(
            provider="oidc",
            access_token="Bearer " + tokens.access_token,
            expected_subject=sub,
        )
    )
    assert info.subject == sub
    # Cognito (and this provider) send "true"; authgate returns a boolean.
    assert info.claims.fields["email_verified"].bool_value is True
    expect_error(
        lambda: auth.GetUserInfo(
            pb.auth.GetUserInfoRequest(
                provider="oidc",
                access_token=tokens.access_token,
                expected_subject="someone-else",
            )
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "claim_mismatch",
    )

    refreshed = auth.RefreshToken(
        pb.auth.RefreshTokenRequest(provider="oidc", refresh_token=tokens.refresh_token)
    )
    assert refreshed.tokens.access_token
    # Without rotation (Cognito's default) the presented token stays in use.
    assert refreshed.tokens.refresh_token == tokens.refresh_token
    assert not refreshed.tokens.refresh_token_rotated

    auth.RevokeToken(
        pb.auth.RevokeTokenRequest(
            provider="oidc",
            token=tokens.refresh_token,
            token_type_hint=pb.auth.TOKEN_TYPE_HINT_REFRESH_TOKEN,
        )
    )
    error = expect_error(
        lambda: auth.RefreshToken(
            pb.auth.RefreshTokenRequest(
                provider="oidc", refresh_token=tokens.refresh_token
            )
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "oauth_invalid_grant",
    )
    assert trailing(error)["authgate-oauth-error"] == "invalid_grant"
    # Revoking again is not an error (RFC 7009 section 2.2).
    auth.RevokeToken(
        pb.auth.RevokeTokenRequest(provider="oidc", token=tokens.refresh_token)
    )


def test_code_can_be_redeemed_once(auth, pb, oidc):
    built, code = sign_in(auth, pb, oidc, username="bob")
    request = pb.auth.ExchangeCodeRequest(
        provider="oidc", code=code, code_verifier=built.code_verifier
    )
    auth.ExchangeCode(request)
    error = expect_error(
        lambda: auth.ExchangeCode(request),
        grpc.StatusCode.UNAUTHENTICATED,
        "oauth_invalid_grant",
    )
    assert trailing(error)["authgate-oauth-error"] == "invalid_grant"
    assert code not in error.details()


def test_exchange_with_wrong_pkce_verifier_is_refused(auth, pb, oidc):
    built, code = sign_in(auth, pb, oidc, username="carol")
    wrong = "x" * 43
    expect_error(
        lambda: auth.ExchangeCode(
            pb.auth.ExchangeCodeRequest(provider="oidc", code=code, code_verifier=wrong)
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "oauth_invalid_grant",
    )


def test_oauth_rpcs_require_their_arguments(auth, pb):
    for call in (
        lambda: auth.ExchangeCode(pb.auth.ExchangeCodeRequest(provider="oidc")),
        lambda: auth.RefreshToken(pb.auth.RefreshTokenRequest(provider="oidc")),
        lambda: auth.GetUserInfo(pb.auth.GetUserInfoRequest(provider="oidc")),
        lambda: auth.RevokeToken(pb.auth.RevokeTokenRequest(provider="oidc")),
    ):
        expect_error(call, grpc.StatusCode.INVALID_ARGUMENT, "invalid_argument")


def test_bogus_refresh_token_is_refused(auth, pb):
    expect_error(
        lambda: auth.RefreshToken(
            pb.auth.RefreshTokenRequest(
                provider="oidc", refresh_token="not-a-refresh-token"
            )
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "oauth_invalid_grant",
    )


def test_userinfo_refuses_bogus_access_token(auth, pb):
    error = expect_error(
        lambda: auth.GetUserInfo(
            pb.auth.GetUserInfoRequest(provider="oidc", access_token="bogus")
        ),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    assert trailing(error)["authgate-oauth-error"] == "invalid_token"


def test_provider_name_is_required_with_several_providers(auth, pb):
    expect_error(
        lambda: auth.BuildAuthorizationUrl(pb.auth.BuildAuthorizationUrlRequest()),
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid_argument",
    )
    expect_error(
        lambda: auth.RefreshToken(
            pb.auth.RefreshTokenRequest(provider="nope", refresh_token="x")
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid_argument",
    )


def test_cognito_without_domain_has_no_oauth_endpoints(auth, pb):
    for call in (
        lambda: auth.BuildAuthorizationUrl(
            pb.auth.BuildAuthorizationUrlRequest(provider="cognito")
        ),
        lambda: auth.GetClientCredentialsToken(
            pb.auth.GetClientCredentialsTokenRequest(provider="cognito")
        ),
        lambda: auth.RefreshToken(
            pb.auth.RefreshTokenRequest(provider="cognito", refresh_token="x")
        ),
    ):
        expect_error(call, grpc.StatusCode.FAILED_PRECONDITION, "config_invalid")


def test_logout_url(auth, pb, oidc):
    url = auth.BuildLogoutUrl(
        pb.auth.BuildLogoutUrlRequest(
            provider="oidc", logout_uri=oidc.info["logout_uri"], state="s1"
        )
    ).url
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert url.startswith(oidc.info["issuer"] + "/logout")
    assert query["post_logout_redirect_uri"] == [oidc.info["logout_uri"]]
    assert query["state"] == ["s1"]
    expect_error(
        lambda: auth.BuildLogoutUrl(pb.auth.BuildLogoutUrlRequest(provider="cognito")),
        grpc.StatusCode.FAILED_PRECONDITION,
        "config_invalid",
    )


def test_provider_metadata(auth, pb, oidc, cognito):
    m = auth.GetProviderMetadata(pb.auth.GetProviderMetadataRequest(provider="oidc"))
    assert m.name == "oidc" and m.kind == "oidc" and m.ready and m.keys_loaded
    assert list(m.issuers) == [oidc.info["issuer"]]
    assert m.token_endpoint == oidc.info["issuer"] + "/oauth2/token"
    assert m.jwks_uri.endswith("/.well-known/jwks.json") and m.key_ids
    assert "S256" in m.code_challenge_methods_supported
    assert m.keys_loaded_at.seconds > 0 and not m.last_key_error
    c = auth.GetProviderMetadata(pb.auth.GetProviderMetadataRequest(provider="cognito"))
    assert c.kind == "cognito" and c.client_id == cognito["client_id"]
    assert list(c.issuers) == [cognito["issuer"]]
    assert c.jwks_uri == cognito["jwks_uri"] and list(c.key_ids) == ["dummy"]
    expect_error(
        lambda: auth.GetProviderMetadata(
            pb.auth.GetProviderMetadataRequest(provider="nope")
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid_argument",
    )


@pytest.fixture(scope="module")
def m2m_server(oidc, tmp_path_factory, pb):
    """A server whose only provider is the oidc-provider's M2M client."""
    config = {"providers": [m2m_provider_config(oidc)]}
    srv = Server(config=config, tmp=tmp_path_factory.mktemp("m2m")).started()
    with srv.channel() as channel:
        wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
    yield srv
    assert srv.stop() == 0


def test_client_credentials_token_validates(m2m_server, pb, oidc):
    with m2m_server.channel() as channel:
        auth = pb.auth_grpc.AuthServiceStub(channel)
        # Only one provider: the name may be left out.
        got = auth.GetClientCredentialsToken(
            pb.auth.GetClientCredentialsTokenRequest(scopes=oidc.info["m2m_scopes"])
        )
        assert got.tokens.access_token and not got.tokens.refresh_token
        assert not got.tokens.id_token
        principal = auth.ValidateToken(
            pb.auth.ValidateTokenRequest(
                token=got.tokens.access_token, required_scopes=["orders/read"]
            )
        ).principal
        assert principal.client_id == oidc.info["clients"]["m2m"]["id"]
        assert principal.token_use == "access"
        # The client's token is cached: a second call makes no provider request.
        before = providers.stats(oidc)["token"]
        again = auth.GetClientCredentialsToken(
            pb.auth.GetClientCredentialsTokenRequest(scopes=oidc.info["m2m_scopes"])
        )
        assert again.tokens.access_token == got.tokens.access_token
        assert providers.stats(oidc)["token"] == before


def test_provider_request_gives_up_at_the_callers_deadline(oidc, tmp_path, pb):
    # The token endpoint answers after 4 s; the provider's own http_timeout
    # (8 s) would wait for it. The caller allows 0.5 s, and so must the server.
    slow_token = f"{oidc.endpoint}/faults/slow/oauth2/token?ms=4000"
    config = {
        "providers": [
            oidc_provider_config(
                oidc, http_timeout="8s", endpoints={"token_endpoint": slow_token}
            )
        ]
    }
    srv = Server(config=config, tmp=tmp_path).started()
    try:
        with srv.channel() as channel:
            wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
            auth = pb.auth_grpc.AuthServiceStub(channel)
            with pytest.raises(grpc.RpcError) as error:
                auth.RefreshToken(
                    pb.auth.RefreshTokenRequest(refresh_token="r-1"), timeout=0.5
                )
            assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            call = srv.wait_event("oauth_call", timeout=10)
            assert call["call"] == "refresh"
            assert call["code"] == "DEADLINE_EXCEEDED"
            assert call["reason"] == "provider_timeout"
            # Well short of the endpoint's 4 s: the request was cut off.
            assert call["duration_ms"] < 2000
    finally:
        assert srv.stop() == 0


@pytest.fixture(scope="module")
def multi_client_server(oidc, tmp_path_factory, pb):
    """One provider with two OAuth clients: the web client "basic" (first)
    and the machine client "m2m"."""
    m2m = oidc.info["clients"]["m2m"]
    provider = oidc_provider_config(
        oidc,
        name="multi",
        clients=[
            {
                "client_id": m2m["id"],
                "client_secret": m2m["secret"],
                "scopes": ["openid"],
                # Only so an authorization URL can be built for it here.
                "redirect_uri": oidc.info["redirect_uri"],
            }
        ],
    )
    srv = Server(
        config={"providers": [provider]}, tmp=tmp_path_factory.mktemp("multi")
    ).started()
    with srv.channel() as channel:
        wait_health(pb.health_grpc.HealthStub(channel), pb, "SERVING")
    yield srv
    assert srv.stop() == 0


# Tokens of every client of a provider are accepted, and an OAuth call made
# with the second client's client_id is made as that client.
def test_two_clients_of_one_provider(multi_client_server, pb, oidc):
    basic, m2m = oidc.info["clients"]["basic"]["id"], oidc.info["clients"]["m2m"]["id"]
    with multi_client_server.channel() as channel:
        auth = pb.auth_grpc.AuthServiceStub(channel)
        meta = auth.GetProviderMetadata(pb.auth.GetProviderMetadataRequest())
        assert list(meta.client_ids) == [basic, m2m] and meta.client_id == basic

        # The first client (the default): a browser sign-in.
        built = auth.BuildAuthorizationUrl(pb.auth.BuildAuthorizationUrlRequest())
        query = urllib.parse.parse_qs(urllib.parse.urlparse(built.url).query)
        assert query["client_id"] == [basic]
        code, _ = providers.login(built.url, oidc, username="dave")
        tokens = auth.ExchangeCode(
            pb.auth.ExchangeCodeRequest(code=code, code_verifier=built.code_verifier)
        ).tokens
        id_principal = auth.ValidateToken(
            pb.auth.ValidateTokenRequest(token=tokens.id_token)
        ).principal
        assert list(id_principal.audiences) == [basic]

        # The second client, named by client_id: client_credentials as m2m.
        got = auth.GetClientCredentialsToken(
            pb.auth.GetClientCredentialsTokenRequest(
                client_id=m2m, scopes=oidc.info["m2m_scopes"]
            )
        )
        principal = auth.ValidateToken(
            pb.auth.ValidateTokenRequest(token=got.tokens.access_token)
        ).principal
        assert principal.client_id == m2m and principal.provider == "multi"
        built = auth.BuildAuthorizationUrl(
            pb.auth.BuildAuthorizationUrlRequest(client_id=m2m)
        )
        query = urllib.parse.parse_qs(urllib.parse.urlparse(built.url).query)
        assert query["client_id"] == [m2m]

        for call in (
            lambda: auth.GetClientCredentialsToken(
                pb.auth.GetClientCredentialsTokenRequest(client_id="nope")
            ),
            lambda: auth.BuildLogoutUrl(pb.auth.BuildLogoutUrlRequest(client_id="nope")),
        ):
            error = expect_error(
                call, grpc.StatusCode.INVALID_ARGUMENT, "invalid_argument"
            )
            assert "nope" in error.details()
