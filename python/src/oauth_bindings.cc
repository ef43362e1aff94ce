// Provider (OAuthClient), AuthorizationUrl, TokenResponse and discovery.
//
// Keyword options are read into C++ values while the GIL is held; every call
// that may touch the network (discovery, JWKS, token, userInfo, revoke) then
// runs with the GIL released and only C++ values in hand.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "authgate/discovery.h"
#include "authgate/http_fetcher.h"
#include "authgate/oauth_client.h"
#include "authgate/pkce.h"
#include "authgate/provider_config.h"
#include "authgate/status.h"
#include "authgate/token_response.h"
#include "bindings.h"
#include "claims.h"
#include "json_conversion.h"
#include "policy_from_provider.h"
#include "status_translation.h"

namespace py = pybind11;

namespace authgate::python {
namespace {

// Options shared by Provider.discover() and Provider.cognito(), converted
// from keywords with the GIL held.
struct ProviderOptions {
  CurlOptions curl;
  bool warm_up = true;
};

template <typename T>
std::optional<T> Take(py::dict& kwargs, const char* key) {
  if (!kwargs.contains(key)) {
    return std::nullopt;
  }
  py::object value = kwargs[key];
  PyDict_DelItemString(kwargs.ptr(), key);
  if (value.is_none()) {
    return std::nullopt;
  }
  try {
    return value.cast<T>();
  } catch (const py::cast_error&) {
    throw py::type_error(absl::StrCat(
        "argument '", key, "' has the wrong type (",
        std::string(py::str(py::type::of(value).attr("__name__"))), ")"));
  }
}

// A str or a sequence of str, as a list.
std::optional<std::vector<std::string>> TakeList(py::dict& kwargs,
                                                 const char* key) {
  if (kwargs.contains(key) && py::isinstance<py::str>(kwargs[key])) {
    return std::vector<std::string>{*Take<std::string>(kwargs, key)};
  }
  return Take<std::vector<std::string>>(kwargs, key);
}

absl::Duration Seconds(double seconds, const char* name) {
  if (!(seconds > 0) || seconds > 1e9) {
    ThrowIfError(MakeError(absl::StatusCode::kInvalidArgument,
                           ErrorReason::kConfigInvalid,
                           absl::StrCat(name, " must be a positive number")));
  }
  return absl::Seconds(seconds);
}

// Applies the keywords common to both factories to `config` and `options`;
// leftover keywords are a TypeError, as for any Python function.
void ApplyCommonKeywords(py::dict kwargs, ProviderConfig& config,
                         ProviderOptions& options) {
  if (auto v = Take<std::string>(kwargs, "client_id")) {
    config.client_id = *v;
  }
  if (auto v = Take<std::string>(kwargs, "client_secret")) {
    config.client_secret = *v;
  }
  if (auto v = Take<std::string>(kwargs, "auth_method")) {
    std::optional<ClientAuthMethod> method = ClientAuthMethodFromName(*v);
    if (!method.has_value()) {
      ThrowIfError(MakeError(
          absl::StatusCode::kInvalidArgument, ErrorReason::kConfigInvalid,
          "auth_method must be client_secret_basic, client_secret_post or "
          "none"));
    }
    config.auth_method = *method;
  } else if (config.client_secret.empty()) {
    // No secret means a public client; PKCE protects its code exchange.
    config.auth_method = ClientAuthMethod::kNone;
  }
  if (auto v = Take<std::string>(kwargs, "redirect_uri")) {
    config.redirect_uri = *v;
  }
  if (auto v = TakeList(kwargs, "scopes")) {
    config.scopes = *v;
  }
  if (auto v = Take<std::string>(kwargs, "name")) {
    config.name = *v;
  }
  if (auto v = TakeList(kwargs, "additional_issuers")) {
    config.additional_issuers = *v;
  }
  if (auto v = TakeList(kwargs, "token_use")) {
    config.token_uses = *v;
  }
  if (auto v = TakeList(kwargs, "token_type")) {
    config.token_types = *v;
  }
  if (auto v = Take<double>(kwargs, "clock_skew")) {
    config.clock_skew = absl::Seconds(*v);
  }
  if (auto v = Take<double>(kwargs, "http_timeout")) {
    config.http_timeout = Seconds(*v, "http_timeout");
    config.jwks.fetch_timeout = config.http_timeout;
  }
  ProviderEndpoints& e = config.endpoints;
  if (auto v = Take<std::string>(kwargs, "authorization_endpoint")) {
    e.authorization_endpoint = *v;
  }
  if (auto v = Take<std::string>(kwargs, "token_endpoint")) {
    e.token_endpoint = *v;
  }
  if (auto v = Take<std::string>(kwargs, "userinfo_endpoint")) {
    e.userinfo_endpoint = *v;
  }
  if (auto v = Take<std::string>(kwargs, "revocation_endpoint")) {
    e.revocation_endpoint = *v;
  }
  if (auto v = Take<std::string>(kwargs, "end_session_endpoint")) {
    e.end_session_endpoint = *v;
  }
  if (auto v = Take<std::string>(kwargs, "jwks_uri")) {
    e.jwks_uri = *v;
  }
  if (auto v = Take<bool>(kwargs, "use_discovery")) {
    config.use_discovery = *v;
  }
  if (auto v = Take<double>(kwargs, "jwks_refetch_cooldown")) {
    config.jwks.refetch_cooldown = absl::Seconds(*v);
  }
  if (auto v = Take<bool>(kwargs, "jwks_background_refresh")) {
    config.jwks.background_refresh = *v;
  }
  if (auto v = Take<std::string>(kwargs, "ca_file")) {
    options.curl.ca_file = *v;
  }
  if (auto v = Take<bool>(kwargs, "allow_insecure_http")) {
    options.curl.allow_insecure_http = *v;
  }
  if (auto v = Take<bool>(kwargs, "warm_up")) {
    options.warm_up = *v;
  }
  if (!kwargs.empty()) {
    std::string first = py::str(*kwargs.begin()->first);
    throw py::type_error(
        absl::StrCat("unexpected keyword argument '", first, "'"));
  }
}

// Blocking: discovery and the first JWKS fetch. Call without the GIL.
std::shared_ptr<OAuthClient> CreateClient(ProviderConfig config,
                                          const ProviderOptions& options) {
  OAuthClient::Dependencies deps;
  deps.fetcher = CreateCurlHttpFetcher(options.curl);
  std::shared_ptr<OAuthClient> client =
      ValueOrThrow(OAuthClient::Create(std::move(config), std::move(deps)));
  if (options.warm_up) {
    ThrowIfError(client->WarmUp());
  }
  return client;
}

std::shared_ptr<OAuthClient> Discover(const std::string& issuer,
                                      const py::kwargs& kwargs) {
  ProviderConfig config;
  ProviderOptions options;
  config.issuer = issuer;
  config.name = issuer;
  ApplyCommonKeywords(kwargs, config, options);
  py::gil_scoped_release release;
  return CreateClient(std::move(config), options);
}

std::shared_ptr<OAuthClient> Cognito(const std::string& region,
                                     const std::string& user_pool_id,
                                     py::kwargs kwargs) {
  CognitoPool pool;
  pool.region = region;
  pool.user_pool_id = user_pool_id;
  if (auto v = Take<std::string>(kwargs, "domain")) {
    pool.domain = *v;
  }
  if (auto v = Take<bool>(kwargs, "updated_issuer_format")) {
    pool.updated_issuer_format = *v;
  }
  // The JWKS URL belongs to the pool (moto serves it on its own host).
  if (auto v = Take<std::string>(kwargs, "jwks_uri")) {
    pool.jwks_uri = *v;
  }
  ProviderConfig config = ValueOrThrow(MakeCognitoProviderConfig(pool));
  ProviderOptions options;
  ApplyCommonKeywords(kwargs, config, options);
  py::gil_scoped_release release;
  return CreateClient(std::move(config), options);
}

py::dict MetadataToDict(const ProviderMetadata& m) {
  py::dict d;
  d["issuer"] = m.issuer;
  d["authorization_endpoint"] = m.authorization_endpoint;
  d["token_endpoint"] = m.token_endpoint;
  d["userinfo_endpoint"] = m.userinfo_endpoint;
  d["jwks_uri"] = m.jwks_uri;
  d["revocation_endpoint"] = m.revocation_endpoint;
  d["end_session_endpoint"] = m.end_session_endpoint;
  d["scopes_supported"] = m.scopes_supported;
  d["response_types_supported"] = m.response_types_supported;
  d["grant_types_supported"] = m.grant_types_supported;
  d["token_endpoint_auth_methods_supported"] =
      m.token_endpoint_auth_methods_supported;
  d["code_challenge_methods_supported"] = m.code_challenge_methods_supported;
  d["id_token_signing_alg_values_supported"] =
      m.id_token_signing_alg_values_supported;
  return d;
}

py::dict FetchMetadata(const std::string& issuer, double timeout,
                       const std::optional<std::string>& ca_file,
                       bool allow_insecure_http) {
  CurlOptions curl;
  curl.ca_file = ca_file.value_or("");
  curl.allow_insecure_http = allow_insecure_http;
  const absl::Duration deadline = Seconds(timeout, "timeout");
  absl::StatusOr<ProviderMetadata> metadata;
  {
    py::gil_scoped_release release;
    std::shared_ptr<HttpFetcher> fetcher = CreateCurlHttpFetcher(curl);
    metadata = FetchProviderMetadata(*fetcher, issuer, deadline);
  }
  return MetadataToDict(ValueOrThrow(std::move(metadata)));
}

// Seconds as a float, or None for "not given".
py::object DurationSeconds(absl::Duration d) {
  if (d == absl::ZeroDuration()) {
    return py::none();
  }
  return py::float_(absl::ToDoubleSeconds(d));
}

void BindAuthorizationUrl(py::module_& m) {
  py::class_<AuthorizationUrl, std::shared_ptr<AuthorizationUrl>>(
      m, "AuthorizationUrl", R"doc(
A login to start: the URL to send the browser to, and the secrets to keep.

``state``, ``nonce`` and ``code_verifier`` belong to this login only: keep
them server-side (or in an encrypted, HttpOnly cookie) until the callback,
then check ``state`` with :func:`state_matches` and pass ``code_verifier`` and
``nonce`` to :meth:`Provider.exchange_code`.
)doc")
      .def_readonly("url", &AuthorizationUrl::url,
                    "str: The authorization URL (with the PKCE challenge).")
      .def_readonly("state", &AuthorizationUrl::state,
                    "str: The ``state`` sent (256 random bits, base64url).")
      .def_readonly("nonce", &AuthorizationUrl::nonce,
                    "str: The ``nonce`` sent; the ID token must carry it.")
      .def_readonly("code_verifier", &AuthorizationUrl::code_verifier,
                    "str: The PKCE verifier; its S256 challenge is in the URL.")
      .def_readonly("redirect_uri", &AuthorizationUrl::redirect_uri,
                    "str: The redirect URI used; the exchange needs it again.")
      .def("__repr__", [](const AuthorizationUrl& a) {
        // The URL is public (it goes to the browser); the rest is not.
        return absl::StrCat("AuthorizationUrl(url='", a.url, "')");
      });
}

void BindTokenResponse(py::module_& m) {
  py::class_<TokenResponse, std::shared_ptr<TokenResponse>>(m, "TokenResponse",
                                                            R"doc(
Tokens returned by the provider's token endpoint.

Holds secrets: never log it (its repr shows no token). ``id_token_claims``
is set whenever an ID token came back, and that ID token has already been
verified (signature, issuer, audience, expiry, nonce, ``at_hash``).
)doc")
      .def_readonly("access_token", &TokenResponse::access_token,
                    "str: The access token.")
      .def_readonly("token_type", &TokenResponse::token_type,
                    "str: The token type, ``\"Bearer\"``.")
      .def_readonly("id_token", &TokenResponse::id_token,
                    "str: The ID token; empty when none was returned.")
      .def_readonly("refresh_token", &TokenResponse::refresh_token,
                    "str: The refresh token to use next (after a refresh "
                    "without rotation, the one presented).")
      .def_readonly("refresh_token_rotated",
                    &TokenResponse::refresh_token_rotated,
                    "bool: True when this response carried a new refresh "
                    "token.")
      .def_readonly("scope", &TokenResponse::scope,
                    "str: The granted scope, when the provider said.")
      .def_property_readonly(
          "expires_in",
          [](const TokenResponse& t) { return DurationSeconds(t.expires_in); },
          "float | None: Lifetime of the access token in seconds.")
      .def_property_readonly(
          "expires_at",
          [](const TokenResponse& t) -> py::object {
            if (t.expires_at == absl::InfiniteFuture()) {
              return py::none();
            }
            return ToDatetime(t.expires_at);
          },
          "datetime.datetime | None: When the access token expires (UTC).")
      .def_property_readonly(
          "id_token_claims",
          [](const TokenResponse& t) -> std::optional<Claims> {
            if (!t.id_token_claims.has_value()) {
              return std::nullopt;
            }
            return Claims(*t.id_token_claims);
          },
          "Claims | None: The verified ID token's claims.")
      .def("__repr__", [](const TokenResponse& t) {
        return absl::StrCat(
            "TokenResponse(token_type='", t.token_type, "', scope='",
            t.scope.substr(0, 256),
            "', id_token=", t.id_token.empty() ? "no" : "yes",
            ", refresh_token=", t.refresh_token.empty() ? "no" : "yes", ")");
      });
}

void BindProvider(py::module_& m) {
  py::class_<OAuthClient, std::shared_ptr<OAuthClient>>(m, "Provider", R"doc(
One OAuth 2.0 / OpenID Connect client of one provider.

A Cognito user pool app client (:meth:`cognito`) or any OIDC relying party
(:meth:`discover`). It owns the provider's endpoints, its live JWKS and a
verifier for the ID tokens it receives. Thread-safe; network calls release
the GIL. Secrets never appear in exceptions or reprs.

Example::

    provider = authgate.Provider.cognito(
        "eu-west-1", "eu-west-1_AbCdEf123", domain="myapp",
        client_id="1example23456789", client_secret=secret,
        redirect_uri="https://app.example.com/callback")
    login = provider.authorization_url()
    # ... redirect to login.url; on the callback:
    tokens = provider.exchange_code(code, code_verifier=login.code_verifier,
                                    nonce=login.nonce)
)doc")
      .def_static("discover", &Discover, py::arg("issuer"),
                  R"doc(Builds a provider from its discovery document.

Fetches ``{issuer}/.well-known/openid-configuration`` (its ``issuer`` must
equal ``issuer`` exactly) and, unless ``warm_up=False``, the JWKS.

Args:
    issuer: The issuer URL, exactly as it appears in ``iss``.
    **options: ``client_id`` (required), ``client_secret``, ``auth_method``
        (``"client_secret_basic"``, ``"client_secret_post"``, ``"none"``;
        default basic with a secret, none without), ``redirect_uri``,
        ``scopes``, ``name``, ``additional_issuers``, ``token_use``,
        ``token_type`` (accepted header ``typ`` values, e.g. ``"at+jwt"``),
        ``clock_skew``, ``http_timeout`` (seconds), endpoint overrides
        (``authorization_endpoint``, ``token_endpoint``,
        ``userinfo_endpoint``, ``revocation_endpoint``,
        ``end_session_endpoint``, ``jwks_uri``), ``use_discovery`` (False:
        no discovery request; the overrides are all there is and
        ``jwks_uri`` is required), ``jwks_refetch_cooldown``,
        ``jwks_background_refresh``, ``ca_file``, ``allow_insecure_http``,
        ``warm_up``.

Returns:
    A new Provider.

Raises:
    ConfigurationError: Invalid options, or the document names another
        issuer (reason ``discovery_mismatch``).
    ProviderUnavailableError: Discovery or the JWKS could not be fetched.
    TypeError: An unknown keyword or a value of the wrong type.
)doc")
      .def_static("cognito", &Cognito, py::arg("region"),
                  py::arg("user_pool_id"),
                  R"doc(Builds a provider for an Amazon Cognito user pool.

No discovery round trip: the issuer, JWKS URL and, with ``domain``, the
hosted-UI endpoints (``/oauth2/authorize``, ``/oauth2/token``,
``/oauth2/userInfo``, ``/oauth2/revoke``, ``/logout``) are derived.

Args:
    region: The pool's region, e.g. ``"eu-west-1"``.
    user_pool_id: The pool id, e.g. ``"eu-west-1_AbCdEf123"``.
    **options: ``domain`` (hosted-UI prefix, host name or origin),
        ``updated_issuer_format``, ``jwks_uri``, and every option of
        :meth:`discover`.

Returns:
    A new Provider.

Raises:
    ConfigurationError: A malformed region, pool id or option.
    ProviderUnavailableError: The JWKS could not be fetched (``warm_up``).
    TypeError: An unknown keyword or a value of the wrong type.
)doc")
      .def(
          "warm_up", [](OAuthClient& self) { ThrowIfError(self.WarmUp()); },
          py::call_guard<py::gil_scoped_release>(),
          R"doc(Loads the JWKS now unless a fresh set is loaded.

Raises:
    ProviderUnavailableError: The JWKS could not be fetched.
)doc")
      .def(
          "authorization_url",
          [](const OAuthClient& self,
             const std::optional<std::vector<std::string>>& scopes,
             const std::optional<std::string>& redirect_uri,
             const std::optional<std::string>& prompt,
             const std::optional<std::string>& login_hint,
             const std::optional<std::string>& identity_provider,
             const std::optional<std::string>& idp_identifier,
             std::vector<std::pair<std::string, std::string>> extra_params) {
            AuthorizationRequest request;
            request.scopes = scopes.value_or(std::vector<std::string>());
            request.redirect_uri = redirect_uri.value_or("");
            request.prompt = prompt.value_or("");
            request.login_hint = login_hint.value_or("");
            request.identity_provider = identity_provider.value_or("");
            request.idp_identifier = idp_identifier.value_or("");
            request.extra_params = std::move(extra_params);
            return ValueOrThrow(self.BuildAuthorizationUrl(request));
          },
          py::kw_only(), py::arg("scopes") = py::none(),
          py::arg("redirect_uri") = py::none(), py::arg("prompt") = py::none(),
          py::arg("login_hint") = py::none(),
          py::arg("identity_provider") = py::none(),
          py::arg("idp_identifier") = py::none(),
          py::arg("extra_params") = py::list(),
          py::call_guard<py::gil_scoped_release>(),
          R"doc(Starts a login: builds the authorization URL.

Always uses PKCE S256 and fresh ``state`` and ``nonce``.

Args:
    scopes: Scopes to request; the configured ones when None.
    redirect_uri: The redirect URI; the configured one when None.
    prompt: OIDC ``prompt`` (``"login"``, ``"consent"``, ``"none"``).
    login_hint: OIDC ``login_hint``.
    identity_provider: Cognito: go straight to this federated IdP.
    idp_identifier: Cognito: go straight to the IdP with this identifier.
    extra_params: Further ``(name, value)`` query parameters.

Returns:
    An :class:`AuthorizationUrl`.

Raises:
    ConfigurationError: No authorization endpoint or redirect URI, or a
        reserved name in ``extra_params``.
)doc")
      .def(
          "exchange_code",
          [](OAuthClient& self, const std::string& code,
             const std::optional<std::string>& code_verifier,
             const std::optional<std::string>& nonce,
             const std::optional<std::string>& redirect_uri) {
            CodeExchangeRequest request;
            request.code = code;
            request.code_verifier = code_verifier.value_or("");
            request.nonce = nonce.value_or("");
            request.redirect_uri = redirect_uri.value_or("");
            return ValueOrThrow(self.ExchangeCode(request));
          },
          py::arg("code"), py::kw_only(), py::arg("code_verifier") = py::none(),
          py::arg("nonce") = py::none(), py::arg("redirect_uri") = py::none(),
          py::call_guard<py::gil_scoped_release>(),
          R"doc(Exchanges an authorization code for tokens.

The returned ID token is verified (audience = client id, ``nonce`` when
given, ``at_hash`` when present).

Args:
    code: The ``code`` from the callback.
    code_verifier: The login's PKCE verifier.
    nonce: The login's nonce.
    redirect_uri: The redirect URI of the login; the configured one when
        None.

Returns:
    A :class:`TokenResponse`.

Raises:
    OAuthError: The provider refused (``oauth_invalid_grant`` for a used or
        wrong code or PKCE mismatch, ``oauth_invalid_client``, ...).
    InvalidTokenError: The returned ID token failed verification.
    ProviderUnavailableError: The provider could not be reached.
)doc")
      .def(
          "refresh",
          [](OAuthClient& self, const std::string& refresh_token,
             const std::vector<std::string>& scopes) {
            return ValueOrThrow(self.Refresh(refresh_token, scopes));
          },
          py::arg("refresh_token"), py::kw_only(),
          py::arg("scopes") = py::tuple(),
          py::call_guard<py::gil_scoped_release>(),
          R"doc(Gets fresh tokens with a refresh token.

Concurrent calls with the same refresh token share one request. When the
provider returns no new refresh token, ``refresh_token`` of the result is the
one presented.

Args:
    refresh_token: The refresh token.
    scopes: Scopes to request; not sent when empty.

Returns:
    A :class:`TokenResponse`.

Raises:
    OAuthError: The provider refused (``oauth_invalid_grant`` for a revoked
        or expired refresh token).
    ProviderUnavailableError: The provider could not be reached.
)doc")
      .def(
          "client_credentials",
          [](OAuthClient& self, const std::vector<std::string>& scopes) {
            return ValueOrThrow(self.ClientCredentials(scopes));
          },
          py::arg("scopes") = py::tuple(),
          py::call_guard<py::gil_scoped_release>(),
          R"doc(Gets a machine-to-machine access token (client_credentials).

The token is cached per scope set until shortly before it expires.

Args:
    scopes: Scopes to request (Cognito: ``"{resource_server}/{scope}"``);
        the client's defaults when empty.

Returns:
    A :class:`TokenResponse` (access token only).

Raises:
    OAuthError: The provider refused (``oauth_invalid_scope``,
        ``oauth_unauthorized_client``, ...).
    ConfigurationError: The client is public (has no secret).
    ProviderUnavailableError: The provider could not be reached.
)doc")
      .def("clear_client_credentials_cache",
           &OAuthClient::ClearClientCredentialsCache,
           "Drops cached client_credentials tokens.")
      .def(
          "userinfo",
          [](OAuthClient& self, const std::string& access_token,
             const std::optional<std::string>& expected_subject) {
            absl::StatusOr<nlohmann::json> info;
            {
              py::gil_scoped_release release;
              info = self.UserInfo(access_token, expected_subject.value_or(""));
            }
            return JsonToPython(ValueOrThrow(std::move(info)));
          },
          py::arg("access_token"), py::kw_only(),
          py::arg("expected_subject") = py::none(),
          R"doc(Fetches the user's claims from the userInfo endpoint.

Cognito's string booleans (``"true"``) become real booleans.

Args:
    access_token: A bearer access token.
    expected_subject: When given (the ID token's ``sub``), the answer's
        ``sub`` must equal it.

Returns:
    The claims as a dict.

Raises:
    OAuthError: The token was rejected (``error`` ``"invalid_token"``).
    InvalidTokenError: ``sub`` differs from ``expected_subject``.
    ProviderUnavailableError: The provider could not be reached or answered
        nonsense.
)doc")
      .def(
          "revoke",
          [](OAuthClient& self, const std::string& token,
             const std::string& token_type_hint) {
            ThrowIfError(self.Revoke(token, token_type_hint));
          },
          py::arg("token"), py::kw_only(),
          py::arg("token_type_hint") = "refresh_token",
          py::call_guard<py::gil_scoped_release>(),
          R"doc(Revokes a token (RFC 7009).

Cognito revokes a refresh token and the access tokens issued from it.
Revoking an unknown token succeeds.

Args:
    token: The token to revoke.
    token_type_hint: ``"refresh_token"`` or ``"access_token"``.

Raises:
    OAuthError: The provider refused.
    ConfigurationError: The provider has no revocation endpoint.
    ProviderUnavailableError: The provider could not be reached.
)doc")
      .def(
          "logout_url",
          [](const OAuthClient& self,
             const std::optional<std::string>& post_logout_redirect_uri,
             const std::optional<std::string>& id_token_hint,
             const std::optional<std::string>& state) {
            LogoutRequest request;
            request.post_logout_redirect_uri =
                post_logout_redirect_uri.value_or("");
            request.id_token_hint = id_token_hint.value_or("");
            request.state = state.value_or("");
            return ValueOrThrow(self.BuildLogoutUrl(request));
          },
          py::kw_only(), py::arg("post_logout_redirect_uri") = py::none(),
          py::arg("id_token_hint") = py::none(), py::arg("state") = py::none(),
          R"doc(Builds the URL that signs the user out at the provider.

Cognito: ``/logout?client_id=&logout_uri=``; OIDC: the end-session endpoint
with ``post_logout_redirect_uri``, ``id_token_hint`` and ``state``.

Args:
    post_logout_redirect_uri: Where the provider sends the browser after
        (required for Cognito; must be a registered sign-out URL).
    id_token_hint: OIDC only: the ID token.
    state: OIDC only: echoed back on the redirect.

Returns:
    The logout URL.

Raises:
    ConfigurationError: No end-session endpoint, or Cognito without
        ``post_logout_redirect_uri``.
)doc")
      .def(
          "verify",
          [](const OAuthClient& self, const std::string& token,
             const std::optional<std::string>& token_use,
             std::vector<std::string> scopes, bool require_all,
             const std::optional<std::string>& nonce) {
            VerifyOptions options;
            if (token_use.has_value()) {
              options.token_uses = {*token_use};
            }
            options.scopes = std::move(scopes);
            options.scope_match = require_all ? Match::kAll : Match::kAny;
            options.nonce = nonce.value_or("");
            return Claims(ValueOrThrow(self.Verify(token, options)));
          },
          py::arg("token"), py::kw_only(), py::arg("token_use") = py::none(),
          py::arg("scopes") = py::tuple(), py::arg("require_all") = true,
          py::arg("nonce") = py::none(),
          py::call_guard<py::gil_scoped_release>(),
          R"doc(Verifies a token of this provider (audience = client id).

For several providers or groups checks, build a :class:`Verifier`.

Args:
    token: A compact JWS.
    token_use: Required Cognito ``token_use``, e.g. ``"access"``.
    scopes: Scopes the token must carry.
    require_all: Every scope (True) or any one (False).
    nonce: The ``nonce`` the token must carry.

Returns:
    The token's :class:`Claims`.

Raises:
    InvalidTokenError: The token is not acceptable (see ``.reason``).
    PermissionDeniedError: A required scope is missing.
    ProviderUnavailableError: The keys could not be loaded.
)doc")
      .def_property_readonly(
          "name", [](const OAuthClient& c) { return c.config().name; },
          "str: The provider's label.")
      .def_property_readonly(
          "issuer", [](const OAuthClient& c) { return c.config().issuer; },
          "str: The issuer.")
      .def_property_readonly(
          "client_id",
          [](const OAuthClient& c) { return c.config().client_id; },
          "str: The client id (the default audience).")
      .def_property_readonly(
          "jwks_uri", [](const OAuthClient& c) { return c.jwks()->jwks_uri(); },
          "str: Where the keys are fetched from.")
      .def_property_readonly(
          "metadata",
          [](const OAuthClient& c) { return MetadataToDict(c.metadata()); },
          "dict: The endpoints in use (discovery plus overrides).")
      .def_property_readonly(
          "jwks_ready", [](const OAuthClient& c) { return c.jwks()->ready(); },
          "bool: True when a key set is loaded and servable.")
      .def(
          "jwks_stats",
          [](const OAuthClient& c) {
            JwksCacheStats s = c.jwks()->stats();
            py::dict d;
            d["fetches"] = s.fetches;
            d["fetch_failures"] = s.fetch_failures;
            d["unknown_kid_refetches"] = s.unknown_kid_refetches;
            d["unknown_kid_throttled"] = s.unknown_kid_throttled;
            d["key_sets_loaded"] = s.key_sets_loaded;
            return d;
          },
          R"doc(Returns counters of the live JWKS cache.

Returns:
    A dict with ``fetches``, ``fetch_failures``, ``unknown_kid_refetches``,
    ``unknown_kid_throttled`` and ``key_sets_loaded``.
)doc")
      .def("__repr__", [](const OAuthClient& c) {
        return absl::StrCat("Provider(issuer='", c.config().issuer,
                            "', client_id='", c.config().client_id, "')");
      });
}

void BindHelpers(py::module_& m) {
  m.def("fetch_provider_metadata", &FetchMetadata, py::arg("issuer"),
        py::kw_only(), py::arg("timeout") = 5.0,
        py::arg("ca_file") = py::none(), py::arg("allow_insecure_http") = false,
        R"doc(Fetches and checks a provider's discovery document.

Args:
    issuer: The issuer URL; its document's ``issuer`` must equal it exactly.
    timeout: Total time allowed, in seconds.
    ca_file: PEM bundle to trust instead of the system store.
    allow_insecure_http: Allow plain http to hosts other than loopback.

Returns:
    The endpoints and capabilities as a dict.

Raises:
    ConfigurationError: The document names another issuer
        (``discovery_mismatch``).
    ProviderUnavailableError: Unreachable, timed out, or not a discovery
        document.
)doc");
  m.def(
      "state_matches",
      [](const std::string& expected, const std::string& received) {
        return StateMatches(expected, received);
      },
      py::arg("expected"), py::arg("received"),
      R"doc(Compares a callback's ``state`` with the stored one in constant time.

Args:
    expected: The ``state`` of :class:`AuthorizationUrl`.
    received: The ``state`` query parameter of the callback.

Returns:
    True when they are equal (and non-empty).
)doc");
  m.def(
      "parse_cognito_issuer",
      [](const std::string& issuer) {
        CognitoPool pool = ValueOrThrow(CognitoPoolFromIssuer(issuer, ""));
        return std::make_pair(pool.region, pool.user_pool_id);
      },
      py::arg("issuer"),
      R"doc(Splits a Cognito issuer URL into region and user pool id.

Both issuer formats are understood (``cognito-idp`` and
``issuer-cognito-idp``).

Args:
    issuer: e.g. ``"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X"``.

Returns:
    ``(region, user_pool_id)``.

Raises:
    ConfigurationError: Not a Cognito issuer.
)doc");
  m.def(
      "pkce_s256_challenge",
      [](const std::string& verifier) { return PkceS256Challenge(verifier); },
      py::arg("code_verifier"),
      R"doc(Derives the PKCE S256 challenge of a verifier (RFC 7636 4.2).

Args:
    code_verifier: The verifier.

Returns:
    ``BASE64URL(SHA256(code_verifier))``.
)doc");
}

}  // namespace

void PolicyFromProvider(py::handle provider, ProviderPolicy& policy) {
  if (!py::isinstance<OAuthClient>(provider)) {
    throw py::type_error("provider must be an authgate.Provider");
  }
  policy = provider.cast<const OAuthClient&>().policy();
}

void RegisterOAuth(py::module_& m) {
  BindAuthorizationUrl(m);
  BindTokenResponse(m);
  BindProvider(m);
  BindHelpers(m);
}

}  // namespace authgate::python
