// The JSON API's cost per call: one ValidateToken through JsonApi (JSON
// parse, generic stub, JSON print) against the same call through the
// generated synchronous stub on the same in-process channel, and the
// generated stub plus protobuf's JSON mapping by hand (what the adapter
// could at best cost). Run by hand:
//   build-*/grpc_service/json_api/json_api_benchmark
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/util/json_util.h"
#include "grpc_service/json_api/json_api.h"
#include "grpcpp/grpcpp.h"

#include "authgate/v1/auth_service.grpc.pb.h"

namespace authgate::service {
namespace {

// Answers every token with a small principal and claim set, like a verified
// Cognito access token.
class FakeAuthService final : public v1::AuthService::CallbackService {
  grpc::ServerUnaryReactor* ValidateToken(
      grpc::CallbackServerContext* context,
      const v1::ValidateTokenRequest* request,
      v1::ValidateTokenResponse* response) override {
    v1::Principal* principal = response->mutable_principal();
    principal->set_subject("7d1c3f5e-0b1a-4c8e-9f00-123456789abc");
    principal->set_username("alice");
    principal->set_client_id("client");
    principal->set_token_use("access");
    principal->add_scopes("openid");
    principal->add_scopes("profile");
    principal->add_groups("admins");
    principal->set_issuer("https://cognito-idp.eu-west-1.amazonaws.com/pool");
    principal->set_provider("cognito");
    principal->mutable_expires_at()->set_seconds(1893456000);
    auto& fields = *response->mutable_claims()->mutable_fields();
    fields["sub"].set_string_value(principal->subject());
    fields["token_use"].set_string_value("access");
    fields["exp"].set_number_value(1893456000);
    fields["scope"].set_string_value("openid profile");
    benchmark::DoNotOptimize(request->token().size());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

constexpr char kToken[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiI3ZDFjIiwiZXhwIjoxODkzNDU2"
    "MDAwfQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXJl";

struct Fixture {
  Fixture() {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    channel = server->InProcessChannel(grpc::ChannelArguments());
    stub = v1::AuthService::NewStub(channel);
    api = std::make_unique<JsonApi>(channel);
  }
  FakeAuthService service;
  std::unique_ptr<grpc::Server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::AuthService::Stub> stub;
  std::unique_ptr<JsonApi> api;
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture;
  return *fixture;
}

const std::string& RequestJson() {
  static const std::string* json =
      new std::string(std::string(R"({"token": ")") + kToken +
                      R"(", "requiredScopes": ["openid"]})");
  return *json;
}

void BM_JsonApiValidateToken(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) {
    JsonApiReply reply =
        f.api->Call("ValidateToken", RequestJson(), absl::Seconds(5));
    if (reply.http_status != 200) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(reply.body.data());
  }
}
BENCHMARK(BM_JsonApiValidateToken)->UseRealTime();

void BM_GeneratedStubValidateToken(benchmark::State& state) {
  Fixture& f = Shared();
  v1::ValidateTokenRequest request;
  request.set_token(kToken);
  request.add_required_scopes("openid");
  for (auto _ : state) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::ValidateTokenResponse response;
    grpc::Status status = f.stub->ValidateToken(&context, request, &response);
    if (!status.ok()) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(response.principal().subject().data());
  }
}
BENCHMARK(BM_GeneratedStubValidateToken)->UseRealTime();

// The generated stub with protobuf's JSON mapping on either side.
void BM_GeneratedStubPlusJson(benchmark::State& state) {
  Fixture& f = Shared();
  for (auto _ : state) {
    v1::ValidateTokenRequest request;
    if (!google::protobuf::util::JsonStringToMessage(RequestJson(), &request)
             .ok()) {
      state.SkipWithError("parse failed");
    }
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::ValidateTokenResponse response;
    grpc::Status status = f.stub->ValidateToken(&context, request, &response);
    std::string json;
    if (!status.ok() ||
        !google::protobuf::util::MessageToJsonString(response, &json).ok()) {
      state.SkipWithError("call failed");
    }
    benchmark::DoNotOptimize(json.data());
  }
}
BENCHMARK(BM_GeneratedStubPlusJson)->UseRealTime();

}  // namespace
}  // namespace authgate::service

BENCHMARK_MAIN();
