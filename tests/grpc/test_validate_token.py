"""ValidateToken against real Cognito-emulator (moto) and OIDC tokens."""

import base64
import json
import re

import grpc
import pytest

from conftest import trailing


def tamper_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return ".".join(
        [header, payload, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()]
    )


def tamper_payload(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    encoded = (
        base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    )
    return ".".join([header, encoded, signature])


def expect_error(call, code, reason=None):
    with pytest.raises(grpc.RpcError) as info:
        call()
    error = info.value
    assert error.code() == code, error.details()
    if reason is not None:
        assert trailing(error).get("authgate-error-reason") == reason, trailing(error)
    return error


def test_accepts_cognito_access_token(auth, pb, cognito):
    response = auth.ValidateToken(
        pb.auth.ValidateTokenRequest(token=cognito["access_token"])
    )
    p = response.principal
    assert p.subject == cognito["sub"]
    assert p.username == cognito["username"]
    assert p.client_id == cognito["client_id"]
    assert p.token_use == "access"
    assert list(p.groups) == ["admins"]
    assert p.issuer == cognito["issuer"]
    assert p.provider == "cognito"
    assert p.expires_at.seconds > 0
    assert response.claims.fields["token_use"].string_value == "access"


def test_accepts_id_token(auth, pb, cognito):
    response = auth.ValidateToken(
        pb.auth.ValidateTokenRequest(token=cognito["id_token"], token_uses=["id"])
    )
    assert response.principal.token_use == "id"
    assert list(response.principal.audiences) == [cognito["client_id"]]
    assert response.claims.fields["cognito:username"].string_value == "alice"


# The token is a compact JWS, taken byte for byte: the server neither trims
# nor strips a scheme (an Authorization header is ext_authz's to parse).
@pytest.mark.parametrize(
    "wrap",
    [
        lambda t: " " + t,
        lambda t: t + "\n",
        lambda t: t + " ",
        lambda t: "Bearer " + t,
        lambda t: "bEaReR  " + t,
    ],
    ids=["leading space", "trailing newline", "trailing space", "bearer", "BeArEr"],
)
def test_token_is_taken_exactly(auth, pb, cognito, wrap):
    expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(token=wrap(cognito["access_token"]))
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "token_malformed",
    )


def test_rejects_tampered_signature(auth, pb, cognito):
    expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(
                token=tamper_signature(cognito["access_token"])
            )
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "signature_invalid",
    )


def test_rejects_tampered_claims(auth, pb, cognito):
    forged = tamper_payload(cognito["access_token"], username="mallory")
    expect_error(
        lambda: auth.ValidateToken(pb.auth.ValidateTokenRequest(token=forged)),
        grpc.StatusCode.UNAUTHENTICATED,
        "signature_invalid",
    )


def test_rejects_malformed_token(auth, pb):
    expect_error(
        lambda: auth.ValidateToken(pb.auth.ValidateTokenRequest(token="not.a-jwt")),
        grpc.StatusCode.UNAUTHENTICATED,
        "token_malformed",
    )


# An empty token is a malformed token, the core's verdict: not a bad request.
@pytest.mark.parametrize("token", ["", "Bearer "])
def test_empty_token_is_malformed(auth, pb, token):
    expect_error(
        lambda: auth.ValidateToken(pb.auth.ValidateTokenRequest(token=token)),
        grpc.StatusCode.UNAUTHENTICATED,
        "token_malformed",
    )


def test_rejects_wrong_token_use(auth, pb, cognito):
    expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(
                token=cognito["access_token"], token_uses=["id"]
            )
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "token_use_mismatch",
    )


def test_rejects_audience_not_requested(auth, pb, cognito):
    expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(
                token=cognito["id_token"], audiences=["some-other-client"]
            )
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "audience_mismatch",
    )


def test_denies_missing_scope(auth, pb, cognito):
    error = expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(
                token=cognito["access_token"], required_scopes=["orders/write"]
            )
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "scope_missing",
    )
    assert "orders/write" in error.details()


def test_denies_missing_group_and_accepts_any_of(auth, pb, cognito):
    expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(
                token=cognito["access_token"], required_groups=["auditors"]
            )
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "group_missing",
    )
    response = auth.ValidateToken(
        pb.auth.ValidateTokenRequest(
            token=cognito["access_token"],
            required_groups=["auditors", "admins"],
            group_match=pb.auth.MATCH_MODE_ANY,
        )
    )
    assert response.principal.subject == cognito["sub"]
    expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(
                token=cognito["access_token"],
                required_groups=["auditors", "admins"],
                group_match=pb.auth.MATCH_MODE_ALL,
            )
        ),
        grpc.StatusCode.PERMISSION_DENIED,
        "group_missing",
    )


def test_scopes_all_of_and_any_of(auth, pb, cognito):
    scope = "aws.cognito.signin.user.admin"
    response = auth.ValidateToken(
        pb.auth.ValidateTokenRequest(
            token=cognito["access_token"], required_scopes=[scope]
        )
    )
    assert scope in response.principal.scopes
    auth.ValidateToken(
        pb.auth.ValidateTokenRequest(
            token=cognito["access_token"],
            required_scopes=[scope, "nope"],
            scope_match=pb.auth.MATCH_MODE_ANY,
        )
    )


def test_rejects_token_for_another_provider(auth, pb, cognito):
    expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(token=cognito["access_token"], provider="oidc")
        ),
        grpc.StatusCode.UNAUTHENTICATED,
        "issuer_mismatch",
    )


def test_rejects_unknown_provider_name(auth, pb, cognito):
    error = expect_error(
        lambda: auth.ValidateToken(
            pb.auth.ValidateTokenRequest(token=cognito["access_token"], provider="nope")
        ),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "nope" in error.details()


def test_error_details_never_echo_the_token(auth, pb, cognito):
    token = tamper_signature(cognito["access_token"])
    error = expect_error(
        lambda: auth.ValidateToken(pb.auth.ValidateTokenRequest(token=token)),
        grpc.StatusCode.UNAUTHENTICATED,
    )
    for part in token.split("."):
        assert part not in error.details()
    assert all(
        part not in v for part in token.split(".") for v in trailing(error).values()
    )


def test_repeated_token_is_served_from_cache(auth, pb, cognito, server):
    for _ in range(3):
        auth.ValidateToken(pb.auth.ValidateTokenRequest(token=cognito["id_token"]))
    text = server.metrics()
    hits = re.search(r"^authgate_verified_token_cache_hits_total (\S+)$", text, re.M)
    assert hits and float(hits.group(1)) >= 2
    assert (
        "authgate_token_validations_total"
        '{reason="none",result="valid",rpc="ValidateToken"}' in text
    )
    assert "authgate_token_validation_duration_seconds_bucket" in text
