// libFuzzer target: the browser face's one parser of query strings and form
// bodies (ParseForm, grpc_service/web/web_types.h), FormValue, the
// WebRequest header helpers and HtmlEscape.
//
// Input: the query or form text. Invariants: a refusal is
// invalid_argument; an accepted text has at most kMaxFormParams pairs, and
// the pairs re-encoded by libcurl (every byte but unreserved ones escaped)
// parse back to the same pairs; FormValue and WebRequest::Header,
// HasHeader and JoinedHeader over the pairs agree with a plain scan; and
// HtmlEscape leaves no markup character and no bare '&' of the text.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "grpc_service/web/web_types.h"
#include <curl/curl.h>

#include "authgate/status.h"
#include "fuzz_check.h"

namespace {

using authgate::fuzz::Require;
using authgate::service::HeaderList;

std::string Escape(const std::string& in) {
  static CURL* const curl = curl_easy_init();
  char* out = curl_easy_escape(curl, in.data(), static_cast<int>(in.size()));
  Require(out != nullptr, "curl_easy_escape");
  std::string escaped(out);
  curl_free(out);
  return escaped;
}

void CheckHelpers(const HeaderList& form) {
  authgate::service::WebRequest request;
  request.headers = form;
  for (const auto& [name, value] : form) {
    std::string first;
    std::string joined;
    bool found = false;
    bool has_empty = false;
    for (const auto& [key, v] : form) {
      if (key != name) continue;
      if (!found) first = v;
      has_empty = has_empty || v.empty();
      absl::StrAppend(&joined, found ? "; " : "", v);
      found = true;
    }
    Require(authgate::service::FormValue(form, name) == first,
            "FormValue is the first value");
    Require(request.Header(name) == first, "Header is the first value");
    Require(request.HasHeader(name), "HasHeader");
    // JoinedHeader puts no separator after empty leading values.
    if (!has_empty) {
      Require(request.JoinedHeader(name, "; ") == joined,
              "JoinedHeader joins every value in order");
    }
  }
  const std::string absent =
      "\x01"
      "absent";
  if (!authgate::service::FormValue(form, absent).has_value()) {
    Require(!request.HasHeader(absent) && request.Header(absent).empty() &&
                request.JoinedHeader(absent, "; ").empty(),
            "an absent name has no value");
  }
}

void CheckHtmlEscape(absl::string_view text) {
  const std::string escaped = authgate::service::HtmlEscape(text);
  Require(escaped.find_first_of("<>\"'") == std::string::npos,
          "HtmlEscape leaves no markup character");
  const std::string back = absl::StrReplaceAll(escaped, {{"&lt;", "<"},
                                                         {"&gt;", ">"},
                                                         {"&quot;", "\""},
                                                         {"&#39;", "'"},
                                                         {"&amp;", "&"}});
  Require(back == text, "HtmlEscape is undone by unescaping");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<HeaderList> form = authgate::service::ParseForm(text);
  absl::StatusOr<HeaderList> again = authgate::service::ParseForm(text);
  Require(form.ok() == again.ok(), "the same verdict twice");
  if (!form.ok()) {
    Require(form.status().code() == absl::StatusCode::kInvalidArgument &&
                authgate::GetErrorReason(form.status()) ==
                    authgate::ErrorReason::kInvalidArgument,
            "a refusal is invalid_argument");
    CheckHtmlEscape(text);
    return 0;
  }
  Require(*form == *again, "the same pairs twice");
  Require(form->size() <= authgate::service::kMaxFormParams,
          "at most kMaxFormParams pairs");
  Require(text.size() <= authgate::service::kMaxFormBytes, "bounded text");

  std::string encoded;
  for (const auto& [name, value] : *form) {
    absl::StrAppend(&encoded, encoded.empty() ? "" : "&", Escape(name), "=",
                    Escape(value));
  }
  absl::StatusOr<HeaderList> round = authgate::service::ParseForm(encoded);
  // Escaping can push a text near the bound over it; anything else parses.
  if (encoded.size() <= authgate::service::kMaxFormBytes) {
    Require(round.ok() && *round == *form,
            "re-encoded pairs parse back to themselves");
  }
  CheckHelpers(*form);
  for (const auto& [name, value] : *form) CheckHtmlEscape(value);
  return 0;
}
