"""Exceptions raised by authgate.

Every failure of authgate itself is an :class:`AuthgateError`. Each instance
carries ``.code``, the canonical status name (``"UNAUTHENTICATED"``,
``"PERMISSION_DENIED"``, ...), and ``.reason``, a stable snake_case name of
exactly what failed (``"token_expired"``, ``"scope_missing"``, ...). Reason
names are API: they are never renamed, only added.

The classes map onto HTTP semantics::

    AuthgateError
    ├── InvalidTokenError          401: the token is not acceptable
    │   └── TokenExpiredError      401: reason token_expired
    ├── PermissionDeniedError      403: valid token, missing scope or group
    ├── OAuthError                 the provider refused a grant or request
    ├── ConfigurationError         also a ValueError: bad settings or argument
    ├── ProviderUnavailableError   also a ConnectionError: provider unreachable
    └── InternalError              a bug in authgate

``TypeError`` and ``ValueError`` raised while converting arguments (a number
where a string is expected, ...) are left as they are: they are programming
errors, not authgate failures.

Example::

    try:
        claims = verifier.verify(token, scopes=["orders/read"])
    except authgate.TokenExpiredError:
        return refresh_and_retry()
    except authgate.InvalidTokenError as err:
        return 401, err.reason
    except authgate.PermissionDeniedError as err:
        return 403, err.reason
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "AuthgateError",
    "InvalidTokenError",
    "TokenExpiredError",
    "PermissionDeniedError",
    "OAuthError",
    "ConfigurationError",
    "ProviderUnavailableError",
    "InternalError",
]


class AuthgateError(Exception):
    """Base class of every error authgate raises for its own failures.

    Attributes:
        message: A description that is safe to show a caller; it never holds
            a token, a code, a secret or a whole claim set.
        code: Canonical status name, e.g. ``"UNAUTHENTICATED"``.
        reason: Stable reason name, e.g. ``"token_expired"``.
    """

    default_code = "UNKNOWN"
    default_reason = "unspecified"

    def __init__(
        self,
        message: str = "",
        *,
        code: Optional[str] = None,
        reason: Optional[str] = None,
    ) -> None:
        """Initialises the error.

        Args:
            message: Description safe to show a caller.
            code: Canonical status name; the class default when omitted.
            reason: Stable reason name; the class default when omitted.
        """
        super().__init__(message)
        self.message = message
        self.code = code if code is not None else self.default_code
        self.reason = reason if reason is not None else self.default_reason

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, "
            f"reason={self.reason!r})"
        )


class InvalidTokenError(AuthgateError):
    """The presented token is not acceptable (HTTP 401).

    Raised for any reason a token fails: malformed, too large, algorithm not
    allowed, unknown key, bad signature, expired, not yet valid, wrong
    issuer, audience, ``token_use`` or nonce. ``.reason`` says which.
    """

    default_code = "UNAUTHENTICATED"
    default_reason = "token_malformed"


class TokenExpiredError(InvalidTokenError):
    """The token's ``exp`` has passed, beyond the allowed clock skew.

    The one rejection callers commonly branch on (to refresh and retry).
    """

    default_reason = "token_expired"


class PermissionDeniedError(AuthgateError):
    """The token is valid but lacks a required scope or group (HTTP 403).

    ``.reason`` is ``"scope_missing"`` or ``"group_missing"``.
    """

    default_code = "PERMISSION_DENIED"
    default_reason = "scope_missing"


class OAuthError(AuthgateError):
    """The identity provider refused an OAuth request.

    ``.reason`` is one of ``oauth_invalid_grant`` (bad or used code, revoked
    refresh token, PKCE mismatch), ``oauth_invalid_client``,
    ``oauth_invalid_request``, ``oauth_invalid_scope``,
    ``oauth_unauthorized_client``, ``oauth_error`` (anything else the
    provider said) or ``state_mismatch`` (the callback's state is not the one
    sent).

    Attributes:
        error: The provider's own ``error`` value (RFC 6749 section 5.2), or
            ``""`` when the provider gave none.
        error_description: The provider's ``error_description``, or ``""``.
    """

    default_code = "UNAUTHENTICATED"
    default_reason = "oauth_error"

    def __init__(
        self,
        message: str = "",
        *,
        code: Optional[str] = None,
        reason: Optional[str] = None,
        error: str = "",
        error_description: str = "",
    ) -> None:
        """Initialises the error.

        Args:
            message: Description safe to show a caller.
            code: Canonical status name; the class default when omitted.
            reason: Stable reason name; the class default when omitted.
            error: The provider's ``error`` value.
            error_description: The provider's ``error_description``.
        """
        super().__init__(message, code=code, reason=reason)
        self.error = error
        self.error_description = error_description


class ConfigurationError(AuthgateError, ValueError):
    """Settings or an argument are wrong or inconsistent.

    Raised when building a verifier or provider (no issuer, empty audience
    list, clock skew too large, a JWKS that is not a key set, discovery
    naming another issuer) or when an argument is unusable. Also a
    :class:`ValueError`.
    """

    default_code = "INVALID_ARGUMENT"
    default_reason = "config_invalid"


class ProviderUnavailableError(AuthgateError, ConnectionError):
    """The identity provider or its JWKS could not be used.

    Unreachable, timed out, answered 5xx, or sent something unusable (bad
    JSON, missing fields, too large). ``.code`` is ``"UNAVAILABLE"`` or
    ``"DEADLINE_EXCEEDED"``. Also a :class:`ConnectionError`, so retry logic
    written for network errors applies.
    """

    default_code = "UNAVAILABLE"
    default_reason = "provider_unavailable"


class InternalError(AuthgateError):
    """A bug or broken invariant inside authgate; please report it."""

    default_code = "INTERNAL"
    default_reason = "internal"
