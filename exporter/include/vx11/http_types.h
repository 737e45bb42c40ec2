#pragma once
// Transport-independent HTTP request and response, so the service's behaviour can be tested
// without sockets and the HTTP library stays out of every public header. Plain data.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vx11 {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string path;           // without the query string
  std::string query;          // raw, without '?'
  std::string authorization;  // the Authorization header, verbatim ("" if absent)
  std::string body;
  std::string remote;         // peer address, for log lines
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
};

// The value of `name` in a query string ("a=1&token=x"), percent- and '+'-decoded; empty if
// absent. The first occurrence wins.
std::string QueryParam(std::string_view query, std::string_view name);

// The credential of "Authorization: Bearer <credential>" (scheme case-insensitive); empty if
// the header is absent or uses another scheme. A view into `authorization`.
std::string_view BearerToken(std::string_view authorization);

// {"error": error, "detail": detail} with `status`.
HttpResponse JsonError(int status, std::string_view error, std::string_view detail);

}  // namespace vx11
