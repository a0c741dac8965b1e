// The event reader: another streambridge's events as they arrive over MQTT (event_from_json).
// Checks: an event read writes back as one line of JSON that passes the schema checks (status
// events' data aside), and reading that again gives the same bytes (reader and writer agree).
#include <string>

#include "event/event_json.hpp"
#include "event/event_reader.hpp"
#include "event_check.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  sb::Event event;
  std::string error;
  if (!sb::event_from_json(input, event, error)) {
    FUZZ_CHECK(!error.empty(), "refused without a reason");
    return 0;
  }
  std::string json;
  sb::append_event_json(json, event);
  // The schema's rules for status data are the sources' business (the MQTT source skips them).
  if (event.kind != sb::Kind::status) fuzz::check_event_json(json, /*raw_expected=*/false);
  sb::Event again;
  FUZZ_CHECK(sb::event_from_json(json, again, error), "an event written cannot be read back: %s", error.c_str());
  std::string json2;
  sb::append_event_json(json2, again);
  FUZZ_CHECK(json2 == json, "read and written again, the event changed:\n%s\n%s", json.c_str(), json2.c_str());
  return 0;
}
