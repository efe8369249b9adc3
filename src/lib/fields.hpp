// Output fields declared once, lslocks-style: one table per row type says
// each field's text column title, its JSON key and what it means, and how to
// get it from a row. The same table drives the text columns, the JSON keys
// and the man page's description of the output (see lock_listing.hpp).
#pragma once

#include <fmt/format.h>
#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "json_writer.hpp"
#include "lock_mode.hpp"

namespace ktstr {

// How text cells are decorated: colour for a terminal, nothing otherwise.
struct TextStyle {
  bool color = false;
  [[nodiscard]] std::string bold(std::string_view s) const {
    return color ? fmt::format("\033[1m{}\033[0m", s) : std::string(s);
  }
  [[nodiscard]] std::string mode(LockMode m) const {
    std::string_view name = lock_mode_name(m);
    if (!color) return std::string(name);
    return fmt::format("{}{}\033[0m", m == LockMode::exclusive ? "\033[31m" : "\033[32m", name);
  }
};

template <class Row>
struct Field {
  std::string_view title;     // text column title; empty: not a text column
  std::string_view json_key;  // JSON key; empty: text only
  std::string_view help;      // what the field holds, for the documentation
  // The text cell: untrusted parts already escaped; several lines when it
  // holds '\n' (only the last column may). Null when not a text column.
  std::string (*text)(const Row&, const TextStyle&) = nullptr;
  // Writes the JSON value. Null when not in JSON.
  void (*json)(JsonWriter&, const Row&) = nullptr;
  std::size_t min_width = 0;  // text column width at least
};

// One JSON object of `row`: its fields with a key, in table order.
template <class Row>
void write_json_object(JsonWriter& w, std::span<const Field<Row>> fields, const Row& row) {
  w.begin_object();
  for (const auto& f : fields) {
    if (f.json_key.empty()) continue;
    w.key(f.json_key);
    f.json(w, row);
  }
  w.end_object();
}

// The fields of `fields` that are text columns, in table order.
template <class Row>
std::vector<const Field<Row>*> text_columns(std::span<const Field<Row>> fields) {
  std::vector<const Field<Row>*> out;
  for (const auto& f : fields) {
    if (!f.title.empty()) out.push_back(&f);
  }
  return out;
}

// The fields named by `titles`, in that order (a listing's default columns).
template <class Row>
std::vector<const Field<Row>*> columns_titled(std::span<const Field<Row>> fields,
                                              std::span<const std::string_view> titles) {
  std::vector<const Field<Row>*> out;
  for (auto t : titles) {
    for (const auto& f : fields) {
      if (f.title == t) out.push_back(&f);
    }
  }
  return out;
}

// A text table: a header line of titles (bold with colour), then a line per
// row. Every column but the last is padded to its widest cell, title or
// min_width, two spaces apart; the last is not padded, and its extra lines
// go under it with the other cells blank. Each line starts with `indent`.
template <class Row>
std::string render_columns(const std::vector<const Field<Row>*>& columns,
                           const std::vector<Row>& rows, const TextStyle& style,
                           std::string_view indent) {
  std::string out;
  if (columns.empty()) return out;
  std::size_t last = columns.size() - 1;
  std::vector<std::vector<std::string>> cells(rows.size());
  std::vector<std::size_t> widths(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c)
    widths[c] = std::max(columns[c]->title.size(), columns[c]->min_width);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      cells[r].push_back(columns[c]->text(rows[r], style));
      if (c < last) widths[c] = std::max(widths[c], cells[r].back().size());
    }
  }
  std::string header(indent);
  for (std::size_t c = 0; c < last; ++c)
    header += fmt::format("{:<{}}  ", columns[c]->title, widths[c]);
  header += columns[last]->title;
  out += style.bold(header);
  out += '\n';
  for (const auto& row : cells) {
    std::string lead(indent);
    std::string blank(indent);
    for (std::size_t c = 0; c < last; ++c) {
      lead += fmt::format("{:<{}}  ", row[c], widths[c]);
      blank += std::string(widths[c] + 2, ' ');
    }
    std::string_view rest = row[last];
    bool first = true;
    do {
      auto nl = rest.find('\n');
      out += first ? lead : blank;
      out += rest.substr(0, nl);
      out += '\n';
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      first = false;
    } while (!rest.empty());
  }
  return out;
}

}  // namespace ktstr
