#include "publish/local_server.hpp"
#include "publish/local_request.hpp"
#include "util/log_failure.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <optional>
#include <unordered_set>

#include "hub/event_filter.hpp"
#include "hub/hub.hpp"
#include "publish/access_policy.hpp"
#include "publish/client_queue.hpp"
#include "util/json_writer.hpp"

namespace sb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr int kProtocolVersion = 1;
constexpr std::size_t kMaxClientMessage = 64 * 1024;

class WsSession;

struct LocalServer::Impl : std::enable_shared_from_this<LocalServer::Impl> {
  asio::io_context& io;
  const ServerConfig& config;
  Hub& hub;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  std::unordered_set<WsSession*> sessions;
  LocalRequestHandler request_handler;
  std::function<std::string()> status_json;
  std::function<std::string()> unhealthy_reason;
  bool stopping = false;

  Impl(asio::io_context& io_, const ServerConfig& config_, Hub& hub_)
      : io(io_), config(config_), hub(hub_), acceptor(io_) {}

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(tcp::socket socket);
  asio::awaitable<void> reply(beast::tcp_stream& stream, http::status status, std::string_view content_type,
                              std::string body);
};

class WsSession final : public EventSubscriber, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(std::shared_ptr<LocalServer::Impl> server, beast::tcp_stream&& stream, EventFilter filter,
            std::optional<std::uint64_t> since, std::string peer)
      : since_(since),
        server_(std::move(server)),
        ws_(std::move(stream)),
        wake_(ws_.get_executor()),
        queue_(server_->config.client_queue),
        filter_(std::move(filter)),
        peer_(std::move(peer)) {}

  ~WsSession() { detach(); }

  asio::awaitable<void> run(http::request<http::string_body> request) {
    beast::get_lowest_layer(ws_).expires_never();  // websocket timeouts take over
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "streambridge/" STREAMBRIDGE_VERSION); }));
    ws_.read_message_max(kMaxClientMessage);
    auto [ec] = co_await ws_.async_accept(request, use_tuple);
    if (ec) {
      spdlog::debug("local client {}: websocket handshake failed: {}", peer_, ec.message());
      co_return;
    }
    server_->sessions.insert(this);
    queue_.push_control(hello_message());
    // Replay and subscribe in one reactor step: no event can slip between them.
    if (since_) replay_history(*since_);
    server_->hub.subscribe(this);
    attached_ = true;
    spdlog::info("local client {} connected ({} now)", peer_, server_->sessions.size());
    asio::co_spawn(ws_.get_executor(), writer(shared_from_this()), log_failure("local client writer"));
    co_await reader();
    detach();
    spdlog::info("local client {} disconnected ({} left)", peer_, server_->sessions.size());
  }

  void on_event(const PublishedEventPtr& event) override {
    if (!filter_.matches(event->event)) return;
    const auto dropped_before = queue_.dropped_events();
    queue_.push_event(event);
    if (queue_.dropped_events() > dropped_before && !overflow_reported_) {
      overflow_reported_ = true;
      spdlog::warn("local client {} is not reading fast enough: its queue is full from seq {}; it will get a gap",
                   peer_, event->event.seq);
    }
    wake_.cancel();
  }

  // Every retained event after `since`; a gap first if some of them are no longer retained.
  void replay_history(std::uint64_t since) {
    const auto& history = server_->hub.history();
    const std::uint64_t oldest = history.empty() ? server_->hub.last_seq() + 1 : history.front()->event.seq;
    if (since + 1 < oldest)
      queue_.push_control(make_gap_message(since + 1, oldest - 1, oldest - 1 - since, "history"));
    for (const auto& event : history)
      if (event->event.seq > since && filter_.matches(event->event)) queue_.push_event(event);
  }

  // Server shutdown: the writer sends the close frame after its current write.
  void close() {
    closing_ = true;
    wake_.cancel();
  }

 private:
  std::string hello_message() const {
    std::string out;
    JsonWriter w(out);
    w.begin_object().field("op", "hello").key("d").begin_object();
    w.field("protocol", std::int64_t{kProtocolVersion});
    w.field("daemon", "streambridge").field("version", STREAMBRIDGE_VERSION);
    w.field("seq", static_cast<std::int64_t>(server_->hub.last_seq()));
    w.field("auth", !server_->config.token.empty());
    w.key("filter").begin_object();
    w.key("kinds").begin_array();
    for (auto name : all_kind_names())
      if (filter_.kinds.contains(*kind_from_string(name))) w.string(name);
    w.end_array();
    w.key("sources").begin_array();
    for (const auto& s : filter_.sources) w.string(s);
    w.end_array();
    w.field("test", filter_.test == EventFilter::TestEvents::include   ? "1"
                    : filter_.test == EventFilter::TestEvents::exclude ? "0"
                                                                       : "only");
    w.field("chat", filter_.chat);
    w.end_object();
    w.end_object().end_object();
    return out;
  }

  asio::awaitable<void> reader() {
    beast::flat_buffer buffer;
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buffer, use_tuple);
      if (ec) {
        if (ec != websocket::error::closed && ec != asio::error::operation_aborted)
          spdlog::debug("local client {}: read ended: {}", peer_, ec.message());
        co_return;
      }
      const std::string_view text(static_cast<const char*>(buffer.data().data()), buffer.size());
      on_client_message(text);
      buffer.consume(n);
    }
  }

  // Requests get a response with their id; other ops are ignored (later protocol versions may
  // add some), garbage is answered with an error response.
  void on_client_message(std::string_view text) {
    LocalRequest request;
    std::string error;
    switch (parse_local_message(text, request, error)) {
      case LocalMessageKind::other: return;
      case LocalMessageKind::malformed:
        spdlog::debug("local client {}: bad message: {}", peer_, error);
        reply(make_error_response(request, error));
        return;
      case LocalMessageKind::request: break;
    }
    if (!server_->request_handler) return reply(make_error_response(request, "requests are not available"));
    server_->request_handler(request, [weak = weak_from_this()](std::string message) {
      if (auto self = weak.lock()) self->reply(std::move(message));
    });
  }

  void reply(std::string message) {
    if (detached_ || closing_) return;
    queue_.push_control(std::move(message));
    wake_.cancel();
  }

  // `self` keeps the session alive while the writer runs.
  asio::awaitable<void> writer([[maybe_unused]] std::shared_ptr<WsSession> self) {
    while (!detached_) {
      if (closing_) {
        // The reader sees the peer's answer (or the socket closing) and ends the session.
        co_await ws_.async_close(websocket::close_reason(websocket::close_code::going_away, "server shutting down"),
                                 use_tuple);
        co_return;
      }
      if (queue_.empty()) {
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(use_tuple);
        continue;
      }
      const std::string_view message = queue_.front();
      auto [ec, n] = co_await ws_.async_write(asio::buffer(message.data(), message.size()), use_tuple);
      if (ec) {
        spdlog::debug("local client {}: write failed: {}", peer_, ec.message());
        error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);  // ends the reader too
        co_return;
      }
      queue_.pop();
    }
  }

  void detach() {
    if (detached_) return;
    detached_ = true;
    wake_.cancel();
    if (attached_) {
      server_->hub.unsubscribe(this);
      server_->sessions.erase(this);
      if (queue_.dropped_events() > 0)
        spdlog::warn("local client {}: {} events did not fit its queue ({} gaps reported)", peer_,
                     queue_.dropped_events(), queue_.gaps_sent());
    }
  }

  std::optional<std::uint64_t> since_;
  std::shared_ptr<LocalServer::Impl> server_;
  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer wake_;
  ClientQueue queue_;
  EventFilter filter_;
  std::string peer_;
  bool attached_ = false;
  bool detached_ = false;
  bool closing_ = false;
  bool overflow_reported_ = false;  // once per session: a slow client must not flood the log
};

