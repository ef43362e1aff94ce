"""Provider and Verifier against real identity providers on 127.0.0.1.

tests/e2e/providers.py starts moto's Cognito emulator and a Cognito-shaped
panva oidc-provider. Nothing here is skipped: when a provider cannot start,
the fixture errors and the run fails.
"""

from __future__ import annotations

import concurrent.futures
import gc
import urllib.parse

import authgate
import pytest

import providers  # noqa: E402  (tests/e2e, put on sys.path by conftest)


def _client(oidc, kind):
    return oidc.info["clients"][kind]


def _client_spec(oidc, kind):
    """One entry of the spec's "clients" (no secret: a public client)."""
    client = _client(oidc, kind)
    spec = {
        "client_id": client["id"],
        "redirect_uri": oidc.info["redirect_uri"],
        "scopes": ["openid", "email", "profile"],
    }
    if client.get("secret"):
        spec["client_secret"] = client["secret"]
    if kind == "post":
        spec["auth_method"] = "client_secret_post"
    return spec


def _provider(oidc, client="basic", **options):
    settings = _client_spec(oidc, client)
    settings.update(options)
    return authgate.Provider.discover(oidc.issuer, **settings)


def _sign_in(provider, oidc, username="alice"):
    login = provider.authorization_url()
    code, state = providers.login(login.url, oidc, username=username)
    assert authgate.state_matches(login.state, state)
    return login, code


def test_discover_reads_the_endpoints(oidc):
    provider = _provider(oidc)
    metadata = provider.metadata
    assert metadata["issuer"] == oidc.issuer
    assert metadata["token_endpoint"] == oidc.issuer + "/oauth2/token"
    assert metadata["userinfo_endpoint"] == oidc.issuer + "/oauth2/userInfo"
    assert provider.jwks_uri == oidc.issuer + "/.well-known/jwks.json"
    assert provider.jwks_ready
    assert (provider.issuer, provider.client_id) == (oidc.issuer, "e2e-basic")
    assert "secret" not in repr(provider)


def test_authorization_url_carries_state_nonce_and_pkce(oidc):
    login = _provider(oidc).authorization_url(prompt="login", login_hint="alice")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(login.url).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["e2e-basic"]
    assert query["state"] == [login.state] and query["nonce"] == [login.nonce]
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [
        authgate.pkce_s256_challenge(login.code_verifier)
    ]
    assert query["prompt"] == ["login"] and query["login_hint"] == ["alice"]
    assert len(login.state) >= 43 and login.redirect_uri == oidc.info["redirect_uri"]
    assert login.code_verifier not in repr(login)


@pytest.mark.parametrize("kind", ["basic", "post", "public"])
def test_code_exchange_with_each_client_authentication(oidc, kind):
    provider = _provider(oidc, kind)
    login, code = _sign_in(provider, oidc, username=f"user-{kind}")
    tokens = provider.exchange_code(
        code, code_verifier=login.code_verifier, nonce=login.nonce
    )
    claims = tokens.id_token_claims
    assert claims is not None
    assert claims.username == f"user-{kind}"
    assert claims.audience == (_client(oidc, kind)["id"],)
    assert claims.nonce == login.nonce
    assert claims.token_use == "id"
    assert tokens.token_type == "Bearer"
    assert tokens.access_token and tokens.refresh_token
    assert 0 < tokens.expires_in <= 3600
    assert tokens.expires_at.tzinfo is not None
    assert tokens.access_token not in repr(tokens)


def test_used_code_and_wrong_verifier_are_invalid_grant(oidc):
    provider = _provider(oidc, "public")
    login, code = _sign_in(provider, oidc)
    with pytest.raises(authgate.OAuthError) as excinfo:
        provider.exchange_code(code, code_verifier="x" * 43, nonce=login.nonce)
    assert excinfo.value.reason == "oauth_invalid_grant"
    assert excinfo.value.error == "invalid_grant"
    assert excinfo.value.code == "UNAUTHENTICATED"
    assert code not in str(excinfo.value)
    login, code = _sign_in(provider, oidc)
    provider.exchange_code(code, code_verifier=login.code_verifier, nonce=login.nonce)
    with pytest.raises(authgate.OAuthError) as excinfo:
        provider.exchange_code(
            code, code_verifier=login.code_verifier, nonce=login.nonce
        )
    assert excinfo.value.reason == "oauth_invalid_grant"


