#include "http_framing.h"

#include <boost/url/parse.hpp>
// Boost.URL compiled into this library (header-only mode): exactly one file includes it.
#include <boost/url/src.hpp>

#include <stdexcept>

namespace vx11::http_framing {
namespace {

template <typename Body>
void AppendWireOf(const http::response<Body>& message, std::string& out) {
  http::response_serializer<Body> serializer{message};
  boost::beast::error_code ec;
  while (!serializer.is_done()) {
    size_t n = 0;
    serializer.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
      for (const auto b : boost::beast::buffers_range_ref(buffers)) {
        out.append(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
    });
    // In-memory bodies have no way to fail.
    if (ec) throw std::logic_error("serializing an answer: " + ec.message());
    serializer.consume(n);
  }
}

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

http::response<http::string_body> ToBeast(HttpResponse r, unsigned version, bool keep_alive) {
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
  return out;
}

std::string StreamHeader(unsigned version) {
  http::response<http::empty_body> head{http::status::ok, version};
  head.set(http::field::content_type, "text/event-stream");
  head.set(http::field::cache_control, "no-cache");
  head.set("X-Accel-Buffering", "no");
  head.keep_alive(false);
  std::string out;
  AppendWireOf(head, out);
  return out;
}

void AppendWire(const http::response<http::string_body>& message, std::string& out) {
  AppendWireOf(message, out);
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
    AppendWire(ToBeast(ParseError(ec, max_body), 11, false), out);
    return out;
  }
  const unsigned version = parser.get().version();
  if (auto refused = CheckFraming(parser)) {
    AppendWire(ToBeast(std::move(*refused), version, false), out);
    return out;
  }
  auto mapped = ToServiceRequest(parser.get(), "127.0.0.1");
  if (auto* own = std::get_if<HttpResponse>(&mapped)) {
    AppendWire(ToBeast(std::move(*own), version, parser.get().keep_alive()), out);
    return out;
  }
  const HttpRequest& req = std::get<HttpRequest>(mapped);
  if (IsStreamRequest(req)) {
    auto opened = service.OpenStream(req);
    if (auto* refused = std::get_if<HttpResponse>(&opened)) {
      AppendWire(ToBeast(std::move(*refused), version, parser.get().keep_alive()), out);
      return out;
    }
    auto& stream = std::get<OperatorService::OpenedStream>(opened);
    service.CloseStream(stream.stream);
    return StreamHeader(version) + stream.initial;
  }
  AppendWire(ToBeast(service.Handle(req), version, parser.get().keep_alive()), out);
  return out;
}

}  // namespace vx11::http_framing
