// CookieSessionStore: the session sealed into the cookie itself.
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpc_service/session/session_store.h"

#include "authgate/status.h"

namespace authgate::service {
namespace {

class CookieSessionStore final : public SessionStore {
 public:
  CookieSessionStore(std::shared_ptr<const SessionKeys> keys,
                     std::string cookie_name,
                     std::shared_ptr<const Clock> clock)
      : keys_(std::move(keys)),
        purpose_(absl::StrCat("session:", cookie_name)),
        clock_(std::move(clock)) {}

  absl::StatusOr<std::string> Save(const Session& session,
                                   absl::string_view /*previous*/) override {
    return keys_->Seal(purpose_, SerializeSession(session));
  }

  absl::StatusOr<Session> Load(absl::string_view cookie_value) override {
    return OpenSession(*keys_, purpose_, cookie_value, clock_->Now());
  }

  absl::Status Delete(absl::string_view /*cookie_value*/) override {
    return absl::OkStatus();
  }

  absl::Status DeleteAllFor(absl::string_view /*provider*/,
                            absl::string_view /*subject*/) override {
    return MakeError(absl::StatusCode::kFailedPrecondition,
                     ErrorReason::kConfigInvalid,
                     "the cookie session store keeps no sessions to end "
                     "everywhere; use web.session_store.type \"redis\"");
  }

  absl::Status Ping() override { return absl::OkStatus(); }

  absl::string_view kind() const override { return "cookie"; }

 private:
  const std::shared_ptr<const SessionKeys> keys_;
  const std::string purpose_;
  const std::shared_ptr<const Clock> clock_;
};

}  // namespace

std::unique_ptr<SessionStore> MakeCookieSessionStore(
    std::shared_ptr<const SessionKeys> keys, std::string cookie_name,
    std::shared_ptr<const Clock> clock) {
  return std::make_unique<CookieSessionStore>(
      std::move(keys), std::move(cookie_name), std::move(clock));
}

}  // namespace authgate::service
