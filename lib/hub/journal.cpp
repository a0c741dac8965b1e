#include "hub/journal.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include "hub/hub.hpp"
#include "util/json_reader.hpp"
#include "util/private_file.hpp"
#include "util/utf8_path.hpp"

namespace sb {
namespace {

constexpr std::string_view kHeaderPrefix = R"({"streambridge":"journal","version":1,"epoch":")";

std::string header_line(const std::string& epoch) { return fmt::format("{}{}\"}}\n", kHeaderPrefix, epoch); }

// Calls `line_fn(line, number, offset)` for every line of `path` (without the newline) from byte
// `start` (a line start; line numbers then count from there) until it returns false. False if
// the file cannot be read.
bool for_each_line(const std::string& path, std::uint64_t start,
                   const std::function<bool(std::string_view, std::size_t, std::uint64_t)>& line_fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  if (start > 0 && !in.seekg(static_cast<std::streamoff>(start))) return true;
  std::string line;
  std::size_t number = 0;
  std::uint64_t offset = start;
  while (std::getline(in, line)) {
    if (!line_fn(line, ++number, offset)) break;
    offset += line.size() + 1;
  }
  return true;
}

// The seq of a journal line as the writer puts it: {"v":N,"seq":N, ... in digits. A line in any
// other form (a hand-edited "seq":1e3, a duplicate key) is not an event line: the quick seek by
// seq in read_range and the full parse must never disagree.
std::optional<std::uint64_t> leading_seq(std::string_view line) {
  constexpr std::string_view kV = R"({"v":)", kSeq = R"(,"seq":)";
  const auto digits = [&](std::size_t at, std::size_t& end) {
    end = at;
    while (end < line.size() && end - at < 16 && line[end] >= '0' && line[end] <= '9') ++end;
    return end > at;
  };
  std::size_t end = 0;
  if (!line.starts_with(kV) || !digits(kV.size(), end) || line.substr(end, kSeq.size()) != kSeq) return std::nullopt;
  const std::size_t at = end + kSeq.size();
  if (!digits(at, end) || end >= line.size() || line[end] != ',') return std::nullopt;
  std::uint64_t seq = 0;
  for (std::size_t i = at; i < end; ++i) seq = seq * 10 + static_cast<std::uint64_t>(line[i] - '0');
  return seq;
}

}  // namespace

std::string make_epoch() {
  std::random_device random;
  const std::uint64_t value = (std::uint64_t{random()} << 32) ^ random();
  return fmt::format("{:016x}", value);
}

PublishedEventPtr event_from_journal_line(std::string_view line) {
  const auto lead = leading_seq(line);
  if (!lead) return nullptr;
  thread_local JsonReader reader;
  std::string error;
  const JsonNode* root = reader.parse(line, error);
  if (!root || root->is_array) return nullptr;
  const auto seq = root->integer("seq");
  const auto kind = kind_from_string(root->string("kind"));
  if (!seq || *seq <= 0 || static_cast<std::uint64_t>(*seq) != *lead || !kind) return nullptr;
  auto published = std::make_shared<PublishedEvent>();
  Event& e = published->event;
  e.seq = static_cast<std::uint64_t>(*seq);
  e.kind = *kind;
  e.id.assign(root->string("id"));
  e.source.assign(root->string("source"));
  e.service.assign(root->string("service"));
  e.platform.assign(root->string("platform"));
  e.test = root->boolean("test").value_or(false);
  frame_event(*published, line);
  return published;
}

Journal::Journal(std::string path, std::uint64_t max_file_size)
    : path_(std::move(path)), max_file_size_(max_file_size) {}

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

bool Journal::open(std::size_t keep, std::vector<PublishedEventPtr>& tail, std::uint64_t& last_seq,
                   std::string& error) {
  std::deque<PublishedEventPtr> newest;
  last_seq = 0;
  std::string epoch_rotated;
  const auto read = [&](const std::string& path, std::string& epoch, std::uint64_t& first_seq,
                        std::vector<SeekMark>& marks) {
    return for_each_line(path, 0, [&](std::string_view line, std::size_t number, std::uint64_t offset) {
      if (line.empty()) return true;
      if (line.starts_with(kHeaderPrefix)) {
        const auto rest = line.substr(kHeaderPrefix.size());
        epoch.assign(rest.substr(0, rest.find('"')));
        return true;
      }
      PublishedEventPtr event = event_from_journal_line(line);
      if (!event || event->event.seq <= last_seq) {
        // A torn last line (a crash mid-write) or damage: skip it, keep the rest.
        ++bad_lines_;
        spdlog::warn("journal {}:{}: not a valid event line after seq {}; skipped", path, number, last_seq);
        return true;
      }
      last_seq = event->event.seq;
      if (first_seq == 0) first_seq = last_seq;
      note_line(marks, last_seq, offset);
      if (keep == 0) return true;
      newest.push_back(std::move(event));
      if (newest.size() > keep) newest.pop_front();
      return true;
    });
  };
  read(path_ + ".1", epoch_rotated, first_seq_rotated_, marks_rotated_);
  const bool had_current = read(path_, epoch_, first_seq_current_, marks_current_);
  if (epoch_.empty()) epoch_ = epoch_rotated;
  if (epoch_.empty()) {
    epoch_ = make_epoch();
    if (last_seq > 0) spdlog::warn("journal {}: no epoch header; starting epoch {}", path_, epoch_);
  }
  tail.assign(newest.begin(), newest.end());

  file_ = open_private_file(path_, true);
  if (!file_) {
    error = fmt::format("[server] journal: cannot open \"{}\" for appending: {}", path_, std::strerror(errno));
    return false;
  }
  std::fseek(file_, 0, SEEK_END);
  file_size_ = static_cast<std::uint64_t>(std::ftell(file_));
  if (!had_current || file_size_ == 0) {
    const std::string header = header_line(epoch_);
    std::fwrite(header.data(), 1, header.size(), file_);
    file_size_ += header.size();
  } else {
    // A torn last line must not swallow the next one.
    std::ifstream in(path_, std::ios::binary);
    in.seekg(-1, std::ios::end);
    if (in.get() != '\n') {
      std::fputc('\n', file_);
      ++file_size_;
    }
  }
  std::fflush(file_);
  spdlog::info("journal {}: epoch {}, {} events on disk from seq {} to {}", path_, epoch_,
               last_seq >= first_seq() && first_seq() > 0 ? last_seq - first_seq() + 1 : 0, first_seq(), last_seq);
  return true;
}

