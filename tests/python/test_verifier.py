"""Verifier, ProviderPolicy and Claims with tokens minted at test time.

Each rejection test starts from a token that passes and breaks one thing,
then asserts the exact class, code and reason.
"""

from __future__ import annotations

import base64
import collections.abc
import datetime
import gc
import json
import time
import weakref

import authgate
import jwt
import pytest
from conftest import (
    CLIENT_ID,
    ISSUER,
    access_claims,
    id_claims,
    jwks_of,
    sign,
)


def _assert_error(excinfo, cls, code, reason):
    assert type(excinfo.value) is cls
    assert excinfo.value.code == code
    assert excinfo.value.reason == reason


def test_verify_access_token_returns_typed_claims(verifier, mint):
    token = mint(sub="user-1", username="bob")
    claims = verifier.verify(token)
    assert claims.sub == "user-1"
    assert claims.username == "bob"
    assert claims.client_id == CLIENT_ID
    assert claims.token_use == "access"
    assert claims.issuer == ISSUER
    assert claims.scopes == ("openid", "orders/read", "orders/write")
    assert claims.groups == ("admins", "staff")
    assert claims.audience == ()
    assert claims.algorithm == "RS256"
    assert claims.key_id == "rsa-key-1"
    # The core names a Cognito provider "cognito" unless told otherwise.
    assert claims.provider == "cognito"
    assert claims.token_id == claims["jti"]
    assert claims.nonce == ""


def test_times_are_aware_utc_datetimes(verifier, rsa_key):
    now = int(time.time())
    token = sign(access_claims(exp=now + 60, iat=now - 5, nbf=now - 5), rsa_key)
    claims = verifier.verify(token)
    utc = datetime.timezone.utc
    assert claims.expires_at == datetime.datetime.fromtimestamp(now + 60, utc)
    assert claims.issued_at == datetime.datetime.fromtimestamp(now - 5, utc)
    assert claims.not_before == datetime.datetime.fromtimestamp(now - 5, utc)
    assert claims.auth_time.tzinfo is utc


def test_far_future_exp_saturates_instead_of_raising(verifier, rsa_key):
    token = sign(access_claims(exp=10**12), rsa_key)
    claims = verifier.verify(token)
    assert claims.expires_at.year == 9999
    assert claims["exp"] == 10**12


def test_claims_behave_as_a_read_only_mapping(verifier, mint):
    claims = verifier.verify(mint(**{"custom:tenant": "acme", "n": 1.5}))
    assert isinstance(claims, collections.abc.Mapping)
    assert claims["custom:tenant"] == "acme"
    assert claims["n"] == 1.5
    assert claims["cognito:groups"] == ["admins", "staff"]
    assert claims.get("missing") is None
    assert claims.get("missing", 7) == 7
    assert "sub" in claims and "missing" not in claims and 3 not in claims
    assert len(claims) == len(list(claims))
    assert set(claims.keys()) == set(claims.to_dict())
    assert dict(claims.items()) == claims.to_dict()
    assert sorted(map(str, claims.values())) == sorted(
        map(str, claims.to_dict().values())
    )
    assert dict(claims) == claims.to_dict()
    assert claims == claims.to_dict()
    assert claims != {"sub": "other"}
    assert claims != 42
    with pytest.raises(KeyError):
        claims["missing"]
    with pytest.raises(TypeError):
        claims["sub"] = "mallory"
    with pytest.raises(AttributeError):
        claims.sub = "mallory"
    with pytest.raises(TypeError):
        hash(claims)
    # Values are copies: changing one changes nothing in the claims.
    claims["cognito:groups"].append("root")
    assert claims.groups == ("admins", "staff")
    assert "admins" not in repr(claims) and claims.sub in repr(claims)


def test_two_claims_of_one_token_are_equal(verifier, mint):
    token = mint()
    assert verifier.verify(token) == verifier.verify(token)
    assert verifier.verify(token) != verifier.verify(mint())


def test_verify_id_token_with_nonce(verifier, rsa_key):
    token = sign(id_claims(nonce="n-123"), rsa_key)
    claims = verifier.verify(token, token_uses="id", nonce="n-123")
    assert claims.audience == (CLIENT_ID,)
    assert claims.username == "alice"
    assert claims["email_verified"] is True
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(token, nonce="other")
    _assert_error(
        excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", "nonce_mismatch"
    )


