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
    assert claims.provider == ISSUER
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
    claims = verifier.verify(token, token_use="id", nonce="n-123")
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
        jwks_of(rsa_key), issuer=ISSUER, audience=CLIENT_ID, clock_skew=120
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
        verifier.verify(mint(), audience=["another-client"])
    assert excinfo.value.reason == "audience_mismatch"
    verifier.verify(mint(), audience=[CLIENT_ID, "another-client"])
    verifier.verify(mint(), audience=CLIENT_ID)


def test_token_use_is_checked_per_call(verifier, mint, rsa_key):
    verifier.verify(mint(), token_use="access")
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(mint(), token_use="id")
    _assert_error(
        excinfo, authgate.InvalidTokenError, "UNAUTHENTICATED", "token_use_mismatch"
    )
    verifier.verify(sign(id_claims(), rsa_key), token_use=["id", "access"])


def test_token_use_from_policy(rsa_key, mint):
    verifier = authgate.Verifier.from_jwks(
        jwks_of(rsa_key), issuer=ISSUER, audience=CLIENT_ID, token_use="id"
    )
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(mint())
    assert excinfo.value.reason == "token_use_mismatch"


def test_token_type_from_policy(rsa_key):
    policy = authgate.ProviderPolicy(
        jwks=jwks_of(rsa_key), issuer=ISSUER, audience=CLIENT_ID, token_type="at+jwt"
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
    verifier.verify(token, scopes=("orders/delete", "orders/read"), require_all=False)


def test_missing_group_is_permission_denied(verifier, mint):
    token = mint()
    verifier.verify(token, groups=["staff"])
    with pytest.raises(authgate.PermissionDeniedError) as excinfo:
        verifier.verify(token, groups=["staff", "auditors"])
    _assert_error(
        excinfo, authgate.PermissionDeniedError, "PERMISSION_DENIED", "group_missing"
    )
    verifier.verify(token, groups=["auditors", "staff"], require_all=False)


def test_required_claims_and_max_lifetime(rsa_key):
    verifier = authgate.Verifier.from_jwks(
        jwks_of(rsa_key),
        issuer=ISSUER,
        audience=CLIENT_ID,
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
                jwks=jwks_of(rsa_key),
                issuer=ISSUER,
                audience=CLIENT_ID,
            ),
            authgate.ProviderPolicy(
                name="oidc",
                jwks=jwks_of(other_rsa_key),
                issuer=[other_issuer],
                audience=["api://orders"],
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
        str(path), issuer=ISSUER, audience=CLIENT_ID
    )
    assert verifier.verify(mint()).sub
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.Verifier.from_jwks_file(
            str(tmp_path / "missing.json"), issuer=ISSUER, audience=CLIENT_ID
        )
    assert excinfo.value.code == "INVALID_ARGUMENT"


def test_repeated_token_hits_the_cache(rsa_key, mint):
    verifier = authgate.Verifier.from_jwks(
        jwks_of(rsa_key), issuer=ISSUER, audience=CLIENT_ID
    )
    token = mint()
    for _ in range(5):
        verifier.verify(token)
    stats = verifier.stats()
    assert stats["cache_misses"] == 1 and stats["cache_hits"] == 4
    # The per-call policy still applies on a hit.
    with pytest.raises(authgate.PermissionDeniedError):
        verifier.verify(token, scopes=["admin"])


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({}, "config_invalid"),
        ({"jwks": "{}"}, "jwks_invalid"),
        ({"jwks": "not json"}, "jwks_invalid"),
        ({"jwks": '{"keys": []}', "jwks_file": "/x"}, "config_invalid"),
        ({"jwks": "JWKS", "algorithms": ["RS257"]}, "config_invalid"),
        ({"jwks": "JWKS", "clock_skew": float("nan")}, "invalid_argument"),
    ],
)
def test_bad_policy_raises_configuration_error(jwks, kwargs, reason):
    kwargs = {k: (jwks if v == "JWKS" else v) for k, v in kwargs.items()}
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.ProviderPolicy(issuer=ISSUER, audience=CLIENT_ID, **kwargs)
    assert excinfo.value.reason == reason
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"audience": None},  # empty audience is not "accept any"
        {"audience": CLIENT_ID, "clock_skew": 3600},
        {"audience": CLIENT_ID, "issuer": []},
    ],
)
def test_insecure_or_empty_settings_are_refused(jwks, kwargs):
    settings = {"issuer": ISSUER, **kwargs}
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.Verifier.from_jwks(jwks, **settings)
    assert excinfo.value.reason == "config_invalid"


def test_allow_any_audience_is_explicit(jwks, mint):
    verifier = authgate.Verifier.from_jwks(jwks, issuer=ISSUER, allow_any_audience=True)
    assert verifier.verify(mint(client_id="whoever")).client_id == "whoever"


def test_duplicate_issuer_across_policies_is_refused(jwks):
    policy = authgate.ProviderPolicy(jwks=jwks, issuer=ISSUER, audience="a")
    with pytest.raises(authgate.ConfigurationError):
        authgate.Verifier([policy, policy])
    with pytest.raises(authgate.ConfigurationError):
        authgate.Verifier([])


def test_policy_exposes_its_settings(jwks):
    policy = authgate.ProviderPolicy(
        jwks=jwks, issuer=ISSUER, audience=["a", "b"], token_use="access"
    )
    assert policy.name == ISSUER
    assert policy.issuers == [ISSUER]
    assert policy.audiences == ["a", "b"]
    assert policy.token_uses == ["access"]
    assert "jwks" in repr(policy)


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
        jwks=jwks_of(rsa_key), issuer=ISSUER, audience=CLIENT_ID
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
