"""Private extension module of authgate; import names from `authgate`."""

import datetime
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from typing import Any, Mapping, Optional, Sequence, Tuple, Union, overload

_OneOrMany = Union[str, Sequence[str]]
# Spec durations: seconds, a timedelta, or a string such as "90s" / "1m30s".
_Duration = Union[float, int, str, datetime.timedelta]
# A JWKS document as JSON text or as its dict.
_JwksDocument = Union[str, Mapping[str, Any]]

class Claims:
    """The claims of a verified token: a read-only mapping with typed attributes.

    Only ``Verifier.verify`` creates one, so holding a ``Claims`` means the
    token passed every check. ``claims["email"]`` reads any claim as
    JSON-decoded Python values (fresh copies); the typed attributes cover what
    callers use most. Thread-safe and immutable.
    """

    @property
    def sub(self) -> str:
        """str: The subject (``sub``); empty when absent."""
    @property
    def issuer(self) -> str:
        """str: The issuer (``iss``), one of the configured issuers."""
    @property
    def audience(self) -> Tuple[str, ...]:
        """tuple[str, ...]: ``aud`` as a tuple; empty when absent."""
    @property
    def client_id(self) -> str:
        """str: Cognito's ``client_id`` (access tokens); empty when absent."""
    @property
    def token_use(self) -> str:
        """str: Cognito's ``token_use``: ``"id"``, ``"access"`` or empty."""
    @property
    def username(self) -> str:
        """str: The provider's username claim (Cognito: ``cognito:username``,
        or ``username`` in access tokens; OIDC: ``preferred_username``)."""
    @property
    def scopes(self) -> Tuple[str, ...]:
        """tuple[str, ...]: ``scope`` split on spaces."""
    @property
    def groups(self) -> Tuple[str, ...]:
        """tuple[str, ...]: The provider's groups claim (Cognito:
        ``cognito:groups``; OIDC: ``groups``)."""
    @property
    def nonce(self) -> str:
        """str: ``nonce``; empty when absent."""
    @property
    def authorized_party(self) -> str:
        """str: ``azp``; empty when absent."""
    @property
    def token_id(self) -> str:
        """str: ``jti``; empty when absent."""
    @property
    def expires_at(self) -> Optional[datetime.datetime]:
        """datetime.datetime | None: ``exp`` as an aware UTC datetime."""
    @property
    def issued_at(self) -> Optional[datetime.datetime]:
        """datetime.datetime | None: ``iat`` as an aware UTC datetime."""
    @property
    def not_before(self) -> Optional[datetime.datetime]:
        """datetime.datetime | None: ``nbf`` as an aware UTC datetime."""
    @property
    def auth_time(self) -> Optional[datetime.datetime]:
        """datetime.datetime | None: ``auth_time`` as an aware UTC datetime."""
    @property
    def algorithm(self) -> str:
        """str: The JWS algorithm that verified the signature, e.g. ``"RS256"``."""
    @property
    def key_id(self) -> str:
        """str: The ``kid`` of the key that verified the signature."""
    @property
    def provider(self) -> str:
        """str: Name of the provider policy that accepted the token."""
    def __getitem__(self, key: str) -> Any: ...
    @overload
    def get(self, key: str) -> Any: ...
    @overload
    def get(self, key: str, default: Any) -> Any: ...
    def __contains__(self, key: object) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...
    def keys(self) -> KeysView[str]:
        """Returns a set-like view of the claim names."""
    def values(self) -> ValuesView[Any]:
        """Returns a view of the claim values."""
    def items(self) -> ItemsView[str, Any]:
        """Returns a set-like view of (name, value) pairs."""
    def to_dict(self) -> dict[str, Any]:
        """Returns every claim as a new ``dict``."""
    def __eq__(self, other: object) -> bool: ...
    __hash__: None  # type: ignore[assignment]

