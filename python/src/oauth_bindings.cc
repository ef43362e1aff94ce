// Provider (OAuthClient), AuthorizationUrl, TokenResponse and discovery.
//
// Provider.discover/cognito turn their keywords into one provider spec (JSON,
// with the GIL held), which the core parses exactly as the server parses its
// providers[i]; every call that may touch the network (discovery, JWKS,
// token, userInfo, revoke) then runs with the GIL released and only C++
// values in hand.
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "authgate/config_object.h"
#include "authgate/discovery.h"
#include "authgate/http_fetcher.h"
#include "authgate/oauth_client.h"
#include "authgate/pkce.h"
#include "authgate/provider_config.h"
#include "authgate/provider_spec.h"
#include "authgate/status.h"
#include "authgate/token_response.h"
#include "bindings.h"
#include "bound_provider.h"
#include "claims.h"
#include "json_conversion.h"
#include "status_translation.h"
#include "verify_keywords.h"

namespace py = pybind11;

namespace authgate::python {
namespace {

// Keywords of Provider.discover/cognito that are not part of the provider
// description: they say how this process talks to it, or pick the client.
struct TransportOptions {
  // A PEM bundle to trust instead of the system store.
  std::string ca_file;
  // Load the JWKS before returning.
  bool warm_up = true;
  // Which client of the spec's clients this Provider is; empty: the first.
  std::string client;
};

template <typename T>
void TakeOption(py::dict& kwargs, const char* key, T& out) {
  if (!kwargs.contains(key)) {
    return;
  }
  py::object value = kwargs[key];
  PyDict_DelItemString(kwargs.ptr(), key);
  if (value.is_none()) {
    return;
  }
  try {
    out = value.cast<T>();
  } catch (const py::cast_error&) {
    throw py::type_error(absl::StrCat(
        "argument '", key, "' has the wrong type (",
        std::string(py::str(py::type::of(value).attr("__name__"))), ")"));
  }
}

TransportOptions TakeTransportOptions(py::dict& kwargs) {
  TransportOptions options;
  TakeOption(kwargs, "ca_file", options.ca_file);
  TakeOption(kwargs, "warm_up", options.warm_up);
  TakeOption(kwargs, "client", options.client);
  return options;
}

// Parses the spec, creates the chosen client's OAuthClient (discovery when
// the spec says so) and the provider's verifier, and loads the keys unless
// told not to. Blocking: call without the GIL.
std::shared_ptr<BoundProvider> CreateProvider(nlohmann::json value,
                                              const TransportOptions& options) {
  auto bound = std::make_shared<BoundProvider>();
  bound->spec = ValueOrThrow(ParseProviderSpec(value, "Provider"));
  const ProviderSpec& spec = bound->spec;
  const OAuthClientSpec* chosen = spec.FindClient(options.client);
  if (chosen == nullptr && !options.client.empty()) {
    ThrowIfError(ConfigFieldError("Provider.client",
                                  "names none of the provider's client ids"));
  }
  // A spec without clients (audiences only) has no client to act as; the
  // core's ProviderConfig check names the missing client_id.
  const OAuthClientSpec no_client;
  CurlOptions curl;
  curl.ca_file = options.ca_file;
  curl.allow_insecure_http = spec.allow_insecure_http;
  OAuthClient::Dependencies deps;
  deps.fetcher = CreateCurlHttpFetcher(curl);
  bound->client = ValueOrThrow(
      OAuthClient::Create(spec, chosen ? *chosen : no_client, std::move(deps)));
  VerifierOptions verifier_options;
  verifier_options.providers.push_back(
      MakeProviderPolicy(spec, bound->client->jwks()));
  bound->verifier = std::shared_ptr<TokenVerifier>(
      ValueOrThrow(TokenVerifier::Create(std::move(verifier_options))));
  if (options.warm_up) {
    ThrowIfError(bound->client->WarmUp());
  }
  bound->spec_json = std::move(value);
  return bound;
}

// Provider.discover(issuer, **spec) and Provider.cognito(region,
// user_pool_id, **spec): the positional arguments are spec keys like the
// rest; unknown keys are the core parser's error.
std::shared_ptr<BoundProvider> ProviderFromKeywords(
    py::kwargs kwargs,
    std::initializer_list<std::pair<const char*, const std::string*>>
        positional) {
  TransportOptions options = TakeTransportOptions(kwargs);
  nlohmann::json value = KeywordsToJson(kwargs);
  for (const auto& [key, text] : positional) {
    value[key] = *text;
  }
  py::gil_scoped_release release;
  return CreateProvider(std::move(value), options);
}

std::shared_ptr<BoundProvider> Discover(const std::string& issuer,
                                        py::kwargs kwargs) {
  return ProviderFromKeywords(std::move(kwargs), {{"issuer", &issuer}});
}

std::shared_ptr<BoundProvider> Cognito(const std::string& region,
                                       const std::string& user_pool_id,
                                       py::kwargs kwargs) {
  return ProviderFromKeywords(
      std::move(kwargs),
      {{"region", &region}, {"user_pool_id", &user_pool_id}});
}

absl::Duration Seconds(double seconds, const char* name) {
  if (!(seconds > 0) || seconds > 1e9) {
    ThrowIfError(MakeError(absl::StatusCode::kInvalidArgument,
                           ErrorReason::kConfigInvalid,
                           absl::StrCat(name, " must be a positive number")));
  }
  return absl::Seconds(seconds);
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
  py::class_<BoundProvider, std::shared_ptr<BoundProvider>>(m, "Provider",
                                                            R"doc(
One OAuth 2.0 / OpenID Connect client of one provider.

A Cognito user pool app client (:meth:`cognito`) or any OIDC relying party
(:meth:`discover`). The keywords are the keys of one provider object of the
server's configuration (docs/providers.md), read by the same core parser, so
defaults, rules and messages (``Provider.key: ...``) are the server's. It
owns the provider's endpoints, its live JWKS and a verifier for its tokens.
A spec with several ``clients`` is still one client here: ``client=`` picks
which (default: the first). Thread-safe; network calls release the GIL.
Secrets never appear in exceptions or reprs.

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
equal ``issuer`` exactly) unless the spec turns discovery off, and, unless
``warm_up=False``, the JWKS.

Args:
    issuer: The issuer URL, exactly as it appears in ``iss``.
    **spec: Provider spec keys: ``client_id``, ``client_secret`` or
        ``client_secret_file``, ``auth_method`` (``"client_secret_basic"``,
        ``"client_secret_post"``, ``"none"``), ``redirect_uri``,
        ``scopes``, ``clients`` (a list of such client dicts), ``name``,
        ``kind``, ``additional_issuers``, ``audiences``, ``token_uses``,
        ``token_types``, ``algorithms``, ``clock_skew``, ``max_lifetime``,
        ``required_claims``, ``groups_claim``, ``username_claim``,
        ``http_timeout`` (durations: seconds, a ``timedelta`` or ``"5s"``),
        ``allow_insecure_http``, ``use_discovery``, ``jwks_uri``,
        ``endpoints`` (a dict of ``authorization_endpoint``,
        ``token_endpoint``, ``userinfo_endpoint``, ``revocation_endpoint``,
        ``end_session_endpoint``, ``jwks_uri``), ``logout_style``, ``jwks``
        (cache options: ``refetch_cooldown``, ``background_refresh``, ...),
        ``client_credentials_refresh_margin``. Not spec keys: ``client``
        (the client id to act as), ``ca_file`` (a PEM bundle to trust) and
        ``warm_up`` (default True). A keyword given as None is left out.

Returns:
    A new Provider.

Raises:
    ConfigurationError: An unknown key (``Provider.key: unknown field``), a
        value of the wrong type or an invalid setting (``config_invalid``),
        or the document names another issuer (``discovery_mismatch``).
    ProviderUnavailableError: Discovery or the JWKS could not be fetched.
    TypeError: A value with no JSON form.
)doc")
      .def_static("cognito", &Cognito, py::arg("region"),
                  py::arg("user_pool_id"),
                  R"doc(Builds a provider for an Amazon Cognito user pool.

The issuer and JWKS URL are derived, and with ``domain`` the hosted-UI
endpoints (``/oauth2/authorize``, ``/oauth2/token``, ``/oauth2/userInfo``,
``/oauth2/revoke``, ``/logout``) too; without ``domain`` (and without
``jwks_uri``) the endpoints come from the pool's discovery document.

Args:
    region: The pool's region, e.g. ``"eu-west-1"`` (spec key ``region``).
    user_pool_id: The pool id, e.g. ``"eu-west-1_AbCdEf123"`` (spec key
        ``user_pool_id``).
    **spec: ``domain`` (hosted-UI prefix, host name or origin),
        ``updated_issuer_format``, and every keyword of :meth:`discover`.

Returns:
    A new Provider.

Raises:
    ConfigurationError: A malformed region, pool id or option.
    ProviderUnavailableError: The JWKS could not be fetched (``warm_up``).
    TypeError: A value with no JSON form.
)doc")
      .def(
          "warm_up",
          [](const BoundProvider& self) {
            ThrowIfError(self.client->WarmUp());
          },
          py::call_guard<py::gil_scoped_release>(),
          R"doc(Loads the JWKS now unless a fresh set is loaded.

Raises:
    ProviderUnavailableError: The JWKS could not be fetched.
)doc")
      .def(
          "authorization_url",
          [](const BoundProvider& self,
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
            return ValueOrThrow(self.client->BuildAuthorizationUrl(request));
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
          [](const BoundProvider& self, const std::string& code,
             const std::optional<std::string>& code_verifier,
             const std::optional<std::string>& nonce,
             const std::optional<std::string>& redirect_uri) {
            CodeExchangeRequest request;
            request.code = code;
            request.code_verifier = code_verifier.value_or("");
            request.nonce = nonce.value_or("");
            request.redirect_uri = redirect_uri.value_or("");
            return ValueOrThrow(self.client->ExchangeCode(request));
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
          [](const BoundProvider& self, const std::string& refresh_token,
             const std::vector<std::string>& scopes) {
            return ValueOrThrow(self.client->Refresh(refresh_token, scopes));
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
          [](const BoundProvider& self,
             const std::vector<std::string>& scopes) {
            return ValueOrThrow(self.client->ClientCredentials(scopes));
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
      .def(
          "clear_client_credentials_cache",
          [](const BoundProvider& self) {
            self.client->ClearClientCredentialsCache();
          },
          "Drops cached client_credentials tokens.")
      .def(
          "userinfo",
          [](const BoundProvider& self, const std::string& access_token,
             const std::optional<std::string>& expected_subject) {
            absl::StatusOr<nlohmann::json> info;
            {
              py::gil_scoped_release release;
              info = self.client->UserInfo(access_token,
                                           expected_subject.value_or(""));
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
          [](const BoundProvider& self, const std::string& token,
             const std::string& token_type_hint) {
            ThrowIfError(self.client->Revoke(token, token_type_hint));
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
          [](const BoundProvider& self,
             const std::optional<std::string>& post_logout_redirect_uri,
             const std::optional<std::string>& id_token_hint,
             const std::optional<std::string>& state) {
            LogoutRequest request;
            request.post_logout_redirect_uri =
                post_logout_redirect_uri.value_or("");
            request.id_token_hint = id_token_hint.value_or("");
            request.state = state.value_or("");
            return ValueOrThrow(self.client->BuildLogoutUrl(request));
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
          [](const BoundProvider& self, const std::string& token,
             std::optional<OneOrMany> token_uses,
             std::optional<OneOrMany> audiences,
             std::vector<std::string> scopes,
             std::optional<std::string> scope_match,
             std::vector<std::string> groups,
             std::optional<std::string> group_match,
             std::optional<std::string> nonce) {
            return VerifyToken(
                *self.verifier, token,
                {std::nullopt, std::move(token_uses), std::move(audiences),
                 std::move(scopes), std::move(scope_match), std::move(groups),
                 std::move(group_match), std::move(nonce)});
          },
          // kVerifyKeywords without "provider" (0).
          py::arg("token"), py::kw_only(), VerifyKeywordArg(1),
          VerifyKeywordArg(2), VerifyKeywordArg(3), VerifyKeywordArg(4),
          VerifyKeywordArg(5), VerifyKeywordArg(6), VerifyKeywordArg(7),
          py::call_guard<py::gil_scoped_release>(),
          R"doc(Verifies a token of this provider.

The provider's policy (``MakeProviderPolicy`` of its spec: every client id
and ``audiences`` accepted, the kind's audience rule and claim names) with
the live keys; the keywords are those of :meth:`Verifier.verify`.

Args:
    token: A compact JWS, byte for byte.
    token_uses: Accepted ``token_use`` value(s) for this call.
    audiences: For this call, the audience must be one of these (e.g. this
        client's id when the spec lists several clients).
    scopes: Scopes the token must carry.
    scope_match: ``"all"`` (default) or ``"any"``.
    groups: Groups the token must carry.
    group_match: ``"any"`` (default) or ``"all"``.
    nonce: The ``nonce`` the token must carry.

Returns:
    The token's :class:`Claims`.

Raises:
    InvalidTokenError: The token is not acceptable (see ``.reason``).
    PermissionDeniedError: A required scope or group is missing.
    ProviderUnavailableError: The keys could not be loaded.
)doc")
      .def_property_readonly(
          "name", [](const BoundProvider& c) { return c.spec.name; },
          "str: The provider's label (the spec's ``name``).")
      .def_property_readonly(
          "issuer",
          [](const BoundProvider& c) { return c.client->config().issuer; },
          "str: The issuer.")
      .def_property_readonly(
          "client_id",
          [](const BoundProvider& c) { return c.client->config().client_id; },
          "str: The id of the client this Provider acts as.")
      .def_property_readonly(
          "jwks_uri",
          [](const BoundProvider& c) { return c.client->jwks()->jwks_uri(); },
          "str: Where the keys are fetched from.")
      .def_property_readonly(
          "metadata",
          [](const BoundProvider& c) {
            return MetadataToDict(c.client->metadata());
          },
          "dict: The endpoints in use (discovery plus overrides).")
      .def_property_readonly(
          "jwks_ready",
          [](const BoundProvider& c) { return c.client->jwks()->ready(); },
          "bool: True when a key set is loaded and servable.")
      .def(
          "describe",
          [](const BoundProvider& c) {
            return JsonToPython(DescribeProviderSpec(c.spec));
          },
          R"doc(Returns the parsed spec as a dict, secrets masked.

Returns:
    What the server's ``--check_config`` prints for this provider.
)doc")
      .def(
          "jwks_stats",
          [](const BoundProvider& c) {
            JwksCacheStats s = c.client->jwks()->stats();
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
      .def("__repr__", [](const BoundProvider& c) {
        return absl::StrCat("Provider(issuer='", c.client->config().issuer,
                            "', client_id='", c.client->config().client_id,
                            "')");
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

void RegisterOAuth(py::module_& m) {
  BindAuthorizationUrl(m);
  BindTokenResponse(m);
  BindProvider(m);
  BindHelpers(m);
}

}  // namespace authgate::python
