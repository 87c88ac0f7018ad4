// viewer/input_queue.h — keyboard and mouse-button events, handed to ImGui one frame at a time.
//
// ImGui 1.86 reads keys and buttons as levels sampled once per frame (io.KeysDown,
// io.MouseDown). GLFW delivers every event that arrived since the last poll at once, so a
// key tapped within one frame (Enter while the run plays: frames are busy) is pressed and
// released before ImGui looks, and ImGui never sees it; a double click whose release and
// second press fall in one frame loses its second click. An InputQueue keeps the events in
// arrival order and hands out, per frame, the longest run of them in which no key or button
// changes twice: a tap takes two frames, and nothing is lost or reordered.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace viewer {

struct InputEvent {
  enum class Kind : std::uint8_t { kKey, kButton, kChar };
  Kind kind = Kind::kKey;
  int code = 0;       // GLFW key, mouse button, or Unicode code point
  bool down = false;  // keys and buttons: pressed (true) or released
  friend bool operator==(const InputEvent&, const InputEvent&) = default;
};

class InputQueue {
 public:
  void push(InputEvent e) { pending_.push_back(e); }
  bool empty() const { return pending_.empty(); }
  // The events for the next frame: from the oldest on, up to (not including) the first
  // key or button event for a key or button that already changed in this frame.
  std::vector<InputEvent> next_frame();

 private:
  std::deque<InputEvent> pending_;
};

}  // namespace viewer
