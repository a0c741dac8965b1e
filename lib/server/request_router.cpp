#include "server/request_router.hpp"

#include <fmt/format.h>

#include "sources/source_emitter.hpp"
#include "util/json_writer.hpp"
#include "util/log_text.hpp"
#include "util/time_format.hpp"
#include "hub/output.hpp"

namespace sb {

namespace {

// "login": {"state", "verificationUri", "userCode", "expiresAt", "error"} for a source the
// daemon can log in (state "none" until a login was started).
void write_login(JsonWriter& w, const Source& source) {
  if (source.login_service().empty()) return;
  const SourceLogin& login = source.login();
  w.key("login").begin_object().field("state", to_string(login.state));
  if (!login.verification_uri.empty()) w.field("verificationUri", std::string_view(login.verification_uri));
  if (!login.user_code.empty()) w.field("userCode", std::string_view(login.user_code));
  if (login.expires_at_ms > 0 && login.state == SourceLogin::State::waiting) {
    w.key("expiresAt");
    w.string(format_iso8601_ms(login.expires_at_ms));
  }
  if (!login.error.empty()) w.field("error", std::string_view(login.error));
  w.end_object();
}

}  // namespace

bool RequestRouter::start_login(std::string_view service, std::string_view name, std::string& result_json,
                                std::string& error) {
  Source* source = nullptr;
  for (const auto& s : sources_)
    if (s->login_service() == service && (name.empty() || s->name() == name)) {
      source = s.get();
      break;
    }
  if (!source) {
    error = name.empty() ? fmt::format("no {} source is configured", service)
                         : fmt::format("no {} source named \"{}\"", service, log_text(name, 120));
    return false;
  }
  error = source->start_login();
  if (!error.empty()) return false;
  JsonWriter w(result_json);
  w.begin_object().field("source", source->name());
  write_login(w, *source);
  w.end_object();
  return true;
}

std::string RequestRouter::status_json() const {
  std::string result;
  JsonWriter w(result);
  w.begin_object().key("sources").begin_array();
  for (const auto& source : sources_) {
    const SourceStatus& s = source->status();
    w.begin_object().field("name", source->name()).field("state", to_string(s.state));
    if (!s.reason.empty()) w.field("reason", std::string_view(s.reason));
    if (s.attempt > 0) w.field("attempt", std::int64_t{s.attempt});
    if (s.next_retry.count() > 0) w.field("nextRetryMs", static_cast<std::int64_t>(s.next_retry.count()));
    w.key("since");
    w.string(format_iso8601_ms(s.since_ms));
    const SourceEmitter& e = source->emitter();
    if (e.last_event_ms() > 0) {
      w.key("lastEventAt");
      w.string(format_iso8601_ms(e.last_event_ms()));
    }
    write_login(w, *source);
    w.key("counters").begin_object();
    w.field("events", static_cast<std::int64_t>(e.emitted()));
    w.field("filtered", static_cast<std::int64_t>(e.filtered()));
    w.field("ignored", static_cast<std::int64_t>(e.ignored()));
    w.field("malformed", static_cast<std::int64_t>(e.malformed()));
    w.field("oversized", static_cast<std::int64_t>(e.oversized()));
    w.field("connections", static_cast<std::int64_t>(e.status().connections()));
    w.field("reconnects", static_cast<std::int64_t>(e.status().reconnects()));
    w.end_object();
    w.end_object();
  }
  w.end_array();
  w.key("dedup").begin_object();
  w.field("published", static_cast<std::int64_t>(dedup_.published));
  w.key("dropped").begin_object();
  w.field("same_id", static_cast<std::int64_t>(dedup_.same_id));
  w.field("same_event", static_cast<std::int64_t>(dedup_.same_event));
  w.end_object();
  w.key("droppedBySource").begin_object();
  for (const auto& [source, n] : dedup_.dropped_by_source) w.field(source, static_cast<std::int64_t>(n));
  w.end_object();
  w.field("bundlesComplete", static_cast<std::int64_t>(dedup_.bundles_complete));
  w.field("bundlesPartial", static_cast<std::int64_t>(dedup_.bundles_partial));
  w.field("evicted", static_cast<std::int64_t>(dedup_.evicted));
  w.end_object();
  w.key("outputs").begin_array();
  for (const OutputLink* output : outputs_) {
    const SourceStatus& s = output->status().current();
    w.begin_object().field("name", std::string_view(output->name())).field("type", output->type());
    w.field("state", to_string(s.state));
    if (!s.reason.empty()) w.field("reason", std::string_view(s.reason));
    w.key("since").string(format_iso8601_ms(s.since_ms));
    w.key("counters").begin_object();
    w.field("published", static_cast<std::int64_t>(output->published()));
    w.field("dropped", static_cast<std::int64_t>(output->dropped()));
    w.field("queued", static_cast<std::int64_t>(output->queued()));
    w.end_object().end_object();
  }
  w.end_array();
  w.end_object();
  return result;
}

std::string RequestRouter::unhealthy_reason() const {
  if (sources_.empty()) return {};
  std::string reasons;
  for (const auto& source : sources_) {
    const SourceStatus& s = source->status();
    if (s.state != SourceState::error) return {};
    reasons += fmt::format("source \"{}\": {}\n", source->name(), s.reason);
  }
  return "every source is in error\n" + reasons;
}

void RequestRouter::handle(const LocalRequest& request, LocalReply reply) {
  if (request.type == "ping") {
    std::string result;
    JsonWriter(result).begin_object().field("time", system_now_ms()).end_object();
    return reply(make_ok_response(request, result));
  }
  if (request.type == "status") return reply(make_ok_response(request, status_json()));
  if (request.type == "velora.getRewards") {
    Source* velora = nullptr;
    for (const auto& source : sources_) {
      if (source->lists_rewards() && (request.source.empty() || source->name() == request.source)) {
        velora = source.get();
        break;
      }
    }
    if (!velora)
      return reply(make_error_response(request, request.source.empty()
                                                    ? std::string("no Velora source is configured")
                                                    : fmt::format("no Velora source named \"{}\"", request.source)));
    std::string name(velora->name());
    velora->get_rewards([request, reply, name](RewardsResult r) {
      if (!r.ok) return reply(make_error_response(request, r.error));
      std::string result;
      JsonWriter w(result);
      w.begin_object().field("source", std::string_view(name)).field("via", std::string_view(r.via));
      w.key("rewards").raw(r.json).end_object();
      reply(make_ok_response(request, result));
    });
    return;
  }
  if (request.type == "twitch.login") {
    std::string result, error;
    if (!start_login("twitch", request.source, result, error)) return reply(make_error_response(request, error));
    return reply(make_ok_response(request, result));
  }
  reply(make_error_response(request, fmt::format("unknown request type \"{}\"", request.type)));
}

}  // namespace sb
