#include "grpc_service/web/web_types.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include "authgate/status.h"
#include "testing/status_matchers.h"

namespace authgate::service {
namespace {

using ::authgate::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

TEST(ParseFormTest, DecodesPairs) {
  absl::StatusOr<HeaderList> form =
      ParseForm("rd=%2Fa%2Fb%3Fx%3D1&flag&empty=&sp=a+b%20c&&dup=1&dup=2");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_THAT(*form, ElementsAre(Pair("rd", "/a/b?x=1"), Pair("flag", ""),
                                 Pair("empty", ""), Pair("sp", "a b c"),
                                 Pair("dup", "1"), Pair("dup", "2")));
  EXPECT_EQ(FormValue(*form, "dup"), "1");
  EXPECT_EQ(FormValue(*form, "absent"), std::nullopt);
}

TEST(ParseFormTest, DecodesOnceOnly) {
  absl::StatusOr<HeaderList> form = ParseForm("rd=%252F%252Fevil");
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(FormValue(*form, "rd"), "%2F%2Fevil");
}

TEST(ParseFormTest, RefusesMalformedEscapesAndExcess) {
  for (const char* text : {"a=%", "a=%2", "a=%zz", "%g0=1"}) {
    EXPECT_THAT(ParseForm(text), StatusIs(absl::StatusCode::kInvalidArgument,
                                          ErrorReason::kInvalidArgument))
        << text;
  }
  std::string many;
  for (size_t i = 0; i <= kMaxFormParams; ++i) many += "a=1&";
  EXPECT_THAT(ParseForm(many), StatusIs(absl::StatusCode::kInvalidArgument,
                                        ErrorReason::kInvalidArgument));
  EXPECT_THAT(ParseForm(std::string(kMaxFormBytes + 1, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ErrorReason::kInvalidArgument));
}

TEST(HtmlTest, EscapesEverything) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  WebResponse page = HtmlPage(403, "<t>", "<script>alert(1)</script>");
  EXPECT_EQ(page.status, 403);
  EXPECT_THAT(page.body, Not(HasSubstr("<script>")));
  EXPECT_THAT(page.body, HasSubstr("&lt;script&gt;"));
  EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
}

TEST(HttpStatusTest, MapsCodes) {
  EXPECT_EQ(HttpStatusOf(absl::UnauthenticatedError("")), 401);
  EXPECT_EQ(HttpStatusOf(absl::PermissionDeniedError("")), 403);
  EXPECT_EQ(HttpStatusOf(absl::InvalidArgumentError("")), 400);
  EXPECT_EQ(HttpStatusOf(absl::NotFoundError("")), 404);
  EXPECT_EQ(HttpStatusOf(absl::ResourceExhaustedError("")), 429);
  EXPECT_EQ(HttpStatusOf(absl::UnavailableError("")), 503);
  EXPECT_EQ(HttpStatusOf(absl::DeadlineExceededError("")), 504);
  EXPECT_EQ(HttpStatusOf(absl::InternalError("")), 500);
  EXPECT_EQ(HttpStatusOf(MakeError(absl::StatusCode::kFailedPrecondition,
                                   ErrorReason::kConfigInvalid, "")),
            500);
}

TEST(ReasonHeaderTest, NamesTheReason) {
  WebResponse response;
  AddReasonHeader(MakeError(absl::StatusCode::kUnauthenticated,
                            ErrorReason::kSessionExpired, "x"),
                  response);
  EXPECT_EQ(response.Header("authgate-error-reason"), "session_expired");
}

}  // namespace
}  // namespace authgate::service