asio::awaitable<void> LocalServer::Impl::accept_loop() {
  auto self = shared_from_this();
  while (!stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      spdlog::warn("local server: accept failed: {}", ec.message());
      continue;
    }
    asio::co_spawn(io, serve(std::move(socket)), log_failure("local connection"));
  }
}

asio::awaitable<void> LocalServer::Impl::reply(beast::tcp_stream& stream, http::status status,
                                               std::string_view content_type, std::string body) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::server, "streambridge/" STREAMBRIDGE_VERSION);
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(false);
  res.body() = std::move(body);
  res.prepare_payload();
  co_await http::async_write(stream, res, use_tuple);
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> LocalServer::Impl::serve(tcp::socket socket) {
  auto self = shared_from_this();
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  const std::string peer = ec ? "?" : fmt::format("{}:{}", remote.address().to_string(), remote.port());

  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(kMaxClientMessage);
  stream.expires_after(std::chrono::seconds(30));
  auto [read_ec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
  if (read_ec) {
    spdlog::debug("local connection {}: bad or incomplete request: {}", peer, read_ec.message());
    co_return;
  }
  http::request<http::string_body> request = parser.release();

  const auto target = boost::urls::parse_origin_form(request.target());
  if (!target) {
    co_await reply(stream, http::status::bad_request, "text/plain", "bad request target\n");
    co_return;
  }
  const std::string path = target->path();
  std::string query_token;
  for (const auto& param : target->params())
    if (param.key == "token") query_token = param.value;

  const std::string_view origin = request[http::field::origin];
  if (!origin_allowed(origin, config, port)) {
    spdlog::warn("local connection {}: refused browser origin \"{}\" (add it to [server] allowed_origins to allow)",
                 peer, origin);
    co_await reply(stream, http::status::forbidden, "text/plain", "origin not allowed\n");
    co_return;
  }
  if (path == "/healthz") {
    // 200 while the reactor runs, 503 with the reasons when every source is in error.
    // Plain locals, not conditional temporaries, as co_await arguments: GCC 12 mis-destroys
    // the latter in coroutines (a double free).
    std::string body = unhealthy_reason ? unhealthy_reason() : std::string();
    const auto status = body.empty() ? http::status::ok : http::status::service_unavailable;
    if (body.empty()) body = "ok\n";
    co_await reply(stream, status, "text/plain", std::move(body));
    co_return;
  }
  if (path != "/ws" && path != "/status") {
    co_await reply(stream, http::status::not_found, "text/plain", "not found; events are at /ws\n");
    co_return;
  }
  if (!token_accepted(query_token, request[http::field::authorization], config.token)) {
    spdlog::warn("local connection {}: missing or wrong token", peer);
    co_await reply(stream, http::status::unauthorized, "text/plain", "token required\n");
    co_return;
  }
  if (path == "/status") {
    std::string body = status_json ? status_json() : std::string("{}");
    body.push_back('\n');
    co_await reply(stream, http::status::ok, "application/json", std::move(body));
    co_return;
  }
  if (!websocket::is_upgrade(request)) {
    co_await reply(stream, http::status::upgrade_required, "text/plain", "/ws is a WebSocket endpoint\n");
    co_return;
  }
  EventFilter filter;
  std::optional<std::uint64_t> since;
  std::string filter_error;
  for (const auto& param : target->params()) {
    if (param.key == "since") {
      std::uint64_t value = 0;
      const auto [end, ec] = std::from_chars(param.value.data(), param.value.data() + param.value.size(), value);
      if (ec != std::errc{} || end != param.value.data() + param.value.size()) {
        co_await reply(stream, http::status::bad_request, "text/plain", "since must be a sequence number\n");
        co_return;
      }
      since = value;
    } else if (!filter.apply(param.key, param.value, filter_error)) {
      co_await reply(stream, http::status::bad_request, "text/plain", fmt::format("bad filter: {}\n", filter_error));
      co_return;
    }
  }
  auto session = std::make_shared<WsSession>(self, std::move(stream), std::move(filter), since, peer);
  co_await session->run(std::move(request));
}

LocalServer::LocalServer(asio::io_context& io, const ServerConfig& config, Hub& hub)
    : impl_(std::make_shared<Impl>(io, config, hub)) {}

LocalServer::~LocalServer() {
  for (WsSession* session : impl_->sessions) session->close();
}

bool LocalServer::start(std::string& error) {
  error_code ec;
  const auto address = asio::ip::make_address(impl_->config.bind, ec);
  if (ec) {
    error = fmt::format("[server] bind: \"{}\" is not an IP address", impl_->config.bind);
    return false;
  }
  const tcp::endpoint endpoint(address, impl_->config.port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) impl_->port = acceptor.local_endpoint(ec).port();
  if (ec) {
    error = fmt::format("cannot listen on {}:{}: {}", impl_->config.bind, impl_->config.port, ec.message());
    return false;
  }
  spdlog::info("local API listening on http://{}:{} (WebSocket at /ws)",
               address.is_v6() ? fmt::format("[{}]", impl_->config.bind) : impl_->config.bind, impl_->port);
  asio::co_spawn(impl_->io, impl_->accept_loop(), log_failure("local server accept loop"));
  return true;
}

std::uint16_t LocalServer::port() const { return impl_->port; }

void LocalServer::set_request_handler(LocalRequestHandler handler) { impl_->request_handler = std::move(handler); }
void LocalServer::set_status_provider(std::function<std::string()> status_json) {
  impl_->status_json = std::move(status_json);
}
void LocalServer::set_health_check(std::function<std::string()> unhealthy_reason) {
  impl_->unhealthy_reason = std::move(unhealthy_reason);
}

void LocalServer::stop() {
  impl_->stopping = true;
  error_code ignored;
  impl_->acceptor.close(ignored);
  for (WsSession* session : impl_->sessions) session->close();
}

std::size_t LocalServer::client_count() const { return impl_->sessions.size(); }

}  // namespace sb