void Journal::on_event(const PublishedEventPtr& event) {
  if (!file_) return;
  const std::string_view json = event->json();
  if (file_size_ > 0 && file_size_ + json.size() + 1 > max_file_size_) rotate();
  if (!file_) return;
  const bool ok = std::fwrite(json.data(), 1, json.size(), file_) == json.size() && std::fputc('\n', file_) != EOF &&
                  std::fflush(file_) == 0;
  if (!ok) {
    if (write_errors_++ == 0)
      spdlog::error("journal {}: cannot write seq {}: {}; resume across a restart may miss events", path_,
                    event->event.seq, std::strerror(errno));
    return;
  }
  note_line(marks_current_, event->event.seq, file_size_);
  file_size_ += json.size() + 1;
  if (first_seq_current_ == 0) first_seq_current_ = event->event.seq;
}

void Journal::note_line(std::vector<SeekMark>& marks, std::uint64_t seq, std::uint64_t offset) {
  if (marks.empty() || (offset >= marks.back().offset + kMarkStride && seq > marks.back().seq))
    marks.push_back(SeekMark{seq, offset});
}

void Journal::rotate() {
  std::fclose(file_);
  file_ = nullptr;
  const std::string rotated = path_ + ".1";
  // std::filesystem::rename replaces an existing .1 on Windows too (std::rename fails there).
  std::error_code ec;
  std::filesystem::rename(utf8_path(path_), utf8_path(rotated), ec);
  if (ec) spdlog::error("journal {}: cannot rotate to {}: {}", path_, rotated, ec.message());
  first_seq_rotated_ = first_seq_current_;
  first_seq_current_ = 0;
  marks_rotated_ = std::move(marks_current_);
  marks_current_.clear();
  std::string error;
  if (!start_file(error)) spdlog::error("{}", error);
}

bool Journal::start_file(std::string& error) {
  file_ = open_private_file(path_, false);
  if (!file_) {
    error = fmt::format("journal {}: cannot create: {}", path_, std::strerror(errno));
    return false;
  }
  const std::string header = header_line(epoch_);
  std::fwrite(header.data(), 1, header.size(), file_);
  std::fflush(file_);
  file_size_ = header.size();
  return true;
}

bool Journal::read_range(std::uint64_t from, std::uint64_t to, const std::function<void(PublishedEventPtr)>& sink,
                         std::size_t max_bytes) const {
  if (from > to) return true;
  std::size_t given = 0;
  bool complete = true;
  for (const auto& [path, marks] : {std::pair{path_ + ".1", &marks_rotated_}, std::pair{path_, &marks_current_}}) {
    // From the last mark at or before `from`: the lines before it hold older seqs.
    const auto after = std::upper_bound(marks->begin(), marks->end(), from,
                                        [](std::uint64_t seq, const SeekMark& m) { return seq < m.seq; });
    const std::uint64_t start = after == marks->begin() ? 0 : std::prev(after)->offset;
    for_each_line(path, start, [&](std::string_view line, std::size_t, std::uint64_t) {
      if (line.empty() || line.starts_with(kHeaderPrefix)) return true;
      // The seq is read before the full parse (lines start {"v":1,"seq":N,): older lines are
      // skipped cheaply, and the parse checks it is the same.
      const auto seq = leading_seq(line);
      if (!seq || *seq < from) return true;
      auto event = event_from_journal_line(line);
      if (!event) return true;
      if (*seq > to) return false;  // a valid line past the range: the rest is newer
      sink(std::move(event));
      given += line.size() + 1;
      if (given < max_bytes) return true;
      complete = false;
      return false;
    });
    if (!complete) return false;
  }
  return true;
}

}  // namespace sb
