// Verifier, ProviderPolicy and Claims: offline token verification.
//
// verify() converts its arguments to C++ types with the GIL held, releases
// the GIL for the whole verification (signature check, cache, policy) and
// returns a Claims object that wraps the VerifiedToken; Python values are
// only built when a caller reads them, so a cache hit costs no JSON work.
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
#include "authgate/provider_spec.h"
#include "authgate/status.h"
#include "authgate/token_verifier.h"
#include "authgate/unverified_token.h"
#include "authgate/verified_token.h"
#include "bindings.h"
#include "bound_provider.h"
#include "claims.h"
#include "fast_verify.h"
#include "json_conversion.h"
#include "status_translation.h"
#include "verify_keywords.h"

namespace py = pybind11;

namespace authgate::python {
namespace {

// The Python-visible ProviderPolicy: the core policy plus the spec's
// description (secrets masked), kept for repr and describe().
struct BoundPolicy {
  ProviderPolicy policy;
  nlohmann::json description;
};

// Where the keys come from: the spec's static keys, or a Provider's live
// JwksCache when the spec's keys are live and a Provider was given. Live keys
// without a Provider are MakeStaticKeys' error.
std::shared_ptr<BoundPolicy> PolicyFromSpecJson(
    const nlohmann::json& value, std::shared_ptr<KeySource> live_keys) {
  ProviderSpec spec = ValueOrThrow(ParseProviderSpec(value, "ProviderPolicy"));
  std::shared_ptr<KeySource> keys =
      live_keys != nullptr && !spec.keys.is_static()
          ? std::move(live_keys)
          : ValueOrThrow(MakeStaticKeys(spec));
  auto bound = std::make_shared<BoundPolicy>();
  bound->policy = MakeProviderPolicy(spec, std::move(keys));
  bound->description = DescribeProviderSpec(spec);
  return bound;
}

// ProviderPolicy(**kwargs): the keywords are the spec's keys, plus
// `provider` (a Provider, whose spec the keywords are laid over and whose
// live keys are used).
std::shared_ptr<BoundPolicy> PolicyFromKeywords(py::kwargs kwargs) {
  py::object provider = py::none();
  if (kwargs.contains("provider")) {
    provider = kwargs["provider"];
    PyDict_DelItemString(kwargs.ptr(), "provider");
  }
  nlohmann::json value = KeywordsToJson(kwargs);
  std::shared_ptr<KeySource> live_keys;
  if (!provider.is_none()) {
    if (!py::isinstance<BoundProvider>(provider)) {
      throw py::type_error("provider must be an authgate.Provider");
    }
    const auto& bound = provider.cast<const BoundProvider&>();
    nlohmann::json merged = bound.spec_json;
    for (auto& [key, item] : value.items()) {
      merged[key] = std::move(item);
    }
    value = std::move(merged);
    live_keys = bound.client->jwks();
  }
  // Reading a jwks_file or client_secret_file may block.
  py::gil_scoped_release release;
  return PolicyFromSpecJson(value, std::move(live_keys));
}

std::shared_ptr<TokenVerifier> MakeVerifier(
    const std::vector<std::shared_ptr<BoundPolicy>>& policies,
    size_t cache_max_entries, size_t cache_max_bytes, size_t max_token_bytes) {
  VerifierOptions options;
  for (const std::shared_ptr<BoundPolicy>& bound : policies) {
    if (bound == nullptr) {
      throw py::type_error("policies must not contain None");
    }
    options.providers.push_back(bound->policy);
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
  return MakeVerifier({PolicyFromKeywords(std::move(kwargs))},
                      cache_max_entries, cache_max_bytes, max_token_bytes);
}

// Verifier.from_jwks(jwks) / from_jwks_file(path): the positional argument is
// one more spec key.
std::shared_ptr<TokenVerifier> VerifierFromKeySource(const char* key,
                                                     py::handle source,
                                                     py::kwargs kwargs) {
  if (kwargs.contains(key) || kwargs.contains("provider")) {
    throw py::type_error(
        absl::StrCat("got a second key source (", key, " or provider)"));
  }
  kwargs[key] = source;
  return VerifierFromKeywords(std::move(kwargs));
}

std::vector<std::string> ToList(const std::optional<OneOrMany>& value) {
  if (!value.has_value()) {
    return {};
  }
  if (const std::string* one = std::get_if<std::string>(&*value)) {
    return {*one};
  }
  return std::get<std::vector<std::string>>(*value);
}

Match MatchOrThrow(const std::string& name, const char* keyword) {
  if (std::optional<Match> match = MatchFromName(name)) {
    return *match;
  }
  ThrowInvalidArgument(absl::StrCat(keyword, " must be \"all\" or \"any\""));
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
          "str: The provider's username claim (Cognito: "
          "``cognito:username``, or ``username`` in access tokens; OIDC: "
          "``preferred_username``); empty when absent.")
      .def_property_readonly(
          "scopes", [](const Claims& c) { return ToTuple(c.token().scopes()); },
          "tuple[str, ...]: ``scope`` split on spaces.")
      .def_property_readonly(
          "groups", [](const Claims& c) { return ToTuple(c.token().groups()); },
          "tuple[str, ...]: The provider's groups claim (Cognito: "
          "``cognito:groups``; OIDC: ``groups``).")
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
  py::class_<BoundPolicy, std::shared_ptr<BoundPolicy>>(m, "ProviderPolicy",
                                                        R"doc(
What one provider's tokens must satisfy, and where its keys come from.

The keywords are the keys of one provider object of the server's
configuration (``providers[i]``, docs/providers.md), read by the same core
parser: defaults, rules and error messages are the server's, with
``ProviderPolicy.`` in front of the field a message names. Keys come from
``jwks_file`` (a path) or ``jwks_inline`` (a JWKS document, text or dict), or
from ``provider`` (a :class:`Provider`: the other keywords are laid over its
spec and its live JWKS cache is used). Several policies make one
:class:`Verifier` trust several issuers; a token is routed by its exact
``iss``.

Example::

    policy = authgate.ProviderPolicy(
        jwks_file="jwks.json",
        issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X",
        client_id="my-app-client-id",
        token_uses="access",
    )
)doc")
      .def(py::init(&PolicyFromKeywords),
           R"doc(Builds a policy; its key set is read and parsed now.

Args:
    provider: A :class:`Provider` whose spec and live keys to use.
    **spec: Provider spec keys, for example ``issuer`` (the exact ``iss``),
        ``additional_issuers``, ``kind`` (``"cognito"`` or ``"oidc"``;
        derived from the issuer when absent), ``name``, ``client_id`` and
        ``clients`` (their ids are the accepted audiences), ``audiences``,
        ``allow_any_audience``, ``jwks_file``, ``jwks_inline``,
        ``token_uses``, ``token_types``, ``algorithms``, ``clock_skew`` and
        ``max_lifetime`` (seconds, a ``timedelta`` or ``"90s"``),
        ``allow_missing_exp``, ``required_claims``, ``groups_claim``,
        ``username_claim``. A keyword given as None is left out.

Raises:
    ConfigurationError: An unknown key (``ProviderPolicy.key: unknown
        field``), a value of the wrong type, no audience, an unusable key
        set, live keys without ``provider``, ... (reason
        ``config_invalid``).
    TypeError: ``provider`` is not a Provider, or a value has no JSON form.
)doc")
      .def_static(
          "from_spec",
          [](py::handle spec) {
            nlohmann::json value = PythonToJson(spec);
            py::gil_scoped_release release;
            return PolicyFromSpecJson(value, nullptr);
          },
          py::arg("spec"),
          R"doc(Builds a policy from one provider object of a server config.

Args:
    spec: The dict exactly as in the server's ``providers[i]`` (JSON types;
        a ``null`` value is an error here, as there).

Returns:
    A new ProviderPolicy.

Raises:
    ConfigurationError: As for the constructor.
    TypeError: ``spec`` holds a value with no JSON form.
)doc")
      .def_property_readonly(
          "name", [](const BoundPolicy& s) { return s.policy.name; },
          "str: The policy's label.")
      .def_property_readonly(
          "issuers", [](const BoundPolicy& s) { return s.policy.issuers; },
          "list[str]: The trusted issuers.")
      .def_property_readonly(
          "audiences", [](const BoundPolicy& s) { return s.policy.audiences; },
          "list[str]: The accepted audiences (client ids, then audiences).")
      .def_property_readonly(
          "token_uses",
          [](const BoundPolicy& s) { return s.policy.token_uses; },
          "list[str]: The accepted token uses; empty means not checked.")
      .def_property_readonly(
          "token_types",
          [](const BoundPolicy& s) { return s.policy.token_types; },
          "list[str]: The accepted header ``typ`` values; empty means not "
          "checked.")
      .def(
          "describe",
          [](const BoundPolicy& s) { return JsonToPython(s.description); },
          R"doc(Returns the parsed spec as a dict, secrets masked.

Returns:
    What the server's ``--check_config`` prints for this provider.
)doc")
      .def("__repr__", [](const BoundPolicy& s) {
        return absl::StrCat("ProviderPolicy(name='",
                            s.policy.name.substr(0, 128),
                            "', keys=", s.description.at("keys").dump(), ")");
      });
}

}  // namespace

