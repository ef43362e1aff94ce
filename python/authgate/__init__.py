"""authgate: verify Amazon Cognito and OpenID Connect tokens, fast.

The same C++ core as the authgate server and command-line tool, bound with
pybind11. Verification happens offline against the provider's keys; the GIL
is released while verifying and during network calls, and every object may
be shared between threads.

Example::

    import authgate

    verifier = authgate.Verifier.from_jwks_file(
        "jwks.json",
        issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X",
        client_id="my-app-client-id",
    )
    claims = verifier.verify(token, token_uses="access", scopes=["orders/read"])
    print(claims.sub, claims.username, claims.scopes)

The keywords of ``ProviderPolicy``, ``Verifier.from_*`` and ``Provider.*``
are the keys of one provider object of the server's configuration
(docs/providers.md), parsed by the same core code.
"""

from collections.abc import Mapping as _Mapping

from authgate._core import (
    AuthorizationUrl,
    Claims,
    Provider,
    ProviderPolicy,
    TokenResponse,
    Verifier,
    decode_unverified,
    fetch_provider_metadata,
    parse_cognito_issuer,
    pkce_s256_challenge,
    state_matches,
    token_fingerprint,
)
from authgate.errors import (
    AuthgateError,
    ConfigurationError,
    InternalError,
    InvalidTokenError,
    OAuthError,
    PermissionDeniedError,
    ProviderUnavailableError,
    TokenExpiredError,
)

__version__ = "0.1.0"

# Claims implements the Mapping protocol in C++; registering it makes
# isinstance(claims, Mapping) true for code that checks.
_Mapping.register(Claims)

__all__ = [
    "AuthgateError",
    "AuthorizationUrl",
    "Claims",
    "ConfigurationError",
    "InternalError",
    "InvalidTokenError",
    "OAuthError",
    "PermissionDeniedError",
    "Provider",
    "ProviderPolicy",
    "ProviderUnavailableError",
    "TokenExpiredError",
    "TokenResponse",
    "Verifier",
    "decode_unverified",
    "fetch_provider_metadata",
    "parse_cognito_issuer",
    "pkce_s256_challenge",
    "state_matches",
    "token_fingerprint",
]
