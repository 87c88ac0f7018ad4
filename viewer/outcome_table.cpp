#include "viewer/outcome_table.h"

#include <algorithm>

namespace viewer {

float name_row_indent(TextWidth text_width, void* context) { return text_width("  ", context); }

OutcomeTableFit fit_outcome_table(const OutcomeTableText& text, float width, float cell_extra, TextWidth text_width,
                                  void* context) {
  const auto widest = [&](float w, const std::string& s) { return std::max(w, text_width(s, context)); };
  const auto needed = [&](const OutcomeTableFit& f) {
    float names = 0;
    for (const std::string& n : text.names) names = widest(names, n);
    // Names on rows of their own run across the row: the table must be as wide as they are.
    float total = (f.name_rows ? name_row_indent(text_width, context) : names) + cell_extra;
    const auto& headers = f.short_headers ? text.short_headers : text.headers;
    for (std::size_t c = 0; c < headers.size(); ++c) {
      float col = text_width(headers[c], context);
      for (const auto& row : f.compact_counts ? text.compact : text.counts) {
        if (c < row.size()) col = widest(col, row[c]);
      }
      total += col + cell_extra;
    }
    return f.name_rows ? std::max(total, names + cell_extra) : total;
  };
  const OutcomeTableFit forms[] = {
      {false, false, false}, {true, false, false}, {true, true, false}, {true, true, true}};
  OutcomeTableFit f;
  for (const OutcomeTableFit& form : forms) {
    f = form;
    f.width = needed(f);
    if (f.width <= width) break;
  }
  return f;
}

}  // namespace viewer
