// libFuzzer target: the Authorization header parser of ValidateToken's and
// ext_authz's callers (BearerCredentials, RFC 6750 section 2.1) and
// GetUserInfo's StripBearer. Credentials are always a suffix of the header,
// after "Bearer " in any case.
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "grpc_service/proto_conversion.h"

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string header(reinterpret_cast<const char*>(data), size);
  std::optional<absl::string_view> token =
      authgate::service::BearerCredentials(header);
  if (token.has_value()) {
    authgate::fuzz::Require(header.size() == token->size() + 7 &&
                                absl::EndsWith(header, *token) &&
                                absl::StartsWithIgnoreCase(header, "bearer "),
                            "credentials follow \"Bearer \"");
  }
  absl::string_view stripped = authgate::service::StripBearer(header);
  authgate::fuzz::Require(absl::StrContains(header, stripped),
                          "StripBearer returns part of its input");
  return 0;
}
