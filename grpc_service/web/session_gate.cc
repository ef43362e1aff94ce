#include "grpc_service/web/session_gate.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "authgate/status.h"

namespace authgate::service {
namespace {

// Bound of the refresh-reuse map: sessions refreshing within kRefreshReuse.
constexpr size_t kMaxReused = 10000;

bool ProviderDown(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

absl::Status Expired(absl::string_view why) {
  return MakeError(absl::StatusCode::kUnauthenticated,
                   ErrorReason::kSessionExpired,
                   absl::StrCat("session expired: ", why));
}

}  // namespace

SessionGate::SessionGate(CookieSettings cookie, absl::Duration refresh_margin,
                         std::shared_ptr<SessionStore> store,
                         WebClientSource client,
                         std::shared_ptr<const Clock> clock,
                         std::shared_ptr<Logger> logger)
    : cookie_(std::move(cookie)),
      refresh_margin_(refresh_margin),
      store_(std::move(store)),
      client_(std::move(client)),
      clock_(std::move(clock)),
      logger_(std::move(logger)) {}

bool SessionGate::ShouldClear(const absl::Status& status) {
  ErrorReason reason = GetErrorReason(status);
  return reason == ErrorReason::kSessionInvalid ||
         reason == ErrorReason::kSessionExpired;
}

std::vector<std::string> SessionGate::ClearCookies(
    absl::string_view cookie_header) const {
  CookieJar jar = ParseCookieHeader(cookie_header);
  return ClearCookieHeaders(cookie_, cookie_.name,
                            std::max<size_t>(1, jar.ChunkCount(cookie_.name)));
}

absl::StatusOr<TokenResponse> SessionGate::Refresh(
    OAuthClient& client, const std::string& refresh_token) const {
  absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = recent_.find(refresh_token);
    if (it != recent_.end() && now - it->second.at < kRefreshReuse) {
      return it->second.tokens;
    }
  }
  absl::StatusOr<TokenResponse> tokens = client.Refresh(refresh_token);
  if (!tokens.ok()) return tokens;
  absl::MutexLock lock(&mu_);
  if (recent_.size() >= kMaxReused) {
    absl::erase_if(recent_, [now](const auto& entry) {
      return now - entry.second.at >= kRefreshReuse;
    });
    if (recent_.size() >= kMaxReused) recent_.clear();
  }
  recent_[refresh_token] = Reused{*tokens, now};
  return tokens;
}

absl::StatusOr<SessionVerdict> SessionGate::Judge(
    absl::string_view cookie_header) const {
  CookieJar jar = ParseCookieHeader(cookie_header);
  std::optional<std::string> value = jar.Joined(cookie_.name);
  if (!value.has_value() || value->empty()) {
    return MakeError(absl::StatusCode::kUnauthenticated,
                     ErrorReason::kSessionMissing, "no session cookie");
  }
  absl::StatusOr<Session> loaded = store_->Load(*value);
  if (!loaded.ok()) return loaded.status();
  SessionVerdict verdict;
  verdict.session = *std::move(loaded);
  verdict.cookie_value = *std::move(value);
  Session& session = verdict.session;
  absl::Time now = clock_->Now();
  absl::Duration left = session.access_expires_at - now;
  if (left >= refresh_margin_) return verdict;
  if (session.refresh_token.empty()) {
    // Nothing to refresh with: usable until the access token expires.
    if (left > absl::ZeroDuration()) return verdict;
    (void)store_->Delete(verdict.cookie_value);
    return Expired("the access token expired and there is no refresh token");
  }
  absl::StatusOr<std::shared_ptr<OAuthClient>> client = client_();
  if (!client.ok()) return client.status();
  absl::StatusOr<TokenResponse> tokens =
      Refresh(**client, session.refresh_token);
  if (!tokens.ok()) {
    logger_->Warn(
        "session_refresh_failed",
        {{"provider", session.provider},
         {"reason",
          std::string(ErrorReasonName(GetErrorReason(tokens.status())))},
         {"oauth_error", GetOAuthError(tokens.status())}});
    // Down, or authgate's own client misconfigured (invalid_client): the
    // session is not the user's fault and is kept.
    if (ProviderDown(tokens.status()) ||
        tokens.status().code() == absl::StatusCode::kFailedPrecondition ||
        tokens.status().code() == absl::StatusCode::kInternal) {
      return tokens.status();
    }
    absl::Status deleted = store_->Delete(verdict.cookie_value);
    if (!deleted.ok()) {
      logger_->Warn(
          "session_delete_failed",
          {{"reason", std::string(ErrorReasonName(GetErrorReason(deleted)))}});
    }
    return Expired("the provider refused to refresh it");
  }
  session.access_token = tokens->access_token;
  if (!tokens->refresh_token.empty()) {
    session.refresh_token = tokens->refresh_token;
  }
  if (!tokens->id_token.empty()) session.id_token = tokens->id_token;
  session.access_expires_at = tokens->expires_in > absl::ZeroDuration()
                                  ? now + tokens->expires_in
                                  : session.expires_at;
  absl::StatusOr<std::string> saved =
      store_->Save(session, verdict.cookie_value);
  if (!saved.ok()) return saved.status();
  verdict.cookie_value = *std::move(saved);
  verdict.set_cookie =
      SetCookieHeaders(cookie_, cookie_.name, verdict.cookie_value,
                       session.expires_at - now, jar.ChunkCount(cookie_.name));
  verdict.refreshed = true;
  logger_->Info("session_refreshed", {{"provider", session.provider}});
  return verdict;
}

}  // namespace authgate::service
