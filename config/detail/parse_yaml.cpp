#include "config/detail/scenario_reader.h"

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include "config/loader.h"
#include "config/suggest.h"

namespace config::detail {

namespace {

// A limit of loader.h exceeded, or a recursive alias: thrown out of the parser by the
// guard's event handler, with the message the user gets.
struct InputRejected {
  YAML::Mark mark;
  std::string message;
};

YAML::Mark mark_at(int pos, int line, int column) {
  YAML::Mark m;
  m.pos = pos;
  m.line = line;
  m.column = column;
  return m;
}

// The checks yaml-cpp cannot be trusted with, on the raw bytes: the size, the encoding,
// and bytes no YAML text may hold. yaml-cpp reads NUL bytes and invalid UTF-8 without a
// word or with a message that garbles them; a text that fails here is not parsed at all.
std::optional<InputRejected> check_text(std::string_view text) {
  if (text.size() > kMaxScenarioBytes) {
    return InputRejected{YAML::Mark::null_mark(), "the scenario is " + std::to_string(text.size()) +
                                                      " bytes, more than the limit of " +
                                                      std::to_string(kMaxScenarioBytes >> 20) + " MiB"};
  }
  const auto starts_with = [&](std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; };
  if (starts_with(std::string_view("\x00\x00\xFE\xFF", 4)) || starts_with(std::string_view("\xFF\xFE\x00\x00", 4))) {
    return InputRejected{mark_at(0, 0, 0),
                         "the file is UTF-32 text (it starts with a UTF-32 byte order mark): save it as UTF-8"};
  }
  if (starts_with("\xFE\xFF") || starts_with("\xFF\xFE")) {
    return InputRejected{mark_at(0, 0, 0),
                         "the file is UTF-16 text (it starts with a UTF-16 byte order mark): save it as UTF-8"};
  }
  int line = 0;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto at = [&] { return mark_at(static_cast<int>(i), line, static_cast<int>(i - line_start)); };
    if (byte == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    if (byte == 0) {
      return InputRejected{at(),
                           "NUL byte (\\x00): a scenario file is UTF-8 text, and binary data or UTF-16 text is not"};
    }
    if ((byte < 0x20 && byte != '\t' && byte != '\r') || byte == 0x7f) {
      return InputRejected{at(), "control character " + quote(text.substr(i, 1)) +
                                     ": a scenario file is text, and YAML allows no control characters but tab and "
                                     "line breaks"};
    }
    if (byte < 0x80) {
      ++i;
      continue;
    }
    // UTF-8: the length its first byte announces, and the range its second byte must be in
    // (which rules out overlong forms, surrogates and code points above U+10FFFF).
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3;
      if (byte == 0xE0) low = 0xA0;
      if (byte == 0xED) high = 0x9F;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4;
      if (byte == 0xF0) low = 0x90;
      if (byte == 0xF4) high = 0x8F;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = k == 1 ? next >= low && next <= high : next >= 0x80 && next <= 0xBF;
    }
    if (!valid) {
      return InputRejected{at(), "invalid UTF-8 (byte " + quote(text.substr(i, 1)).substr(1, 4) +
                                     "): a scenario file is UTF-8 text; save it as UTF-8"};
    }
    i += length;
  }
  return std::nullopt;
}

// A pass over the parser's events, before any tree is built, that enforces loader.h's
// limits where yaml-cpp would not: nesting (its parser recurses once per level), the
// number of nodes counting each use of an alias as the nodes it stands for (a tree shares
// an aliased node, but the readers walk every use of it: ten aliases of ten aliases of ...
// are a "billion laughs"), aliases to a node that contains them (a cycle), and key
// lengths. Also notes where each document starts (see guard()).
class GuardEvents final : public YAML::EventHandler {
 public:
  explicit GuardEvents(std::string_view text) : text_(text) {}

  std::vector<YAML::Mark> document_starts;

