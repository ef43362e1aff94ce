// Verifier, ProviderPolicy and Claims: offline token verification.
//
// verify() converts its arguments to C++ types with the GIL held, releases
// the GIL for the whole verification (signature check, cache, policy) and
// returns a Claims object that wraps the VerifiedToken; Python values are
// only built when a caller reads them, so a cache hit costs no JSON work.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "authgate/algorithm.h"
#include "authgate/static_key_source.h"
#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "authgate/unverified_token.h"
#include "authgate/verified_token.h"
#include "bindings.h"
#include "claims.h"
#include "json_conversion.h"
#include "policy_from_provider.h"
#include "status_translation.h"

namespace py = pybind11;

namespace authgate::python {
namespace {

// One string or several: `issuer="https://..."` and `issuer=[...]` both work.
using OneOrMany = std::variant<std::string, std::vector<std::string>>;

std::vector<std::string> ToList(const std::optional<OneOrMany>& value) {
  if (!value.has_value()) {
    return {};
  }
  if (const std::string* one = std::get_if<std::string>(&*value)) {
    return {*one};
  }
  return std::get<std::vector<std::string>>(*value);
}

absl::Duration SecondsToDuration(double seconds, const char* name) {
  if (!std::isfinite(seconds)) {
    ThrowInvalidArgument(absl::StrCat(name, " must be a finite number"));
  }
  return absl::Seconds(seconds);
}

// The Python-visible ProviderPolicy: the core policy plus what was asked for,
// kept for repr and introspection.
struct PolicySpec {
  ProviderPolicy policy;
  std::string key_source;  // "jwks", "jwks_file:<path>" or "provider"
};

std::shared_ptr<PolicySpec> MakePolicySpec(
    const std::optional<OneOrMany>& issuer,
    const std::optional<std::string>& jwks,
    const std::optional<std::string>& jwks_file, const py::object& provider,
    std::string name, const std::optional<OneOrMany>& audience,
    bool allow_any_audience, const std::optional<OneOrMany>& token_use,
    const std::optional<OneOrMany>& token_type,
    const std::optional<std::vector<std::string>>& algorithms,
    double clock_skew, bool allow_missing_exp,
    std::optional<double> max_lifetime,
    const std::optional<py::dict>& required_claims) {
  auto spec = std::make_shared<PolicySpec>();
  ProviderPolicy& policy = spec->policy;
  const int sources = static_cast<int>(jwks.has_value()) +
                      static_cast<int>(jwks_file.has_value()) +
                      static_cast<int>(!provider.is_none());
  if (sources != 1) {
    ThrowIfError(MakeError(
        absl::StatusCode::kInvalidArgument, ErrorReason::kConfigInvalid,
        "exactly one of jwks, jwks_file and provider must be given"));
  }
  if (!provider.is_none()) {
    // Fills issuers, keys, default audience (client id) and token uses.
    PolicyFromProvider(provider, policy);
    spec->key_source = "provider";
  } else if (jwks.has_value()) {
    policy.keys = ValueOrThrow(StaticKeySource::FromJwksJson(*jwks));
    spec->key_source = "jwks";
  } else {
    policy.keys = ValueOrThrow(StaticKeySource::FromJwksFile(*jwks_file));
    spec->key_source = "jwks_file:" + *jwks_file;
  }
  if (issuer.has_value()) {
    policy.issuers = ToList(issuer);
  }
  if (!name.empty()) {
    policy.name = std::move(name);
  } else if (policy.name.empty() && !policy.issuers.empty()) {
    policy.name = policy.issuers.front();
  }
  if (audience.has_value()) {
    policy.audiences = ToList(audience);
  }
  policy.allow_any_audience = allow_any_audience;
  if (token_use.has_value()) {
    policy.token_uses = ToList(token_use);
  }
  if (token_type.has_value()) {
    policy.token_types = ToList(token_type);
  }
  if (algorithms.has_value()) {
    policy.algorithms.clear();
    for (const std::string& alg_name : *algorithms) {
      std::optional<Algorithm> alg = AlgorithmFromName(alg_name);
      if (!alg.has_value()) {
        ThrowIfError(MakeError(
            absl::StatusCode::kInvalidArgument, ErrorReason::kConfigInvalid,
            absl::StrCat("unknown algorithm ", alg_name.substr(0, 32))));
      }
      policy.algorithms.push_back(*alg);
    }
  }
  policy.clock_skew = SecondsToDuration(clock_skew, "clock_skew");
  policy.allow_missing_exp = allow_missing_exp;
  if (max_lifetime.has_value()) {
    policy.max_lifetime = SecondsToDuration(*max_lifetime, "max_lifetime");
  }
  if (required_claims.has_value()) {
    for (auto item : *required_claims) {
      if (!py::isinstance<py::str>(item.first)) {
        throw py::type_error("required_claims keys must be str");
      }
      policy.required_claims[item.first.cast<std::string>()] =
          PythonToJson(item.second);
    }
  }
  return spec;
}

std::shared_ptr<TokenVerifier> MakeVerifier(
    const std::vector<std::shared_ptr<PolicySpec>>& specs,
    size_t cache_max_entries, size_t cache_max_bytes, size_t max_token_bytes) {
  VerifierOptions options;
  for (const std::shared_ptr<PolicySpec>& spec : specs) {
    if (spec == nullptr) {
      throw py::type_error("policies must not contain None");
    }
    options.providers.push_back(spec->policy);
  }
  options.cache_max_entries = cache_max_entries;
  options.cache_max_bytes = cache_max_bytes;
  options.max_token_bytes = max_token_bytes;
  std::unique_ptr<TokenVerifier> verifier =
      ValueOrThrow(TokenVerifier::Create(std::move(options)));
  return std::shared_ptr<TokenVerifier>(std::move(verifier));
}

// A one-provider verifier from keyword arguments: the verifier's own options
// are taken out, the rest goes to ProviderPolicy, so the two keyword sets can
// never disagree.
std::shared_ptr<TokenVerifier> VerifierFromKeywords(py::kwargs kwargs) {
  VerifierOptions defaults;
  size_t cache_max_entries = defaults.cache_max_entries;
  size_t cache_max_bytes = defaults.cache_max_bytes;
  size_t max_token_bytes = defaults.max_token_bytes;
  for (auto [key, target] : {std::pair{"cache_max_entries", &cache_max_entries},
                             std::pair{"cache_max_bytes", &cache_max_bytes},
                             std::pair{"max_token_bytes", &max_token_bytes}}) {
    if (kwargs.contains(key)) {
      *target = py::cast<size_t>(kwargs[key]);
      PyDict_DelItemString(kwargs.ptr(), key);
    }
  }
  py::object policy = py::type::of<PolicySpec>()(**kwargs);
  return MakeVerifier({policy.cast<std::shared_ptr<PolicySpec>>()},
                      cache_max_entries, cache_max_bytes, max_token_bytes);
}

py::tuple ToTuple(const std::vector<std::string>& values) {
  py::tuple tuple(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    tuple[i] = py::str(values[i]);
  }
  return tuple;
}

py::dict ClaimsToDict(const Claims& claims) {
  return py::reinterpret_borrow<py::dict>(JsonToPython(claims.all()));
}

std::string ClaimsRepr(const Claims& claims) {
  // Public identifiers only: a repr ends up in logs.
  const VerifiedToken& t = claims.token();
  return absl::StrCat("Claims(iss='", t.issuer().substr(0, 128), "', sub='",
                      t.subject().substr(0, 128), "', token_use='",
                      t.token_use().substr(0, 16), "')");
}

void BindClaims(py::module_& m) {
  py::class_<Claims, std::shared_ptr<Claims>>(m, "Claims", R"doc(
The claims of a verified token: a read-only mapping with typed attributes.

Only ``Verifier.verify`` creates one, so holding a ``Claims`` means the token
passed every check. ``claims["email"]`` reads any claim as JSON-decoded
Python values (fresh copies: changing them changes nothing here); the typed
attributes cover what callers use most. Thread-safe and immutable.

Example::

    claims = verifier.verify(token, scopes=["orders/read"])
    claims.sub, claims.username, claims.scopes   # typed
    claims["custom:tenant"]                        # any claim
    dict(claims)                                   # every claim
)doc")
      .def_property_readonly(
          "sub", [](const Claims& c) { return c.token().subject(); },
          "str: The subject (``sub``); empty when absent.")
      .def_property_readonly(
          "issuer", [](const Claims& c) { return c.token().issuer(); },
          "str: The issuer (``iss``), one of the configured issuers.")
      .def_property_readonly(
          "audience",
          [](const Claims& c) { return ToTuple(c.token().audience()); },
          "tuple[str, ...]: ``aud`` as a tuple; empty when absent (Cognito "
          "access tokens).")
      .def_property_readonly(
          "client_id", [](const Claims& c) { return c.token().client_id(); },
          "str: Cognito's ``client_id`` (access tokens); empty when absent.")
      .def_property_readonly(
          "token_use", [](const Claims& c) { return c.token().token_use(); },
          "str: Cognito's ``token_use``: ``\"id\"``, ``\"access\"`` or empty.")
      .def_property_readonly(
          "username", [](const Claims& c) { return c.token().username(); },
          "str: ``cognito:username`` (ID tokens) or ``username`` (access "
          "tokens); empty when absent.")
      .def_property_readonly(
          "scopes", [](const Claims& c) { return ToTuple(c.token().scopes()); },
          "tuple[str, ...]: ``scope`` split on spaces.")
      .def_property_readonly(
          "groups", [](const Claims& c) { return ToTuple(c.token().groups()); },
          "tuple[str, ...]: ``cognito:groups``.")
      .def_property_readonly(
          "nonce", [](const Claims& c) { return c.token().nonce(); },
          "str: ``nonce``; empty when absent.")
      .def_property_readonly(
          "authorized_party",
          [](const Claims& c) { return c.token().authorized_party(); },
          "str: ``azp``; empty when absent.")
      .def_property_readonly(
          "token_id", [](const Claims& c) { return c.token().token_id(); },
          "str: ``jti``; empty when absent.")
      .def_property_readonly(
          "expires_at",
          [](const Claims& c) { return ToDatetime(c.token().expires_at()); },
          "datetime.datetime | None: ``exp`` as an aware UTC datetime; None "
          "only when the policy allows tokens without ``exp``.")
      .def_property_readonly(
          "issued_at",
          [](const Claims& c) { return ToDatetime(c.token().issued_at()); },
          "datetime.datetime | None: ``iat`` as an aware UTC datetime.")
      .def_property_readonly(
          "not_before",
          [](const Claims& c) { return ToDatetime(c.token().not_before()); },
          "datetime.datetime | None: ``nbf`` as an aware UTC datetime.")
      .def_property_readonly(
          "auth_time",
          [](const Claims& c) { return ToDatetime(c.token().auth_time()); },
          "datetime.datetime | None: ``auth_time`` as an aware UTC datetime.")
      .def_property_readonly(
          "algorithm",
          [](const Claims& c) {
            return std::string{AlgorithmName(c.token().algorithm())};
          },
          "str: The JWS algorithm that verified the signature, e.g. "
          "``\"RS256\"``.")
      .def_property_readonly(
          "key_id", [](const Claims& c) { return c.token().key_id(); },
          "str: The ``kid`` of the key that verified the signature.")
      .def_property_readonly(
          "provider", [](const Claims& c) { return c.token().provider_name(); },
          "str: Name of the provider policy that accepted the token.")
      .def(
          "__getitem__",
          [](const Claims& c, const std::string& key) {
            auto it = c.all().find(key);
            if (it == c.all().end()) {
              throw py::key_error(key);
            }
            return JsonToPython(*it);
          },
          py::arg("key"))
      .def(
          "get",
          [](const Claims& c, const std::string& key,
             const py::object& default_) {
            auto it = c.all().find(key);
            return it == c.all().end() ? default_ : JsonToPython(*it);
          },
          py::arg("key"), py::arg("default") = py::none(),
          R"doc(Returns a claim, or ``default`` when the token lacks it.

Args:
    key: Claim name, e.g. ``"email"``.
    default: Value returned when the claim is absent.

Returns:
    The claim's JSON value as Python objects, or ``default``.
)doc")
      .def("__contains__",
           [](const Claims& c, py::handle key) {
             return py::isinstance<py::str>(key) &&
                    c.all().contains(key.cast<std::string>());
           })
      .def("__len__", [](const Claims& c) { return c.all().size(); })
      .def("__iter__",
           [](const Claims& c) {
             py::list keys;
             for (auto it = c.all().begin(); it != c.all().end(); ++it) {
               keys.append(py::str(it.key()));
             }
             return py::iter(keys);
           })
      .def(
          "keys",
          [](const py::object& self) {
            return py::module_::import("collections.abc")
                .attr("KeysView")(self);
          },
          "Returns a set-like view of the claim names.")
      .def(
          "values",
          [](const py::object& self) {
            return py::module_::import("collections.abc")
                .attr("ValuesView")(self);
          },
          "Returns a view of the claim values.")
      .def(
          "items",
          [](const py::object& self) {
            return py::module_::import("collections.abc")
                .attr("ItemsView")(self);
          },
          "Returns a set-like view of (name, value) pairs.")
      .def("to_dict", &ClaimsToDict,
           R"doc(Returns every claim as a new ``dict``.

Returns:
    A dict of the JSON-decoded payload; changing it changes nothing here.
)doc")
      .def("__eq__",
           [](const Claims& self, const py::object& other) -> py::object {
             if (py::isinstance<Claims>(other)) {
               return py::bool_(
                   self.token().payload_json() ==
                   other.cast<const Claims&>().token().payload_json());
             }
             py::object mapping =
                 py::module_::import("collections.abc").attr("Mapping");
             if (py::isinstance(other, mapping)) {
               return py::bool_(ClaimsToDict(self).equal(py::dict(other)));
             }
             return py::reinterpret_borrow<py::object>(Py_NotImplemented);
           })
      .def("__repr__", &ClaimsRepr);
}

void BindProviderPolicy(py::module_& m) {
  py::class_<PolicySpec, std::shared_ptr<PolicySpec>>(m, "ProviderPolicy",
                                                      R"doc(
What one provider's tokens must satisfy, and where its keys come from.

Give exactly one key source: ``jwks`` (a JWKS document as a string),
``jwks_file`` (a path) or ``provider`` (a :class:`Provider`, whose live JWKS
cache is used and whose issuer and client id become the defaults). Several
policies make one :class:`Verifier` trust several issuers; a token is routed
by its exact ``iss``.

Example::

    policy = authgate.ProviderPolicy(
        jwks_file="jwks.json",
        issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X",
        audience="my-app-client-id",
        token_use="access",
    )
)doc")
      .def(py::init(&MakePolicySpec), py::kw_only(),
           py::arg("issuer") = py::none(), py::arg("jwks") = py::none(),
           py::arg("jwks_file") = py::none(), py::arg("provider") = py::none(),
           py::arg("name") = "", py::arg("audience") = py::none(),
           py::arg("allow_any_audience") = false,
           py::arg("token_use") = py::none(),
           py::arg("token_type") = py::none(),
           py::arg("algorithms") = py::none(), py::arg("clock_skew") = 60.0,
           py::arg("allow_missing_exp") = false,
           py::arg("max_lifetime") = py::none(),
           py::arg("required_claims") = py::none(),
           R"doc(Builds a policy; keys given as text or a file are parsed now.

Args:
    issuer: The exact ``iss`` value(s) to trust. Required unless
        ``provider`` is given.
    jwks: A JWKS document (``{"keys": [...]}``).
    jwks_file: Path of a JWKS document.
    provider: A :class:`Provider`; its live JWKS is used.
    name: Label used in ``Claims.provider`` and ``verify(provider=...)``;
        defaults to the provider's name or the first issuer.
    audience: Accepted ``aud`` value(s); for Cognito access tokens (no
        ``aud``) the ``client_id`` claim is matched instead. Required unless
        ``allow_any_audience`` (defaults to the provider's client id).
    allow_any_audience: Accept any audience (explicit opt-out).
    token_use: Accepted Cognito ``token_use`` value(s), e.g. ``"access"``.
    token_type: Accepted JOSE header ``typ`` value(s), e.g. ``"at+jwt"``
        (RFC 9068 access tokens); case-insensitive, ``application/`` prefix
        optional. Not checked by default (Cognito sends no ``typ``).
    algorithms: Allowed JWS algorithms, e.g. ``["RS256"]``; defaults to
        every asymmetric algorithm.
    clock_skew: Tolerance for ``exp``/``nbf``/``iat`` in seconds (at most
        300).
    allow_missing_exp: Accept tokens without ``exp``.
    max_lifetime: Maximum ``exp - iat`` in seconds.
    required_claims: Claims that must be present with exactly these values.

Raises:
    ConfigurationError: No or several key sources, an unusable JWKS, an
        unknown algorithm or a non-finite duration.
    TypeError: An argument of the wrong type.
)doc")
      .def_property_readonly(
          "name", [](const PolicySpec& s) { return s.policy.name; },
          "str: The policy's label.")
      .def_property_readonly(
          "issuers", [](const PolicySpec& s) { return s.policy.issuers; },
          "list[str]: The trusted issuers.")
      .def_property_readonly(
          "audiences", [](const PolicySpec& s) { return s.policy.audiences; },
          "list[str]: The accepted audiences.")
      .def_property_readonly(
          "token_uses", [](const PolicySpec& s) { return s.policy.token_uses; },
          "list[str]: The accepted token uses; empty means not checked.")
      .def_property_readonly(
          "token_types",
          [](const PolicySpec& s) { return s.policy.token_types; },
          "list[str]: The accepted header ``typ`` values; empty means not "
          "checked.")
      .def("__repr__", [](const PolicySpec& s) {
        return absl::StrCat("ProviderPolicy(name='", s.policy.name, "', keys='",
                            s.key_source, "')");
      });
}

Claims Verify(const TokenVerifier& self, const std::string& token,
              const std::optional<OneOrMany>& token_use,
              const std::optional<OneOrMany>& audience,
              std::vector<std::string> scopes, std::vector<std::string> groups,
              bool require_all, std::optional<std::string> provider,
              std::optional<std::string> nonce) {
  VerifyOptions options;
  options.token_uses = ToList(token_use);
  options.audiences = ToList(audience);
  options.scopes = std::move(scopes);
  options.groups = std::move(groups);
  options.scope_match = require_all ? Match::kAll : Match::kAny;
  options.group_match = options.scope_match;
  if (provider.has_value()) {
    options.provider = std::move(*provider);
  }
  if (nonce.has_value()) {
    options.nonce = std::move(*nonce);
  }
  return Claims(ValueOrThrow(self.Verify(token, options)));
}

void BindVerifier(py::module_& m) {
  py::class_<TokenVerifier, std::shared_ptr<TokenVerifier>>(m, "Verifier",
                                                            R"doc(
Verifies JWTs offline against one or more providers' keys and policies.

Thread-safe: share one instance between threads; ``verify`` releases the
GIL, so threads verify in parallel. A verified-token cache makes a repeated
token skip the signature check (expiry and the per-call requirements are
still checked on every call).

Example::

    verifier = authgate.Verifier.from_jwks_file(
        "jwks.json",
        issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X",
        audience="my-app-client-id",
    )
    claims = verifier.verify(token, token_use="access")
)doc")
      .def(py::init(&MakeVerifier), py::arg("policies"), py::kw_only(),
           py::arg("cache_max_entries") = VerifierOptions().cache_max_entries,
           py::arg("cache_max_bytes") = VerifierOptions().cache_max_bytes,
           py::arg("max_token_bytes") = kMaxTokenBytes,
           R"doc(Builds a verifier trusting the given providers.

Args:
    policies: One :class:`ProviderPolicy` per provider (at least one; no
        issuer may appear twice).
    cache_max_entries: Size of the verified-token cache; 0 disables it.
    cache_max_bytes: Memory bound of that cache.
    max_token_bytes: Longer tokens are rejected before decoding.

Raises:
    ConfigurationError: The policies are invalid or inconsistent.
)doc")
      .def_static(
          "from_jwks",
          [](const std::string& jwks, py::kwargs kwargs) {
            kwargs["jwks"] = jwks;
            return VerifierFromKeywords(std::move(kwargs));
          },
          py::arg("jwks"),
          R"doc(Builds a one-provider verifier from a JWKS document.

Args:
    jwks: The JWKS as a JSON string.
    **options: Keyword arguments of :class:`ProviderPolicy` (``issuer`` and
        ``audience`` at least) and of :class:`Verifier` (``cache_max_entries``,
        ``cache_max_bytes``, ``max_token_bytes``).

Returns:
    A new Verifier.

Raises:
    ConfigurationError: The JWKS or the policy is invalid.
)doc")
      .def_static(
          "from_jwks_file",
          [](const std::string& path, py::kwargs kwargs) {
            kwargs["jwks_file"] = path;
            return VerifierFromKeywords(std::move(kwargs));
          },
          py::arg("path"),
          R"doc(Builds a one-provider verifier from a JWKS file.

Args:
    path: Path of the JWKS document.
    **options: Keyword arguments of :class:`ProviderPolicy` and of
        :class:`Verifier`, as for :meth:`from_jwks`.

Returns:
    A new Verifier.

Raises:
    ConfigurationError: The file is unreadable or not a JWKS, or the policy
        is invalid.
)doc")
      .def_static(
          "from_provider",
          [](py::object provider, py::kwargs kwargs) {
            kwargs["provider"] = provider;
            return VerifierFromKeywords(std::move(kwargs));
          },
          py::arg("provider"),
          R"doc(Builds a verifier that uses a provider's live JWKS.

The provider's issuer is trusted and its client id is the default audience.

Args:
    provider: A :class:`Provider`.
    **options: Keyword arguments of :class:`ProviderPolicy` (overriding the
        provider's defaults) and of :class:`Verifier`, as for
        :meth:`from_jwks`.

Returns:
    A new Verifier.

Raises:
    ConfigurationError: The policy is invalid.
)doc")
      .def("verify", &Verify, py::arg("token"), py::kw_only(),
           py::arg("token_use") = py::none(), py::arg("audience") = py::none(),
           py::arg("scopes") = py::tuple(), py::arg("groups") = py::tuple(),
           py::arg("require_all") = true, py::arg("provider") = py::none(),
           py::arg("nonce") = py::none(),
           py::call_guard<py::gil_scoped_release>(),
           R"doc(Verifies a token and returns its claims.

The GIL is released while verifying.

Args:
    token: A compact JWS (no ``Bearer`` prefix).
    token_use: Accepted Cognito ``token_use`` value(s) for this call, e.g.
        ``"access"``; the policy's setting when None.
    audience: For this call, ``aud`` (or Cognito ``client_id``) must be one
        of these.
    scopes: Scopes the token must carry (``scope`` claim).
    groups: Groups the token must carry (``cognito:groups``).
    require_all: True: every listed scope and group is required; False: any
        one of the scopes and any one of the groups suffices.
    provider: Only the policy with this name may accept the token.
    nonce: The ``nonce`` the token must carry (ID tokens).

Returns:
    The token's :class:`Claims`.

Raises:
    TokenExpiredError: ``exp`` has passed (beyond the clock skew).
    InvalidTokenError: Any other reason the token is not acceptable;
        ``.reason`` names it (``signature_invalid``, ``key_not_found``,
        ``issuer_mismatch``, ``audience_mismatch``, ...).
    PermissionDeniedError: A required scope or group is missing.
    ProviderUnavailableError: The provider's keys could not be loaded.
    TypeError: ``token`` is not a str.
)doc")
      .def_property_readonly("providers", &TokenVerifier::provider_names,
                             "list[str]: Names of the configured policies.")
      .def(
          "stats",
          [](const TokenVerifier& self) {
            VerifierStats stats = self.stats();
            py::dict d;
            d["cache_hits"] = stats.cache_hits;
            d["cache_misses"] = stats.cache_misses;
            d["cache_entries"] = stats.cache_entries;
            return d;
          },
          R"doc(Returns counters of the verified-token cache.

Returns:
    A dict with ``cache_hits``, ``cache_misses`` and ``cache_entries``.
)doc");
}

void BindInspection(py::module_& m) {
  m.def(
      "decode_unverified",
      [](const std::string& token) {
        UnverifiedToken decoded = ValueOrThrow(DecodeUnverified(token));
        return py::make_tuple(JsonToPython(decoded.header),
                              JsonToPython(decoded.claims));
      },
      py::arg("token"),
      R"doc(Decodes a token's header and claims WITHOUT verifying anything.

For display and debugging only: nothing returned may be used to make an
access decision.

Args:
    token: A compact JWS.

Returns:
    A ``(header, claims)`` pair of dicts.

Raises:
    InvalidTokenError: The token is too large or not a well-formed JWS
        (reason ``token_too_large`` or ``token_malformed``).
)doc");
  m.def(
      "token_fingerprint",
      [](const std::string& token) { return TokenFingerprint(token); },
      py::arg("token"),
      R"doc(Returns a log-safe fingerprint of a token.

Args:
    token: Any string.

Returns:
    The first 12 hex digits of the token's SHA-256.
)doc");
}

}  // namespace

void RegisterVerifier(py::module_& m) {
  BindClaims(m);
  BindProviderPolicy(m);
  BindVerifier(m);
  BindInspection(m);
}

}  // namespace authgate::python
