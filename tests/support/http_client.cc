#include "http_client.h"

#include <nlohmann/json.hpp>

namespace vx11::testing {
namespace {

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t AppendHeader(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (!line.empty()) static_cast<std::vector<std::string>*>(out)->push_back(line);
  return size * n;
}

struct StreamState {
  std::string received;
  const std::function<bool(const std::string&)>* on_data;
};

size_t StreamChunk(char* data, size_t size, size_t n, void* p) {
  auto* state = static_cast<StreamState*>(p);
  state->received.append(data, size * n);
  // Returning a short count makes curl abort the transfer: the reader has what it needs.
  return (*state->on_data)(state->received) ? 0 : size * n;
}

}  // namespace

std::string Response::Header(const std::string& name) const {
  const std::string prefix = name + ":";
  for (const auto& h : headers) {
    if (strncasecmp(h.c_str(), prefix.c_str(), prefix.size()) == 0) {
      size_t start = prefix.size();
      while (start < h.size() && h[start] == ' ') ++start;
      return h.substr(start);
    }
  }
  return "";
}

HttpClient::HttpClient(std::string base_url) : base_(std::move(base_url)), curl_(curl_easy_init()) {}

HttpClient::~HttpClient() { curl_easy_cleanup(curl_); }

Response HttpClient::Get(const std::string& path, const std::string& bearer) {
  return Request("GET", path, "", bearer);
}

Response HttpClient::Post(const std::string& path, const std::string& body,
                          const std::string& bearer) {
  return Request("POST", path, body, bearer);
}

Response HttpClient::Request(const std::string& method, const std::string& path,
                             const std::string& body, const std::string& bearer) {
  Response r;
  curl_easy_reset(curl_);
  const std::string url = base_ + path;
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST" || !body.empty()) {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_slist* headers = nullptr;
  const std::string auth = "Authorization: Bearer " + bearer;
  if (!bearer.empty()) headers = curl_slist_append(headers, auth.c_str());
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, AppendHeader);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 20L);
  if (curl_easy_perform(curl_) == CURLE_OK) {
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
  }
  curl_slist_free_all(headers);
  return r;
}

long HttpClient::Stream(const std::string& path, const std::string& bearer,
                        const std::function<bool(const std::string&)>& on_data,
                        std::string* received) {
  curl_easy_reset(curl_);
  const std::string url = base_ + path;
  StreamState state{"", &on_data};
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_slist* headers = nullptr;
  const std::string auth = "Authorization: Bearer " + bearer;
  if (!bearer.empty()) headers = curl_slist_append(headers, auth.c_str());
  headers = curl_slist_append(headers, "Accept: text/event-stream");
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, StreamChunk);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 20L);
  curl_easy_perform(curl_);
  long status = 0;
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (received != nullptr) *received = state.received;
  return status;
}

std::string IssueToken(HttpClient& client, const std::string& principal) {
  const Response r = client.Post("/operator/api/events/sse-token", "", principal);
  if (r.status != 200) return "";
  return nlohmann::json::parse(r.body).value("token", "");
}

}  // namespace vx11::testing
