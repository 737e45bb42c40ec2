// The server writes its answers without Beast's message and serializer (AppendAnswer); these
// tests hold its bytes to what Beast writes for the same message, the way the server built
// it before, over every status, version, connection choice and header the service uses.

#include "http_framing.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace vx11::http_framing {
namespace {

// What the server sent before AppendAnswer: the service's answer as a Beast message,
// serialized by Beast.
std::pair<std::string, bool> BeastWire(HttpResponse r, unsigned version, bool keep_alive,
                                       bool head) {
  http::response<http::string_body> out{static_cast<http::status>(r.status), version};
  if (!r.content_type.empty()) out.set(http::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) {
    if (boost::beast::iequals(name, "Connection")) {
      keep_alive = keep_alive && !boost::beast::iequals(value, "close");
      continue;
    }
    out.insert(name, value);
  }
  out.body() = std::move(r.body);
  out.keep_alive(keep_alive);
  if (r.status != 204) out.prepare_payload();
  if (head) out.body().clear();
  std::ostringstream os;
  os << out;
  return {os.str(), out.keep_alive()};
}

std::pair<std::string, bool> Ours(const HttpResponse& r, unsigned version, bool keep_alive,
                                  bool head) {
  std::string out = "kept:";  // appended to, not replaced
  const bool goes_on = AppendAnswer(r, version, keep_alive, head, out);
  EXPECT_EQ(out.rfind("kept:", 0), 0u);
  return {out.substr(5), goes_on};
}

HttpResponse Answer(int status, std::string content_type,
                    std::vector<std::pair<std::string, std::string>> headers, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

TEST(AppendAnswerTest, WritesWhatBeastWritesForEveryAnswerTheServiceGives) {
  const std::vector<HttpResponse> answers = {
      Answer(200, "application/json", {{"Cache-Control", "no-store"}},
             R"({"expires_at":"2026-12-07T00:01:00Z","expires_in":60,"token":"x"})"),
      Answer(200, "text/plain; version=0.0.4; charset=utf-8", {}, "# HELP a b\na 1\n"),
      Answer(200, "application/json", {}, ""),
      Answer(204, "", {}, ""),
      Answer(400, "application/json", {{"Connection", "close"}}, R"({"error":"bad_request"})"),
      Answer(401, "application/json", {{"WWW-Authenticate", "Bearer"}}, "{}"),
      Answer(404, "application/json", {}, R"({"error":"not_found"})"),
      Answer(405, "application/json", {{"Allow", "GET, POST"}}, "{}"),
      Answer(413, "application/json", {{"Connection", "close"}}, "{}"),
      Answer(429, "application/json", {{"Retry-After", "5"}}, "{}"),
      Answer(431, "application/json", {{"Connection", "CLOSE"}}, "{}"),
      Answer(500, "application/json", {}, R"({"error":"internal_error"})"),
      Answer(503, "application/json", {{"Retry-After", "1"}, {"Cache-Control", "no-store"}},
             "{}"),
      Answer(503, "application/json", {{"X-Padded", "  value\t"}, {"Connection", "keep-alive"}},
             std::string(5000, 'b')),
  };
  for (const HttpResponse& r : answers) {
    for (unsigned version : {10u, 11u}) {
      for (bool keep_alive : {false, true}) {
        for (bool head : {false, true}) {
          SCOPED_TRACE(testing::Message() << r.status << " HTTP/" << version / 10 << "."
                                          << version % 10 << " keep_alive=" << keep_alive
                                          << " head=" << head);
          const auto [beast_wire, beast_keep] = BeastWire(r, version, keep_alive, head);
          const auto [wire, keep] = Ours(r, version, keep_alive, head);
          EXPECT_EQ(wire, beast_wire);
          EXPECT_EQ(keep, beast_keep);
        }
      }
    }
  }
}

TEST(AppendAnswerTest, KeepAliveFollowsTheVersionAsBeastDoes) {
  const HttpResponse r = Answer(200, "application/json", {}, "{}");
  EXPECT_EQ(Ours(r, 11, true, false).first,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(Ours(r, 11, false, false).first,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            "Content-Length: 2\r\n\r\n{}");
  EXPECT_EQ(Ours(r, 10, true, false).first,
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n"
            "Content-Length: 2\r\n\r\n{}");
  EXPECT_EQ(Ours(r, 10, false, false).first,
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
}

TEST(AppendAnswerTest, AServiceConnectionCloseClosesAndIsWrittenOnce) {
  const HttpResponse r = Answer(400, "application/json", {{"Connection", " close "}}, "{}");
  const auto [wire, keep] = Ours(r, 11, true, false);
  EXPECT_FALSE(keep);
  EXPECT_EQ(wire,
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
            "Content-Length: 2\r\n\r\n{}");
}

TEST(AppendAnswerTest, TheBodyLengthIsTheTransportsAndAHeadAnswerKeepsIt) {
  const HttpResponse r = Answer(200, "application/json", {{"Content-Length", "999"}}, "abc");
  EXPECT_EQ(Ours(r, 11, true, false).first,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(Ours(r, 11, true, true).first,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n");
}

TEST(AppendAnswerTest, AHeaderWithALineBreakIsNotWritten) {
  const HttpResponse r = Answer(200, "text/plain\r\nX-Injected: 1", {
      {"X-Split", "a\r\nSet-Cookie: b"}, {"X-Bad\nName", "v"}, {"X-Ok", "fine"}}, "");
  EXPECT_EQ(Ours(r, 11, true, false).first,
            "HTTP/1.1 200 OK\r\nX-Ok: fine\r\nContent-Length: 0\r\n\r\n");
}

TEST(StreamHeaderTest, IsWhatBeastWritesForTheStreamsHead) {
  for (unsigned version : {10u, 11u}) {
    http::response<http::empty_body> head{http::status::ok, version};
    head.set(http::field::content_type, "text/event-stream");
    head.set(http::field::cache_control, "no-cache");
    head.set("X-Accel-Buffering", "no");
    head.keep_alive(false);
    std::ostringstream os;
    os << head;
    EXPECT_EQ(StreamHeader(version), os.str()) << version;
  }
  EXPECT_EQ(StreamHeader(11),
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n");
}

}  // namespace
}  // namespace vx11::http_framing