def test_verify_es256_token(verifier, ec_key):
    claims = verifier.verify(sign(access_claims(), ec_key))
    assert claims.algorithm == "ES256"
    assert claims.key_id == "ec-key-1"


def test_expired_token_raises_token_expired_error(verifier, mint):
    token = mint(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)
    with pytest.raises(authgate.TokenExpiredError) as excinfo:
        verifier.verify(token)
    _assert_error(
        excinfo, authgate.TokenExpiredError, "UNAUTHENTICATED", "token_expired"
    )
    assert isinstance(excinfo.value, authgate.InvalidTokenError)
    assert "expired" in str(excinfo.value)
    assert token not in str(excinfo.value)


def test_expired_beyond_skew_but_within_it_passes(rsa_key):
    verifier = authgate.Verifier.from_jwks(
        jwks_of(rsa_key), issuer=ISSUER, client_id=CLIENT_ID, clock_skew=120
    )
    verifier.verify(sign(access_claims(exp=int(time.time()) - 60), rsa_key))


def test_not_yet_valid_token(verifier, mint):
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(mint(nbf=int(time.time()) + 3600))
    _assert_error(
        excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", "token_not_yet_valid"
    )


def _flip_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01
    flipped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return ".".join([header, payload, flipped])


@pytest.mark.parametrize(
    "breakage, reason",
    [
        ("signature", "signature_invalid"),
        ("payload", "signature_invalid"),
        ("segments", "token_malformed"),
        ("base64", "token_malformed"),
        ("empty", "token_malformed"),
    ],
)
def test_tampered_token_is_rejected(verifier, mint, breakage, reason):
    token = mint()
    verifier.verify(token)
    header, payload, signature = token.split(".")
    if breakage == "signature":
        token = _flip_signature(token)
    elif breakage == "payload":
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["username"] = "mallory"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
        token = ".".join([header, forged.decode(), signature])
    elif breakage == "segments":
        token = header + "." + payload
    elif breakage == "base64":
        token = header + ".$$$." + signature
    else:
        token = ""
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(token)
    _assert_error(excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", reason)


def test_unknown_kid_is_key_not_found(verifier, other_rsa_key):
    token = sign(access_claims(), other_rsa_key)
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(token)
    _assert_error(
        excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", "key_not_found"
    )


def test_alg_none_and_hmac_confusion_are_refused(verifier, rsa_key):
    unsigned = jwt.encode(
        access_claims(), None, algorithm="none", headers={"kid": rsa_key.kid}
    )
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(unsigned)
    assert excinfo.value.reason in ("alg_not_allowed", "token_malformed")
    # RFC 8725 3.1: a token must not choose HS256 with the RSA key as secret.
    secret = json.dumps(rsa_key.jwk).encode()
    confused = jwt.encode(
        access_claims(), secret, algorithm="HS256", headers={"kid": rsa_key.kid}
    )
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(confused)
    _assert_error(
        excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", "alg_not_allowed"
    )


def test_wrong_issuer_is_rejected(verifier, mint):
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(mint(iss=ISSUER + "/"))
    _assert_error(
        excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", "issuer_mismatch"
    )


def test_wrong_client_id_is_audience_mismatch(verifier, mint):
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(mint(client_id="someone-else"))
    _assert_error(
        excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", "audience_mismatch"
    )
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(mint(), audiences=["another-client"])
    assert excinfo.value.reason == "audience_mismatch"
    verifier.verify(mint(), audiences=[CLIENT_ID, "another-client"])
    verifier.verify(mint(), audiences=CLIENT_ID)


def test_token_use_is_checked_per_call(verifier, mint, rsa_key):
    verifier.verify(mint(), token_uses="access")
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(mint(), token_uses="id")
    _assert_error(
        excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", "token_use_mismatch"
    )
    verifier.verify(sign(id_claims(), rsa_key), token_uses=["id", "access"])


def test_token_use_from_policy(rsa_key, mint):
    verifier = authgate.Verifier.from_jwks(
        jwks_of(rsa_key), issuer=ISSUER, client_id=CLIENT_ID, token_uses="id"
    )
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(mint())
    assert excinfo.value.reason == "token_use_mismatch"


def test_token_type_from_policy(rsa_key):
    policy = authgate.ProviderPolicy(
        jwks_inline=jwks_of(rsa_key),
        issuer=ISSUER,
        client_id=CLIENT_ID,
        token_types="at+jwt",
    )
    assert policy.token_types == ["at+jwt"]
    verifier = authgate.Verifier([policy])
    verifier.verify(
        sign(access_claims(), rsa_key, headers={"typ": "application/at+jwt"})
    )
    for typ in ("JWT", None):  # PyJWT leaves out a None typ
        token = sign(access_claims(), rsa_key, headers={"typ": typ})
        with pytest.raises(authgate.InvalidTokenError) as excinfo:
            verifier.verify(token)
        _assert_error(
            excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", "token_type_mismatch"
        )


def test_missing_scope_is_permission_denied(verifier, mint):
    token = mint()
    verifier.verify(token, scopes=["orders/read", "orders/write"])
    with pytest.raises(authgate.PermissionDeniedError) as excinfo:
        verifier.verify(token, scopes=["orders/read", "orders/delete"])
    _assert_error(
        excinfo, authgate.PermissionDeniedError, "PERMISSION_DENIED", "scope_missing"
    )
    verifier.verify(token, scopes=("orders/delete", "orders/read"), scope_match="any")


def test_missing_group_is_permission_denied(verifier, mint):
    token = mint()
    verifier.verify(token, groups=["staff"])
    with pytest.raises(authgate.PermissionDeniedError) as excinfo:
        verifier.verify(token, groups=["auditors", "owners"])
    _assert_error(
        excinfo, authgate.PermissionDeniedError, "PERMISSION_DENIED", "group_missing"
    )
    with pytest.raises(authgate.PermissionDeniedError) as excinfo:
        verifier.verify(token, groups=["staff", "auditors"], group_match="all")
    assert excinfo.value.reason == "group_missing"
    verifier.verify(token, groups=["admins", "staff"], group_match="all")


# Verifies that one listed group is enough by default, as in C++, gRPC,
# ext_authz and the CLI (the old require_all=True demanded every group).
def test_groups_match_any_by_default(verifier, rsa_key):
    token = sign(access_claims(**{"cognito:groups": ["a"]}), rsa_key)
    assert verifier.verify(token, groups=["a", "b"]).groups == ("a",)
    # Scopes stay "all" by default.
    with pytest.raises(authgate.PermissionDeniedError) as excinfo:
        verifier.verify(token, scopes=["orders/read", "orders/delete"])
    assert excinfo.value.reason == "scope_missing"


@pytest.mark.parametrize("keyword", ["scope_match", "group_match"])
@pytest.mark.parametrize("value", ["ALL", "some", ""])
def test_match_mode_is_all_or_any(verifier, mint, keyword, value):
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        verifier.verify(mint(), scopes=["openid"], **{keyword: value})
    assert excinfo.value.reason == "invalid_argument"
    assert keyword in str(excinfo.value)


# Verifies that the token is taken byte for byte: nothing is stripped.
@pytest.mark.parametrize("wrap", [" {}", "{}\n", "Bearer {}", "{} "])
def test_token_is_not_stripped(verifier, mint, wrap):
    token = mint()
    verifier.verify(token)
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(wrap.format(token))
    assert excinfo.value.reason == "token_malformed"


def test_required_claims_and_max_lifetime(rsa_key):
    verifier = authgate.Verifier.from_jwks(
        jwks_of(rsa_key),
        issuer=ISSUER,
        client_id=CLIENT_ID,
        required_claims={"version": 2},
        max_lifetime=3700,
    )
    verifier.verify(sign(access_claims(), rsa_key))
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(sign(access_claims(version=1), rsa_key))
    assert excinfo.value.reason == "claim_mismatch"
    now = int(time.time())
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(sign(access_claims(iat=now, exp=now + 7200), rsa_key))
    assert excinfo.value.reason == "token_lifetime_too_long"


def test_several_providers_route_by_issuer(rsa_key, other_rsa_key):
    other_issuer = "https://idp.example.com"
    verifier = authgate.Verifier(
        [
            authgate.ProviderPolicy(
                name="cognito",
                jwks_inline=jwks_of(rsa_key),
                issuer=ISSUER,
                client_id=CLIENT_ID,
            ),
            authgate.ProviderPolicy(
                name="oidc",
                jwks_inline=jwks_of(other_rsa_key),
                issuer=other_issuer,
                audiences=["api://orders"],
            ),
        ]
    )
    assert verifier.providers == ["cognito", "oidc"]
    a = verifier.verify(sign(access_claims(), rsa_key))
    b = verifier.verify(
        sign(id_claims(iss=other_issuer, aud="api://orders"), other_rsa_key)
    )
    assert (a.provider, b.provider) == ("cognito", "oidc")
    # A key of one provider never verifies the other's issuer.
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(sign(access_claims(iss=other_issuer), rsa_key))
    assert excinfo.value.reason == "key_not_found"
    with pytest.raises(authgate.InvalidTokenError):
        verifier.verify(sign(access_claims(), rsa_key), provider="oidc")


def test_from_jwks_file(tmp_path, rsa_key, mint):
    path = tmp_path / "jwks.json"
    path.write_text(jwks_of(rsa_key))
    verifier = authgate.Verifier.from_jwks_file(
        str(path), issuer=ISSUER, client_id=CLIENT_ID
    )
    assert verifier.verify(mint()).sub
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.Verifier.from_jwks_file(
            str(tmp_path / "missing.json"), issuer=ISSUER, client_id=CLIENT_ID
        )
    assert excinfo.value.code == "INVALID_ARGUMENT"


def test_repeated_token_hits_the_cache(rsa_key, mint):
    verifier = authgate.Verifier.from_jwks(
        jwks_of(rsa_key), issuer=ISSUER, client_id=CLIENT_ID
    )
    token = mint()
    for _ in range(5):
        verifier.verify(token)
    stats = verifier.stats()
    assert stats["cache_misses"] == 1 and stats["cache_hits"] == 4
    # The per-call policy still applies on a hit.
    with pytest.raises(authgate.PermissionDeniedError):
        verifier.verify(token, scopes=["admin"])


# Every one of these is the core parser's verdict (config_invalid), with the
# field named after "ProviderPolicy." as the server names it after
# "providers[i].".
@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({}, ""),  # live keys (discovery) need a Provider
        ({"jwks_inline": "{}"}, "ProviderPolicy.jwks_inline"),
        ({"jwks_inline": "not json"}, "ProviderPolicy.jwks_inline"),
        ({"jwks_inline": '{"keys": []}', "jwks_file": "/x"}, "jwks"),
        ({"jwks_inline": "JWKS", "algorithms": ["RS257"]}, "ProviderPolicy.algorithms"),
        ({"jwks_inline": "JWKS", "clock_skew": float("nan")}, "ProviderPolicy.clock_skew"),
        ({"jwks_inline": "JWKS", "bogus": 1}, "ProviderPolicy.bogus: unknown field"),
        # The old keyword names are unknown to the spec, or mean another key.
        ({"jwks_inline": "JWKS", "audience": "x"}, "ProviderPolicy.audience: unknown"),
        ({"jwks_inline": "JWKS", "token_use": "id"}, "ProviderPolicy.token_use: unknown"),
        ({"jwks": "JWKS"}, "ProviderPolicy.jwks: must be an object"),
    ],
)
def test_bad_policy_raises_configuration_error(jwks, kwargs, field):
    kwargs = {k: (jwks if v == "JWKS" else v) for k, v in kwargs.items()}
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.ProviderPolicy(issuer=ISSUER, client_id=CLIENT_ID, **kwargs)
    # An unusable key set keeps the key set's own reason.
    expected = "jwks_invalid" if field.endswith("jwks_inline") else "config_invalid"
    assert excinfo.value.reason == expected
    assert excinfo.value.code == "INVALID_ARGUMENT"
    assert field in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"client_id": None},  # no audience is not "accept any"
        {"client_id": CLIENT_ID, "clock_skew": 3600},
        {"client_id": CLIENT_ID, "issuer": []},
        {"client_id": CLIENT_ID, "issuer": ISSUER + "/"},
    ],
)
def test_insecure_or_empty_settings_are_refused(jwks, kwargs):
    settings = {"issuer": ISSUER, **kwargs}
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.Verifier.from_jwks(jwks, **settings)
    assert excinfo.value.reason == "config_invalid"
    assert "ProviderPolicy." in str(excinfo.value)


