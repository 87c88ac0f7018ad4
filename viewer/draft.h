// viewer/draft.h — the value a control shows while the user edits it, kept across frames.
//
// ImGui's immediate mode rebuilds every widget each frame from the caller's variables. A
// slider over a value that changes only when the edit is committed (a what-if re-runs the
// scenario) must keep the value the user has dragged, clicked or typed somewhere that
// outlives the frame, and commit that value when the control is let go; a fresh local
// variable would hand the slider the old value on the frame of the release. Draft is that
// somewhere. It knows nothing of ImGui: the widget code calls it, the tests drive it.
#pragma once

#include <optional>

namespace viewer {

template <class T>
class Draft {
 public:
  // What the control shows: the value being edited, else the committed one.
  T shown(const T& committed) const { return editing_ ? *editing_ : committed; }
  // The control changed the value this frame.
  void edit(const T& v) { editing_ = v; }
  // The control was let go (mouse released, Enter, focus lost): the value to commit, if
  // the user changed it while the control was held; the draft is then empty.
  std::optional<T> release() {
    std::optional<T> v = editing_;
    editing_.reset();
    return v;
  }
  // Forget an edit that must not be committed (another listener was picked).
  void discard() { editing_.reset(); }
  bool editing() const { return editing_.has_value(); }

 private:
  std::optional<T> editing_;
};

}  // namespace viewer
