// FlowState: what a sign-in must remember between /oauth2/start and
// /oauth2/callback (state, nonce, PKCE verifier, return URL), kept in a
// short-lived sealed cookie so no server state is needed.
//
// Each sign-in has its own cookie, named after its state (NAME_csrf_ plus
// 12 characters of the state's SHA-256), so sign-ins in two tabs do not
// overwrite each other; the callback finds its cookie from the state it
// receives, opens it and compares the states in constant time.
//
//   FlowState flow{auth.state, auth.nonce, auth.code_verifier, ...};
//   std::string name = FlowCookieName(settings.name, flow.state);
//   std::string sealed = SealFlowState(keys, name, flow).value();
//   ... on callback:
//   absl::StatusOr<FlowState> flow = OpenFlowState(keys, name, sealed, now);
#ifndef AUTHGATE_GRPC_SERVICE_SESSION_FLOW_STATE_H_
#define AUTHGATE_GRPC_SERVICE_SESSION_FLOW_STATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpc_service/session/session_keys.h"

namespace authgate::service {

struct FlowState {
  std::string state;
  std::string nonce;
  std::string code_verifier;
  std::string redirect_uri;  // the callback URL sent to the provider
  std::string return_url;    // where the user goes afterwards (validated)
  std::string provider;
  std::string client_id;
  absl::Time expires_at = absl::InfinitePast();
};

// How long a sign-in may take (also the flow cookie's Max-Age).
inline constexpr absl::Duration kFlowLifetime = absl::Minutes(10);

// "{cookie_name}_csrf_{12 base64url characters of SHA-256(state)}".
std::string FlowCookieName(absl::string_view cookie_name,
                           absl::string_view state);

// Sealed with purpose "flow:" + flow_cookie_name. Errors: those of Seal.
absl::StatusOr<std::string> SealFlowState(const SessionKeys& keys,
                                          absl::string_view flow_cookie_name,
                                          const FlowState& flow);

// Errors: kUnauthenticated session_invalid (not sealed by a configured key
// for this cookie name, or not a flow state); kInvalidArgument
// state_mismatch when `now` is past expires_at (the sign-in took too long:
// start again).
absl::StatusOr<FlowState> OpenFlowState(const SessionKeys& keys,
                                        absl::string_view flow_cookie_name,
                                        absl::string_view sealed,
                                        absl::Time now);

// Whether the callback's `state` is the flow's, compared in constant time
// (RFC 6749 10.12: the state binds the callback to this browser's sign-in).
// An empty state never matches.
bool FlowStateMatches(const FlowState& flow, absl::string_view state);

}  // namespace authgate::service

#endif  // AUTHGATE_GRPC_SERVICE_SESSION_FLOW_STATE_H_
