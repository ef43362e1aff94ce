#include "grpc_service/auth_service.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpc_service/call_deadline.h"
#include "grpc_service/deferred_key_source.h"
#include "grpc_service/proto_conversion.h"
#include "grpc_service/status_conversion.h"

#include "authgate/oauth_client.h"
#include "authgate/provider_spec.h"
#include "authgate/status.h"
#include "authgate/unverified_token.h"
#include "status_macros.h"

namespace authgate::service {
namespace {

absl::Status MissingField(absl::string_view field) {
  return MakeError(absl::StatusCode::kInvalidArgument,
                   ErrorReason::kInvalidArgument,
                   absl::StrCat(field, " is required"));
}

absl::string_view TokenTypeHintName(v1::TokenTypeHint hint) {
  switch (hint) {
    case v1::TOKEN_TYPE_HINT_REFRESH_TOKEN:
      return "refresh_token";
    case v1::TOKEN_TYPE_HINT_ACCESS_TOKEN:
      return "access_token";
    default:
      return "";
  }
}

// The checks FinishOnWorker and FinishAfterKeys make before late work.
absl::Status RunUnlessAbandoned(grpc::CallbackServerContext* context,
                                const std::function<absl::Status()>& work) {
  if (context->IsCancelled()) {
    return absl::CancelledError("call cancelled before it started");
  }
  if (context->deadline() <= std::chrono::system_clock::now()) {
    // The client has given up; more work now would be wasted.
    return absl::DeadlineExceededError(
        "deadline passed while the call was queued");
  }
  return work();
}

}  // namespace

void FinishOnWorker(WorkerPool& pool, Metrics& metrics,
                    grpc::CallbackServerContext* context,
                    grpc::ServerUnaryReactor* reactor,
                    std::function<absl::Status()> work) {
  bool queued = pool.TrySubmit([context, reactor, work = std::move(work)] {
    reactor->Finish(ToGrpcStatus(RunUnlessAbandoned(context, work), context));
  });
  if (!queued) {
    metrics.RecordWorkerRejection();
    reactor->Finish(ToGrpcStatus(
        absl::ResourceExhaustedError("server busy: worker queue is full"),
        context));
  }
}

void FinishAfterKeys(NonBlockingScope& scope, Metrics& metrics,
                     grpc::CallbackServerContext* context,
                     grpc::ServerUnaryReactor* reactor,
                     std::function<absl::Status()> work) {
  bool deferred = scope.Defer([context, reactor, work = std::move(work)] {
    reactor->Finish(ToGrpcStatus(RunUnlessAbandoned(context, work), context));
  });
  if (!deferred) {
    metrics.RecordWorkerRejection();
    reactor->Finish(ToGrpcStatus(
        absl::ResourceExhaustedError(
            "server busy: too many calls wait for the provider's keys"),
        context));
  }
}

AuthServiceImpl::AuthServiceImpl(
    std::shared_ptr<const ProviderRegistry> registry,
    std::shared_ptr<WorkerPool> pool, std::shared_ptr<Metrics> metrics,
    std::shared_ptr<Logger> logger)
    : registry_(std::move(registry)),
      pool_(std::move(pool)),
      metrics_(std::move(metrics)),
      logger_(std::move(logger)) {
  SetMessageAllocatorFor_ValidateToken(&validate_allocator_);
}

absl::Status AuthServiceImpl::Complete(
    const absl::StatusOr<VerifiedToken>& result,
    const v1::ValidateTokenRequest& request, absl::Time start,
    v1::ValidateTokenResponse* response) const {
  metrics_->RecordValidation(Metrics::Rpc::kValidateToken, result.status(),
                             absl::Now() - start);
  if (!result.ok()) {
    logger_->Info(
        "token_rejected",
        {{"rpc", "ValidateToken"},
         {"code", absl::StatusCodeToString(result.status().code())},
         {"reason",
          std::string(ErrorReasonName(GetErrorReason(result.status())))},
         {"message", std::string(result.status().message())},
         {"token_fp", TokenFingerprint(request.token())}});
    return result.status();
  }
  FillPrincipal(*result, response->mutable_principal());
  // The claims go out pre-encoded, as the bytes of field `claims` kept in
  // the unknown-field set: the wire is identical to a set Struct, without
  // building its map only to serialize it again.
  if (std::optional<std::string> claims =
          JsonTextToStructBytes(result->payload_json())) {
    response->GetReflection()
        ->MutableUnknownFields(response)
        ->AddLengthDelimited(v1::ValidateTokenResponse::kClaimsFieldNumber,
                             *claims);
  } else {
    JsonToStruct(result->claims(), response->mutable_claims());
  }
  // Hashing the token costs as much as the rest of a cached validation, so
  // the fingerprint is computed only for lines that are written.
  if (logger_->Enabled(LogLevel::kDebug)) {
    logger_->Debug("token_validated",
                   {{"rpc", "ValidateToken"},
                    {"provider", result->provider_name()},
                    {"token_fp", TokenFingerprint(request.token())}});
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AuthServiceImpl::ValidateToken(
    grpc::CallbackServerContext* context,
    const v1::ValidateTokenRequest* request,
    v1::ValidateTokenResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Time start = absl::Now();
  // The token goes to the core byte for byte: no trimming, no "Bearer "
  // (only an Authorization header, in ext_authz, has a scheme). An empty
  // token, an unknown provider name and every other verdict are the core's.
  VerifyOptions options = ToVerifyOptions(*request);
  NonBlockingScope scope;
  absl::StatusOr<VerifiedToken> result =
      registry_->verifier().Verify(request->token(), options);
  if (!scope.blocked()) {
    reactor->Finish(
        ToGrpcStatus(Complete(result, *request, start, response), context));
    return reactor;
  }
  // The verifier needs a key fetch: finish once the provider answered.
  FinishAfterKeys(
      scope, *metrics_, context, reactor,
      [this, request, response, start, options = std::move(options)] {
        absl::StatusOr<VerifiedToken> result =
            registry_->verifier().Verify(request->token(), options);
        return Complete(result, *request, start, response);
      });
  return reactor;
}

void AuthServiceImpl::RunOAuthCall(grpc::CallbackServerContext* context,
                                   grpc::ServerUnaryReactor* reactor,
                                   const char* call, OAuthWork work) {
  FinishOnWorker(
      *pool_, *metrics_, context, reactor,
      [this, context, call, work = std::move(work)] {
        // Provider requests give up when the caller does.
        CallDeadlineScope deadline(absl::FromChrono(context->deadline()));
        absl::Time start = absl::Now();
        // Stays "unknown" when the request named no configured provider, so
        // caller input never becomes a metric label.
        std::string provider = "unknown";
        absl::Status status = work(&provider);
        absl::Duration elapsed = absl::Now() - start;
        metrics_->RecordOAuthCall(provider, call, status, elapsed);
        logger_->Log(
            status.ok() ? LogLevel::kInfo : LogLevel::kWarn, "oauth_call",
            {{"call", call},
             {"provider", provider},
             {"code", absl::StatusCodeToString(status.code())},
             {"reason", std::string(ErrorReasonName(GetErrorReason(status)))},
             {"oauth_error", GetOAuthError(status)},
             {"duration_ms", absl::ToDoubleMilliseconds(elapsed)}});
        return status;
      });
}

grpc::ServerUnaryReactor* AuthServiceImpl::ExchangeCode(
    grpc::CallbackServerContext* context,
    const v1::ExchangeCodeRequest* request,
    v1::ExchangeCodeResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  RunOAuthCall(
      context, reactor, "exchange_code",
      [this, request, response](std::string* provider) -> absl::Status {
        if (request->code().empty()) return MissingField("code");
        AUTHGATE_ASSIGN_OR_RETURN(
            std::shared_ptr<OAuthClient> client,
            registry_->Client(request->provider(), request->client_id()));
        *provider = client->config().name;
        CodeExchangeRequest exchange;
        exchange.code = request->code();
        exchange.code_verifier = request->code_verifier();
        exchange.nonce = request->nonce();
        exchange.redirect_uri = request->redirect_uri();
        AUTHGATE_ASSIGN_OR_RETURN(TokenResponse tokens,
                                  client->ExchangeCode(exchange));
        FillTokenSet(tokens, response->mutable_tokens());
        if (tokens.id_token_claims.has_value()) {
          FillPrincipal(*tokens.id_token_claims,
                        response->mutable_id_token_principal());
        }
        return absl::OkStatus();
      });
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::RefreshToken(
    grpc::CallbackServerContext* context,
    const v1::RefreshTokenRequest* request,
    v1::RefreshTokenResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  RunOAuthCall(
      context, reactor, "refresh",
      [this, request, response](std::string* provider) -> absl::Status {
        if (request->refresh_token().empty()) {
          return MissingField("refresh_token");
        }
        AUTHGATE_ASSIGN_OR_RETURN(
            std::shared_ptr<OAuthClient> client,
            registry_->Client(request->provider(), request->client_id()));
        *provider = client->config().name;
        AUTHGATE_ASSIGN_OR_RETURN(
            TokenResponse tokens,
            client->Refresh(request->refresh_token(),
                            SplitScopes(request->scope())));
        FillTokenSet(tokens, response->mutable_tokens());
        return absl::OkStatus();
      });
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetClientCredentialsToken(
    grpc::CallbackServerContext* context,
    const v1::GetClientCredentialsTokenRequest* request,
    v1::GetClientCredentialsTokenResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  RunOAuthCall(
      context, reactor, "client_credentials",
      [this, request, response](std::string* provider) -> absl::Status {
        AUTHGATE_ASSIGN_OR_RETURN(
            std::shared_ptr<OAuthClient> client,
            registry_->Client(request->provider(), request->client_id()));
        *provider = client->config().name;
        std::vector<std::string> scopes(request->scopes().begin(),
                                        request->scopes().end());
        AUTHGATE_ASSIGN_OR_RETURN(TokenResponse tokens,
                                  client->ClientCredentials(scopes));
        FillTokenSet(tokens, response->mutable_tokens());
        return absl::OkStatus();
      });
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetUserInfo(
    grpc::CallbackServerContext* context, const v1::GetUserInfoRequest* request,
    v1::GetUserInfoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  RunOAuthCall(
      context, reactor, "userinfo",
      [this, request, response](std::string* provider) -> absl::Status {
        std::string access_token(StripBearer(request->access_token()));
        if (access_token.empty()) return MissingField("access_token");
        AUTHGATE_ASSIGN_OR_RETURN(
            std::shared_ptr<OAuthClient> client,
            registry_->Client(request->provider(), request->client_id()));
        *provider = client->config().name;
        AUTHGATE_ASSIGN_OR_RETURN(
            nlohmann::json claims,
            client->UserInfo(access_token, request->expected_subject()));
        JsonToStruct(claims, response->mutable_claims());
        if (auto sub = claims.find("sub");
            sub != claims.end() && sub->is_string()) {
          response->set_subject(sub->get<std::string>());
        }
        return absl::OkStatus();
      });
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::RevokeToken(
    grpc::CallbackServerContext* context, const v1::RevokeTokenRequest* request,
    v1::RevokeTokenResponse*) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  RunOAuthCall(
      context, reactor, "revoke",
      [this, request](std::string* provider) -> absl::Status {
        if (request->token().empty()) return MissingField("token");
        AUTHGATE_ASSIGN_OR_RETURN(
            std::shared_ptr<OAuthClient> client,
            registry_->Client(request->provider(), request->client_id()));
        *provider = client->config().name;
        return client->Revoke(request->token(),
                              TokenTypeHintName(request->token_type_hint()));
      });
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::BuildAuthorizationUrl(
    grpc::CallbackServerContext* context,
    const v1::BuildAuthorizationUrlRequest* request,
    v1::BuildAuthorizationUrlResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // No network: random values and string building, so it finishes inline.
  absl::Status status = [&]() -> absl::Status {
    AUTHGATE_ASSIGN_OR_RETURN(
        std::shared_ptr<OAuthClient> client,
        registry_->Client(request->provider(), request->client_id()));
    AuthorizationRequest auth;
    auth.scopes.assign(request->scopes().begin(), request->scopes().end());
    auth.redirect_uri = request->redirect_uri();
    auth.prompt = request->prompt();
    auth.login_hint = request->login_hint();
    auth.identity_provider = request->identity_provider();
    auth.idp_identifier = request->idp_identifier();
    for (const auto& [name, value] : request->extra_params()) {
      auth.extra_params.emplace_back(name, value);
    }
    // Proto maps iterate in no fixed order; sort for a stable URL.
    std::sort(auth.extra_params.begin(), auth.extra_params.end());
    AUTHGATE_ASSIGN_OR_RETURN(AuthorizationUrl url,
                              client->BuildAuthorizationUrl(auth));
    response->set_url(url.url);
    response->set_state(url.state);
    response->set_nonce(url.nonce);
    response->set_code_verifier(url.code_verifier);
    response->set_redirect_uri(url.redirect_uri);
    return absl::OkStatus();
  }();
  reactor->Finish(ToGrpcStatus(status, context));
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::BuildLogoutUrl(
    grpc::CallbackServerContext* context,
    const v1::BuildLogoutUrlRequest* request,
    v1::BuildLogoutUrlResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    AUTHGATE_ASSIGN_OR_RETURN(
        std::shared_ptr<OAuthClient> client,
        registry_->Client(request->provider(), request->client_id()));
    LogoutRequest logout;
    logout.post_logout_redirect_uri = request->logout_uri();
    logout.id_token_hint = request->id_token_hint();
    logout.state = request->state();
    AUTHGATE_ASSIGN_OR_RETURN(std::string url, client->BuildLogoutUrl(logout));
    response->set_url(std::move(url));
    return absl::OkStatus();
  }();
  reactor->Finish(ToGrpcStatus(status, context));
  return reactor;
}

grpc::ServerUnaryReactor* AuthServiceImpl::GetProviderMetadata(
    grpc::CallbackServerContext* context,
    const v1::GetProviderMetadataRequest* request,
    v1::GetProviderMetadataResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status status = [&]() -> absl::Status {
    AUTHGATE_ASSIGN_OR_RETURN(ProviderSnapshot snapshot,
                              registry_->Snapshot(request->provider()));
    const ProviderSpec& spec = snapshot.settings->spec;
    response->set_name(spec.name);
    response->set_kind(std::string(spec.profile().name));
    for (const std::string& issuer : spec.issuers)
      response->add_issuers(issuer);
    if (!spec.clients.empty()) {
      response->set_client_id(spec.clients.front().client_id);
    }
    for (const OAuthClientSpec& client : spec.clients) {
      response->add_client_ids(client.client_id);
    }
    response->set_ready(snapshot.set_up);
    if (snapshot.metadata.has_value()) {
      const ProviderMetadata& m = *snapshot.metadata;
      response->set_jwks_uri(m.jwks_uri);
      response->set_authorization_endpoint(m.authorization_endpoint);
      response->set_token_endpoint(m.token_endpoint);
      response->set_userinfo_endpoint(m.userinfo_endpoint);
      response->set_revocation_endpoint(m.revocation_endpoint);
      response->set_end_session_endpoint(m.end_session_endpoint);
      for (const auto& v : m.scopes_supported) {
        response->add_scopes_supported(v);
      }
      for (const auto& v : m.grant_types_supported) {
        response->add_grant_types_supported(v);
      }
      for (const auto& v : m.code_challenge_methods_supported) {
        response->add_code_challenge_methods_supported(v);
      }
      for (const auto& v : m.id_token_signing_alg_values_supported) {
        response->add_id_token_signing_alg_values_supported(v);
      }
      for (const auto& v : m.token_endpoint_auth_methods_supported) {
        response->add_token_endpoint_auth_methods_supported(v);
      }
    } else {
      // Not set up yet (or static keys): what configuration alone says.
      const ProviderEndpoints& e = spec.endpoints;
      response->set_jwks_uri(spec.keys.jwks_uri.empty() ? e.jwks_uri
                                                        : spec.keys.jwks_uri);
      response->set_authorization_endpoint(e.authorization_endpoint);
      response->set_token_endpoint(e.token_endpoint);
      response->set_userinfo_endpoint(e.userinfo_endpoint);
      response->set_revocation_endpoint(e.revocation_endpoint);
      response->set_end_session_endpoint(e.end_session_endpoint);
    }
    response->set_keys_loaded(snapshot.keys != nullptr);
    if (snapshot.keys != nullptr) {
      for (const auto& key : snapshot.keys->keys()) {
        response->add_key_ids(key->key_id());
      }
    }
    if (snapshot.jwks_stats.has_value()) {
      if (snapshot.jwks_stats->last_success.has_value()) {
        ToTimestamp(*snapshot.jwks_stats->last_success,
                    response->mutable_keys_loaded_at());
      }
      if (snapshot.jwks_stats->expires_at.has_value()) {
        ToTimestamp(*snapshot.jwks_stats->expires_at,
                    response->mutable_keys_expire_at());
      }
    }
    response->set_last_key_error(
        std::string(snapshot.last_key_error.message()));
    return absl::OkStatus();
  }();
  reactor->Finish(ToGrpcStatus(status, context));
  return reactor;
}

}  // namespace authgate::service
