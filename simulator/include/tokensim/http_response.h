#pragma once
// An incremental reader of one HTTP/1.1 response off a byte buffer, for tokensim's own
// keep-alive client (keepalive_client.h). Bodies may be framed by Content-Length, by chunked
// transfer coding, or by the connection closing; 1xx interim responses are skipped. Pure
// functions of their input: safe from any thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

namespace tokensim {

struct HttpResponse {
  long status = 0;
  std::string body;           // decoded (chunked framing removed)
  size_t consumed = 0;        // bytes of the buffer this response (and any 1xx before it) took
  bool close = false;         // the connection cannot carry another request
};

struct HttpResponseIncomplete {};  // more bytes are needed
struct HttpResponseError {
  std::string message;  // what was wrong, e.g. "malformed status line: ..."
};

using HttpResponseResult = std::variant<HttpResponse, HttpResponseIncomplete, HttpResponseError>;

// Reads the response at the start of `buffer`. `eof`: the peer has closed, nothing more comes.
// `head_request`: the request was HEAD, so the response has no body whatever its headers say.
HttpResponseResult ParseHttpResponse(std::string_view buffer, bool eof, bool head_request = false);

}  // namespace tokensim