def test_allow_any_audience_is_explicit(jwks, mint):
    verifier = authgate.Verifier.from_jwks(jwks, issuer=ISSUER, allow_any_audience=True)
    assert verifier.verify(mint(client_id="whoever")).client_id == "whoever"


def test_duplicate_issuer_across_policies_is_refused(jwks):
    policy = authgate.ProviderPolicy(jwks_inline=jwks, issuer=ISSUER, audiences="a")
    with pytest.raises(authgate.ConfigurationError):
        authgate.Verifier([policy, policy])
    with pytest.raises(authgate.ConfigurationError):
        authgate.Verifier([])


def test_policy_exposes_its_settings(jwks):
    policy = authgate.ProviderPolicy(
        jwks_inline=jwks, issuer=ISSUER, audiences=["a", "b"], token_uses="access"
    )
    assert policy.name == "cognito"
    assert policy.issuers == [ISSUER]
    assert policy.audiences == ["a", "b"]
    assert policy.token_uses == ["access"]
    assert "jwks_inline" in repr(policy)
    described = policy.describe()
    assert described["kind"] == "cognito"
    assert described["keys"] == {"jwks_inline": True}
    assert described["groups_claim"] == "cognito:groups"


# Verifies that the binding adds no default of its own: what it leaves out,
# the core's kind profile decides.
def test_defaults_come_from_the_core(jwks):
    cognito = authgate.ProviderPolicy(jwks_inline=jwks, issuer=ISSUER, client_id="c")
    assert cognito.token_uses == ["id", "access"]
    assert cognito.audiences == ["c"]
    oidc = authgate.ProviderPolicy(
        jwks_inline=jwks, issuer="https://idp.example.com", client_id="c"
    )
    assert oidc.token_uses == [] and oidc.name == "https://idp.example.com"
    assert oidc.describe()["groups_claim"] == "groups"
    assert oidc.describe()["clock_skew_seconds"] == 60


