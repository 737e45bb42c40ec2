#pragma once
// A small blocking HTTP client for tests (libcurl easy), including a Server-Sent-Events
// reader that stops as soon as the caller has seen what it waits for. Not thread-safe: one
// per thread.

#include <curl/curl.h>

#include <functional>
#include <string>
#include <vector>

namespace vx11::testing {

struct Response {
  long status = 0;
  std::string body;
  std::vector<std::string> headers;  // "Name: value" lines
  std::string Header(const std::string& name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Response Get(const std::string& path, const std::string& bearer = "");
  Response Post(const std::string& path, const std::string& body, const std::string& bearer = "");
  Response Request(const std::string& method, const std::string& path, const std::string& body,
                   const std::string& bearer);

  // Opens `path` as an event stream and feeds every received chunk to `on_data` with all
  // bytes so far; stops when it returns true (or the server closes). Returns the status.
  long Stream(const std::string& path, const std::string& bearer,
              const std::function<bool(const std::string& so_far)>& on_data,
              std::string* received = nullptr);

 private:
  std::string base_;
  CURL* curl_;
};

// POSTs for an ephemeral token and returns it ("" on failure).
std::string IssueToken(HttpClient& client, const std::string& principal);

}  // namespace vx11::testing