class ProviderPolicy:
    """What one provider's tokens must satisfy, and where its keys come from.

    The keywords are the keys of one provider object of the server's
    configuration (``providers[i]``, docs/providers.md), read by the same
    core parser: defaults, rules and error messages are the server's. Keys
    come from ``jwks_file`` or ``jwks_inline``, or from ``provider`` (a
    :class:`Provider`: the other keywords are laid over its spec and its live
    JWKS cache is used). A keyword given as None is left out.
    """

    def __init__(
        self,
        *,
        provider: Optional[Provider] = None,
        name: Optional[str] = None,
        kind: Optional[str] = None,
        issuer: Optional[str] = None,
        additional_issuers: Optional[_OneOrMany] = None,
        user_pool_id: Optional[str] = None,
        region: Optional[str] = None,
        domain: Optional[str] = None,
        updated_issuer_format: Optional[bool] = None,
        use_discovery: Optional[bool] = None,
        jwks_uri: Optional[str] = None,
        jwks_file: Optional[str] = None,
        jwks_inline: Optional[_JwksDocument] = None,
        endpoints: Optional[Mapping[str, str]] = None,
        logout_style: Optional[str] = None,
        jwks: Optional[Mapping[str, Any]] = None,
        http_timeout: Optional[_Duration] = None,
        allow_insecure_http: Optional[bool] = None,
        client_credentials_refresh_margin: Optional[_Duration] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        client_secret_file: Optional[str] = None,
        auth_method: Optional[str] = None,
        redirect_uri: Optional[str] = None,
        scopes: Optional[_OneOrMany] = None,
        clients: Optional[Sequence[Mapping[str, Any]]] = None,
        audiences: Optional[_OneOrMany] = None,
        allow_any_audience: Optional[bool] = None,
        token_uses: Optional[_OneOrMany] = None,
        token_types: Optional[_OneOrMany] = None,
        algorithms: Optional[_OneOrMany] = None,
        clock_skew: Optional[_Duration] = None,
        allow_missing_exp: Optional[bool] = None,
        max_lifetime: Optional[_Duration] = None,
        required_claims: Optional[Mapping[str, Any]] = None,
        groups_claim: Optional[str] = None,
        username_claim: Optional[str] = None,
    ) -> None:
        """Builds a policy; its key set is read and parsed now.

        Raises:
            ConfigurationError: An unknown key (``ProviderPolicy.key: unknown
                field``), a value of the wrong type, no audience, an unusable
                key set, live keys without ``provider``, ... (reason
                ``config_invalid``).
            TypeError: ``provider`` is not a Provider, or a value has no JSON
                form.
        """
    @staticmethod
    def from_spec(spec: Mapping[str, Any]) -> ProviderPolicy:
        """Builds a policy from one provider object of a server config.

        Raises:
            ConfigurationError: As for the constructor.
        """
    @property
    def name(self) -> str:
        """str: The policy's label."""
    @property
    def issuers(self) -> list[str]:
        """list[str]: The trusted issuers."""
    @property
    def audiences(self) -> list[str]:
        """list[str]: The accepted audiences (client ids, then audiences)."""
    @property
    def token_uses(self) -> list[str]:
        """list[str]: The accepted token uses; empty means not checked."""
    @property
    def token_types(self) -> list[str]:
        """list[str]: The accepted header ``typ`` values; empty means not
        checked."""
    def describe(self) -> dict[str, Any]:
        """Returns the parsed spec as a dict, secrets masked."""

