#include "provider_commands.h"

#include <poll.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "authgate/discovery.h"
#include "authgate/http_fetcher.h"
#include "authgate/oauth_client.h"
#include "authgate/provider_config.h"
#include "authgate/status.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace authgate::tools {
namespace {

// A loopback listener for the authorization redirect.
class CallbackListener {
 public:
  ~CallbackListener() {
    if (fd_ >= 0) close(fd_);
  }

  absl::Status Listen(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    // RFC 8252 section 7.3: loopback redirect, bound to 127.0.0.1 only.
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(fd_, 4) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return MakeError(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument,
                       absl::StrCat("cannot listen on 127.0.0.1:", port));
    }
    port_ = ntohs(addr.sin_port);
    return absl::OkStatus();
  }

  int port() const { return port_; }

  // Waits for GET /callback?... and returns its request target.
  absl::StatusOr<std::string> Await(absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      pollfd pfd{fd_, POLLIN, 0};
      int wait_ms =
          static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
      if (poll(&pfd, 1, wait_ms > 0 ? wait_ms : 0) <= 0) break;
      int client = accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      char buffer[8192];
      ssize_t n = recv(client, buffer, sizeof(buffer) - 1, 0);
      std::string request(buffer, n > 0 ? static_cast<size_t>(n) : 0);
      bool is_callback = absl::StartsWith(request, "GET /callback");
      std::string page =
          is_callback ? "authgate: signed in; you can close this window.\n"
                      : "not found\n";
      std::string response = absl::StrCat(
          is_callback ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found",
          "\r\nContent-Type: text/plain\r\nConnection: close\r\n"
          "Content-Length: ",
          page.size(), "\r\n\r\n", page);
      send(client, response.data(), response.size(), MSG_NOSIGNAL);
      close(client);
      if (!is_callback) continue;
      size_t end = request.find(' ', 4);
      return request.substr(4, end == std::string::npos ? 0 : end - 4);
    }
    return MakeError(absl::StatusCode::kDeadlineExceeded,
                     ErrorReason::kProviderTimeout,
                     "no callback before the timeout");
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace

nlohmann::json ErrorJson(const absl::Status& status) {
  std::string message(status.message());
  std::string oauth = GetOAuthError(status);
  if (!oauth.empty()) {
    absl::StrAppend(&message, " (", oauth);
    std::string description = GetOAuthErrorDescription(status);
    if (!description.empty()) absl::StrAppend(&message, ": ", description);
    absl::StrAppend(&message, ")");
  }
  return {{"valid", false},
          {"code", absl::StatusCodeToString(status.code())},
          {"reason", std::string(ErrorReasonName(GetErrorReason(status)))},
          {"message", message}};
}

nlohmann::json VerifiedTokenJson(const VerifiedToken& token) {
  return {{"valid", true},
          {"provider", token.provider_name()},
          {"issuer", token.issuer()},
          {"subject", token.subject()},
          {"token_use", token.token_use()},
          {"key_id", token.key_id()},
          {"alg", std::string(AlgorithmName(token.algorithm()))},
          {"claims", token.claims()}};
}

absl::StatusOr<nlohmann::json> Discover(const DiscoverOptions& options) {
  CurlOptions curl;
  curl.ca_file = options.ca_file;
  curl.allow_insecure_http = options.allow_insecure_http;
  absl::StatusOr<ProviderMetadata> metadata = FetchProviderMetadata(
      *CreateCurlHttpFetcher(curl), options.issuer, options.timeout);
  if (!metadata.ok()) return metadata.status();
  return nlohmann::json{
      {"issuer", metadata->issuer},
      {"authorization_endpoint", metadata->authorization_endpoint},
      {"token_endpoint", metadata->token_endpoint},
      {"userinfo_endpoint", metadata->userinfo_endpoint},
      {"revocation_endpoint", metadata->revocation_endpoint},
      {"end_session_endpoint", metadata->end_session_endpoint},
      {"jwks_uri", metadata->jwks_uri},
      {"token_endpoint_auth_methods_supported",
       metadata->token_endpoint_auth_methods_supported},
      {"code_challenge_methods_supported",
       metadata->code_challenge_methods_supported},
      {"scopes_supported", metadata->scopes_supported},
  };
}

absl::StatusOr<std::shared_ptr<KeySource>> MakeKeySource(
    const ProviderSpec& spec, const std::string& ca_file) {
  if (spec.keys.is_static()) return MakeStaticKeys(spec);
  CurlOptions curl;
  curl.ca_file = ca_file;
  curl.allow_insecure_http = spec.allow_insecure_http;
  absl::StatusOr<std::shared_ptr<JwksCache>> live =
      MakeLiveKeys(spec, CreateCurlHttpFetcher(curl), SystemClock());
  if (!live.ok()) return live.status();
  absl::Status warm = (*live)->WarmUp();
  if (!warm.ok()) return warm;
  return std::shared_ptr<KeySource>(*std::move(live));
}

absl::StatusOr<nlohmann::json> Login(const LoginOptions& options,
                                     std::ostream& prompt) {
  CallbackListener listener;
  absl::Status listening = listener.Listen(options.port);
  if (!listening.ok()) return listening;
  // The redirect URI is the listener's: it is known only now.
  nlohmann::json provider = options.provider;
  provider["redirect_uri"] = absl::StrCat("http://", options.redirect_host, ":",
                                          listener.port(), "/callback");
  absl::StatusOr<ProviderSpec> spec =
      ParseProviderSpec(provider, options.provider_path);
  if (!spec.ok()) return spec.status();
  const OAuthClientSpec* client_spec = spec->FindClient("");
  if (client_spec == nullptr) {
    return MakeError(
        absl::StatusCode::kInvalidArgument, ErrorReason::kConfigInvalid,
        absl::StrCat(options.provider_path, ".client_id: required for login"));
  }
  CurlOptions curl;
  curl.ca_file = options.ca_file;
  curl.allow_insecure_http = spec->allow_insecure_http;
  OAuthClient::Dependencies deps;
  deps.fetcher = CreateCurlHttpFetcher(curl);
  absl::StatusOr<std::shared_ptr<OAuthClient>> client =
      OAuthClient::Create(*spec, *client_spec, deps);
  if (!client.ok()) return client.status();
  absl::StatusOr<AuthorizationUrl> auth =
      (*client)->BuildAuthorizationUrl(AuthorizationRequest());
  if (!auth.ok()) return auth.status();
  prompt << "Open this URL in a browser (redirect URI " << auth->redirect_uri
         << " must be registered):\n"
         << auth->url << "\nwaiting for the callback..." << std::endl;

  absl::StatusOr<std::string> callback = listener.Await(options.timeout);
  if (!callback.ok()) return callback.status();
  absl::StatusOr<std::string> code =
      CodeFromAuthorizationResponse(*callback, auth->state);
  if (!code.ok()) return code.status();
  CodeExchangeRequest exchange;
  exchange.code = *code;
  exchange.code_verifier = auth->code_verifier;
  exchange.nonce = auth->nonce;
  absl::StatusOr<TokenResponse> tokens = (*client)->ExchangeCode(exchange);
  if (!tokens.ok()) return tokens.status();

  // Many providers issue access tokens that only their resource server can
  // verify (opaque, or for another audience): say why, never fail the login.
  absl::StatusOr<VerifiedToken> access =
      (*client)->Verify(tokens->access_token);
  return nlohmann::json{
      {"valid", true},
      {"token_type", tokens->token_type},
      {"expires_in", absl::ToInt64Seconds(tokens->expires_in)},
      {"scope", tokens->scope},
      {"refresh_token_received", !tokens->refresh_token.empty()},
      {"id_token", tokens->id_token_claims.has_value()
                       ? VerifiedTokenJson(*tokens->id_token_claims)
                       : nlohmann::json(nullptr)},
      {"access_token",
       access.ok() ? VerifiedTokenJson(*access) : ErrorJson(access.status())},
  };
}

}  // namespace authgate::tools
