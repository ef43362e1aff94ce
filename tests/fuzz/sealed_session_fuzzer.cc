// libFuzzer target: what the browser face opens from a cookie or the
// session store (SessionKeys::Open, ParseSession, OpenFlowState,
// grpc_service/session) with a fixed key ring of two keys.
//
// Input: fields split on '\0': provider, client_id, sub, username, email,
// name, groups (split on ','), access, ID and refresh tokens, then 8 bytes
// that pick the three times; the whole input is also tried as a sealed
// value and as session JSON. Invariants: nothing the fuzzer did not seal
// opens (as a session, under another purpose, or as a flow state); a
// refusal is session_invalid (or state_mismatch for an expired flow); an
// accepted session JSON re-serialises to an equal session; a session built
// from the input round-trips through SerializeSession, Seal and Open to an
// equal session (UTF-8 fields; others are replaced, and still parse), and
// one changed character of the sealed value does not open.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpc_service/session/flow_state.h"
#include "grpc_service/session/session.h"
#include "grpc_service/session/session_keys.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "fuzz_check.h"

namespace {

using authgate::ErrorReason;
using authgate::GetErrorReason;
using authgate::fuzz::Require;
using authgate::service::Session;
using authgate::service::SessionKeys;

constexpr absl::string_view kPurpose = "session:_authgate";
constexpr absl::string_view kFlowName = "_authgate_csrf_AAAAAAAAAAAA";

bool SameSession(const Session& a, const Session& b) {
  return a.provider == b.provider && a.client_id == b.client_id &&
         a.user.subject == b.user.subject &&
         a.user.username == b.user.username && a.user.email == b.user.email &&
         a.user.email_verified == b.user.email_verified &&
         a.user.name == b.user.name && a.user.groups == b.user.groups &&
         a.access_token == b.access_token && a.id_token == b.id_token &&
         a.refresh_token == b.refresh_token &&
         a.access_expires_at == b.access_expires_at &&
         a.created_at == b.created_at && a.expires_at == b.expires_at;
}

bool IsUtf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

bool AllUtf8(const Session& s) {
  for (const std::string* field :
       {&s.provider, &s.client_id, &s.user.subject, &s.user.username,
        &s.user.email, &s.user.name, &s.access_token, &s.id_token,
        &s.refresh_token}) {
    if (!IsUtf8(*field)) return false;
  }
  for (const std::string& group : s.user.groups) {
    if (!IsUtf8(group)) return false;
  }
  return true;
}

// A time from one byte: the infinite ends, or seconds around 2023.
absl::Time TimeOf(uint8_t byte, uint8_t low) {
  if (byte == 0) return absl::InfinitePast();
  if (byte == 255) return absl::InfiniteFuture();
  return absl::FromUnixSeconds(1700000000 + (int64_t{byte} - 128) * 86400 +
                               low);
}

Session SessionOf(absl::string_view input) {
  std::vector<std::string> f = absl::StrSplit(input, absl::MaxSplits('\0', 10));
  f.resize(11);
  Session s;
  s.provider = f[0];
  s.client_id = f[1];
  s.user.subject = f[2];
  s.user.username = f[3];
  s.user.email = f[4];
  s.user.name = f[5];
  if (!f[6].empty()) s.user.groups = absl::StrSplit(f[6], ',');
  s.access_token = f[7];
  s.id_token = f[8];
  s.refresh_token = f[9];
  std::string t = f[10];
  t.resize(8, '\x80');
  const auto b = [&](int i) { return static_cast<uint8_t>(t[i]); };
  s.user.email_verified = b(0) & 1;
  s.access_expires_at = TimeOf(b(1), b(2));
  s.created_at = TimeOf(b(3), b(4));
  s.expires_at = TimeOf(b(5), b(6));
  return s;
}

void CheckRefusedSeal(const absl::Status& status, const char* what) {
  Require(!status.ok(), what);
  Require(status.code() == absl::StatusCode::kUnauthenticated &&
              GetErrorReason(status) == ErrorReason::kSessionInvalid,
          "an unopened value is session_invalid");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const SessionKeys* const keys = new SessionKeys(
      SessionKeys::FromRawKeys({std::string(32, 'k'), std::string(32, 'o')})
          .value());
  static const SessionKeys* const other_ring =
      new SessionKeys(SessionKeys::FromRawKeys({std::string(32, 'o')}).value());
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  const std::string input(reinterpret_cast<const char*>(data), size);

  // The input as a sealed value: never sealed by this ring, so it never
  // opens, whatever the purpose.
  CheckRefusedSeal(keys->Open(kPurpose, input).status(),
                   "an arbitrary value does not open as a session");
  CheckRefusedSeal(
      authgate::service::OpenFlowState(*keys, kFlowName, input, now).status(),
      "an arbitrary value does not open as a flow state");

  // The input as session JSON: a refusal is session_invalid; an accepted
  // session serialises to one that parses equal.
  absl::StatusOr<Session> parsed = authgate::service::ParseSession(input);
  if (!parsed.ok()) {
    CheckRefusedSeal(parsed.status(), "refused session JSON");
  } else {
    absl::StatusOr<Session> again = authgate::service::ParseSession(
        authgate::service::SerializeSession(*parsed));
    Require(again.ok() && SameSession(*again, *parsed),
            "an accepted session re-serialises to itself");
  }

  // A session built from the input: sealed, it opens to an equal session.
  const Session session = SessionOf(input);
  const std::string plain = authgate::service::SerializeSession(session);
  absl::StatusOr<Session> back = authgate::service::ParseSession(plain);
  Require(back.ok(), "SerializeSession parses");
  if (AllUtf8(session)) {
    Require(SameSession(*back, session), "a UTF-8 session round-trips");
  }
  absl::StatusOr<std::string> sealed = keys->Seal(kPurpose, plain);
  Require(sealed.ok(), "Seal");
  absl::StatusOr<std::string> opened = keys->Open(kPurpose, *sealed);
  Require(opened.ok() && *opened == plain, "Open undoes Seal");
  CheckRefusedSeal(keys->Open("session:other", *sealed).status(),
                   "a value does not open under another purpose");
  CheckRefusedSeal(other_ring->Open(kPurpose, *sealed).status(),
                   "a value does not open with another key");
  CheckRefusedSeal(
      authgate::service::OpenFlowState(*keys, kFlowName, *sealed, now).status(),
      "a session does not open as a flow state");
  if (sealed->size() > 1 && size > 0) {
    // Not the last character: its low bits may be base64 padding.
    std::string tampered = *sealed;
    const size_t at = data[0] % (tampered.size() - 1);
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    CheckRefusedSeal(keys->Open(kPurpose, tampered).status(),
                     "a changed character does not open");
  }

  // A flow state built from the input opens to itself until it expires.
  authgate::service::FlowState flow;
  flow.state = session.user.subject;
  flow.nonce = session.user.username;
  flow.code_verifier = session.access_token;
  flow.redirect_uri = session.user.email;
  flow.return_url = session.user.name;
  flow.provider = session.provider;
  flow.client_id = session.client_id;
  flow.expires_at = now + absl::Minutes(10);
  absl::StatusOr<std::string> flow_sealed =
      authgate::service::SealFlowState(*keys, kFlowName, flow);
  Require(flow_sealed.ok(), "SealFlowState");
  absl::StatusOr<authgate::service::FlowState> flow_back =
      authgate::service::OpenFlowState(*keys, kFlowName, *flow_sealed, now);
  Require(flow_back.ok(), "a sealed flow state opens");
  if (AllUtf8(session)) {
    Require(flow_back->state == flow.state && flow_back->nonce == flow.nonce &&
                flow_back->code_verifier == flow.code_verifier &&
                flow_back->redirect_uri == flow.redirect_uri &&
                flow_back->return_url == flow.return_url &&
                flow_back->provider == flow.provider &&
                flow_back->client_id == flow.client_id &&
                flow_back->expires_at == flow.expires_at,
            "a UTF-8 flow state round-trips");
  }
  absl::StatusOr<authgate::service::FlowState> late =
      authgate::service::OpenFlowState(*keys, kFlowName, *flow_sealed,
                                       flow.expires_at);
  Require(!late.ok() &&
              GetErrorReason(late.status()) == ErrorReason::kStateMismatch,
          "an expired flow state is state_mismatch");
  CheckRefusedSeal(authgate::service::OpenFlowState(
                       *keys, "_authgate_csrf_BBBBBBBBBBBB", *flow_sealed, now)
                       .status(),
                   "a flow state does not open under another cookie name");
  return 0;
}
