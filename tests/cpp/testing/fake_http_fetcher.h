// FakeHttpFetcher: an HttpFetcher with scripted responses per URL that
// records every request, so a test can assert "exactly one JWKS refetch" or
// inspect the form a token request sent. Thread-safe.
//
//   auto http = std::make_shared<FakeHttpFetcher>();
//   http->SetJson("https://idp/jwks", minter.Jwks(), {{"cache-control",
//   "max-age=600"}}); http->SetError("https://idp/down",
//   absl::UnavailableError("down"));
//   ... code under test ...
//   EXPECT_EQ(http->RequestCount("https://idp/jwks"), 1);
#ifndef AUTHGATE_TESTS_CPP_TESTING_FAKE_HTTP_FETCHER_H_
#define AUTHGATE_TESTS_CPP_TESTING_FAKE_HTTP_FETCHER_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"

#include "authgate/http_fetcher.h"
#include "authgate/status.h"

namespace authgate::testing {

class FakeHttpFetcher final : public HttpFetcher {
 public:
  using Handler =
      std::function<absl::StatusOr<HttpResponse>(const HttpRequest&)>;
  using Headers = std::vector<std::pair<std::string, std::string>>;

  static HttpResponse Response(int status, std::string body,
                               Headers headers = {},
                               std::string content_type = "application/json") {
    HttpResponse response;
    response.status_code = status;
    response.body = std::move(body);
    response.content_type = std::move(content_type);
    response.headers = std::move(headers);
    return response;
  }

  // Every request to `url` (exact match, query included) gets this answer
  // until replaced. Clears queued answers for the URL.
  void Set(const std::string& url, absl::StatusOr<HttpResponse> response) {
    absl::MutexLock lock(&mu_);
    Route& route = routes_[url];
    route.queue.clear();
    route.handler = nullptr;
    route.fixed = std::move(response);
  }
  void SetResponse(const std::string& url, int status, std::string body,
                   Headers headers = {}) {
    Set(url, Response(status, std::move(body), std::move(headers)));
  }
  void SetJson(const std::string& url, const nlohmann::json& body,
               Headers headers = {}, int status = 200) {
    SetResponse(url, status, body.dump(), std::move(headers));
  }
  // Transport failure, e.g. MakeError(kUnavailable, kProviderUnavailable, ..).
  void SetError(const std::string& url, absl::Status status) {
    Set(url, std::move(status));
  }
  // Answers consumed one per request before the fixed answer applies.
  void Queue(const std::string& url, absl::StatusOr<HttpResponse> response) {
    absl::MutexLock lock(&mu_);
    routes_[url].queue.push_back(std::move(response));
  }
  // Computes the answer (may block, e.g. on a test's Notification).
  void SetHandler(const std::string& url, Handler handler) {
    absl::MutexLock lock(&mu_);
    Route& route = routes_[url];
    route.queue.clear();
    route.handler = std::move(handler);
  }

  absl::StatusOr<HttpResponse> Fetch(const HttpRequest& request) override {
    Handler handler;
    absl::StatusOr<HttpResponse> answer = MakeError(
        absl::StatusCode::kUnavailable, ErrorReason::kProviderUnavailable,
        absl::StrCat("no scripted response for ", request.url));
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
      auto it = routes_.find(request.url);
      if (it != routes_.end()) {
        Route& route = it->second;
        if (!route.queue.empty()) {
          answer = std::move(route.queue.front());
          route.queue.pop_front();
        } else if (route.handler) {
          handler = route.handler;
        } else {
          answer = route.fixed;
        }
      }
    }
    if (handler) answer = handler(request);
    // Behave like the real fetcher's size cap.
    if (answer.ok() && answer->body.size() > request.max_response_bytes) {
      return MakeError(absl::StatusCode::kUnavailable,
                       ErrorReason::kProviderResponseTooLarge,
                       "response exceeds max_response_bytes");
    }
    return answer;
  }

  std::vector<HttpRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  // The last request sent to `url`; a default HttpRequest when none.
  HttpRequest LastRequest(const std::string& url) const {
    absl::MutexLock lock(&mu_);
    for (auto it = requests_.rbegin(); it != requests_.rend(); ++it) {
      if (it->url == url) return *it;
    }
    return HttpRequest();
  }
  int RequestCount(const std::string& url) const {
    absl::MutexLock lock(&mu_);
    int count = 0;
    for (const HttpRequest& request : requests_) count += request.url == url;
    return count;
  }
  void ClearRequests() {
    absl::MutexLock lock(&mu_);
    requests_.clear();
  }

  // The value of header `name` in `request` ("" when absent).
  static std::string HeaderOf(const HttpRequest& request,
                              const std::string& name) {
    for (const auto& [key, value] : request.headers) {
      if (key == name) return value;
    }
    return "";
  }

 private:
  struct Route {
    std::deque<absl::StatusOr<HttpResponse>> queue;
    Handler handler;
    absl::StatusOr<HttpResponse> fixed =
        MakeError(absl::StatusCode::kUnavailable,
                  ErrorReason::kProviderUnavailable, "no scripted response");
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Route> routes_ ABSL_GUARDED_BY(mu_);
  std::vector<HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace authgate::testing

#endif  // AUTHGATE_TESTS_CPP_TESTING_FAKE_HTTP_FETCHER_H_
