#include "grpc_service/session/session.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "simdjson.h"
#include "simdjson_util.h"

#include "authgate/status.h"

namespace authgate::service {
namespace {

using nlohmann::json;

// The JSON members of a session (docs in session.h). Short, because the
// cookie store carries them in every request, but still readable in a
// decrypted dump. "v" versions the layout: a session of another version is
// session_invalid (the user signs in again) rather than misread.
constexpr int kVersion = 1;
constexpr char kV[] = "v";
constexpr char kProvider[] = "prov";
constexpr char kClientId[] = "cid";
constexpr char kSubject[] = "sub";
constexpr char kUsername[] = "user";
constexpr char kEmail[] = "email";
constexpr char kEmailVerified[] = "email_v";
constexpr char kName[] = "name";
constexpr char kGroups[] = "groups";
constexpr char kAccessToken[] = "at";
constexpr char kIdToken[] = "idt";
constexpr char kRefreshToken[] = "rt";
constexpr char kAccessExpiresAt[] = "at_exp";
constexpr char kCreatedAt[] = "iat";
constexpr char kExpiresAt[] = "exp";
constexpr int kMemberCount = 15;

// Unix seconds; the infinite times (a default Session) map to the int64
// extremes and back, so every Session round-trips.
int64_t ToSeconds(absl::Time t) {
  if (t == absl::InfinitePast()) return std::numeric_limits<int64_t>::min();
  if (t == absl::InfiniteFuture()) return std::numeric_limits<int64_t>::max();
  return absl::ToUnixSeconds(t);
}

absl::Time FromSeconds(int64_t s) {
  if (s == std::numeric_limits<int64_t>::min()) return absl::InfinitePast();
  if (s == std::numeric_limits<int64_t>::max()) return absl::InfiniteFuture();
  return absl::FromUnixSeconds(s);
}

absl::Status Invalid(absl::string_view what) {
  return MakeError(absl::StatusCode::kUnauthenticated,
                   ErrorReason::kSessionInvalid,
                   absl::StrCat("session is not valid: ", what));
}

bool TakeString(simdjson::dom::element value, std::string& out) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return false;
  out.assign(text.data(), text.size());
  return true;
}

bool TakeTime(simdjson::dom::element value, absl::Time& out) {
  int64_t seconds;
  if (!value.is_int64() ||
      value.get_int64().get(seconds) != simdjson::SUCCESS) {
    return false;
  }
  out = FromSeconds(seconds);
  return true;
}

bool TakeGroups(simdjson::dom::element value, std::vector<std::string>& out) {
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) return false;
  out.clear();
  out.reserve(array.size());
  for (simdjson::dom::element group : array) {
    std::string_view text;
    if (group.get_string().get(text) != simdjson::SUCCESS) return false;
    out.emplace_back(text.data(), text.size());
  }
  return true;
}

}  // namespace

std::string SerializeSession(const Session& session) {
  const SessionUser& user = session.user;
  json out = {
      {kV, kVersion},
      {kProvider, session.provider},
      {kClientId, session.client_id},
      {kSubject, user.subject},
      {kUsername, user.username},
      {kEmail, user.email},
      {kEmailVerified, user.email_verified},
      {kName, user.name},
      {kGroups, user.groups},
      {kAccessToken, session.access_token},
      {kIdToken, session.id_token},
      {kRefreshToken, session.refresh_token},
      {kAccessExpiresAt, ToSeconds(session.access_expires_at)},
      {kCreatedAt, ToSeconds(session.created_at)},
      {kExpiresAt, ToSeconds(session.expires_at)},
  };
  // replace: a session is built from provider text (names, emails) that is
  // not guaranteed UTF-8; dump() must not throw on it.
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<Session> ParseSession(absl::string_view text) {
  // Parsed on every request of the cookie store, so with simdjson (about a
  // tenth of nlohmann_json's time for a 4 KB session), whose parser reads
  // SIMDJSON_PADDING bytes past the end: copy into a padded buffer.
  thread_local std::string padded;
  padded.assign(text.data(), text.size());
  padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  simdjson::dom::object doc;
  // Depth 2: the session object and its groups array. Duplicate members
  // are refused, not resolved.
  if (internal::ParseJsonObject(padded.data(), text.size(), 2, doc) !=
      internal::JsonObjectParse::kOk) {
    return Invalid("not a session object");
  }
  // A session is ours: every member present with its type, nothing else.
  Session s;
  SessionUser& u = s.user;
  int seen = 0;
  for (simdjson::dom::key_value_pair member : doc) {
    std::string_view key = member.key;
    simdjson::dom::element value = member.value;
    bool ok = false;
    if (key == kV) {
      int64_t version;
      ok = value.is_int64() &&
           value.get_int64().get(version) == simdjson::SUCCESS &&
           version == kVersion;
    } else if (key == kProvider) {
      ok = TakeString(value, s.provider);
    } else if (key == kClientId) {
      ok = TakeString(value, s.client_id);
    } else if (key == kSubject) {
      ok = TakeString(value, u.subject);
    } else if (key == kUsername) {
      ok = TakeString(value, u.username);
    } else if (key == kEmail) {
      ok = TakeString(value, u.email);
    } else if (key == kEmailVerified) {
      ok = value.get_bool().get(u.email_verified) == simdjson::SUCCESS;
    } else if (key == kName) {
      ok = TakeString(value, u.name);
    } else if (key == kGroups) {
      ok = TakeGroups(value, u.groups);
    } else if (key == kAccessToken) {
      ok = TakeString(value, s.access_token);
    } else if (key == kIdToken) {
      ok = TakeString(value, s.id_token);
    } else if (key == kRefreshToken) {
      ok = TakeString(value, s.refresh_token);
    } else if (key == kAccessExpiresAt) {
      ok = TakeTime(value, s.access_expires_at);
    } else if (key == kCreatedAt) {
      ok = TakeTime(value, s.created_at);
    } else if (key == kExpiresAt) {
      ok = TakeTime(value, s.expires_at);
    }
    if (!ok) return Invalid("unexpected member or type");
    ++seen;
  }
  // Members are unique (ParseJsonObject), so kMemberCount known members
  // each accepted once means every member was present.
  if (seen != kMemberCount) return Invalid("missing members");
  return s;
}

absl::StatusOr<Session> OpenSession(const SessionKeys& keys,
                                    absl::string_view purpose,
                                    absl::string_view sealed, absl::Time now) {
  absl::StatusOr<std::string> plain = keys.Open(purpose, sealed);
  if (!plain.ok()) return plain.status();
  absl::StatusOr<Session> session = ParseSession(*plain);
  if (!session.ok()) return session.status();
  if (now >= session->expires_at) {
    return MakeError(absl::StatusCode::kUnauthenticated,
                     ErrorReason::kSessionExpired, "the session has ended");
  }
  return session;
}

}  // namespace authgate::service
