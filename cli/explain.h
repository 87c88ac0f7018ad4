// cli/explain.h — `synstorm explain`: the command's side of a narrated run.
//
// The narration itself is report::narrate_run (report/narration.h), the same run as
// `synstorm run` with an observer. What belongs to the command is reading its arguments:
// `--connection CLIENT#N` and `--host H` become a report::NarrationFilter, and a name the
// scenario does not have is an error worth a "did you mean".
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "model/spec.h"
#include "report/narration.h"

namespace cli {

// Turns the command line's `--connection ID` and `--host H` into a filter. On bad syntax
// or a name the scenario does not have, returns the message to print (with a "did you
// mean" when a name is close).
std::variant<report::NarrationFilter, std::string> resolve_explain_filter(const model::ScenarioSpec& spec,
                                                                          const std::optional<std::string>& connection,
                                                                          const std::optional<std::string>& host);

}  // namespace cli
