#pragma once
// The event journal ([server] journal): every published event appended as one JSON line to an
// append-only file that rotates to `<path>.1` at `journal_size`, so a client can resume across
// a daemon restart. The first line of each file names the epoch: the seq numbering it
// continues, kept across restarts (a new epoch only when the journal is new or unreadable).
// Blocking file I/O on the reactor thread: small sequential writes to a local file.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "hub/output.hpp"
#include "hub/published_event.hpp"

namespace sb {

class Journal final : public EventSubscriber {
 public:
  Journal(std::string path, std::uint64_t max_file_size);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Reads what the files hold (the newest `keep` events into `tail`, oldest first, and the last
  // seq) and opens the current file for appending. False with `error` if it cannot be written.
  bool open(std::size_t keep, std::vector<PublishedEventPtr>& tail, std::uint64_t& last_seq, std::string& error);

  void on_event(const PublishedEventPtr& event) override;

  // Events with from <= seq <= to, oldest first, read back from the files, until the lines
  // given reach `max_bytes`: true when the whole range was read, false when it stopped there
  // (go on from the seq after the last one given). Reading starts near `from`, not at the top.
  bool read_range(std::uint64_t from, std::uint64_t to, const std::function<void(PublishedEventPtr)>& sink,
                  std::size_t max_bytes = SIZE_MAX) const;
  // The oldest seq the files still hold (0: none).
  std::uint64_t first_seq() const { return first_seq_rotated_ ? first_seq_rotated_ : first_seq_current_; }
  const std::string& epoch() const { return epoch_; }
  std::uint64_t write_errors() const { return write_errors_; }
  std::uint64_t bad_lines() const { return bad_lines_; }

 private:
  // Where a read may start: the seq and byte offset of a line, about every kMarkStride bytes of
  // a file (in increasing seq order), so that a resume does not scan 16 MiB from the top.
  struct SeekMark {
    std::uint64_t seq;
    std::uint64_t offset;
  };
  static constexpr std::uint64_t kMarkStride = 64 * 1024;
  static void note_line(std::vector<SeekMark>& marks, std::uint64_t seq, std::uint64_t offset);
  bool start_file(std::string& error);
  void rotate();

  std::string path_;
  std::uint64_t max_file_size_;
  std::FILE* file_ = nullptr;
  std::uint64_t file_size_ = 0;
  std::string epoch_;
  std::uint64_t first_seq_current_ = 0;
  std::uint64_t first_seq_rotated_ = 0;
  std::vector<SeekMark> marks_current_;
  std::vector<SeekMark> marks_rotated_;
  std::uint64_t write_errors_ = 0;
  std::uint64_t bad_lines_ = 0;
};

// One journal line back into a published event (the fields filters need, and the frame).
// nullptr if the line is not an event.
PublishedEventPtr event_from_journal_line(std::string_view line);

// A fresh epoch: 16 random hex digits.
std::string make_epoch();

}  // namespace sb
