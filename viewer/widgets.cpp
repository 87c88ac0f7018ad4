#include "viewer/widgets.h"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

namespace viewer::ui {

namespace {

template <class T, class Draw>
std::optional<T> committed(Draft<T>& draft, const T& value, Draw draw) {
  T shown = draft.shown(value);
  if (draw(&shown)) draft.edit(shown);
  // Deactivated, not "deactivated after edit": the draft knows whether there was an edit,
  // and a click that lands on the value already shown commits nothing.
  if (!ImGui::IsItemDeactivated()) return std::nullopt;
  std::optional<T> v = draft.release();
  if (v && *v == value) return std::nullopt;
  return v;
}

}  // namespace

std::optional<int> committed_slider(const char* label, Draft<int>& draft, int value, int lo, int hi,
                                    ImGuiSliderFlags flags) {
  return committed(draft, value, [&](int* v) { return ImGui::SliderInt(label, v, lo, hi, "%d", flags); });
}

std::optional<float> committed_slider(const char* label, Draft<float>& draft, float value, float lo, float hi,
                                      const char* format, ImGuiSliderFlags flags) {
  return committed(draft, value, [&](float* v) { return ImGui::SliderFloat(label, v, lo, hi, format, flags); });
}

void apply_input(std::span<const InputEvent> events, ImGuiIO& io, MouseButtons& buttons) {
  for (const InputEvent& e : events) {
    switch (e.kind) {
      case InputEvent::Kind::kKey:
        if (e.code >= 0 && e.code < IM_ARRAYSIZE(io.KeysDown)) io.KeysDown[e.code] = e.down;
        break;
      case InputEvent::Kind::kButton:
        if (e.code >= 0 && static_cast<std::size_t>(e.code) < buttons.size())
          buttons[static_cast<std::size_t>(e.code)] = e.down;
        break;
      case InputEvent::Kind::kChar: io.AddInputCharacter(static_cast<unsigned>(e.code)); break;
    }
  }
  io.KeyCtrl = io.KeysDown[GLFW_KEY_LEFT_CONTROL] || io.KeysDown[GLFW_KEY_RIGHT_CONTROL];
  io.KeyShift = io.KeysDown[GLFW_KEY_LEFT_SHIFT] || io.KeysDown[GLFW_KEY_RIGHT_SHIFT];
  io.KeyAlt = io.KeysDown[GLFW_KEY_LEFT_ALT] || io.KeysDown[GLFW_KEY_RIGHT_ALT];
  io.KeySuper = io.KeysDown[GLFW_KEY_LEFT_SUPER] || io.KeysDown[GLFW_KEY_RIGHT_SUPER];
}

}  // namespace viewer::ui