def test_keywords_and_from_spec_are_one_parser(tmp_path, jwks, rsa_key, mint):
    path = tmp_path / "jwks.json"
    path.write_text(jwks)
    spec = {
        "name": "pool",
        "kind": "cognito",
        "issuer": ISSUER,
        "clients": [{"client_id": "web"}, {"client_id": CLIENT_ID}],
        "jwks_file": str(path),
        "clock_skew": "2m",
        "token_uses": ["access"],
    }
    from_spec = authgate.ProviderPolicy.from_spec(spec)
    from_keywords = authgate.ProviderPolicy(**spec)
    assert from_spec.describe() == from_keywords.describe()
    assert from_spec.audiences == ["web", CLIENT_ID]
    assert from_spec.describe()["clock_skew_seconds"] == 120
    verifier = authgate.Verifier([from_spec])
    assert verifier.verify(mint()).provider == "pool"
    # A duration may also be a timedelta or a number of seconds.
    for skew in (datetime.timedelta(minutes=2), 120, 120.0):
        policy = authgate.ProviderPolicy(**{**spec, "clock_skew": skew})
        assert policy.describe()["clock_skew_seconds"] == 120
    # from_spec takes the server's JSON exactly: null is not "absent" there.
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.ProviderPolicy.from_spec({**spec, "domain": None})
    assert "ProviderPolicy.domain: must be a string" in str(excinfo.value)
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.ProviderPolicy.from_spec([spec])
    assert "must be an object" in str(excinfo.value)