VerifyOptions ToVerifyOptions(VerifyKeywords keywords) {
  VerifyOptions options;
  if (keywords.provider.has_value()) {
    options.provider = *std::move(keywords.provider);
  }
  options.token_uses = ToList(keywords.token_uses);
  options.audiences = ToList(keywords.audiences);
  options.scopes = std::move(keywords.scopes);
  if (keywords.scope_match.has_value()) {
    options.scope_match = MatchOrThrow(*keywords.scope_match, "scope_match");
  }
  options.groups = std::move(keywords.groups);
  if (keywords.group_match.has_value()) {
    options.group_match = MatchOrThrow(*keywords.group_match, "group_match");
  }
  if (keywords.nonce.has_value()) {
    options.nonce = *std::move(keywords.nonce);
  }
  return options;
}

Claims VerifyToken(const TokenVerifier& verifier, const std::string& token,
                   VerifyKeywords keywords) {
  VerifyOptions options = ToVerifyOptions(std::move(keywords));
  return Claims(ValueOrThrow(verifier.Verify(token, options)));
}

namespace {

void BindVerifier(py::module_& m) {
  py::class_<TokenVerifier, std::shared_ptr<TokenVerifier>> verifier(
      m, "Verifier", R"doc(
Verifies JWTs offline against one or more providers' keys and policies.

Thread-safe: share one instance between threads; ``verify`` releases the
GIL for every signature check, so threads verify in parallel (a cached
verification, well under a microsecond, keeps it). A verified-token cache makes a repeated
token skip the signature check (expiry and the per-call requirements are
still checked on every call).

Example::

    verifier = authgate.Verifier.from_jwks_file(
        "jwks.json",
        issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X",
        client_id="my-app-client-id",
    )
    claims = verifier.verify(token, token_uses="access")
)doc");
  verifier
      .def(py::init(&MakeVerifier), py::arg("policies"), py::kw_only(),
           py::arg("cache_max_entries") = VerifierOptions().cache_max_entries,
           py::arg("cache_max_bytes") = VerifierOptions().cache_max_bytes,
           py::arg("max_token_bytes") = kMaxTokenBytes,
           R"doc(Builds a verifier trusting the given providers.

Args:
    policies: One :class:`ProviderPolicy` per provider (at least one; no
        issuer may appear twice).
    cache_max_entries: Size of the verified-token cache; 0 disables it.
    cache_max_bytes: Memory bound of that cache. An entry is charged the
        memory it holds: about 2.4 KB for a Cognito access token.
    max_token_bytes: Longer tokens are rejected before decoding.

Raises:
    ConfigurationError: The policies are invalid or inconsistent.
)doc")
      .def_static(
          "from_jwks",
          [](py::handle jwks, py::kwargs kwargs) {
            return VerifierFromKeySource("jwks_inline", jwks,
                                         std::move(kwargs));
          },
          py::arg("jwks"),
          R"doc(Builds a one-provider verifier from a JWKS document.

Args:
    jwks: The JWKS as JSON text or a dict (the spec's ``jwks_inline``).
    **options: Keywords of :class:`ProviderPolicy` (``issuer`` and
        ``client_id`` or ``audiences`` at least) and of :class:`Verifier`
        (``cache_max_entries``, ``cache_max_bytes``, ``max_token_bytes``).

Returns:
    A new Verifier.

Raises:
    ConfigurationError: The JWKS or the policy is invalid.
)doc")
      .def_static(
          "from_jwks_file",
          [](py::handle path, py::kwargs kwargs) {
            return VerifierFromKeySource("jwks_file", path, std::move(kwargs));
          },
          py::arg("path"),
          R"doc(Builds a one-provider verifier from a JWKS file.

Args:
    path: Path of the JWKS document (the spec's ``jwks_file``).
    **options: Keywords of :class:`ProviderPolicy` and of :class:`Verifier`,
        as for :meth:`from_jwks`.

Returns:
    A new Verifier.

Raises:
    ConfigurationError: The file is unreadable or not a JWKS, or the policy
        is invalid.
)doc")
      .def_static(
          "from_provider",
          [](py::handle provider, py::kwargs kwargs) {
            if (kwargs.contains("provider")) {
              throw py::type_error("got provider twice");
            }
            kwargs["provider"] = provider;
            return VerifierFromKeywords(std::move(kwargs));
          },
          py::arg("provider"),
          R"doc(Builds a verifier that uses a provider's spec and live JWKS.

Args:
    provider: A :class:`Provider`.
    **options: Spec keys laid over the provider's (e.g. ``token_uses``,
        ``audiences``) and :class:`Verifier` keywords, as for
        :meth:`from_jwks`.

Returns:
    A new Verifier.

Raises:
    ConfigurationError: The policy is invalid.
)doc")
      .def(
          "verify",
          [](const TokenVerifier& self, const std::string& token,
             std::optional<std::string> provider,
             std::optional<OneOrMany> token_uses,
             std::optional<OneOrMany> audiences,
             std::vector<std::string> scopes,
             std::optional<std::string> scope_match,
             std::vector<std::string> groups,
             std::optional<std::string> group_match,
             std::optional<std::string> nonce) {
            static_assert(kVerifyKeywords.size() == 8,
                          "one parameter and one VerifyKeywordArg per keyword");
            return VerifyToken(self, token,
                               {std::move(provider), std::move(token_uses),
                                std::move(audiences), std::move(scopes),
                                std::move(scope_match), std::move(groups),
                                std::move(group_match), std::move(nonce)});
          },
          py::arg("token"), py::kw_only(), VerifyKeywordArg(0),
          VerifyKeywordArg(1), VerifyKeywordArg(2), VerifyKeywordArg(3),
          VerifyKeywordArg(4), VerifyKeywordArg(5), VerifyKeywordArg(6),
          VerifyKeywordArg(7), py::call_guard<py::gil_scoped_release>(),
          R"doc(Verifies a token and returns its claims.

The GIL is released while a signature is checked (a cached verification
keeps it). The keywords are the core's per-call
options (the conformance table's ``request``); None keeps the core's default.

Args:
    token: A compact JWS, byte for byte (no ``Bearer`` prefix, nothing
        stripped).
    provider: Only the policy with this name may accept the token.
    token_uses: Accepted ``token_use`` value(s) for this call, e.g.
        ``"access"``; the policy's setting when None.
    audiences: For this call, the claim the provider's audience rule names
        (``aud``, or Cognito's ``client_id`` for access tokens) must hold
        one of these.
    scopes: Scopes the token must carry (``scope`` claim).
    scope_match: ``"all"`` (default): every listed scope; ``"any"``: one.
    groups: Groups the token must carry (the provider's groups claim).
    group_match: ``"any"`` (default): one listed group suffices;
        ``"all"``: every one.
    nonce: The ``nonce`` the token must carry (ID tokens).

Returns:
    The token's :class:`Claims`.

Raises:
    TokenExpiredError: ``exp`` has passed (beyond the clock skew).
    InvalidTokenError: Any other reason the token is not acceptable;
        ``.reason`` names it (``signature_invalid``, ``key_not_found``,
        ``issuer_mismatch``, ``audience_mismatch``, ``token_malformed``
        for an empty token, ...).
    PermissionDeniedError: A required scope or group is missing.
    ProviderUnavailableError: The provider's keys could not be loaded.
    ConfigurationError: ``scope_match`` or ``group_match`` is neither
        ``"all"`` nor ``"any"``, or ``provider`` names no policy.
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
  InstallFastVerify(verifier);
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
