#pragma once
// The endpoint a `--web.listen-address` names. Private to the server library.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace vx11 {

// ":8011" (every interface), "127.0.0.1:0", "localhost:8011", "[::1]:8011". Throws
// std::runtime_error naming the address and what is wrong with it.
boost::asio::ip::tcp::endpoint ResolveListenAddress(boost::asio::io_context& ctx,
                                                    const std::string& address);

}  // namespace vx11