def test_wrong_nonce_fails_id_token_verification(oidc):
    provider = _provider(oidc)
    login, code = _sign_in(provider, oidc)
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        provider.exchange_code(code, code_verifier=login.code_verifier, nonce="other")
    assert excinfo.value.reason == "nonce_mismatch"


def test_wrong_client_secret_is_invalid_client(oidc):
    provider = _provider(oidc, client_secret="wrong")
    login, code = _sign_in(provider, oidc)
    with pytest.raises(authgate.OAuthError) as excinfo:
        provider.exchange_code(code, code_verifier=login.code_verifier)
    assert excinfo.value.reason == "oauth_invalid_client"
    assert excinfo.value.error == "invalid_client"
    assert "wrong" not in str(excinfo.value)


def test_refresh_keeps_or_rotates_the_refresh_token(oidc):
    provider = _provider(oidc)  # basic: no rotation, like Cognito by default
    login, code = _sign_in(provider, oidc)
    first = provider.exchange_code(code, code_verifier=login.code_verifier)
    again = provider.refresh(first.refresh_token)
    assert again.access_token and again.access_token != first.access_token
    assert again.refresh_token == first.refresh_token
    assert not again.refresh_token_rotated
    public = _provider(oidc, "public")  # rotating
    login, code = _sign_in(public, oidc)
    first = public.exchange_code(code, code_verifier=login.code_verifier)
    again = public.refresh(first.refresh_token)
    assert again.refresh_token_rotated and again.refresh_token != first.refresh_token


def test_userinfo_normalises_booleans_and_checks_subject(oidc):
    provider = _provider(oidc)
    login, code = _sign_in(provider, oidc, username="carol")
    tokens = provider.exchange_code(code, code_verifier=login.code_verifier)
    sub = tokens.id_token_claims.sub
    info = provider.userinfo(tokens.access_token, expected_subject=sub)
    assert info["sub"] == sub
    assert info["email_verified"] is True
    assert info["email"] == "carol@example.com"
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        provider.userinfo(tokens.access_token, expected_subject="someone-else")
    assert excinfo.value.reason == "claim_mismatch"
    with pytest.raises(authgate.OAuthError) as excinfo:
        provider.userinfo("not-a-token")
    assert excinfo.value.error == "invalid_token"


def test_revoked_refresh_token_no_longer_refreshes(oidc):
    provider = _provider(oidc)
    login, code = _sign_in(provider, oidc)
    tokens = provider.exchange_code(code, code_verifier=login.code_verifier)
    provider.revoke(tokens.refresh_token)
    provider.revoke("unknown-token")  # RFC 7009: not an error
    with pytest.raises(authgate.OAuthError) as excinfo:
        provider.refresh(tokens.refresh_token)
    assert excinfo.value.reason == "oauth_invalid_grant"


def test_client_credentials_token_verifies_and_is_cached(oidc):
    m2m = authgate.Provider.discover(
        oidc.issuer,
        client_id=_client(oidc, "m2m")["id"],
        client_secret=_client(oidc, "m2m")["secret"],
    )
    tokens = m2m.client_credentials(["orders/read"])
    assert tokens.id_token == "" and tokens.id_token_claims is None
    assert m2m.client_credentials(["orders/read"]).access_token == tokens.access_token
    before = providers.stats(oidc)["token"]
    m2m.clear_client_credentials_cache()
    assert m2m.client_credentials(["orders/read"]).access_token
    assert providers.stats(oidc)["token"] == before + 1
    claims = m2m.verify(tokens.access_token, token_uses="access")
    assert "orders/read" in claims.scopes
    verifier = authgate.Verifier.from_provider(m2m, token_uses="access")
    assert verifier.verify(tokens.access_token, scopes=["orders/read"]).token_use == (
        "access"
    )
    public = _provider(oidc, "public")
    with pytest.raises(authgate.ConfigurationError):
        public.client_credentials()


def test_logout_url(oidc):
    provider = _provider(oidc)
    url = provider.logout_url(
        post_logout_redirect_uri=oidc.info["logout_uri"], state="s1"
    )
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    assert url.startswith(oidc.issuer + "/logout?")
    assert query["post_logout_redirect_uri"] == [oidc.info["logout_uri"]]
    assert query["client_id"] == ["e2e-basic"] and query["state"] == ["s1"]


