// ParseHttpResponse: framing by Content-Length, chunked coding and connection close, fed whole
// and a byte at a time, and the errors a broken peer produces.

#include "tokensim/http_response.h"

#include <gtest/gtest.h>

namespace tokensim {
namespace {

HttpResponse MustParse(std::string_view text, bool eof = false) {
  auto r = ParseHttpResponse(text, eof);
  if (auto* e = std::get_if<HttpResponseError>(&r)) {
    ADD_FAILURE() << e->message;
    return {};
  }
  if (std::holds_alternative<HttpResponseIncomplete>(r)) {
    ADD_FAILURE() << "incomplete";
    return {};
  }
  return std::get<HttpResponse>(r);
}

std::string ErrorOf(std::string_view text, bool eof = false) {
  auto r = ParseHttpResponse(text, eof);
  if (auto* e = std::get_if<HttpResponseError>(&r)) return e->message;
  return "(no error)";
}

// Every strict prefix is incomplete (a response arrives in pieces), the whole is complete.
void ExpectIncompleteUntilWhole(std::string_view text) {
  for (size_t n = 0; n < text.size(); ++n) {
    EXPECT_TRUE(std::holds_alternative<HttpResponseIncomplete>(ParseHttpResponse(text.substr(0, n), false)))
        << "prefix of " << n << " bytes";
  }
  EXPECT_TRUE(std::holds_alternative<HttpResponse>(ParseHttpResponse(text, false)));
}

TEST(HttpResponseTest, ContentLengthBody) {
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 13\r\n\r\n"
                           "{\"token\":\"x\"}";
  const HttpResponse r = MustParse(text);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"token\":\"x\"}");
  EXPECT_EQ(r.consumed, text.size());
  EXPECT_FALSE(r.close);
  ExpectIncompleteUntilWhole(text);
}

TEST(HttpResponseTest, ConsumedStopsAtTheEndOfTheResponse) {
  const std::string first = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno";
  const HttpResponse r = MustParse(first + "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, "no");
  EXPECT_EQ(r.consumed, first.size());
}

TEST(HttpResponseTest, ChunkedBodyWithExtensionsAndTrailers) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1\r\n,\r\nB\r\n 0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
  const HttpResponse r = MustParse(text);
  EXPECT_EQ(r.body, "hello, 0123456789");
  EXPECT_EQ(r.consumed, text.size());
  ExpectIncompleteUntilWhole(text);
}

TEST(HttpResponseTest, UnframedBodyEndsWithTheConnection) {
  const std::string text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it";
  EXPECT_TRUE(std::holds_alternative<HttpResponseIncomplete>(ParseHttpResponse(text, false)));
  const HttpResponse r = MustParse(text, true);
  EXPECT_EQ(r.body, "all of it");
  EXPECT_TRUE(r.close);
}

TEST(HttpResponseTest, ConnectionCloseAndHttp10) {
  EXPECT_TRUE(MustParse("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n").close);
  EXPECT_TRUE(MustParse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").close);
  EXPECT_FALSE(MustParse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").close);
}

TEST(HttpResponseTest, InterimResponsesAreSkipped) {
  const std::string text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx";
  const HttpResponse r = MustParse(text);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, "x");
  EXPECT_EQ(r.consumed, text.size());
}

TEST(HttpResponseTest, ResponsesWithoutBodies) {
  const HttpResponse no_content = MustParse("HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(no_content.status, 204);
  EXPECT_EQ(no_content.body, "");
  auto head = ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", false, true);
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(head));
  EXPECT_EQ(std::get<HttpResponse>(head).body, "");
}

TEST(HttpResponseTest, BrokenPeersAreErrorsThatSayWhat) {
  EXPECT_EQ(ErrorOf("", true), "connection closed before any response");
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nConte", true), "connection closed in the response headers");
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true),
            "connection closed after 3 of 10 body bytes");
  EXPECT_EQ(ErrorOf("SSH-2.0-OpenSSH\r\n\r\n"), "malformed status line: \"SSH-2.0-OpenSSH\"");
  EXPECT_EQ(ErrorOf("HTTP/1.1 2x0 OK\r\n\r\n"), "malformed status line: \"HTTP/1.1 2x0 OK\"");
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"), "malformed header line: \"no colon here\"");
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n"), "bad Content-Length: \"12a\"");
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            "conflicting Content-Length headers");
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), "bad chunk size: \"zz\"");
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd"),
            "chunk not followed by CRLF");
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab", true),
            "connection closed in a chunked body");
  EXPECT_EQ(ErrorOf("HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'a')), "response headers exceed 64 KiB");
}

}  // namespace
}  // namespace tokensim
