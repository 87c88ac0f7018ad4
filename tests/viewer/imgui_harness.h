// tests/viewer/imgui_harness.h — a real ImGui context without a window, for the UI tests.
//
// Frames are made as the viewer's frame loop makes them (viewer/main.cpp): the events
// queued since the last frame go through InputQueue and apply_input, the mouse buttons are
// set from their state, then NewFrame, the widgets under test, and Render (draw lists that
// nobody draws). The key map is the GLFW backend's (imgui_impl_glfw.cpp), so key codes are
// GLFW's, as the viewer's own callbacks queue them.
#pragma once

#include <functional>

#include <imgui.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include "viewer/input_queue.h"
#include "viewer/widgets.h"

class ImGuiHarness {
 public:
  ImGuiHarness() : ctx_(ImGui::CreateContext()) {
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = {1280, 800};
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    io.KeyMap[ImGuiKey_Tab] = GLFW_KEY_TAB;
    io.KeyMap[ImGuiKey_LeftArrow] = GLFW_KEY_LEFT;
    io.KeyMap[ImGuiKey_RightArrow] = GLFW_KEY_RIGHT;
    io.KeyMap[ImGuiKey_UpArrow] = GLFW_KEY_UP;
    io.KeyMap[ImGuiKey_DownArrow] = GLFW_KEY_DOWN;
    io.KeyMap[ImGuiKey_Home] = GLFW_KEY_HOME;
    io.KeyMap[ImGuiKey_End] = GLFW_KEY_END;
    io.KeyMap[ImGuiKey_Delete] = GLFW_KEY_DELETE;
    io.KeyMap[ImGuiKey_Backspace] = GLFW_KEY_BACKSPACE;
    io.KeyMap[ImGuiKey_Space] = GLFW_KEY_SPACE;
    io.KeyMap[ImGuiKey_Enter] = GLFW_KEY_ENTER;
    io.KeyMap[ImGuiKey_Escape] = GLFW_KEY_ESCAPE;
    io.KeyMap[ImGuiKey_A] = GLFW_KEY_A;
  }
  ~ImGuiHarness() { ImGui::DestroyContext(ctx_); }
  ImGuiHarness(const ImGuiHarness&) = delete;
  ImGuiHarness& operator=(const ImGuiHarness&) = delete;

  void frame(const std::function<void()>& draw) {
    ImGuiIO& io = ImGui::GetIO();
    io.DeltaTime = 1.0f / 60;
    viewer::ui::apply_input(queue.next_frame(), io, buttons_);
    for (std::size_t b = 0; b < buttons_.size(); ++b) io.MouseDown[b] = buttons_[b];
    io.MousePos = mouse;
    ImGui::NewFrame();
    draw();
    ImGui::Render();
  }
  // Frames until every queued event has reached ImGui, and one more.
  void settle(const std::function<void()>& draw) {
    do frame(draw);
    while (!queue.empty());
    frame(draw);
  }

  void click(bool down) { queue.push({viewer::InputEvent::Kind::kButton, GLFW_MOUSE_BUTTON_LEFT, down}); }
  void key(int code, bool down) { queue.push({viewer::InputEvent::Kind::kKey, code, down}); }
  // A key pressed and released between two frames.
  void tap(int code) {
    key(code, true);
    key(code, false);
  }
  void type(const char* text) {
    for (const char* c = text; *c; ++c) queue.push({viewer::InputEvent::Kind::kChar, *c, true});
  }

  viewer::InputQueue queue;
  ImVec2 mouse{-1, -1};

 private:
  ImGuiContext* ctx_;
  viewer::ui::MouseButtons buttons_{};
};
