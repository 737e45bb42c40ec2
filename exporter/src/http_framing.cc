#include "http_framing.h"

#include <boost/url/parse.hpp>
// Boost.URL compiled into this library (header-only mode): exactly one file includes it.
#include <boost/url/src.hpp>

#include <cstdio>
#include <optional>
#include <stdexcept>

namespace vx11::http_framing {
namespace {

HttpResponse Closing(HttpResponse r) {
  r.headers.emplace_back("Connection", "close");
  return r;
}

bool IsStandardMethod(http::verb v) {
  switch (v) {
    case http::verb::get:
    case http::verb::head:
    case http::verb::post:
    case http::verb::put:
    case http::verb::delete_:
    case http::verb::options:
    case http::verb::patch: return true;
    default: return false;
  }
}

// The last coding of a Transfer-Encoding list, trimmed and lower-cased ("gzip, chunked").
std::string LastCoding(std::string_view value) {
  const size_t comma = value.rfind(',');
  std::string_view last = comma == std::string_view::npos ? value : value.substr(comma + 1);
  while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
  while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
  std::string out(last);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void Configure(Parser& parser, uint64_t max_body_bytes) {
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(max_body_bytes);
}

HttpResponse ParseError(const boost::beast::error_code& ec, uint64_t max_body_bytes) {
  if (ec == http::error::body_limit) {
    return Closing(JsonError(413, "payload_too_large",
                             "request body over " + std::to_string(max_body_bytes) + " bytes"));
  }
  if (ec == http::error::header_limit) {
    return Closing(JsonError(431, "headers_too_large",
                             "request line and headers over " + std::to_string(kMaxHeaderBytes) +
                                 " bytes"));
  }
  return Closing(JsonError(400, "bad_request", "malformed HTTP request: " + ec.message()));
}

std::optional<HttpResponse> CheckFraming(const Parser& parser) {
  const Request& req = parser.get();
  const auto te = req.find(http::field::transfer_encoding);
  if (te != req.end()) {
    if (req.version() < 11) {
      return Closing(JsonError(400, "bad_request", "Transfer-Encoding in an HTTP/1.0 request"));
    }
    // Beast takes any list ending in chunked as chunked and answers a request with both
    // Content-Length and Transfer-Encoding itself; a list ending in something else would
    // leave the body to run to the connection's end, which a request cannot do.
    if (LastCoding(te->value()) != "chunked" || req.count(http::field::transfer_encoding) > 1) {
      return Closing(JsonError(400, "bad_request",
                               "Transfer-Encoding must end in chunked (RFC 9112 section 6.3)"));
    }
  }
  if (req.version() >= 11 && req.count(http::field::host) != 1) {
    return Closing(JsonError(400, "bad_request", "an HTTP/1.1 request needs exactly one Host"));
  }
  return std::nullopt;
}

bool Expects100Continue(const Parser& parser) {
  const Request& req = parser.get();
  const auto it = req.find(http::field::expect);
  if (it == req.end() || req.version() < 11) return false;
  return boost::beast::iequals(it->value(), "100-continue");
}

std::variant<HttpRequest, HttpResponse> ToServiceRequest(const Request& request,
                                                         std::string remote) {
  const std::string_view target = request.target();
  if (target == "*") {
    if (request.method() != http::verb::options) {
      return Closing(JsonError(400, "bad_request", "the target * is for OPTIONS only"));
    }
    HttpResponse r;
    r.status = 204;
    r.content_type.clear();
    r.headers.emplace_back("Allow", "GET, POST");
    return r;
  }
  if (!IsStandardMethod(request.method())) {
    // TRACE and CONNECT would echo or tunnel; nothing here implements them.
    HttpResponse r = JsonError(501, "not_implemented",
                               "method " + std::string(request.method_string()) +
                                   " is not served here");
    r.headers.emplace_back("Allow", "GET, POST");
    return r;
  }
  // Origin form ("/path?query") from clients, absolute form ("http://host/path") from
  // proxies (RFC 9112 §3.2.2: a server must accept it). Only the path is decoded here; the
  // query goes to the service raw, as it always has, so a stream request whose token is
  // badly encoded is still an authentication failure that counts, not a 400 that does not.
  const size_t question = target.find('?');
  const std::string_view path_part = target.substr(0, question);
  auto parsed = path_part.starts_with('/') ? boost::urls::parse_origin_form(path_part)
                                           : boost::urls::parse_absolute_uri(path_part);
  if (!parsed) {
    return JsonError(400, "bad_request", "the request target is not a valid URI path");
  }
  HttpRequest out;
  out.method = std::string(request.method_string());
  out.path = parsed->path();
  if (out.path.empty()) out.path = "/";
  if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
  if (auto it = request.find(http::field::authorization); it != request.end()) {
    out.authorization = std::string(it->value());
  }
  out.body = request.body();
  out.remote = std::move(remote);
  return out;
}

bool IsStreamRequest(const HttpRequest& request) {
  return request.path == kStreamPath && request.method == "GET";
}

namespace {

// Beast's field-value trimming (spaces and tabs at either end), kept so that an answer's
// bytes are what Beast's serializer wrote for the same message.
std::string_view Trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

void AppendStatusLine(unsigned version, int status, std::string& out) {
  const auto code = static_cast<unsigned>(status);
  const char line[] = {'H', 'T', 'T', 'P', '/', static_cast<char>('0' + version / 10 % 10), '.',
                       static_cast<char>('0' + version % 10), ' ',
                       static_cast<char>('0' + code / 100 % 10),
                       static_cast<char>('0' + code / 10 % 10), static_cast<char>('0' + code % 10),
                       ' '};
  out.append(line, sizeof(line));
  const auto reason = http::obsolete_reason(static_cast<http::status>(status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
}

void AppendField(std::string_view name, std::string_view value, std::string& out) {
  out.append(name);
  out += ": ";
  out.append(Trimmed(value));
  out += "\r\n";
}

// The status line and fields of `r`, then the blank line. `length`: the Content-Length field,
// if the answer has one (not a 204's, not a stream's).
void AppendHead(const HttpResponse& r, unsigned version, bool keep_alive,
                std::optional<size_t> length, std::string& out) {
  AppendStatusLine(version, r.status, out);
  if (!r.content_type.empty() && !HasLineBreak(r.content_type)) {
    AppendField("Content-Type", r.content_type, out);
  }
  for (const auto& [name, value] : r.headers) {
    // The transport's own fields, and none that would split the answer.
    if (boost::beast::iequals(name, "Connection") || boost::beast::iequals(name, "Content-Length") ||
        HasLineBreak(name) || HasLineBreak(value)) {
      continue;
    }
    AppendField(name, value, out);
  }
  // As Beast's keep_alive(): HTTP/1.1 says when it closes, HTTP/1.0 when it stays open.
  if (version >= 11 && !keep_alive) AppendField("Connection", "close", out);
  if (version < 11 && keep_alive) AppendField("Connection", "keep-alive", out);
  if (length) {
    char digits[24];
    const int n = std::snprintf(digits, sizeof(digits), "%zu", *length);
    AppendField("Content-Length", std::string_view(digits, static_cast<size_t>(n)), out);
  }
  out += "\r\n";
}

}  // namespace

bool AppendAnswer(const HttpResponse& r, unsigned version, bool keep_alive, bool head,
                  std::string& out) {
  for (const auto& [name, value] : r.headers) {
    if (boost::beast::iequals(name, "Connection") && boost::beast::iequals(Trimmed(value), "close")) {
      keep_alive = false;
    }
  }
  const bool sized = r.status != 204;
  AppendHead(r, version, keep_alive, sized ? std::optional<size_t>(r.body.size()) : std::nullopt,
             out);
  if (!head) out += r.body;
  return keep_alive;
}

std::string StreamHeader(unsigned version) {
  HttpResponse head;
  head.content_type = "text/event-stream";
  head.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  std::string out;
  AppendHead(head, version, /*keep_alive=*/false, /*length=*/std::nullopt, out);
  return out;
}

std::string AnswerOnce(std::string_view bytes, OperatorService& service) {
  const uint64_t max_body = service.config().max_body_bytes;
  Parser parser;
  Configure(parser, max_body);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = 0;
  while (used < bytes.size() && !parser.is_done()) {
    const size_t n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    if (ec == http::error::need_more) {
      ec = {};
      if (n == 0) break;
      continue;
    }
    if (ec) break;
  }
  if (!ec && !parser.is_done()) return "";  // the server would wait for more bytes
  std::string out;
  if (ec) {
    AppendAnswer(ParseError(ec, max_body), 11, false, false, out);
    return out;
  }
  const unsigned version = parser.get().version();
  if (auto refused = CheckFraming(parser)) {
    AppendAnswer(*refused, version, false, false, out);
    return out;
  }
  auto mapped = ToServiceRequest(parser.get(), "127.0.0.1");
  if (auto* own = std::get_if<HttpResponse>(&mapped)) {
    AppendAnswer(*own, version, parser.get().keep_alive(), false, out);
    return out;
  }
  const HttpRequest& req = std::get<HttpRequest>(mapped);
  if (IsStreamRequest(req)) {
    auto opened = service.OpenStream(req);
    if (auto* refused = std::get_if<HttpResponse>(&opened)) {
      AppendAnswer(*refused, version, parser.get().keep_alive(), false, out);
      return out;
    }
    auto& stream = std::get<OperatorService::OpenedStream>(opened);
    service.CloseStream(stream.stream);
    return StreamHeader(version) + stream.initial;
  }
  AppendAnswer(service.Handle(req), version, parser.get().keep_alive(), false, out);
  return out;
}

}  // namespace vx11::http_framing
