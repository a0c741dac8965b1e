#include "sources/velora/velora_rewards.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "net/http_get.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace sb {

RewardsResult rewards_from_json(std::string_view json, std::string_view via) {
  JsonReader reader;
  std::string error;
  const JsonNode* root = reader.parse(json, error);
  const JsonNode* items = root && root->is_array ? root : root ? root->array("items") : nullptr;
  if (!items) return {false, {}, fmt::format("rewards via {}: no array of rewards", via), std::string(via)};
  RewardsResult result{true, {}, {}, std::string(via)};
  JsonWriter w(result.json);
  write_json_value(w, JsonValue{JsonType::array, {}, items});
  return result;
}

void fetch_velora_rewards(boost::asio::io_context& io, const SourceConfig& config, const std::string& channel_id,
                          std::string context, std::weak_ptr<bool> alive, RewardsCallback done) {
  const std::string prefix = context.empty() ? std::string() : context + "; ";
  if (channel_id.empty()) return done({false, {}, prefix + "no channel id known for the REST endpoint", "rest"});
  const auto& settings = std::get<VeloraSettings>(config.settings);
  std::string error;
  auto url = parse_url(settings.url, error);
  if (!url) return done({false, {}, prefix + error, "rest"});
  url->scheme = url->secure() ? "https" : "http";
  const std::string target = fmt::format("/api/channel-points/{}/items/with-built-in", url_encode(channel_id));
  spdlog::info("source \"{}\": asking the REST endpoint for the channel point rewards", config.name);
  boost::asio::co_spawn(io, http_get(io.get_executor(), *url, target, settings.ca_file),
                        [alive, prefix, done = std::move(done)](std::exception_ptr e, HttpGetResult r) {
                          if (alive.expired()) return;
                          if (e) r.error = "internal error";
                          if (!r.ok) return done({false, {}, prefix + "REST: " + r.error, "rest"});
                          if (r.status != 200)
                            return done({false, {}, fmt::format("{}REST: HTTP {}", prefix, r.status), "rest"});
                          RewardsResult result = rewards_from_json(r.body, "rest");
                          if (!result.ok) result.error = prefix + result.error;
                          done(std::move(result));
                        });
}

}  // namespace sb