def test_from_jwks_takes_text_or_a_dict(rsa_key, mint):
    for document in (jwks_of(rsa_key), json.loads(jwks_of(rsa_key))):
        verifier = authgate.Verifier.from_jwks(
            document, issuer=ISSUER, client_id=CLIENT_ID
        )
        assert verifier.verify(mint()).key_id == rsa_key.kid
    with pytest.raises(TypeError):
        authgate.Verifier.from_jwks(
            jwks_of(rsa_key), jwks_inline="{}", issuer=ISSUER, client_id=CLIENT_ID
        )


def test_decode_unverified_and_fingerprint(mint):
    token = mint(sub="inspect-me")
    header, claims = authgate.decode_unverified(token)
    assert header["alg"] == "RS256" and header["kid"] == "rsa-key-1"
    assert claims["sub"] == "inspect-me"
    fingerprint = authgate.token_fingerprint(token)
    assert len(fingerprint) == 12 and int(fingerprint, 16) >= 0
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        authgate.decode_unverified("a.b")
    assert excinfo.value.reason == "token_malformed"


def test_objects_outlive_what_made_them(rsa_key, mint):
    policy = authgate.ProviderPolicy(
        jwks_inline=jwks_of(rsa_key), issuer=ISSUER, client_id=CLIENT_ID
    )
    verifier = authgate.Verifier([policy])
    del policy
    gc.collect()
    claims = verifier.verify(mint(sub="survivor"))
    ref = weakref.ref(verifier) if hasattr(verifier, "__weakref__") else None
    del verifier
    gc.collect()
    if ref is not None:
        assert ref() is None
    assert claims.sub == "survivor"
    assert claims.to_dict()["sub"] == "survivor"
