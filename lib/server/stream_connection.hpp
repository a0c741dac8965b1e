#pragma once
// One streaming client (/ws or /events) after its HTTP request (stream_connection.cpp).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

namespace sb {

class ClientSession;
class FlushScheduler;

// Writes `head` (the 101 or SSE response head), then runs the client until it or the daemon
// ends it. `pending`: bytes the client sent right after its request.
boost::asio::awaitable<void> run_stream_connection(std::shared_ptr<ClientSession> session,
                                                   boost::asio::ip::tcp::socket socket, std::string head,
                                                   std::string pending, std::shared_ptr<FlushScheduler> flusher);

}  // namespace sb
