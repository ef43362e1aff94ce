#include "grpc_service/json_api/json_api.h"

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/type_resolver.h"
#include "google/protobuf/util/type_resolver_util.h"
#include "grpc_service/status_conversion.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "nlohmann/json.hpp"

#include "authgate/status.h"
#include "authgate/v1/auth_service.pb.h"

namespace authgate::service {

// JSON goes to the wire format and back without a message in between
// (protobuf's own JsonStringToMessage is JsonToBinaryString plus a parse),
// and the wire bytes travel through the generic stub: one stub and one type
// resolver serve every RPC.
struct JsonApi::Impl {
  struct Method {
    std::string path;         // "/authgate.v1.AuthService/ValidateToken"
    std::string request_url;  // "type.googleapis.com/authgate.v1.Validate..."
    std::string response_url;
    std::string request_name;  // "ValidateTokenRequest"
  };

  explicit Impl(std::shared_ptr<grpc::Channel> channel)
      : stub(std::move(channel)),
        resolver(google::protobuf::util::NewTypeResolverForDescriptorPool(
            kTypeUrlPrefix,
            google::protobuf::DescriptorPool::generated_pool())) {}

  static constexpr char kTypeUrlPrefix[] = "type.googleapis.com";

  // gRPC stubs and protobuf's resolver are thread-safe, but their methods
  // are not const.
  mutable grpc::GenericStub stub;
  std::unique_ptr<google::protobuf::util::TypeResolver> resolver;
  absl::flat_hash_map<std::string, Method> methods;
  std::string method_names;  // "ValidateToken, ExchangeCode, ..."
};

namespace {

constexpr size_t kQuotedBytes = 64;

// protobuf's parser quotes the offending input ("invalid value \"eyJ...\"",
// the text around a syntax error), which may be a token. Only what names a
// place in the message is kept: the field path of a bad value, or an unknown
// field's name when it looks like one.
std::string SafeParseError(absl::string_view message_name,
                           absl::string_view parser_message) {
  std::string prefix =
      absl::StrCat("request body is not a JSON ", message_name, ": ");
  auto is_name = [](absl::string_view s, absl::string_view extra) {
    if (s.empty() || s.size() > kQuotedBytes) return false;
    for (char c : s) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
          extra.find(c) == absl::string_view::npos) {
        return false;
      }
    }
    return true;
  };
  // "(message_type[0].number): invalid value ... for type TYPE_INT32"
  if (absl::StartsWith(parser_message, "(")) {
    size_t close = parser_message.find(')');
    if (close != absl::string_view::npos) {
      absl::string_view path = parser_message.substr(1, close - 1);
      if (is_name(path, ".[]")) {
        return absl::StrCat(prefix, "bad value of field ", path);
      }
    }
  }
  // "bogus: Cannot find field."
  constexpr absl::string_view kUnknown = ": Cannot find field.";
  if (absl::EndsWith(parser_message, kUnknown)) {
    absl::string_view name =
        parser_message.substr(0, parser_message.size() - kUnknown.size());
    if (is_name(name, "")) {
      return absl::StrCat(prefix, "unknown field \"", name, "\"");
    }
    return absl::StrCat(prefix, "unknown field");
  }
  return absl::StrCat(prefix, "malformed JSON");
}

// The value of `key` in `metadata`, empty when absent.
std::string MetadataValue(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    absl::string_view key) {
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

JsonApiReply ErrorReply(int grpc_code, absl::string_view message,
                        absl::string_view reason,
                        absl::string_view oauth_error = "",
                        absl::string_view oauth_error_description = "") {
  // Calls that failed before reaching the service (transport, deadline)
  // carry no reason; the contract wants one on every error.
  std::string reason_name(reason);
  if (reason_name.empty()) {
    reason_name = std::string(
        ErrorReasonName(grpc_code == grpc::StatusCode::INVALID_ARGUMENT
                            ? ErrorReason::kInvalidArgument
                        : grpc_code == grpc::StatusCode::INTERNAL ||
                                grpc_code == grpc::StatusCode::UNKNOWN
                            ? ErrorReason::kInternal
                            : ErrorReason::kUnspecified));
  }
  nlohmann::json body = {
      {"code", grpc_code},
      {"message", std::string(message)},
      {"reason", reason_name},
  };
  if (!oauth_error.empty()) body["oauth_error"] = std::string(oauth_error);
  if (!oauth_error_description.empty()) {
    body["oauth_error_description"] = std::string(oauth_error_description);
  }
  JsonApiReply reply;
  reply.http_status = HttpStatusFromGrpcCode(grpc_code);
  // Provider text is untrusted: invalid UTF-8 becomes U+FFFD, not a throw.
  reply.body =
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  reply.headers.emplace_back(kErrorReasonMetadataKey, std::move(reason_name));
  return reply;
}

JsonApiReply InvalidArgument(int http_status, std::string message) {
  JsonApiReply reply =
      ErrorReply(grpc::StatusCode::INVALID_ARGUMENT, message,
                 ErrorReasonName(ErrorReason::kInvalidArgument));
  reply.http_status = http_status;
  return reply;
}

}  // namespace

