#include "sse/sse_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/http_stream.hpp"
#include "net/reconnect_loop.hpp"
#include "util/log_failure.hpp"
#include "util/steady_time.hpp"

namespace sb {

namespace asio = boost::asio;
using Millis = std::chrono::milliseconds;

namespace {

// final: 204, the server asks not to reconnect.
using Outcome = AttemptEnd;

}  // namespace

struct SseClient::Impl : std::enable_shared_from_this<SseClient::Impl>, SseParser::Handler {
  Impl(asio::any_io_executor ex, SseClientOptions o, SseClient::Handler& h)
      : executor(std::move(ex)),
        options(std::move(o)),
        handler(&h),
        retry_timer(executor),
        parser(*this, options.limits) {}

  asio::any_io_executor executor;
  SseClientOptions options;
  SseClient::Handler* handler;
  asio::steady_timer retry_timer;
  SseParser parser;
  ReconnectMachine machine;
  std::shared_ptr<HttpStream> current;
  bool running = false;

  // --- SseParser::Handler
  void on_event(const SseEvent& event) override {
    if (handler) handler->on_event(event);
  }
  void on_retry(std::uint64_t ms) override {
    machine.set_network_first(Millis{static_cast<std::int64_t>(std::min<std::uint64_t>(ms, 30'000))});
  }
  void on_dropped(std::string_view reason) override {
    spdlog::warn("source \"{}\": SSE event dropped: {}; the stream is kept", options.log_name, reason);
    if (handler) handler->on_oversized();
  }

  asio::awaitable<Outcome> attempt() {
    auto stream = std::make_shared<HttpStream>(executor);
    current = stream;
    HttpStreamRequest request;
    request.url = options.url;
    request.target = options.target;
    request.headers = options.headers;
    request.headers.emplace_back("Accept", "text/event-stream");
    request.headers.emplace_back("Cache-Control", "no-cache");
    if (!parser.last_event_id().empty()) request.headers.emplace_back("Last-Event-ID", parser.last_event_id());
    request.ca_file = options.ca_file;
    request.connect_timeout = options.connect_timeout;
    request.idle_timeout = options.idle_timeout;
    const HttpStreamHead head = co_await stream->open(request);
    Outcome o;
    if (!head.ok()) {
      o.kind = head.untrusted_peer ? FailureKind::auth : FailureKind::network;
      o.reason = head.error;
      co_return o;
    }
    if (head.status == 204) {
      o.final = true;
      o.reason = fmt::format("{} answered 204 No Content: the server asks not to reconnect", options.url.authority());
      co_return o;
    }
    if (head.status != 200) {
      const std::string body = co_await stream->read_body_snippet(200);
      // 4xx will not heal by retrying at network pace (except timeouts and rate limits).
      const bool client_error = head.status >= 400 && head.status < 500 && head.status != 408 && head.status != 429;
      o.kind = client_error ? FailureKind::auth : FailureKind::network;
      o.reason =
          fmt::format("{} answered HTTP {}{}{}", options.url.authority(), head.status, body.empty() ? "" : ": ", body);
      co_return o;
    }
    const std::string_view type = std::string_view(head.content_type).substr(0, head.content_type.find(';'));
    if (type != "text/event-stream") {
      o.kind = FailureKind::auth;
      o.reason = fmt::format("{} answered with content type \"{}\", not text/event-stream (is the url right?)",
                             options.url.authority(), head.content_type);
      co_return o;
    }
    parser.restart();
    if (handler) handler->on_open();
    std::string_view chunk;
    for (;;) {
      const auto ec = co_await stream->read_some(chunk);
      if (!chunk.empty()) parser.feed(chunk);
      if (!running) break;
      if (ec) {
        parser.end();
        o.reason = ec == asio::error::eof ? std::string("the server ended the stream")
                   : HttpStream::is_timeout(ec)
                       ? fmt::format("no data for {} s: the stream is dead", options.idle_timeout.count() / 1000)
                       : fmt::format("stream lost: {}", ec.message());
        co_return o;
      }
    }
    o.reason = "stopped";
    co_return o;
  }

  asio::awaitable<Outcome> connect_once(int attempt_no) {
    if (handler) handler->on_connecting(attempt_no);
    Outcome outcome = co_await attempt();
    current.reset();
    co_return outcome;
  }

  asio::awaitable<void> run() {
    const auto keep_going = [this] { return running; };
    const auto attempt = [this](int attempt_no) { return connect_once(attempt_no); };
    const auto retrying = [this](const Outcome& end, int failures, Millis delay) {
      if (handler) handler->on_disconnected(end.reason, end.kind, failures, delay);
    };
    const Outcome last = co_await run_reconnecting(machine, retry_timer, keep_going, attempt, retrying);
    if (running && last.final) {
      running = false;
      if (handler) handler->on_stopped(last.reason);
    }
  }
};

SseClient::SseClient(asio::any_io_executor executor, SseClientOptions options, Handler& handler)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), handler)) {}

SseClient::~SseClient() {
  impl_->handler = nullptr;
  stop();
}

void SseClient::start() {
  if (impl_->running) return;
  impl_->running = true;
  asio::co_spawn(
      impl_->executor, [self = impl_]() { return self->run(); },
      log_failure(fmt::format("source \"{}\": SSE client failed", impl_->options.log_name)));
}

void SseClient::stop() {
  impl_->running = false;
  impl_->machine.stop();
  impl_->retry_timer.cancel();
  if (impl_->current) impl_->current->abort();
}

void SseClient::established() { impl_->machine.established(steady_now()); }

const std::string& SseClient::last_event_id() const { return impl_->parser.last_event_id(); }

}  // namespace sb