class Verifier:
    """Verifies JWTs offline against one or more providers' keys and policies.

    Thread-safe: share one instance between threads; ``verify`` releases the
    GIL, so threads verify in parallel.
    """

    def __init__(
        self,
        policies: Sequence[ProviderPolicy],
        *,
        cache_max_entries: int = 16384,
        cache_max_bytes: int = 33554432,
        max_token_bytes: int = 16384,
    ) -> None:
        """Builds a verifier trusting the given providers.

        Raises:
            ConfigurationError: The policies are invalid or inconsistent.
        """
    @staticmethod
    def from_jwks(
        jwks: _JwksDocument,
        *,
        name: Optional[str] = None,
        kind: Optional[str] = None,
        issuer: Optional[str] = None,
        additional_issuers: Optional[_OneOrMany] = None,
        user_pool_id: Optional[str] = None,
        region: Optional[str] = None,
        domain: Optional[str] = None,
        updated_issuer_format: Optional[bool] = None,
        use_discovery: Optional[bool] = None,
        jwks_uri: Optional[str] = None,
        jwks_file: Optional[str] = None,
        endpoints: Optional[Mapping[str, str]] = None,
        logout_style: Optional[str] = None,
        http_timeout: Optional[_Duration] = None,
        allow_insecure_http: Optional[bool] = None,
        client_credentials_refresh_margin: Optional[_Duration] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        client_secret_file: Optional[str] = None,
        auth_method: Optional[str] = None,
        redirect_uri: Optional[str] = None,
        scopes: Optional[_OneOrMany] = None,
        clients: Optional[Sequence[Mapping[str, Any]]] = None,
        audiences: Optional[_OneOrMany] = None,
        allow_any_audience: Optional[bool] = None,
        token_uses: Optional[_OneOrMany] = None,
        token_types: Optional[_OneOrMany] = None,
        algorithms: Optional[_OneOrMany] = None,
        clock_skew: Optional[_Duration] = None,
        allow_missing_exp: Optional[bool] = None,
        max_lifetime: Optional[_Duration] = None,
        required_claims: Optional[Mapping[str, Any]] = None,
        groups_claim: Optional[str] = None,
        username_claim: Optional[str] = None,
        cache_max_entries: int = 16384,
        cache_max_bytes: int = 33554432,
        max_token_bytes: int = 16384,
    ) -> Verifier:
        """Builds a one-provider verifier from a JWKS document."""
    @staticmethod
    def from_jwks_file(
        path: str,
        *,
        name: Optional[str] = None,
        kind: Optional[str] = None,
        issuer: Optional[str] = None,
        additional_issuers: Optional[_OneOrMany] = None,
        user_pool_id: Optional[str] = None,
        region: Optional[str] = None,
        domain: Optional[str] = None,
        updated_issuer_format: Optional[bool] = None,
        use_discovery: Optional[bool] = None,
        jwks_uri: Optional[str] = None,
        jwks_inline: Optional[_JwksDocument] = None,
        endpoints: Optional[Mapping[str, str]] = None,
        logout_style: Optional[str] = None,
        jwks: Optional[Mapping[str, Any]] = None,
        http_timeout: Optional[_Duration] = None,
        allow_insecure_http: Optional[bool] = None,
        client_credentials_refresh_margin: Optional[_Duration] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        client_secret_file: Optional[str] = None,
        auth_method: Optional[str] = None,
        redirect_uri: Optional[str] = None,
        scopes: Optional[_OneOrMany] = None,
        clients: Optional[Sequence[Mapping[str, Any]]] = None,
        audiences: Optional[_OneOrMany] = None,
        allow_any_audience: Optional[bool] = None,
        token_uses: Optional[_OneOrMany] = None,
        token_types: Optional[_OneOrMany] = None,
        algorithms: Optional[_OneOrMany] = None,
        clock_skew: Optional[_Duration] = None,
        allow_missing_exp: Optional[bool] = None,
        max_lifetime: Optional[_Duration] = None,
        required_claims: Optional[Mapping[str, Any]] = None,
        groups_claim: Optional[str] = None,
        username_claim: Optional[str] = None,
        cache_max_entries: int = 16384,
        cache_max_bytes: int = 33554432,
        max_token_bytes: int = 16384,
    ) -> Verifier:
        """Builds a one-provider verifier from a JWKS file."""
    @staticmethod
    def from_provider(
        provider: Provider,
        *,
        name: Optional[str] = None,
        kind: Optional[str] = None,
        issuer: Optional[str] = None,
        additional_issuers: Optional[_OneOrMany] = None,
        user_pool_id: Optional[str] = None,
        region: Optional[str] = None,
        domain: Optional[str] = None,
        updated_issuer_format: Optional[bool] = None,
        use_discovery: Optional[bool] = None,
        jwks_uri: Optional[str] = None,
        jwks_file: Optional[str] = None,
        jwks_inline: Optional[_JwksDocument] = None,
        endpoints: Optional[Mapping[str, str]] = None,
        logout_style: Optional[str] = None,
        jwks: Optional[Mapping[str, Any]] = None,
        http_timeout: Optional[_Duration] = None,
        allow_insecure_http: Optional[bool] = None,
        client_credentials_refresh_margin: Optional[_Duration] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        client_secret_file: Optional[str] = None,
        auth_method: Optional[str] = None,
        redirect_uri: Optional[str] = None,
        scopes: Optional[_OneOrMany] = None,
        clients: Optional[Sequence[Mapping[str, Any]]] = None,
        audiences: Optional[_OneOrMany] = None,
        allow_any_audience: Optional[bool] = None,
        token_uses: Optional[_OneOrMany] = None,
        token_types: Optional[_OneOrMany] = None,
        algorithms: Optional[_OneOrMany] = None,
        clock_skew: Optional[_Duration] = None,
        allow_missing_exp: Optional[bool] = None,
        max_lifetime: Optional[_Duration] = None,
        required_claims: Optional[Mapping[str, Any]] = None,
        groups_claim: Optional[str] = None,
        username_claim: Optional[str] = None,
        cache_max_entries: int = 16384,
        cache_max_bytes: int = 33554432,
        max_token_bytes: int = 16384,
    ) -> Verifier:
        """Builds a verifier that uses a provider's spec and live JWKS."""
    def verify(
        self,
        token: str,
        *,
        provider: Optional[str] = None,
        token_uses: Optional[_OneOrMany] = None,
        audiences: Optional[_OneOrMany] = None,
        scopes: Sequence[str] = (),
        scope_match: Optional[str] = None,
        groups: Sequence[str] = (),
        group_match: Optional[str] = None,
        nonce: Optional[str] = None,
    ) -> Claims:
        """Verifies a token and returns its claims.

        ``scope_match`` is ``"all"`` (default) or ``"any"``; ``group_match``
        is ``"any"`` (default) or ``"all"``. The token is taken byte for
        byte.

        Raises:
            TokenExpiredError: ``exp`` has passed (beyond the clock skew).
            InvalidTokenError: Any other reason the token is not acceptable.
            PermissionDeniedError: A required scope or group is missing.
            ProviderUnavailableError: The provider's keys could not be loaded.
            ConfigurationError: A match mode other than "all" / "any".
        """
    @property
    def providers(self) -> list[str]:
        """list[str]: Names of the configured policies."""
    def stats(self) -> dict[str, int]:
        """Returns counters of the verified-token cache."""

