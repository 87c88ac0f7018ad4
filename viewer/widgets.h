// viewer/widgets.h — controls whose edits take effect when they are let go, and the
// per-frame delivery of input events to ImGui.
//
// A what-if slider re-runs the scenario when it is committed, so it commits once, on
// release, the value the user sees: dragged, clicked or typed (Ctrl+click). Its value
// while held lives in a Draft (viewer/draft.h) that the caller keeps across frames.
#pragma once

#include <array>
#include <optional>
#include <span>

#include <imgui.h>

#include "viewer/draft.h"
#include "viewer/input_queue.h"

namespace viewer::ui {

// A slider over `committed`; returns the value to commit on the frame it is let go, if the
// user changed it.
std::optional<int> committed_slider(const char* label, Draft<int>& draft, int committed, int lo, int hi,
                                    ImGuiSliderFlags flags = 0);
std::optional<float> committed_slider(const char* label, Draft<float>& draft, float committed, float lo, float hi,
                                      const char* format, ImGuiSliderFlags flags = 0);

// One frame's events (InputQueue::next_frame) into ImGui's io: keys (GLFW key codes, as
// the GLFW backend's io.KeyMap names them) with the modifier flags, typed characters, and
// the mouse buttons' state into `buttons`, which the caller copies to io.MouseDown after
// the platform backend's NewFrame (that backend polls the buttons itself).
using MouseButtons = std::array<bool, 5>;
void apply_input(std::span<const InputEvent> events, ImGuiIO& io, MouseButtons& buttons);

}  // namespace viewer::ui
