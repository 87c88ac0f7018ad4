#include "viewer/input_queue.h"

#include <algorithm>

namespace viewer {

std::vector<InputEvent> InputQueue::next_frame() {
  std::vector<InputEvent> frame;
  while (!pending_.empty()) {
    const InputEvent& e = pending_.front();
    if (e.kind != InputEvent::Kind::kChar) {
      const bool changed = std::any_of(frame.begin(), frame.end(),
                                       [&](const InputEvent& f) { return f.kind == e.kind && f.code == e.code; });
      if (changed) break;
    }
    frame.push_back(e);
    pending_.pop_front();
  }
  return frame;
}

}  // namespace viewer