  void OnDocumentStart(const YAML::Mark& mark) override {
    document_starts.push_back(mark);
    open_.clear();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor, {}); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string& value) override {
    leaf(mark, anchor, value);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= anchors_.size() || anchors_[anchor].open) {
      throw InputRejected{mark, "alias " + alias_name(mark) +
                                    " is used inside the node its anchor names (a recursive alias): write the "
                                    "value out"};
    }
    const std::uint64_t size = anchors_[anchor].size;
    if (size > kMaxYamlNodes - nodes_) {
      throw InputRejected{mark, "alias " + alias_name(mark) + " stands for " + std::to_string(size) +
                                    " nodes, which brings the document past the limit of " +
                                    std::to_string(kMaxYamlNodes) +
                                    " (each use of an alias counts every node it stands for: an alias bomb?)"};
    }
    begin_node(mark, {});
    count(size);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, anchor, false);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, anchor, true);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Anchor {
    std::uint64_t size = 0;  // nodes, once the anchored node is complete
    bool open = false;       // still being read: an alias to it is recursive
  };
  struct Collection {
    YAML::anchor_t anchor;
    std::uint64_t nodes_at_start;
    bool is_map;
    bool next_is_key;
  };

  // `*name` as written at the alias's mark.
  std::string alias_name(const YAML::Mark& mark) const {
    const auto start = static_cast<std::size_t>(mark.pos);
    if (mark.pos < 0 || start >= text_.size()) return "*";
    const std::size_t end = text_.find_first_of(" \t\r\n,[]{}", start);
    return quote(text_.substr(start, end == std::string_view::npos ? end : end - start));
  }

  void count(std::uint64_t n) {
    nodes_ += n;
    if (nodes_ > kMaxYamlNodes) {
      throw InputRejected{last_mark_, "the document has more than " + std::to_string(kMaxYamlNodes) +
                                          " YAML nodes (values, keys, maps and sequences, counting each use of an "
                                          "alias as every node it stands for): too large a scenario"};
    }
  }

  // A node starts at `mark`: as a key, a key's length is checked. `key_text` is the
  // scalar's text, empty for anything else.
  void begin_node(const YAML::Mark& mark, std::string_view key_text) {
    last_mark_ = mark;
    if (open_.empty() || !open_.back().is_map) return;
    Collection& parent = open_.back();
    const bool is_key = parent.next_is_key;
    parent.next_is_key = !parent.next_is_key;
    if (is_key && key_text.size() > kMaxKeyLength) {
      throw InputRejected{mark, "a key of " + std::to_string(key_text.size()) + " characters (" + quote(key_text) +
                                    "): keys are at most " + std::to_string(kMaxKeyLength) + " characters"};
    }
  }

  Anchor& anchor_slot(YAML::anchor_t anchor) {
    if (anchor >= anchors_.size()) anchors_.resize(anchor + 1);
    return anchors_[anchor];
  }

  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor, std::string_view value) {
    begin_node(mark, value);
    count(1);
    if (anchor != YAML::NullAnchor) anchor_slot(anchor) = Anchor{1, false};
  }

  void open(const YAML::Mark& mark, YAML::anchor_t anchor, bool is_map) {
    begin_node(mark, {});
    if (open_.size() >= kMaxNestingDepth) {
      throw InputRejected{mark, "maps and sequences nested more than " + std::to_string(kMaxNestingDepth) +
                                    " deep: a scenario nests a few levels (is the file generated by a runaway "
                                    "program?)"};
    }
    if (anchor != YAML::NullAnchor) anchor_slot(anchor) = Anchor{0, true};
    open_.push_back(Collection{anchor, nodes_, is_map, true});
    count(1);
  }

  void close() {
    if (open_.empty()) return;
    const Collection c = open_.back();
    open_.pop_back();
    if (c.anchor != YAML::NullAnchor) anchor_slot(c.anchor) = Anchor{nodes_ - c.nodes_at_start, false};
  }

  std::string_view text_;
  std::vector<Collection> open_;
  std::vector<Anchor> anchors_;  // by yaml-cpp's anchor number
  std::uint64_t nodes_ = 0;      // of every document so far
  YAML::Mark last_mark_;
};

