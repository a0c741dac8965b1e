// The journal reader: event_from_journal_line on the input, then the input written as a
// journal file (and, after a '\f' in the input, the rest as the rotated file <path>.1) in a
// temp dir, opened with Journal::open and read back with read_range.
// Checks: a line read back is an event with seq >= 1, a known kind and the line as its JSON;
// open() gives the tail in increasing seq order ending at last_seq; read_range gives only
// events with from <= seq <= to, and the same events read in small chunks as at once.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "hub/journal.hpp"

namespace {

std::string g_dir;

void write_file(const std::string& path, std::string_view bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  FUZZ_CHECK(f, "cannot write %s", path.c_str());
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

void check_line(std::string_view line) {
  const sb::PublishedEventPtr e = sb::event_from_journal_line(line);
  if (!e) return;
  FUZZ_CHECK(e->event.seq >= 1, "seq 0 read back");
  FUZZ_CHECK(e->json() == line, "the event's JSON is not the line");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  g_dir = fuzz::scratch_path("sb-fuzz-journal");
  std::filesystem::create_directories(g_dir);
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(g_dir, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  check_line(text);
  for (std::string_view line : fuzz::lines(text)) check_line(line);

  const std::string path = g_dir + "/events.jsonl";
  const auto ff = text.find('\f');
  write_file(path, text.substr(0, ff));
  if (ff != std::string_view::npos) write_file(path + ".1", text.substr(ff + 1));
  else std::remove((path + ".1").c_str());

  {
    sb::Journal journal(path, 1 << 20);
    std::vector<sb::PublishedEventPtr> tail;
    std::uint64_t last_seq = 0;
    std::string error;
    FUZZ_CHECK(journal.open(4, tail, last_seq, error), "open failed: %s", error.c_str());
    FUZZ_CHECK(tail.size() <= 4, "tail longer than asked");
    for (std::size_t i = 0; i < tail.size(); ++i) {
      FUZZ_CHECK(tail[i]->event.seq >= 1 && tail[i]->event.seq <= last_seq, "tail seq out of range");
      if (i) FUZZ_CHECK(tail[i - 1]->event.seq < tail[i]->event.seq, "tail not in increasing seq order");
    }
    if (!tail.empty()) FUZZ_CHECK(tail.back()->event.seq == last_seq, "tail does not end at last_seq");
    FUZZ_CHECK(!journal.epoch().empty(), "no epoch");
    FUZZ_CHECK(journal.first_seq() <= last_seq, "first_seq after last_seq");

    // Read in small chunks (each going on after the last seq given), it is the same as at once.
    std::vector<std::uint64_t> whole, chunked;
    journal.read_range(1, last_seq, [&](sb::PublishedEventPtr e) { whole.push_back(e->event.seq); });
    for (std::uint64_t from = 1, steps = 0; from <= last_seq && steps < 10000; ++steps) {
      std::uint64_t next = from;
      const bool done = journal.read_range(
          from, last_seq,
          [&](sb::PublishedEventPtr e) {
            chunked.push_back(e->event.seq);
            next = e->event.seq + 1;
          },
          200);
      if (done) break;
      FUZZ_CHECK(next > from, "a chunked read made no progress");
      from = next;
    }
    // Equal when every line is an event in increasing seq order (out of order, the first read
    // and a chunk starting past a line see it differently; the session names gaps for both).
    if (journal.bad_lines() == 0)
      FUZZ_CHECK(whole == chunked, "chunked reads differ from one read (%zu vs %zu events)", whole.size(),
                 chunked.size());

    for (const auto& [from, to] :
         {std::pair<std::uint64_t, std::uint64_t>{1, 3}, {0, ~std::uint64_t{0}}, {last_seq, last_seq}}) {
      journal.read_range(from, to, [&, from = from, to = to](sb::PublishedEventPtr e) {
        FUZZ_CHECK(e, "read_range gave no event");
        // The pre-check reads leading digits only ("seq":1e3 looks like 1): the parsed seq decides.
        FUZZ_CHECK(e->event.seq >= from && e->event.seq <= to, "read_range(%llu, %llu) gave seq %llu",
                   static_cast<unsigned long long>(from), static_cast<unsigned long long>(to),
                   static_cast<unsigned long long>(e ? e->event.seq : 0));
      });
    }
  }
  return 0;
}
