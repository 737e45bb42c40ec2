#include "read_header.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/read_size.hpp>

namespace vx11 {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

asio::awaitable<beast::error_code> ReadHeader(asio::ip::tcp::socket& socket, beast::flat_buffer& buffer,
                                              http_framing::Parser& parser) {
  beast::error_code ec;
  for (;;) {
    if (buffer.size() > 0) {
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (!ec && parser.is_header_done()) co_return ec;
      if (ec && ec != http::error::need_more) co_return ec;
      ec = {};
      if (used > 0 && buffer.size() > 0) continue;  // it stopped between parts
    }
    const size_t size = beast::read_size(buffer, 65536);
    if (size == 0) co_return http::error::buffer_overflow;
    auto [rec, n] = co_await socket.async_read_some(buffer.prepare(size),
                                                    asio::as_tuple(asio::use_awaitable));
    if (rec == asio::error::eof) {
      // As Beast: a connection closed part-way through a header is a partial message.
      if (!parser.got_some()) co_return http::error::end_of_stream;
      parser.put_eof(ec);
      co_return ec;
    }
    if (rec) co_return rec;
    buffer.commit(n);
  }
}

}  // namespace vx11
