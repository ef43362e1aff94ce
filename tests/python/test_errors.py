"""The exception hierarchy and the one translator from status to exception."""

from __future__ import annotations

import pickle

import authgate
import pytest
from authgate import _core

# (canonical code number, reason) -> (class, .code) as the translator must map
# them. Codes use the google.rpc.Code numbering that absl shares.
TABLE = [
    (16, "token_expired", authgate.TokenExpiredError, "UNAUTHENTICATED"),
    (16, "signature_invalid", authgate.InvalidTokenError, "UNAUTHENTICATED"),
    (16, "key_not_found", authgate.InvalidTokenError, "UNAUTHENTICATED"),
    (16, "audience_mismatch", authgate.InvalidTokenError, "UNAUTHENTICATED"),
    (7, "scope_missing", authgate.PermissionDeniedError, "PERMISSION_DENIED"),
    (7, "group_missing", authgate.PermissionDeniedError, "PERMISSION_DENIED"),
    (16, "oauth_invalid_grant", authgate.OAuthError, "UNAUTHENTICATED"),
    (9, "oauth_invalid_client", authgate.OAuthError, "FAILED_PRECONDITION"),
    (9, "oauth_unauthorized_client", authgate.OAuthError, "FAILED_PRECONDITION"),
    (3, "oauth_invalid_request", authgate.OAuthError, "INVALID_ARGUMENT"),
    (3, "oauth_invalid_scope", authgate.OAuthError, "INVALID_ARGUMENT"),
    (16, "oauth_error", authgate.OAuthError, "UNAUTHENTICATED"),
    (7, "oauth_error", authgate.OAuthError, "PERMISSION_DENIED"),
    (16, "state_mismatch", authgate.OAuthError, "UNAUTHENTICATED"),
    (3, "config_invalid", authgate.ConfigurationError, "INVALID_ARGUMENT"),
    (3, "invalid_argument", authgate.ConfigurationError, "INVALID_ARGUMENT"),
    (3, "jwks_invalid", authgate.ConfigurationError, "INVALID_ARGUMENT"),
    (9, "discovery_mismatch", authgate.ConfigurationError, "FAILED_PRECONDITION"),
    (9, "config_invalid", authgate.ConfigurationError, "FAILED_PRECONDITION"),
    (14, "provider_unavailable", authgate.ProviderUnavailableError, "UNAVAILABLE"),
    (14, "provider_response_invalid", authgate.ProviderUnavailableError, "UNAVAILABLE"),
    (4, "provider_timeout", authgate.ProviderUnavailableError, "DEADLINE_EXCEEDED"),
    (13, "internal", authgate.InternalError, "INTERNAL"),
    (2, "unspecified", authgate.InternalError, "UNKNOWN"),
]


@pytest.mark.parametrize("code, reason, cls, code_name", TABLE)
def test_translator_maps_code_and_reason_to_class(code, reason, cls, code_name):
    with pytest.raises(authgate.AuthgateError) as excinfo:
        _core._raise_status(code, reason, "what failed")
    error = excinfo.value
    assert type(error) is cls
    assert error.code == code_name
    assert error.reason == reason
    assert error.message == "what failed"
    assert str(error) == "what failed"


def test_oauth_error_carries_provider_error_and_description():
    with pytest.raises(authgate.OAuthError) as excinfo:
        _core._raise_status(
            16,
            "oauth_invalid_grant",
            "token endpoint answered 400",
            "invalid_grant",
            "Invalid code",
        )
    assert excinfo.value.error == "invalid_grant"
    assert excinfo.value.error_description == "Invalid code"
    # Without provider payloads the attributes are empty, not missing.
    with pytest.raises(authgate.OAuthError) as excinfo:
        _core._raise_status(16, "state_mismatch", "state differs")
    assert (excinfo.value.error, excinfo.value.error_description) == ("", "")


def test_hierarchy():
    assert issubclass(authgate.TokenExpiredError, authgate.InvalidTokenError)
    for cls in (
        authgate.InvalidTokenError,
        authgate.PermissionDeniedError,
        authgate.OAuthError,
        authgate.ConfigurationError,
        authgate.ProviderUnavailableError,
        authgate.InternalError,
    ):
        assert issubclass(cls, authgate.AuthgateError)
    assert issubclass(authgate.ConfigurationError, ValueError)
    assert issubclass(authgate.ProviderUnavailableError, ConnectionError)
    assert not issubclass(authgate.InvalidTokenError, ValueError)


@pytest.mark.parametrize(
    "cls, code, reason",
    [
        (authgate.AuthgateError, "UNKNOWN", "unspecified"),
        (authgate.InvalidTokenError, "UNAUTHENTICATED", "token_malformed"),
        (authgate.TokenExpiredError, "UNAUTHENTICATED", "token_expired"),
        (authgate.PermissionDeniedError, "PERMISSION_DENIED", "scope_missing"),
        (authgate.OAuthError, "UNAUTHENTICATED", "oauth_error"),
        (authgate.ConfigurationError, "INVALID_ARGUMENT", "config_invalid"),
        (authgate.ProviderUnavailableError, "UNAVAILABLE", "provider_unavailable"),
        (authgate.InternalError, "INTERNAL", "internal"),
    ],
)
def test_classes_raised_from_python_have_defaults(cls, code, reason):
    error = cls("boom")
    assert (error.code, error.reason, str(error)) == (code, reason, "boom")
    assert repr(error).startswith(cls.__name__ + "(")


def test_errors_survive_pickling():
    with pytest.raises(authgate.OAuthError) as excinfo:
        _core._raise_status(9, "oauth_invalid_client", "m", "invalid_client", "d")
    copy = pickle.loads(pickle.dumps(excinfo.value))
    assert type(copy) is authgate.OAuthError
    assert (copy.code, copy.reason, copy.error, copy.error_description) == (
        "FAILED_PRECONDITION",
        "oauth_invalid_client",
        "invalid_client",
        "d",
    )
    with pytest.raises(authgate.ProviderUnavailableError) as excinfo:
        _core._raise_status(4, "provider_timeout", "slow")
    copy = pickle.loads(pickle.dumps(excinfo.value))
    assert (type(copy), copy.code, copy.reason) == (
        authgate.ProviderUnavailableError,
        "DEADLINE_EXCEEDED",
        "provider_timeout",
    )


def test_unknown_status_for_the_test_hook_is_a_configuration_error():
    with pytest.raises(authgate.ConfigurationError):
        _core._raise_status(99, "token_expired", "m")
    with pytest.raises(authgate.ConfigurationError):
        _core._raise_status(16, "no_such_reason", "m")
