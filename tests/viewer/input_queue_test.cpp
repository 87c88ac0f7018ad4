// Tests of viewer::InputQueue: every key and button change reaches a frame, in order.
#include "viewer/input_queue.h"

#include <catch2/catch.hpp>

namespace {

using viewer::InputEvent;
using Kind = InputEvent::Kind;

constexpr int kEnter = 257;  // GLFW_KEY_ENTER
constexpr int kLeft = 0;     // GLFW_MOUSE_BUTTON_LEFT

InputEvent key(int code, bool down) { return {Kind::kKey, code, down}; }
InputEvent button(int code, bool down) { return {Kind::kButton, code, down}; }
InputEvent typed(char c) { return {Kind::kChar, c, true}; }

}  // namespace

TEST_CASE("a key tapped within one frame is down for a frame, then up", "[viewer][input]") {
  viewer::InputQueue q;
  q.push(key(kEnter, true));
  q.push(key(kEnter, false));
  CHECK(q.next_frame() == std::vector<InputEvent>{key(kEnter, true)});
  CHECK(q.next_frame() == std::vector<InputEvent>{key(kEnter, false)});
  CHECK(q.empty());
  CHECK(q.next_frame().empty());
}

TEST_CASE("typing a number and Enter in one frame: the digits and the press, then the release", "[viewer][input]") {
  viewer::InputQueue q;
  for (const InputEvent& e : {key('1', true), typed('1'), key('1', false), key('6', true), typed('6'), key('6', false),
                              key(kEnter, true), key(kEnter, false)}) {
    q.push(e);
  }
  // '1' is pressed and released: its release waits; so does everything after it.
  CHECK(q.next_frame() == std::vector<InputEvent>{key('1', true), typed('1')});
  CHECK(q.next_frame() == std::vector<InputEvent>{key('1', false), key('6', true), typed('6')});
  CHECK(q.next_frame() == std::vector<InputEvent>{key('6', false), key(kEnter, true)});
  CHECK(q.next_frame() == std::vector<InputEvent>{key(kEnter, false)});
  CHECK(q.empty());
}

TEST_CASE("a double click within one frame gives ImGui two presses with a release between", "[viewer][input]") {
  viewer::InputQueue q;
  for (bool down : {true, false, true, false}) q.push(button(kLeft, down));
  for (bool down : {true, false, true, false}) CHECK(q.next_frame() == std::vector<InputEvent>{button(kLeft, down)});
  CHECK(q.empty());
}

TEST_CASE("different keys and a held modifier change in the same frame", "[viewer][input]") {
  viewer::InputQueue q;
  constexpr int kCtrl = 341;  // GLFW_KEY_LEFT_CONTROL
  q.push(key(kCtrl, true));
  q.push(button(kLeft, true));
  q.push(button(kLeft, false));
  q.push(key(kCtrl, false));
  CHECK(q.next_frame() == std::vector<InputEvent>{key(kCtrl, true), button(kLeft, true)});
  // The release of Ctrl waits behind the button's release: Ctrl is still held at the click.
  CHECK(q.next_frame() == std::vector<InputEvent>{button(kLeft, false), key(kCtrl, false)});
}
