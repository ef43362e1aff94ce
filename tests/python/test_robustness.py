"""Bad arguments, hostile input and concurrency: Python exceptions, never a
crash, and correct answers under threads."""

from __future__ import annotations

import concurrent.futures
import gc
import json
import random
import string
import threading

import authgate
import pytest
from conftest import CLIENT_ID, ISSUER, access_claims, jwks_of, sign


@pytest.mark.parametrize(
    "token, reason",
    [
        ("", "token_malformed"),
        ("....", "token_malformed"),
        ("a.b.c", "token_malformed"),
        ("tok\x00en.a.b", "token_malformed"),
        ("x" * 16385, "token_too_large"),
        ("x" * 10_000_000, "token_too_large"),
        ("é" * 100, "token_malformed"),
    ],
)
def test_bad_tokens_raise_invalid_token_error(verifier, token, reason):
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(token)
    assert excinfo.value.reason == reason
    assert excinfo.value.code == "UNAUTHENTICATED"


@pytest.mark.parametrize("token", [None, 123, 1.5, ["a.b.c"], object(), "\ud800"])
def test_wrong_token_types_raise_type_error(verifier, token):
    with pytest.raises(TypeError):
        verifier.verify(token)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scopes": "orders/read"},  # a str is not a list of scopes
        {"scopes": [1]},
        {"groups": None},
        {"token_uses": 5},
        {"audiences": [None]},
        {"scope_match": True},
        {"group_match": ["any"]},
        {"unknown_option": True},
        {"require_all": True},  # the old keyword is gone
    ],
)
def test_wrong_option_types_raise_type_error(verifier, mint, kwargs):
    with pytest.raises(TypeError):
        verifier.verify(mint(), **kwargs)


def test_options_are_keyword_only(verifier, mint):
    with pytest.raises(TypeError):
        verifier.verify(mint(), "access")


def test_random_garbage_never_crashes(verifier, mint):
    rng = random.Random(1234)
    alphabet = string.ascii_letters + string.digits + "-_.=+/ \t\n{}\"'"
    good = mint()
    for _ in range(2000):
        kind = rng.randrange(3)
        if kind == 0:
            token = "".join(rng.choice(alphabet) for _ in range(rng.randrange(200)))
        elif kind == 1:
            # Truncate or mutate a valid token.
            chars = list(good)
            for _ in range(rng.randrange(1, 4)):
                chars[rng.randrange(len(chars))] = rng.choice(alphabet)
            token = "".join(chars[: rng.randrange(1, len(chars) + 1)])
        else:
            token = ".".join(
                "".join(rng.choice(alphabet) for _ in range(rng.randrange(50)))
                for _ in range(rng.randrange(1, 5))
            )
        try:
            verifier.verify(token)
        except authgate.AuthgateError:
            pass
        try:
            authgate.decode_unverified(token)
        except authgate.AuthgateError:
            pass


def test_unusual_claim_values_convert(verifier, rsa_key):
    # The core accepts nesting up to kMaxJsonDepth (20) levels, the payload
    # object being the first.
    deep = []
    for _ in range(18):
        deep = [deep]
    token = sign(
        access_claims(
            name="Zoë 日本 \U0001F600",
            big=2**64 - 1,
            negative=-(2**63),
            ratio=0.25,
            nested={"a": [1, {"b": True, "c": None}]},
            deep=deep,
        ),
        rsa_key,
    )
    claims = verifier.verify(token)
    assert claims["name"] == "Zoë 日本 \U0001F600"
    assert claims["big"] == 2**64 - 1
    assert claims["negative"] == -(2**63)
    assert claims["ratio"] == 0.25
    assert claims["nested"] == {"a": [1, {"b": True, "c": None}]}
    depth, value = 0, claims["deep"]
    while value:
        value, depth = value[0], depth + 1
    assert depth == 18
    for _ in range(200):
        deep = [deep]
    with pytest.raises(authgate.InvalidTokenError) as excinfo:
        verifier.verify(sign(access_claims(deep=deep), rsa_key))
    assert excinfo.value.reason == "token_malformed"


def test_very_deep_claims_never_crash(verifier, rsa_key):
    payload = access_claims()
    # Build the nesting by hand: PyJWT's json.dumps would hit Python's
    # recursion limit first. 5000 levels fit within the 16 KiB token limit.
    body = json.dumps(payload)[:-1] + ', "deep": ' + "[" * 5000 + "]" * 5000 + "}"
    token = _sign_raw(body, rsa_key)
    try:
        claims = verifier.verify(token)
    except authgate.InvalidTokenError:
        return  # the core may refuse such a payload; that is fine
    try:
        claims.to_dict()
    except RecursionError:
        pass


