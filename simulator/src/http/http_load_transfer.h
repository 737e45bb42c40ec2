#pragma once
// HttpLoad's record of one request or stream, shared by its two files: http_load.cc (the
// queues, streams and the pump) and http_load_curl.cc (the libcurl side). Private to the http
// library.

#include <curl/curl.h>

#include <cstdint>
#include <string>

#include "tokensim/http_load.h"

namespace tokensim {

struct HttpLoad::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string url;
  std::string auth_header;
  std::string method;
  HttpOutcome outcome;
  bool is_stream = false;
  bool close_after_ready = false;
  bool ready = false;
  bool started = false;
  uint64_t stream_id = 0;
  RequestDone done;
  StreamOpened opened;
  HttpLoad* owner = nullptr;
};

}  // namespace tokensim