# Verifies that a new kid verifies after one refetch of the live JWKS.
def test_key_rotation_is_picked_up_after_one_refetch(oidc):
    provider = _provider(oidc, jwks={"refetch_cooldown": 1})
    before = provider.jwks_stats()["unknown_kid_refetches"]
    providers.rotate_keys(oidc)
    login, code = _sign_in(provider, oidc)
    tokens = provider.exchange_code(code, code_verifier=login.code_verifier)
    assert (
        tokens.id_token_claims.key_id
        == providers._admin(oidc.info["admin"], "/admin/keys")["kids"][0]
    )
    assert provider.jwks_stats()["unknown_kid_refetches"] == before + 1


def test_cached_keys_keep_verifying_through_an_outage(oidc):
    provider = _provider(oidc)
    login, code = _sign_in(provider, oidc)
    id_token = provider.exchange_code(code, code_verifier=login.code_verifier).id_token
    verifier = authgate.Verifier.from_provider(provider, cache_max_entries=0)
    providers.set_outage(oidc, True)
    try:
        assert verifier.verify(id_token, token_uses="id").issuer == oidc.issuer
        with pytest.raises(authgate.ProviderUnavailableError) as excinfo:
            _provider(oidc, http_timeout=2)
        assert excinfo.value.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED")
        assert isinstance(excinfo.value, ConnectionError)
    finally:
        providers.set_outage(oidc, False)


@pytest.mark.parametrize(
    "fault, cls, reason",
    [
        ("mismatch", authgate.ConfigurationError, "discovery_mismatch"),
        ("malformed", authgate.ProviderUnavailableError, "provider_response_invalid"),
        ("status500", authgate.ProviderUnavailableError, "provider_unavailable"),
        ("slow", authgate.ProviderUnavailableError, "provider_timeout"),
    ],
)
def test_faulty_discovery(oidc, fault, cls, reason):
    issuer = f"{oidc.endpoint}/faults/{fault}"
    with pytest.raises(cls) as excinfo:
        authgate.Provider.discover(issuer, client_id="x", http_timeout=1)
    assert excinfo.value.reason == reason
    with pytest.raises(cls):
        authgate.fetch_provider_metadata(issuer, timeout=1)


def test_oversized_jwks_is_refused(oidc):
    with pytest.raises(authgate.ProviderUnavailableError) as excinfo:
        authgate.Provider.discover(
            oidc.issuer,
            client_id="x",
            jwks_uri=f"{oidc.endpoint}/faults/big/.well-known/jwks.json",
        )
    assert excinfo.value.reason == "provider_response_too_large"


def test_objects_outlive_their_provider(oidc):
    provider = _provider(oidc)
    login, code = _sign_in(provider, oidc)
    tokens = provider.exchange_code(code, code_verifier=login.code_verifier)
    verifier = authgate.Verifier.from_provider(provider)
    claims = tokens.id_token_claims
    del provider
    gc.collect()
    assert claims.sub and tokens.id_token_claims.sub == claims.sub
    assert verifier.verify(tokens.id_token, token_uses="id").sub == claims.sub
    assert login.url.startswith(oidc.issuer)


def test_threads_share_a_provider(oidc):
    provider = _provider(oidc)
    login, code = _sign_in(provider, oidc)
    tokens = provider.exchange_code(code, code_verifier=login.code_verifier)
    m2m = authgate.Provider.discover(
        oidc.issuer,
        client_id=_client(oidc, "m2m")["id"],
        client_secret=_client(oidc, "m2m")["secret"],
    )

    def work(i):
        if i % 4 == 0:
            return bool(m2m.client_credentials(["orders/write"]).access_token)
        if i % 4 == 1:
            return provider.userinfo(tokens.access_token)["sub"] == (
                tokens.id_token_claims.sub
            )
        return provider.verify(tokens.id_token).sub == tokens.id_token_claims.sub

    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        assert all(pool.map(work, range(60)))