class AuthorizationUrl:
    """A login to start: the URL to send the browser to, and the secrets to keep."""

    @property
    def url(self) -> str:
        """str: The authorization URL (with the PKCE challenge)."""
    @property
    def state(self) -> str:
        """str: The ``state`` sent (256 random bits, base64url)."""
    @property
    def nonce(self) -> str:
        """str: The ``nonce`` sent; the ID token must carry it."""
    @property
    def code_verifier(self) -> str:
        """str: The PKCE verifier; its S256 challenge is in the URL."""
    @property
    def redirect_uri(self) -> str:
        """str: The redirect URI used; the exchange needs it again."""

class TokenResponse:
    """Tokens returned by the provider's token endpoint. Holds secrets."""

    @property
    def access_token(self) -> str:
        """str: The access token."""
    @property
    def token_type(self) -> str:
        """str: The token type, ``"Bearer"``."""
    @property
    def id_token(self) -> str:
        """str: The ID token; empty when none was returned."""
    @property
    def refresh_token(self) -> str:
        """str: The refresh token to use next."""
    @property
    def refresh_token_rotated(self) -> bool:
        """bool: True when this response carried a new refresh token."""
    @property
    def scope(self) -> str:
        """str: The granted scope, when the provider said."""
    @property
    def expires_in(self) -> Optional[float]:
        """float | None: Lifetime of the access token in seconds."""
    @property
    def expires_at(self) -> Optional[datetime.datetime]:
        """datetime.datetime | None: When the access token expires (UTC)."""
    @property
    def id_token_claims(self) -> Optional[Claims]:
        """Claims | None: The verified ID token's claims."""

