#pragma once
// How the server turns bytes into service calls, apart from the socket: the request parser's
// limits, the framing rules RFC 9112 asks for beyond what Beast's parser enforces, the four
// request-target forms, and the answers to requests that never reach the service. The server
// and the HTTP fuzz target (tests/fuzz) both go through these functions, so the fuzzer feeds
// the very code a socket feeds. Private to the server library: Beast stays out of include/.
//
// Stateless functions; safe on any thread.

#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <string>
#include <variant>

#include "vx11/http_types.h"
#include "vx11/operator_service.h"

namespace vx11::http_framing {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Parser = http::request_parser<http::string_body>;

// Request line and headers together; Beast's default is 8 KiB.
inline constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

// Sets the parser's header and body limits (a declared Content-Length over `max_body_bytes`
// fails at the header, so the 413 goes out before any body is read).
void Configure(Parser& parser, uint64_t max_body_bytes);

// The answer to a request the parser refused: 413 (body limit), 431 (header limit) or 400.
// The connection must close after it: the stream's framing is no longer known.
HttpResponse ParseError(const boost::beast::error_code& ec, uint64_t max_body_bytes);

// Checks on a parsed header that Beast leaves to us. A Transfer-Encoding whose last coding is
// not `chunked`, or any on HTTP/1.0, leaves the body's length unknown (RFC 9112 §6.3): 400.
// An HTTP/1.1 request without exactly one Host is 400 (RFC 9112 §3.2). The connection closes
// after a non-empty answer.
std::optional<HttpResponse> CheckFraming(const Parser& parser);

// Whether the client asked to be told to go on before it sends its body.
bool Expects100Continue(const Parser& parser);

// What the request means: a call for the service, or the transport's own answer (an
// undecodable target, `OPTIONS *`, a method no endpoint implements). Origin-form and
// absolute-form targets both reach the service with a decoded path and the raw query.
std::variant<HttpRequest, HttpResponse> ToServiceRequest(const Request& request,
                                                         std::string remote);

// Whether `request` opens an event stream (the transport serves those itself).
bool IsStreamRequest(const HttpRequest& request);

// Appends the wire bytes of an answer to `out` (one buffer for one socket write): the status
// line, Content-Type, the service's headers in order, the transport's Connection and
// Content-Length, and the body unless `head` (a HEAD answer keeps the GET answer's length).
// The bytes are those Beast's serializer writes for the same message, without building one
// (its fields and serializer cost a token request more than the rest of its answer). The
// service's own Connection and Content-Length headers are not copied (a "Connection: close"
// among them closes the connection), nor is a header with a line break in it. Returns whether
// the connection carries another request: `keep_alive` and no "Connection: close".
bool AppendAnswer(const HttpResponse& response, unsigned version, bool keep_alive, bool head,
                  std::string& out);

// The status line and headers of an opened stream (no length: it ends with the connection).
std::string StreamHeader(unsigned version);

// Handles one complete request as the server would, without a socket: parses `bytes` with
// the server's parser and rules and runs the service call it maps to. Returns the wire bytes
// of the first answer (a stream's header and initial events, then the stream is closed).
// For the fuzz target and tests; the server itself is asynchronous and does not use it.
std::string AnswerOnce(std::string_view bytes, OperatorService& service);

}  // namespace vx11::http_framing