def test_cognito_tokens_from_moto_verify(cognito):
    provider = authgate.Provider.cognito(
        cognito["region"],
        cognito["pool_id"],
        client_id=cognito["client_id"],
        client_secret=cognito["client_secret"],
        jwks_uri=cognito["jwks_uri"],
    )
    assert provider.issuer == cognito["issuer"]
    verifier = authgate.Verifier.from_provider(provider)
    access = verifier.verify(cognito["access_token"], token_uses="access")
    assert access.client_id == cognito["client_id"]
    assert access.username == cognito["username"]
    assert access.issuer == cognito["issuer"]
    assert access.key_id == "dummy"
    ident = verifier.verify(cognito["id_token"], token_uses="id")
    assert ident.audience == (cognito["client_id"],)
    assert ident.username == cognito["username"]
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(cognito["id_token"], token_uses="access")
    assert excinfo.value.reason == "token_use_mismatch"
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(cognito["access_token"], audiences="another-client")
    assert excinfo.value.reason == "audience_mismatch"


def test_one_verifier_trusts_cognito_and_oidc(cognito, oidc):
    pool = authgate.Provider.cognito(
        cognito["region"],
        cognito["pool_id"],
        client_id=cognito["client_id"],
        client_secret=cognito["client_secret"],
        jwks_uri=cognito["jwks_uri"],
    )
    other = _provider(oidc)
    login, code = _sign_in(other, oidc)
    id_token = other.exchange_code(code, code_verifier=login.code_verifier).id_token
    verifier = authgate.Verifier(
        [
            authgate.ProviderPolicy(provider=pool, name="cognito"),
            authgate.ProviderPolicy(provider=other, name="oidc"),
        ]
    )
    assert verifier.verify(cognito["access_token"]).provider == "cognito"
    assert verifier.verify(id_token).provider == "oidc"
    with pytest.raises(authgate.InvalidTokenError):
        verifier.verify(id_token, provider="cognito")


def test_cognito_hosted_ui_endpoints_are_derived():
    provider = authgate.Provider.cognito(
        "eu-west-1",
        "eu-west-1_AbCdEf123",
        domain="myapp",
        client_id="abc",
        redirect_uri="https://app.example.com/cb",
        warm_up=False,
    )
    base = "https://myapp.auth.eu-west-1.amazoncognito.com"
    assert provider.metadata["token_endpoint"] == base + "/oauth2/token"
    assert provider.metadata["userinfo_endpoint"] == base + "/oauth2/userInfo"
    assert provider.authorization_url().url.startswith(base + "/oauth2/authorize?")
    url = provider.logout_url(post_logout_redirect_uri="https://app.example.com/")
    assert url.startswith(base + "/logout?")
    assert "logout_uri=https%3A%2F%2Fapp.example.com%2F" in url
    assert authgate.parse_cognito_issuer(provider.issuer) == (
        "eu-west-1",
        "eu-west-1_AbCdEf123",
    )


# Every keyword but client, ca_file and warm_up is a spec key: what is wrong
# with one is the core parser's verdict, naming "Provider.<key>" as the server
# names "providers[i].<key>".
@pytest.mark.parametrize(
    "args, kwargs, field",
    [
        (("eu-west-1", "not a pool"), {"client_id": "a"}, "Provider.user_pool_id"),
        (("eu-west-1", "eu-west-1_X"), {}, "Provider.client_id: required"),
        (("eu-west-1", "eu-west-1_X"), {"client_id": 5}, "Provider.client_id"),
        (
            ("eu-west-1", "eu-west-1_X"),
            {"client_id": "a", "bogus": 1},
            "Provider.bogus: unknown field",
        ),
        (
            ("eu-west-1", "eu-west-1_X"),
            {"client_id": "a", "token_endpoint": "https://x/token"},
            "Provider.token_endpoint: unknown field",
        ),
        (("eu-west-1", "eu-west-1_X"), {"client_id": "a", "http_timeout": -1}, "Provider."),
        (
            ("eu-west-1", "eu-west-1_X"),
            {"client_id": "a", "auth_method": "magic"},
            "Provider.auth_method",
        ),
        (
            ("eu-west-1", "eu-west-1_X"),
            {"client_id": "a", "client_secret": "hunter2", "auth_method": "none"},
            "Provider.client_secret",
        ),
        (
            ("eu-west-1", "eu-west-1_X"),
            {"client_id": "a", "client": "b"},
            "Provider.client",
        ),
        (
            ("eu-west-1", "eu-west-1_X"),
            {"client_id": "a", "jwks_file": "/nonexistent.json"},
            "jwks_file",
        ),
    ],
)
def test_bad_provider_arguments(args, kwargs, field):
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.Provider.cognito(*args, warm_up=False, **kwargs)
    assert excinfo.value.reason == "config_invalid"
    assert field in str(excinfo.value)
    assert "hunter2" not in str(excinfo.value)


