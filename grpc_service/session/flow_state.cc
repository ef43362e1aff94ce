#include "grpc_service/session/flow_state.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "base64url.h"
#include "crypto/aead.h"
#include "crypto/digest.h"

namespace authgate::service {
namespace {

using nlohmann::json;

constexpr char kState[] = "state";
constexpr char kNonce[] = "nonce";
constexpr char kCodeVerifier[] = "cv";
constexpr char kRedirectUri[] = "redirect_uri";
constexpr char kReturnUrl[] = "rd";
constexpr char kProvider[] = "prov";
constexpr char kClientId[] = "cid";
constexpr char kExpiresAt[] = "exp";

std::string Purpose(absl::string_view flow_cookie_name) {
  return absl::StrCat("flow:", flow_cookie_name);
}

absl::Status NotAFlow() {
  return MakeError(absl::StatusCode::kUnauthenticated,
                   ErrorReason::kSessionInvalid,
                   "sign-in cookie is not a valid flow state");
}

bool Take(json& doc, const char* key, std::string& out) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_string()) return false;
  out = std::move(it->get_ref<std::string&>());
  return true;
}

}  // namespace

std::string FlowCookieName(absl::string_view cookie_name,
                           absl::string_view state) {
  return absl::StrCat(
      cookie_name, "_csrf_",
      internal::Base64UrlEncode(internal::Sha256(state)).substr(0, 12));
}

absl::StatusOr<std::string> SealFlowState(const SessionKeys& keys,
                                          absl::string_view flow_cookie_name,
                                          const FlowState& flow) {
  json doc = {
      {kState, flow.state},
      {kNonce, flow.nonce},
      {kCodeVerifier, flow.code_verifier},
      {kRedirectUri, flow.redirect_uri},
      {kReturnUrl, flow.return_url},
      {kProvider, flow.provider},
      {kClientId, flow.client_id},
      {kExpiresAt, absl::ToUnixSeconds(flow.expires_at)},
  };
  return keys.Seal(Purpose(flow_cookie_name),
                   doc.dump(-1, ' ', false, json::error_handler_t::replace));
}

absl::StatusOr<FlowState> OpenFlowState(const SessionKeys& keys,
                                        absl::string_view flow_cookie_name,
                                        absl::string_view sealed,
                                        absl::Time now) {
  absl::StatusOr<std::string> plain =
      keys.Open(Purpose(flow_cookie_name), sealed);
  if (!plain.ok()) return plain.status();
  json doc = json::parse(*plain, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || doc.size() != 8) {
    return NotAFlow();
  }
  FlowState flow;
  auto exp = doc.find(kExpiresAt);
  if (!Take(doc, kState, flow.state) || !Take(doc, kNonce, flow.nonce) ||
      !Take(doc, kCodeVerifier, flow.code_verifier) ||
      !Take(doc, kRedirectUri, flow.redirect_uri) ||
      !Take(doc, kReturnUrl, flow.return_url) ||
      !Take(doc, kProvider, flow.provider) ||
      !Take(doc, kClientId, flow.client_id) || exp == doc.end() ||
      !exp->is_number_integer()) {
    return NotAFlow();
  }
  flow.expires_at = absl::FromUnixSeconds(exp->get<int64_t>());
  if (now >= flow.expires_at) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kStateMismatch,
                     "the sign-in took too long: start again");
  }
  return flow;
}

bool FlowStateMatches(const FlowState& flow, absl::string_view state) {
  return !state.empty() && internal::ConstantTimeEquals(flow.state, state);
}

}  // namespace authgate::service