int HttpStatusFromGrpcCode(int grpc_code) {
  switch (grpc_code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499;  // nginx's "client closed request"
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

JsonApi::JsonApi(std::shared_ptr<grpc::Channel> channel) {
  auto impl = std::make_shared<Impl>(std::move(channel));
  // Naming a generated type links auth_service.pb.o and so registers the
  // service in the generated pool.
  const google::protobuf::ServiceDescriptor* service =
      v1::ValidateTokenRequest::descriptor()->file()->pool()->FindServiceByName(
          "authgate.v1.AuthService");
  for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service->method(i);
    // The JSON face is unary only; AuthService has no streams today.
    if (method->client_streaming() || method->server_streaming()) continue;
    impl->methods.emplace(
        method->name(),
        Impl::Method{
            absl::StrCat("/", service->full_name(), "/", method->name()),
            absl::StrCat(Impl::kTypeUrlPrefix, "/",
                         method->input_type()->full_name()),
            absl::StrCat(Impl::kTypeUrlPrefix, "/",
                         method->output_type()->full_name()),
            method->input_type()->name()});
  }
  for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
    if (impl->methods.contains(service->method(i)->name())) {
      absl::StrAppend(&impl->method_names,
                      impl->method_names.empty() ? "" : ", ",
                      service->method(i)->name());
    }
  }
  impl_ = std::move(impl);
}

JsonApiReply JsonApi::Call(absl::string_view rpc, absl::string_view body,
                           absl::Duration timeout) const {
  auto method = impl_->methods.find(rpc);
  if (method == impl_->methods.end()) {
    // The name is not echoed: it is whatever the client put in the path.
    return InvalidArgument(404, absl::StrCat("unknown RPC; POST /v1/ takes ",
                                             impl_->method_names));
  }
  if (body.size() > kMaxJsonApiBodyBytes) {
    return InvalidArgument(413, absl::StrCat("request body over ",
                                             kMaxJsonApiBodyBytes, " bytes"));
  }

  // Unknown fields are refused, like unknown keys in the config files: a
  // misspelt requirement ("requiredScope" for "requiredScopes") must not
  // silently verify less.
  google::protobuf::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  // An empty body is the empty message ({}), e.g. for GetProviderMetadata.
  absl::string_view json =
      absl::StripAsciiWhitespace(body).empty() ? "{}" : body;
  std::string request_bytes;
  // protobuf 3.21's util::Status, not absl's.
  const auto parsed = google::protobuf::util::JsonToBinaryString(
      impl_->resolver.get(), method->second.request_url,
      google::protobuf::StringPiece(json.data(), json.size()), &request_bytes,
      parse_options);
  if (!parsed.ok()) {
    google::protobuf::StringPiece parser_message = parsed.message();
    return InvalidArgument(
        400, SafeParseError(method->second.request_name,
                            absl::string_view(parser_message.data(),
                                              parser_message.size())));
  }

  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::Slice request_slice(request_bytes);
  grpc::ByteBuffer request(&request_slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  // A call of its own completion queue, as gRPC's synchronous stubs do:
  // the calling (HTTP worker) thread waits on it, no thread hop.
  grpc::CompletionQueue queue;
  {
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
        impl_->stub.PrepareUnaryCall(&context, method->second.path, request,
                                     &queue);
    call->StartCall();
    call->Finish(&response, &status, &status);
    void* tag = nullptr;
    bool ok = false;
    queue.Next(&tag, &ok);
  }
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) {
  }

  if (!status.ok()) {
    const auto& trailers = context.GetServerTrailingMetadata();
    return ErrorReply(
        status.error_code(), status.error_message(),
        MetadataValue(trailers, kErrorReasonMetadataKey),
        MetadataValue(trailers, kOAuthErrorMetadataKey),
        MetadataValue(trailers, kOAuthErrorDescriptionMetadataKey));
  }
  grpc::Slice response_slice;
  std::string response_bytes;
  JsonApiReply reply;
  if (response.DumpToSingleSlice(&response_slice).ok()) {
    response_bytes.assign(reinterpret_cast<const char*>(response_slice.begin()),
                          response_slice.size());
  }
  const auto printed = google::protobuf::util::BinaryToJsonString(
      impl_->resolver.get(), method->second.response_url, response_bytes,
      &reply.body);
  if (!printed.ok()) {
    return ErrorReply(grpc::StatusCode::INTERNAL,
                      "the response could not be printed as JSON",
                      ErrorReasonName(ErrorReason::kInternal));
  }
  return reply;
}

}  // namespace authgate::service