class Provider:
    """One OAuth 2.0 / OpenID Connect client of one provider.

    The keywords of :meth:`discover` and :meth:`cognito` are the keys of one
    provider object of the server's configuration, read by the same core
    parser. A spec with several ``clients`` is one client here: ``client=``
    picks which (default: the first).
    """

    @staticmethod
    def discover(
        issuer: str,
        *,
        name: Optional[str] = None,
        kind: Optional[str] = None,
        additional_issuers: Optional[_OneOrMany] = None,
        user_pool_id: Optional[str] = None,
        region: Optional[str] = None,
        domain: Optional[str] = None,
        updated_issuer_format: Optional[bool] = None,
        use_discovery: Optional[bool] = None,
        jwks_uri: Optional[str] = None,
        jwks_file: Optional[str] = None,
        jwks_inline: Optional[_JwksDocument] = None,
        endpoints: Optional[Mapping[str, str]] = None,
        logout_style: Optional[str] = None,
        jwks: Optional[Mapping[str, Any]] = None,
        http_timeout: Optional[_Duration] = None,
        allow_insecure_http: Optional[bool] = None,
        client_credentials_refresh_margin: Optional[_Duration] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        client_secret_file: Optional[str] = None,
        auth_method: Optional[str] = None,
        redirect_uri: Optional[str] = None,
        scopes: Optional[_OneOrMany] = None,
        clients: Optional[Sequence[Mapping[str, Any]]] = None,
        audiences: Optional[_OneOrMany] = None,
        allow_any_audience: Optional[bool] = None,
        token_uses: Optional[_OneOrMany] = None,
        token_types: Optional[_OneOrMany] = None,
        algorithms: Optional[_OneOrMany] = None,
        clock_skew: Optional[_Duration] = None,
        allow_missing_exp: Optional[bool] = None,
        max_lifetime: Optional[_Duration] = None,
        required_claims: Optional[Mapping[str, Any]] = None,
        groups_claim: Optional[str] = None,
        username_claim: Optional[str] = None,
        client: Optional[str] = None,
        ca_file: Optional[str] = None,
        warm_up: Optional[bool] = None,
    ) -> Provider:
        """Builds a provider from its discovery document.

        The keywords are provider spec keys, plus ``client`` (which of the
        spec's clients to act as), ``ca_file`` and ``warm_up``.

        Raises:
            ConfigurationError: An unknown key (``Provider.key: unknown
                field``), an invalid setting, or the document names another
                issuer (reason ``discovery_mismatch``).
            ProviderUnavailableError: Discovery or the JWKS could not be
                fetched.
        """
    @staticmethod
    def cognito(
        region: str,
        user_pool_id: str,
        *,
        name: Optional[str] = None,
        kind: Optional[str] = None,
        issuer: Optional[str] = None,
        additional_issuers: Optional[_OneOrMany] = None,
        domain: Optional[str] = None,
        updated_issuer_format: Optional[bool] = None,
        use_discovery: Optional[bool] = None,
        jwks_uri: Optional[str] = None,
        jwks_file: Optional[str] = None,
        jwks_inline: Optional[_JwksDocument] = None,
        endpoints: Optional[Mapping[str, str]] = None,
        logout_style: Optional[str] = None,
        jwks: Optional[Mapping[str, Any]] = None,
        http_timeout: Optional[_Duration] = None,
        allow_insecure_http: Optional[bool] = None,
        client_credentials_refresh_margin: Optional[_Duration] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        client_secret_file: Optional[str] = None,
        auth_method: Optional[str] = None,
        redirect_uri: Optional[str] = None,
        scopes: Optional[_OneOrMany] = None,
        clients: Optional[Sequence[Mapping[str, Any]]] = None,
        audiences: Optional[_OneOrMany] = None,
        allow_any_audience: Optional[bool] = None,
        token_uses: Optional[_OneOrMany] = None,
        token_types: Optional[_OneOrMany] = None,
        algorithms: Optional[_OneOrMany] = None,
        clock_skew: Optional[_Duration] = None,
        allow_missing_exp: Optional[bool] = None,
        max_lifetime: Optional[_Duration] = None,
        required_claims: Optional[Mapping[str, Any]] = None,
        groups_claim: Optional[str] = None,
        username_claim: Optional[str] = None,
        client: Optional[str] = None,
        ca_file: Optional[str] = None,
        warm_up: Optional[bool] = None,
    ) -> Provider:
        """Builds a provider for an Amazon Cognito user pool.

        Raises:
            ConfigurationError: A malformed region, pool id or option.
            ProviderUnavailableError: The JWKS could not be fetched.
        """
    def warm_up(self) -> None:
        """Loads the JWKS now unless a fresh set is loaded."""
    def authorization_url(
        self,
        *,
        scopes: Optional[Sequence[str]] = None,
        redirect_uri: Optional[str] = None,
        prompt: Optional[str] = None,
        login_hint: Optional[str] = None,
        identity_provider: Optional[str] = None,
        idp_identifier: Optional[str] = None,
        extra_params: Sequence[Tuple[str, str]] = ...,
    ) -> AuthorizationUrl:
        """Starts a login: builds the authorization URL."""
    def exchange_code(
        self,
        code: str,
        *,
        code_verifier: Optional[str] = None,
        nonce: Optional[str] = None,
        redirect_uri: Optional[str] = None,
    ) -> TokenResponse:
        """Exchanges an authorization code for tokens.

        Raises:
            OAuthError: The provider refused.
            InvalidTokenError: The returned ID token failed verification.
            ProviderUnavailableError: The provider could not be reached.
        """
    def refresh(
        self, refresh_token: str, *, scopes: Sequence[str] = ()
    ) -> TokenResponse:
        """Gets fresh tokens with a refresh token."""
    def client_credentials(self, scopes: Sequence[str] = ()) -> TokenResponse:
        """Gets a machine-to-machine access token (client_credentials)."""
    def clear_client_credentials_cache(self) -> None:
        """Drops cached client_credentials tokens."""
    def userinfo(
        self, access_token: str, *, expected_subject: Optional[str] = None
    ) -> dict[str, Any]:
        """Fetches the user's claims from the userInfo endpoint."""
    def revoke(self, token: str, *, token_type_hint: str = "refresh_token") -> None:
        """Revokes a token (RFC 7009)."""
    def logout_url(
        self,
        *,
        post_logout_redirect_uri: Optional[str] = None,
        id_token_hint: Optional[str] = None,
        state: Optional[str] = None,
    ) -> str:
        """Builds the URL that signs the user out at the provider."""
    def verify(
        self,
        token: str,
        *,
        token_uses: Optional[_OneOrMany] = None,
        audiences: Optional[_OneOrMany] = None,
        scopes: Sequence[str] = (),
        scope_match: Optional[str] = None,
        groups: Sequence[str] = (),
        group_match: Optional[str] = None,
        nonce: Optional[str] = None,
    ) -> Claims:
        """Verifies a token of this provider (keywords of Verifier.verify)."""
    @property
    def name(self) -> str:
        """str: The provider's label (the spec's ``name``)."""
    @property
    def issuer(self) -> str:
        """str: The issuer."""
    @property
    def client_id(self) -> str:
        """str: The id of the client this Provider acts as."""
    @property
    def jwks_uri(self) -> str:
        """str: Where the keys are fetched from."""
    @property
    def metadata(self) -> dict[str, Any]:
        """dict: The endpoints in use (discovery plus overrides)."""
    @property
    def jwks_ready(self) -> bool:
        """bool: True when a key set is loaded and servable."""
    def describe(self) -> dict[str, Any]:
        """Returns the parsed spec as a dict, secrets masked."""
    def jwks_stats(self) -> dict[str, int]:
        """Returns counters of the live JWKS cache."""