def test_provider_values_without_a_json_form_are_type_errors():
    with pytest.raises(TypeError):
        authgate.Provider.cognito(
            "eu-west-1", "eu-west-1_X", client_id=object(), warm_up=False
        )
    with pytest.raises(TypeError):
        authgate.Provider.cognito(
            "eu-west-1", "eu-west-1_X", client_id="a", warm_up="no"
        )


# Verifies that a spec with several clients is one Provider per client,
# chosen with client=, and that its policy accepts every client's tokens.
def test_a_spec_with_several_clients(oidc):
    clients = [_client_spec(oidc, "basic"), _client_spec(oidc, "public")]
    public_id = _client(oidc, "public")["id"]
    first = authgate.Provider.discover(oidc.issuer, clients=clients)
    public = authgate.Provider.discover(
        oidc.issuer, clients=clients, client=public_id
    )
    assert first.client_id == _client(oidc, "basic")["id"]
    assert public.client_id == public_id
    login, code = _sign_in(public, oidc)
    assert f"client_id={public_id}" in login.url
    tokens = public.exchange_code(
        code, code_verifier=login.code_verifier, nonce=login.nonce
    )
    assert tokens.id_token_claims.audience == (public_id,)
    # The provider's policy trusts each of its clients ...
    assert first.verify(tokens.id_token).audience == (public_id,)
    verifier = authgate.Verifier.from_provider(first)
    assert verifier.verify(tokens.id_token, token_uses="id").sub
    # ... and audiences= narrows a call to one of them.
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        first.verify(tokens.id_token, audiences=_client(oidc, "basic")["id"])
    assert excinfo.value.reason == "audience_mismatch"
    described = first.describe()
    assert [c["client_id"] for c in described["clients"]] == [
        c["client_id"] for c in clients
    ]
    assert _client(oidc, "basic")["secret"] not in repr(described)


# Verifies that the kind's claim names reach Provider.verify and policies
# built from a Provider (the oidc-provider signs Cognito-shaped tokens).
def test_kind_profile_applies_to_provider_tokens(oidc):
    cognito_shaped = _provider(oidc, kind="cognito")
    login, code = _sign_in(cognito_shaped, oidc, username="dora")
    tokens = cognito_shaped.exchange_code(code, code_verifier=login.code_verifier)
    claims = cognito_shaped.verify(tokens.id_token, groups=["e2e-admins", "other"])
    assert claims.groups == ("e2e-admins",) and claims.username == "dora"
    with pytest.raises(authgate.PermissionDeniedError):
        cognito_shaped.verify(
            tokens.id_token, groups=["e2e-admins", "other"], group_match="all"
        )
    # As kind "oidc" the groups come from "groups" (the peer sends both), and
    # a claim the token lacks holds none.
    plain = authgate.Verifier.from_provider(cognito_shaped, kind="oidc")
    assert plain.verify(tokens.id_token, groups=["e2e-admins"]).groups == (
        "e2e-admins",
    )
    roles = authgate.Verifier.from_provider(
        cognito_shaped, kind="oidc", groups_claim="roles"
    )
    with pytest.raises(authgate.PermissionDeniedError) as excinfo:
        roles.verify(tokens.id_token, groups=["e2e-admins"])
    assert excinfo.value.reason == "group_missing"
    assert (
        authgate.Verifier.from_provider(
            cognito_shaped, kind="oidc", groups_claim="cognito:groups"
        )
        .verify(tokens.id_token, groups=["e2e-admins"])
        .groups
        == ("e2e-admins",)
    )


def test_unreachable_provider_is_provider_unavailable():
    port = providers.free_port()
    with pytest.raises(authgate.ProviderUnavailableError) as excinfo:
        authgate.Provider.discover(f"http://127.0.0.1:{port}", client_id="x")
    assert excinfo.value.reason == "provider_unavailable"
