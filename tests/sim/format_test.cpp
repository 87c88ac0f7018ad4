// Tests of sim/format.h's printable(): text from an input never reaches a terminal with a
// control character in it, and printable text is left alone.
#include "sim/format.h"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("control characters are escaped, printable text is left as it is", "[format][printable]") {
  CHECK(sim::printable("web-1 listens on :80") == "web-1 listens on :80");
  CHECK(sim::printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  // An OSC sequence that would set the window title, and the bell that ends it.
  CHECK(sim::printable("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
  CHECK(sim::printable(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(sim::printable("line\nnext\r\t") == "line\\x0anext\\x0d\\x09");
  CHECK(sim::printable("\x7f") == "\\x7f");
  // C1 controls: as raw bytes (CSI, 0x9b) and as UTF-8 (U+009B).
  CHECK(sim::printable("\x9b"
                       "31m") == "\\x9b31m");
  CHECK(sim::printable("\xc2\x9b"
                       "31m") == "\\xc2\\x9b31m");
  // Invalid UTF-8: overlong, surrogate, truncated.
  CHECK(sim::printable("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(sim::printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(sim::printable("\xe2\x82") == "\\xe2\\x82");
}