def decode_unverified(token: str) -> Tuple[dict[str, Any], dict[str, Any]]:
    """Decodes a token's header and claims WITHOUT verifying anything."""

def token_fingerprint(token: str) -> str:
    """Returns a log-safe fingerprint of a token."""

def fetch_provider_metadata(
    issuer: str,
    *,
    timeout: float = 5.0,
    ca_file: Optional[str] = None,
    allow_insecure_http: bool = False,
) -> dict[str, Any]:
    """Fetches and checks a provider's discovery document."""

def state_matches(expected: str, received: str) -> bool:
    """Compares a callback's ``state`` with the stored one in constant time."""

def parse_cognito_issuer(issuer: str) -> Tuple[str, str]:
    """Splits a Cognito issuer URL into region and user pool id."""

def pkce_s256_challenge(code_verifier: str) -> str:
    """Derives the PKCE S256 challenge of a verifier (RFC 7636 4.2)."""

def _raise_status(
    code: int,
    reason: str,
    message: str,
    oauth_error: str = "",
    oauth_error_description: str = "",
) -> None:
    """Raises the exception the translator makes for this status (for tests)."""

def cli_main(argv: list[str]) -> int:
    """Runs the ``authgate`` command line on ``argv`` (the words after the
    program name) and returns its exit status."""