def _sign_raw(payload_json: str, key) -> str:
    """Signs an exact payload text (PyJWT would re-encode a dict)."""
    import base64

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "RS256", "kid": key.kid, "typ": "JWT"}).encode())
    payload = b64(payload_json.encode())
    signing_input = f"{header}.{payload}".encode()
    signature = key.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{b64(signature)}"


# A value with no JSON form is a TypeError (ValueError past 64 bits) from the
# conversion; a JSON value of the wrong type is the core parser's
# ConfigurationError, worded as the server words it.
@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"required_claims": {"a": object()}}, TypeError),
        ({"required_claims": {1: 2}}, TypeError),
        ({"required_claims": {"a": 2**70}}, ValueError),
        ({"issuer": object()}, TypeError),
        ({"provider": "not a provider"}, TypeError),
        ({"issuer": 5}, authgate.ConfigurationError),
        ({"audiences": [1, 2]}, authgate.ConfigurationError),
        ({"clock_skew": [60]}, authgate.ConfigurationError),
        ({"clock_skew": "sixty"}, authgate.ConfigurationError),
        ({"algorithms": 256}, authgate.ConfigurationError),
        ({"required_claims": [1]}, authgate.ConfigurationError),
    ],
)
def test_bad_policy_arguments(jwks, kwargs, error):
    settings = {"jwks_inline": jwks, "issuer": ISSUER, "client_id": CLIENT_ID}
    settings.update(kwargs)
    if "provider" in kwargs:
        del settings["jwks_inline"]
    with pytest.raises(error) as excinfo:
        authgate.ProviderPolicy(**settings)
    if error is authgate.ConfigurationError:
        assert excinfo.value.reason == "config_invalid"
        assert str(excinfo.value).startswith("ProviderPolicy." + next(iter(kwargs)))


def test_self_containing_required_claim_is_refused(jwks):
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):
        authgate.ProviderPolicy(
            jwks_inline=jwks,
            issuer=ISSUER,
            client_id=CLIENT_ID,
            required_claims={"a": loop},
        )


def test_huge_jwks_is_refused_before_parsing():
    with pytest.raises(authgate.ConfigurationError) as excinfo:
        authgate.ProviderPolicy(
            jwks_inline='{"keys": [' + " " * 10_000_000 + "]}",
            issuer=ISSUER,
            audiences="a",
        )
    assert excinfo.value.reason == "jwks_invalid"
    assert "jwks_inline" in str(excinfo.value)


@pytest.mark.parametrize("policies", ["not a list", [None], [1], None])
def test_bad_verifier_arguments(policies):
    with pytest.raises(TypeError):
        authgate.Verifier(policies)


def test_objects_cannot_be_built_from_python():
    for cls in (authgate.Claims, authgate.TokenResponse, authgate.AuthorizationUrl):
        with pytest.raises(TypeError):
            cls()


def test_threads_verify_concurrently_with_correct_results(rsa_key, ec_key):
    # Cache off: every call runs the full signature check in parallel.
    verifier = authgate.Verifier(
        [
            authgate.ProviderPolicy(
                jwks_inline=jwks_of(rsa_key, ec_key), issuer=ISSUER, client_id=CLIENT_ID
            )
        ],
        cache_max_entries=0,
    )
    tokens = []
    for i in range(400):
        key = rsa_key if i % 3 else ec_key
        expired = i % 7 == 0
        claims = access_claims(sub=f"user-{i}")
        if expired:
            claims["exp"] = claims["iat"] - 1000
            claims["iat"] -= 2000
        tokens.append((f"user-{i}", expired, sign(claims, key)))

    def check(item):
        sub, expired, token = item
        for _ in range(3):
            try:
                result = verifier.verify(token, scopes=["orders/read"])
            except authgate.TokenExpiredError:
                assert expired, sub
            else:
                assert not expired and result.sub == sub
        return True

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(check, tokens))


def test_threads_share_verifier_while_others_come_and_go(jwks, mint):
    shared = authgate.Verifier.from_jwks(jwks, issuer=ISSUER, client_id=CLIENT_ID)
    tokens = [mint(sub=f"s{i}") for i in range(50)]
    errors = []

    def worker(n):
        try:
            for i in range(200):
                token = tokens[(i + n) % len(tokens)]
                assert shared.verify(token).sub == f"s{(i + n) % len(tokens)}"
                if i % 50 == 0:
                    # Short-lived verifiers and claims made and dropped.
                    local = authgate.Verifier.from_jwks(
                        jwks, issuer=ISSUER, client_id=CLIENT_ID
                    )
                    claims = local.verify(token)
                    del local
                    gc.collect()
                    assert claims.to_dict()["sub"] == claims.sub
        except Exception as error:  # reported below with its thread
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