// Runs the guard over every document. yaml-cpp 0.7 also neither consumes nor rejects some
// stray tokens at the top of a document (a lone ','): its document loop then starts an
// empty document at the same token again and again, and LoadAll never returns (it
// allocates until memory runs out). The guard's pass finds that spot first: a document
// starting where the previous one started has made no progress. Throws InputRejected, or
// YAML::ParserException like the parser.
void guard(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  GuardEvents events(text);
  while (parser.HandleNextDocument(events)) {
    const std::vector<YAML::Mark>& starts = events.document_starts;
    const std::size_t n = starts.size();
    if (n >= 2 && starts[n - 1].pos == starts[n - 2].pos) {
      const YAML::Mark stuck = starts[n - 1];
      const auto pos = static_cast<std::size_t>(stuck.pos);
      throw InputRejected{stuck, stuck.pos < 0 || pos >= text.size()
                                     ? "YAML syntax error: unexpected token"
                                     : "YAML syntax error: unexpected " + quote(std::string_view(text).substr(pos, 1))};
    }
  }
}

// yaml-cpp's messages may carry a byte of the input as is ("unknown escape character: ").
std::string printable(const std::string& message) {
  const std::string quoted = quote(message, message.size());
  return quoted.substr(1, quoted.size() - 2);
}

// A hint for a syntax error on or after a line indented with a tab, which YAML forbids
// and yaml-cpp reports as some other problem ("illegal map value").
std::string tab_hint(std::string_view text, int error_line) {
  int line = 0;
  std::size_t start = 0;
  while (start < text.size() && line <= error_line) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::size_t indent_end = std::min(text.find_first_not_of(" \t", start), end);
    if (text.substr(start, indent_end - start).find('\t') != std::string_view::npos) {
      return " (line " + std::to_string(line + 1) + " is indented with a tab: YAML indents with spaces only)";
    }
    start = end + 1;
    ++line;
  }
  return "";
}

}  // namespace

std::optional<YAML::Node> parse_yaml(std::string_view text, DiagnosticSink& sink) {
  if (const auto rejected = check_text(text)) {
    sink.error(rejected->mark, "", rejected->message);
    return std::nullopt;
  }
  const std::string input(text);
  std::vector<YAML::Node> documents;
  try {
    guard(input);
    documents = YAML::LoadAll(input);
  } catch (const InputRejected& e) {
    sink.error(e.mark, "", e.message);
    return std::nullopt;
  } catch (const YAML::DeepRecursion& e) {
    // The guard stops nesting long before yaml-cpp's own limit; should that ever change.
    sink.error(e.mark, "", "maps and sequences nested too deep (" + std::to_string(e.depth()) + " levels)");
    return std::nullopt;
  } catch (const YAML::ParserException& e) {
    // yaml-cpp takes a plain key only up to YAML's 1024 characters; past them the ':' is
    // "illegal".
    const std::string long_key_hint =
        e.mark.column >= static_cast<int>(kMaxKeyLength)
            ? " (a key is at most " + std::to_string(kMaxKeyLength) + " characters: is this line's key longer?)"
            : "";
    sink.error(e.mark, "", "YAML syntax error: " + printable(e.msg) + tab_hint(input, e.mark.line) + long_key_hint);
    return std::nullopt;
  }
  // A stray '---' at the end makes an empty document; only documents with content count.
  std::erase_if(documents, [](const YAML::Node& d) { return d.IsNull(); });
  if (documents.empty()) return YAML::Node();  // null: read_scenario reports the empty file
  if (documents.size() > 1) {
    sink.error(documents[1].Mark(), "",
               "a scenario file holds one YAML document, found " + std::to_string(documents.size()) +
                   " (remove the extra '---' lines)");
    return std::nullopt;
  }
  return documents.front();
}

}  // namespace config::detail
