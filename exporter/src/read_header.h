#pragma once
// Reading a request's header off a connection. Private to the server library.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "http_framing.h"

namespace vx11 {

// What http::async_read_header does, with Beast's parser fed from `buffer` here: a request
// that is in the buffer already (nearly every one on a keep-alive connection) is parsed
// without a composed operation and its posted completion, which cost more than the parse.
// Same errors and limits: the parser's. The caller times the reads (SocketDeadline).
// Runs on the socket's executor; `socket`, `buffer` and `parser` outlive the call.
boost::asio::awaitable<boost::beast::error_code> ReadHeader(boost::asio::ip::tcp::socket& socket,
                                                            boost::beast::flat_buffer& buffer,
                                                            http_framing::Parser& parser);

}  // namespace vx11
