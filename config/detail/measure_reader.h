// config/detail/measure_reader.h — the scenario's `measure:` section: {from, to}.
#pragma once

#include "config/detail/draft.h"
#include "config/detail/node_reader.h"

namespace config::detail {

// Reads `measure: {from: 40s, to: 160s}` into draft.spec.measure (either key may be
// left out: the run's start or end). Needs the duration read first.
void read_measure(ScenarioDraft& draft, const Field& f);

}  // namespace config::detail
