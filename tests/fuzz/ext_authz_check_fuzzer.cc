// libFuzzer target: a whole ext_authz Check. After the first byte, the input
// is a CheckRequest in protobuf wire format; the service's own Check() runs
// on it (headers, context extensions, the core's verdict, the response),
// invoked directly through gRPC's DefaultReactorTestPeer, so no server or
// socket is involved. The provider has static keys, so Check never waits.
//
// First byte, bit 0: the request's "authorization" header is taken as
// header and payload texts split at the first NUL and replaced by
// "Bearer <those, signed with the provider's ES256 key>", so the fuzzer
// reaches the allow path and the identity headers it writes.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "grpc_service/ext_authz_service.h"
#include "grpc_service/logger.h"
#include "grpc_service/metrics.h"
#include "grpc_service/provider_registry.h"
#include "grpc_service/server_config.h"
#include "grpcpp/test/default_reactor_test_peer.h"
#include "nlohmann/json.hpp"

#include "authgate/fixed_clock.h"
#include "authgate/provider_spec.h"
#include "fuzz_check.h"
#include "testing/fake_http_fetcher.h"
#include "testing/token_minter.h"

namespace {

namespace envoy_auth = ::envoy::service::auth::v3;
using authgate::fuzz::Require;

struct Fixture {
  authgate::testing::TokenMinter minter;
  std::shared_ptr<authgate::service::ProviderRegistry> registry;
  std::unique_ptr<authgate::service::ExtAuthzServiceImpl> service;

  Fixture() {
    minter.AddKey("es", authgate::Algorithm::kEs256);
    nlohmann::json provider = {{"name", "fuzz"},
                               {"issuer", "https://issuer.example"},
                               {"client_id", "client"},
                               {"groups_claim", "groups"},
                               {"jwks_inline", minter.Jwks()}};
    authgate::service::ServerConfig config;
    config.providers.push_back(
        {authgate::ParseProviderSpec(provider, "provider").value(), "fuzz"});
    config.ext_authz.required_scopes = {"read"};
    // Debug level: the log lines' field handling is fuzzed too, into the void.
    auto logger = std::make_shared<authgate::service::Logger>(
        authgate::service::LogLevel::kDebug, std::fopen("/dev/null", "w"));
    authgate::service::ProviderRegistry::Dependencies deps;
    deps.fetcher = std::make_shared<authgate::testing::FakeHttpFetcher>();
    deps.clock = std::make_shared<authgate::FixedClock>(
        absl::FromUnixSeconds(1700000000));
    deps.logger = logger;
    registry =
        authgate::service::ProviderRegistry::Create(config, deps).value();
    service = std::make_unique<authgate::service::ExtAuthzServiceImpl>(
        config.ext_authz, registry,
        std::make_shared<authgate::service::Metrics>(), logger);
  }
};

// No header value may carry a byte that ends or splits an HTTP header.
void RequireHeaderSafe(const google::protobuf::RepeatedPtrField<
                       envoy::config::core::v3::HeaderValueOption>& headers) {
  for (const auto& option : headers) {
    for (char c : option.header().value()) {
      Require(c != '\r' && c != '\n' && c != '\0', "header value is safe");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();
  if (size == 0) return 0;
  envoy_auth::CheckRequest request;
  if (!request.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  if (data[0] & 1) {
    auto& headers = *request.mutable_attributes()
                         ->mutable_request()
                         ->mutable_http()
                         ->mutable_headers();
    auto it = headers.find("authorization");
    if (it != headers.end()) {
      const std::string& text = it->second;
      size_t split = text.find('\0');
      std::string header = text.substr(0, split);
      std::string payload =
          split == std::string::npos ? "{}" : text.substr(split + 1);
      it->second =
          "Bearer " + fixture->minter.MintRaw("es", authgate::Algorithm::kEs256,
                                              header, payload);
    }
  }
  envoy_auth::CheckResponse response;
  grpc::CallbackServerContext context;
  grpc::testing::DefaultReactorTestPeer peer(&context);
  fixture->service->Check(&context, &request, &response);
  Require(peer.test_status_set() && peer.test_status().ok(),
          "Check finishes at once with OK");
  Require(response.has_status(), "a verdict is set");
  if (response.status().code() == 0) {
    Require(response.has_ok_response(), "OK allows");
    RequireHeaderSafe(response.ok_response().headers());
  } else {
    Require(response.has_denied_response(), "not OK denies");
    RequireHeaderSafe(response.denied_response().headers());
    Require(nlohmann::json::accept(response.denied_response().body()),
            "the denied body is JSON");
  }
  return 0;
}
