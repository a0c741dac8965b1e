#include "net/http_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "net/upstream_transport.hpp"

namespace sb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

struct HttpStream::Impl {
  explicit Impl(asio::any_io_executor ex) : executor(std::move(ex)) {}

  asio::any_io_executor executor;
  UpstreamTransport transport;
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  std::array<char, 16 * 1024> chunk{};
  std::chrono::milliseconds idle_timeout{0};

  beast::tcp_stream& tcp() { return transport.tcp(); }

  template <class Stream>
  asio::awaitable<HttpStreamHead> request(Stream& stream, const HttpStreamRequest& r) {
    HttpStreamHead head;
    http::request<http::empty_body> req{http::verb::get, r.target, 11};
    req.set(http::field::host, r.url.authority());
    req.set(http::field::user_agent, "streambridge");
    for (const auto& [name, value] : r.headers) req.set(name, value);
    auto [wec, wn] = co_await http::async_write(stream, req, kAwait);
    if (wec) {
      head.ec = wec;
      head.error = fmt::format("sending the request to {} failed: {}", r.url.authority(), wec.message());
      co_return head;
    }
    parser.body_limit(boost::none);  // a stream has no end; each read is bounded by `chunk`
    auto [rec, rn] = co_await http::async_read_header(stream, buffer, parser, kAwait);
    if (rec) {
      head.ec = rec;
      head.error = rec == beast::error::timeout
                       ? fmt::format("no response from {} within {} ms", r.url.authority(), r.connect_timeout.count())
                       : fmt::format("reading the response of {} failed: {}", r.url.authority(), rec.message());
      co_return head;
    }
    const auto& res = parser.get();
    head.status = static_cast<int>(res.result_int());
    head.content_type = std::string(res[http::field::content_type]);
    head.retry_after = std::string(res[http::field::retry_after]);
    co_return head;
  }

  asio::awaitable<HttpStreamHead> open(const HttpStreamRequest& r) {
    HttpStreamHead head;
    idle_timeout = r.idle_timeout;
    const UpstreamConnectError failed =
        co_await connect_upstream(executor, r.url, r.ca_file, r.connect_timeout, transport);
    if (failed) {
      head.ec = failed.ec;
      head.error = failed.message;
      head.untrusted_peer = failed.untrusted_peer;
      co_return head;
    }
    if (transport.tls) co_return co_await request(*transport.tls, r);
    co_return co_await request(*transport.plain, r);
  }

  template <class Stream>
  asio::awaitable<error_code> read_some(Stream& stream, std::string_view& out) {
    if (parser.is_done()) co_return asio::error::eof;
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    if (idle_timeout.count() > 0) tcp().expires_after(idle_timeout);
    else tcp().expires_never();
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, kAwait);
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) ec = asio::error::eof;
    const std::size_t got = chunk.size() - parser.get().body().size;
    out = std::string_view(chunk.data(), got);
    if (!ec && got == 0 && parser.is_done()) ec = asio::error::eof;
    co_return ec;
  }
};

HttpStream::HttpStream(asio::any_io_executor executor) : impl_(std::make_unique<Impl>(std::move(executor))) {}
HttpStream::~HttpStream() = default;

asio::awaitable<HttpStreamHead> HttpStream::open(const HttpStreamRequest& request) {
  co_return co_await impl_->open(request);
}

asio::awaitable<error_code> HttpStream::read_some(std::string_view& chunk) {
  if (impl_->transport.tls) co_return co_await impl_->read_some(*impl_->transport.tls, chunk);
  if (impl_->transport.plain) co_return co_await impl_->read_some(*impl_->transport.plain, chunk);
  co_return asio::error::not_connected;
}

asio::awaitable<std::string> HttpStream::read_body_snippet(std::size_t limit) {
  std::string body;
  std::string_view piece;
  impl_->idle_timeout = std::chrono::milliseconds{2000};
  while (body.size() < limit) {
    const auto ec = co_await read_some(piece);
    body.append(piece.substr(0, limit - body.size()));
    if (ec) break;
  }
  for (char& c : body)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  co_return body;
}

void HttpStream::abort() { impl_->transport.close(); }

bool HttpStream::is_timeout(const error_code& ec) { return ec == beast::error::timeout; }

}  // namespace sb
