// Cost of the cookie session store's Load (every /oauth2/auth request) and
// Save (sign-in and refresh) for a Cognito-sized session: an access token
// of ~1.2 KB, an ID token of ~1 KB and a refresh token of ~1.8 KB (Cognito's
// refresh token is an encrypted JWE), about 5.5 KB sealed.
//
//   build/grpc_service/session/tests/session_benchmark
#include <memory>
#include <optional>
#include <string>

#include "benchmark/benchmark.h"
#include "grpc_service/session/session.h"
#include "grpc_service/session/session_keys.h"
#include "grpc_service/session/session_store.h"

#include "base64url.h"
#include "crypto/aead.h"

namespace authgate::service {
namespace {

std::string TokenLike(size_t size, char seed) {
  std::string out;
  out.reserve(size);
  for (size_t i = 0; out.size() < size; ++i) {
    out += static_cast<char>('A' + (seed + i * 7) % 26);
    if (i % 300 == 299) out += '.';
  }
  return out;
}

Session CognitoSession() {
  absl::Time now = absl::Now();
  Session s;
  s.provider = "cognito";
  s.client_id = "5r2qk0example0client0id00";
  s.user.subject = "4f1c3b2a-1d2e-4f5a-9b8c-7d6e5f4a3b2c";
  s.user.username = "alice";
  s.user.email = "alice@example.com";
  s.user.email_verified = true;
  s.user.name = "Alice Example";
  s.user.groups = {"admins", "developers", "eu-west-1_users"};
  s.access_token = TokenLike(1200, 1);
  s.id_token = TokenLike(1000, 2);
  s.refresh_token = TokenLike(1800, 3);
  s.access_expires_at = now + absl::Hours(1);
  s.created_at = now;
  s.expires_at = now + absl::Hours(168);
  return s;
}

struct Fixture {
  std::shared_ptr<const SessionKeys> keys = std::make_shared<SessionKeys>(
      SessionKeys::FromRawKeys({std::string(32, 'k')}).value());
  std::unique_ptr<SessionStore> store =
      MakeCookieSessionStore(keys, "_authgate");
  Session session = CognitoSession();
  std::string cookie = store->Save(session, "").value();
};

void BM_CookieStoreLoad(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    absl::StatusOr<Session> s = f.store->Load(f.cookie);
    if (!s.ok()) state.SkipWithError("load failed");
    benchmark::DoNotOptimize(s);
  }
  state.counters["cookie_bytes"] = static_cast<double>(f.cookie.size());
}
BENCHMARK(BM_CookieStoreLoad);

void BM_CookieStoreSave(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    absl::StatusOr<std::string> v = f.store->Save(f.session, f.cookie);
    if (!v.ok()) state.SkipWithError("save failed");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_CookieStoreSave);

// The parts of Load: opening the seal, and parsing the JSON.
void BM_Open(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    absl::StatusOr<std::string> plain =
        f.keys->Open("session:_authgate", f.cookie);
    benchmark::DoNotOptimize(plain);
  }
}
BENCHMARK(BM_Open);

// The two halves of Open: base64url decoding and AES-256-GCM.
void BM_Base64UrlDecode(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    std::optional<std::string> raw = internal::Base64UrlDecode(f.cookie);
    benchmark::DoNotOptimize(raw);
  }
}
BENCHMARK(BM_Base64UrlDecode);

void BM_Aes256GcmOpen(benchmark::State& state) {
  Fixture f;
  std::string raw = internal::Base64UrlDecode(f.cookie).value();
  std::string key(32, 'k');
  for (auto _ : state) {
    absl::StatusOr<std::string> plain =
        internal::Aes256GcmOpen(key, raw, "session:_authgate");
    benchmark::DoNotOptimize(plain);
  }
}
BENCHMARK(BM_Aes256GcmOpen);

void BM_ParseSession(benchmark::State& state) {
  Fixture f;
  std::string text = SerializeSession(f.session);
  for (auto _ : state) {
    absl::StatusOr<Session> s = ParseSession(text);
    benchmark::DoNotOptimize(s);
  }
  state.counters["json_bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_ParseSession);

}  // namespace
}  // namespace authgate::service

BENCHMARK_MAIN();
