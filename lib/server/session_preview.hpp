#pragma once
// The preview session (README "Widgets"): test events sent with count=true move goal and info
// bars without touching the real session data. The session data lives above the server (in
// widgets/); the server knows only this hook, as it knows PageProvider.
#include <string>

#include "event/event.hpp"

namespace sb {

class SessionPreview {
 public:
  virtual ~SessionPreview() = default;
  // Counts the test event `event` (already published) in the preview session, which starts as a
  // copy of the real session data if none is active.
  virtual void count_in_preview(const Event& event) = 0;
  // Ends the preview session: widgets show the real session data again. False if none was active.
  virtual bool reset_preview() = 0;
  // {"active":bool,"since":ISO|null,"counted":N}: /status's "preview".
  virtual std::string preview_json() const = 0;
};

}  // namespace sb
