// viewer/outcome_table.h — the outcome table's form, fitted to the width of its panel.
//
// The table (a group's name, then seven counts) must be read without scrolling sideways,
// down to a 1024x700 window. fit_outcome_table picks the first form that fits: full
// headers and counts with commas; short headers ("t/o" for "timed out"); counts in three
// significant figures ("12.3k"); and last, each group's name on a row of its own above its
// counts. Whatever is shortened stays one hover away: the panel gives the full header and
// the exact count in a tooltip. Text is measured by the caller's function, so the choice
// is the same with or without a window.
#pragma once

#include <string>
#include <vector>

#include "viewer/topology.h"

namespace viewer {

struct OutcomeTableText {
  std::vector<std::string> headers, short_headers;  // per count column
  std::vector<std::string> names;                   // per row
  std::vector<std::vector<std::string>> counts;     // per row, per count column: "12,345"
  std::vector<std::vector<std::string>> compact;    // the same counts: "12.3k"
};

struct OutcomeTableFit {
  bool short_headers = false;   // the full header in the header's tooltip
  bool compact_counts = false;  // the exact count in the cell's tooltip
  bool name_rows = false;       // names on rows of their own: the first column is only an indent
  float width = 0;              // what the chosen form needs, cell padding included
};

// `cell_extra`: what a column takes beyond its widest text (cell padding and border).
// When even the last form is wider than `width`, that form is returned (and `width` says
// by how much it is too wide).
OutcomeTableFit fit_outcome_table(const OutcomeTableText& text, float width, float cell_extra, TextWidth text_width,
                                  void* context);

// The first column's width when names have rows of their own.
float name_row_indent(TextWidth text_width, void* context);

}  // namespace viewer
