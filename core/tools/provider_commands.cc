#include "provider_commands.h"

#include <poll.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "authgate/discovery.h"
#include "authgate/http_fetcher.h"
#include "authgate/oauth_client.h"
#include "authgate/pkce.h"
#include "authgate/provider_config.h"
#include "authgate/status.h"
#include "flag_spelling.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace authgate::tools {
namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

// "--name value" flags (repeatable) and positional words.
struct Args {
  std::multimap<std::string, std::string> flags;
  std::vector<std::string> positional;

  std::string Get(const std::string& name, std::string fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
  std::vector<std::string> All(const std::string& name) const {
    std::vector<std::string> out;
    auto [begin, end] = flags.equal_range(name);
    for (auto it = begin; it != end; ++it) out.push_back(it->second);
    return out;
  }
};

bool ParseArgs(const std::vector<std::string>& words, Args& args,
               std::ostream& err) {
  for (size_t i = 0; i < words.size(); ++i) {
    if (absl::StartsWith(words[i], "--")) {
      // --client_id works as well as --client-id, and so does --name=value.
      std::string flag = RespellFlag(words[i], '-');
      if (size_t eq = flag.find('='); eq != std::string::npos) {
        args.flags.emplace(flag.substr(2, eq - 2), flag.substr(eq + 1));
        continue;
      }
      if (i + 1 >= words.size()) {
        err << "missing value for " << words[i] << "\n";
        return false;
      }
      args.flags.emplace(flag.substr(2), words[i + 1]);
      ++i;
    } else {
      args.positional.push_back(words[i]);
    }
  }
  return true;
}

int Report(const absl::Status& status, std::ostream& err) {
  err << "error: " << ErrorReasonName(GetErrorReason(status)) << ": "
      << status.message();
  std::string oauth = GetOAuthError(status);
  if (!oauth.empty()) {
    err << " (" << oauth;
    std::string description = GetOAuthErrorDescription(status);
    if (!description.empty()) err << ": " << description;
    err << ")";
  }
  err << "\n";
  return kFailed;
}

std::shared_ptr<HttpFetcher> Fetcher(const Args& args) {
  CurlOptions options;
  options.ca_file = args.Get("ca-file");
  return CreateCurlHttpFetcher(options);
}

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

int RunDiscover(const std::vector<std::string>& words, std::ostream& out,
                std::ostream& err) {
  Args args;
  if (!ParseArgs(words, args, err) || args.positional.size() != 1) {
    err << "usage: authgate discover ISSUER [--ca-file F] [--timeout-ms N]\n";
    return kUsage;
  }
  int64_t timeout_ms = 5000;
  if (!absl::SimpleAtoi(args.Get("timeout-ms", "5000"), &timeout_ms) ||
      timeout_ms <= 0) {
    err << "--timeout-ms must be a positive number\n";
    return kUsage;
  }
  absl::StatusOr<ProviderMetadata> metadata = FetchProviderMetadata(
      *Fetcher(args), args.positional[0], absl::Milliseconds(timeout_ms));
  if (!metadata.ok()) return Report(metadata.status(), err);
  nlohmann::json doc = {
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
  out << doc.dump(2) << "\n";
  return kOk;
}

absl::StatusOr<std::shared_ptr<JwksCache>> MakeLiveKeySource(
    const std::string& jwks_uri, const std::string& issuer,
    const std::string& ca_file) {
  if (jwks_uri.empty() && issuer.empty()) {
    return MakeError(absl::StatusCode::kInvalidArgument,
                     ErrorReason::kConfigInvalid,
                     "give --jwks-uri or --issuer");
  }
  CurlOptions options;
  options.ca_file = ca_file;
  std::shared_ptr<HttpFetcher> fetcher = CreateCurlHttpFetcher(options);
  std::string uri = jwks_uri;
  if (uri.empty()) {
    absl::StatusOr<ProviderMetadata> metadata =
        FetchProviderMetadata(*fetcher, issuer);
    if (!metadata.ok()) return metadata.status();
    uri = metadata->jwks_uri;
  }
  JwksCache::Dependencies deps;
  deps.fetcher = fetcher;
  absl::StatusOr<std::shared_ptr<JwksCache>> cache =
      JwksCache::Create(uri, JwksCacheOptions(), deps);
  if (!cache.ok()) return cache.status();
  absl::Status warm = (*cache)->WarmUp();
  if (!warm.ok()) return warm;
  return cache;
}

int RunLogin(const std::vector<std::string>& words, std::ostream& out,
             std::ostream& err) {
  Args args;
  if (!ParseArgs(words, args, err) || !args.positional.empty() ||
      args.Get("issuer").empty() || args.Get("client-id").empty()) {
    err << "usage: authgate login --issuer I --client-id C [--client-secret S"
           " | env AUTHGATE_CLIENT_SECRET] [--auth-method basic|post|none]"
           " [--port P] [--scope S]... [--cognito-domain D] [--jwks-uri U]"
           " [--redirect-host H] [--ca-file F] [--timeout-s N]\n";
    return kUsage;
  }
  int port = 0;
  int64_t timeout_s = 300;
  if (!absl::SimpleAtoi(args.Get("port", "0"), &port) ||
      !absl::SimpleAtoi(args.Get("timeout-s", "300"), &timeout_s)) {
    err << "--port and --timeout-s take numbers\n";
    return kUsage;
  }
  const char* env_secret = std::getenv("AUTHGATE_CLIENT_SECRET");
  std::string secret = args.Get("client-secret", env_secret ? env_secret : "");
  std::optional<ClientAuthMethod> method = ClientAuthMethodFromName(
      args.Get("auth-method", secret.empty() ? "none" : "basic"));
  if (!method.has_value()) {
    err << "--auth-method is basic, post or none\n";
    return kUsage;
  }

  CallbackListener listener;
  absl::Status listening = listener.Listen(port);
  if (!listening.ok()) return Report(listening, err);

  ProviderConfig config;
  if (!args.Get("cognito-domain").empty()) {
    absl::StatusOr<CognitoPool> pool =
        CognitoPoolFromIssuer(args.Get("issuer"), args.Get("cognito-domain"));
    if (!pool.ok()) return Report(pool.status(), err);
    pool->jwks_uri = args.Get("jwks-uri");
    absl::StatusOr<ProviderConfig> cognito = MakeCognitoProviderConfig(*pool);
    if (!cognito.ok()) return Report(cognito.status(), err);
    config = *std::move(cognito);
  } else {
    config.name = "cli";
    config.issuer = args.Get("issuer");
    config.endpoints.jwks_uri = args.Get("jwks-uri");
  }
  config.client_id = args.Get("client-id");
  config.client_secret = *method == ClientAuthMethod::kNone ? "" : secret;
  config.auth_method = *method;
  // Cognito accepts http redirect URIs only for localhost; RFC 8252 prefers
  // 127.0.0.1 (--redirect-host).
  config.redirect_uri =
      absl::StrCat("http://", args.Get("redirect-host", "localhost"), ":",
                   listener.port(), "/callback");
  std::vector<std::string> scopes = args.All("scope");
  if (!scopes.empty()) config.scopes = scopes;
  config.jwks.background_refresh = false;

  OAuthClient::Dependencies deps;
  deps.fetcher = Fetcher(args);
  absl::StatusOr<std::shared_ptr<OAuthClient>> client =
      OAuthClient::Create(config, deps);
  if (!client.ok()) return Report(client.status(), err);
  absl::StatusOr<AuthorizationUrl> auth =
      (*client)->BuildAuthorizationUrl(AuthorizationRequest());
  if (!auth.ok()) return Report(auth.status(), err);
  out << "Open this URL in a browser (redirect URI " << auth->redirect_uri
      << " must be registered):\n\n  " << auth->url
      << "\n\nwaiting for the callback...\n";
  out.flush();

  absl::StatusOr<std::string> callback =
      listener.Await(absl::Seconds(timeout_s));
  if (!callback.ok()) return Report(callback.status(), err);
  absl::StatusOr<std::string> code =
      CodeFromAuthorizationResponse(*callback, auth->state);
  if (!code.ok()) return Report(code.status(), err);
  CodeExchangeRequest exchange;
  exchange.code = *code;
  exchange.code_verifier = auth->code_verifier;
  exchange.nonce = auth->nonce;
  absl::StatusOr<TokenResponse> tokens = (*client)->ExchangeCode(exchange);
  if (!tokens.ok()) return Report(tokens.status(), err);

  nlohmann::json report = {
      {"token_type", tokens->token_type},
      {"expires_in", absl::ToInt64Seconds(tokens->expires_in)},
      {"scope", tokens->scope},
      {"refresh_token_received", !tokens->refresh_token.empty()}};
  if (tokens->id_token_claims.has_value()) {
    report["id_token_claims"] = tokens->id_token_claims->claims();
  }
  absl::StatusOr<VerifiedToken> access =
      (*client)->Verify(tokens->access_token);
  if (access.ok()) {
    report["access_token_claims"] = access->claims();
  } else {
    report["access_token"] =
        absl::StrCat("not verified locally (",
                     ErrorReasonName(GetErrorReason(access.status())), ")");
  }
  out << report.dump(2) << "\n";
  return kOk;
}

}  // namespace authgate::tools
