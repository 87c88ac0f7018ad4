#include "config/detail/scenario_reader.h"

#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/eventhandler.h>

#include "config/detail/text.h"

namespace config::detail {

namespace {

// Notes where each document starts, without building any nodes.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7 neither consumes nor rejects some stray tokens at the top of a document
// (a lone ','): its document loop then starts an empty document at the same token again
// and again, and LoadAll never returns (it allocates until memory runs out). A pass over
// the events finds that spot first: a document starting where the previous one started has
// made no progress. Throws YAML::ParserException like the parser.
std::optional<YAML::Mark> find_stuck_document(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  DocumentStarts events;
  while (parser.HandleNextDocument(events)) {
    const std::size_t n = events.starts.size();
    if (n >= 2 && events.starts[n - 1].pos == events.starts[n - 2].pos) return events.starts[n - 1];
  }
  return std::nullopt;
}

std::string unexpected_at(const std::string& text, const YAML::Mark& mark) {
  const auto pos = static_cast<std::size_t>(mark.pos);
  if (mark.pos < 0 || pos >= text.size()) return "YAML syntax error: unexpected token";
  return "YAML syntax error: unexpected " + quote(std::string_view(text).substr(pos, 1));
}

}  // namespace

std::optional<YAML::Node> parse_yaml(std::string_view text, DiagnosticSink& sink) {
  const std::string input(text);
  std::vector<YAML::Node> documents;
  try {
    if (const auto stuck = find_stuck_document(input)) {
      sink.error(*stuck, "", unexpected_at(input, *stuck));
      return std::nullopt;
    }
    documents = YAML::LoadAll(input);
  } catch (const YAML::ParserException& e) {
    sink.error(e.mark, "", "YAML syntax error: " + e.msg);
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
