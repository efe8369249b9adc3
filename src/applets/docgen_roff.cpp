// roff for the generated parts of the man pages: escaping, the .TH line,
// option entries and exit codes. What is not from a table is written in man/.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <ctime>

#include "applets/docgen.hpp"

namespace ktstr::docgen {
namespace {

// A word that reads as code: an option, a path, a man page reference, a
// variable. Its hyphens are minus signs (\-) so it can be copied and
// searched for; the hyphens of ordinary words stay hyphens.
bool is_code_word(std::string_view w) {
  while (!w.empty() && (w.front() == '(' || w.front() == '"' || w.front() == '\'')) {
    w.remove_prefix(1);
  }
  while (!w.empty() && std::string_view(".,;:)\"'").find(w.back()) != std::string_view::npos) {
    w.remove_suffix(1);
  }
  if (w.empty()) return false;
  if (w.front() == '-') return true;
  return w.find_first_of("/._$=(`{") != std::string_view::npos;
}

// Escapes one piece of text for a roff text line (not its start: see line()).
// `code`: every '-' is \- . Non-ASCII becomes \[uXXXX]. Backquotes `x` set x
// in bold.

}  // namespace

std::string escape(std::string_view text, bool code) {
  std::string out;
  bool bold = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += code ? "\\-" : "-";
    } else if (c == '`') {
      out += bold ? "\\fR" : "\\fB";
      bold = !bold;
    } else if (c >= 0x80) {
      // Decode one UTF-8 sequence.
      unsigned cp = 0;
      int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
      cp = c & (0x3F >> extra);
      for (int k = 0; k < extra && i + 1 < text.size(); ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F);
      }
      out += fmt::format("\\[u{:04X}]", cp);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (bold) out += "\\fR";
  return out;
}

// Escapes prose: code words get \- , other words keep their hyphens.
std::string prose(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(i, end - i);
    // \% keeps a code word from being hyphenated at the end of a line.
    bool code = is_code_word(word);
    out += code ? "\\%" + escape(word, true) : escape(word, false);
    if (end < text.size()) out += ' ';
    i = end + 1;
  }
  return out;
}

// A finished text line: a leading '.' or '\'' would make it a request.
std::string line(std::string text) {
  if (!text.empty() && (text[0] == '.' || text[0] == '\'')) text.insert(0, "\\&");
  return text + "\n";
}

std::string capitalized(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string sentence(std::string_view s) {
  std::string out = capitalized(s);
  if (!out.empty() && out.back() != '.') out += '.';
  return out;
}

// "[--json] [--watch [DUR]] PATH..." with options bold and metavars italic.
std::string styled_usage(std::string_view usage) {
  std::string out;
  std::size_t i = 0;
  auto word_char = [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  };
  while (i < usage.size()) {
    char c = usage[i];
    bool at_start = i == 0 || std::string_view(" [|").find(usage[i - 1]) != std::string_view::npos;
    if (at_start && (c == '-' || (c >= 'A' && c <= 'Z'))) {
      std::size_t end = i;
      while (end < usage.size() && word_char(usage[end]))
        ++end;
      std::string_view word = usage.substr(i, end - i);
      fmt::format_to(std::back_inserter(out), "\\f{}{}\\fR", c == '-' ? 'B' : 'I',
                     escape(word, true));
      i = end;
    } else {
      out += escape(usage.substr(i, 1), true);
      ++i;
    }
  }
  return out;
}

namespace {
std::string date() {
  std::time_t now = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) now = std::atoll(epoch);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace

void th_line(Out out, std::string_view title, int section, const std::string& version) {
  std::string upper(title);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  fmt::format_to(out, ".TH {} {} {} \"ktstr {}\" \"{}\"\n", escape(upper, true), section, date(),
                 version, section == 5 ? "File Formats" : "User Commands");
}

namespace {

// The .TP tag of an option: "\fB\-n\fR, \fB\-\-nonblock\fR" and its value.
std::string option_tag(const OptionSpec& spec) {
  if (spec.positional) {
    return fmt::format("\\fI{}\\fR{}", escape(spec.value_name, true),
                       spec.repeatable ? "\\&..." : "");
  }
  std::vector<std::string> names;
  for (std::string_view name : option_names(spec))
    names.push_back(fmt::format("\\fB{}\\fR", escape(name, true)));
  std::string tag = fmt::format("{}", fmt::join(names, ", "));
  if (!spec.value_name.empty()) {
    tag += spec.present.has_value() ? fmt::format(" [\\fI{}\\fR]", escape(spec.value_name, true))
                                    : fmt::format(" \\fI{}\\fR", escape(spec.value_name, true));
  }
  return tag;
}

}  // namespace

void option_entries(Out out, const OptionTable& table) {
  for (const OptionSpec& spec : table.specs()) {
    fmt::format_to(out, ".TP\n{}", line(option_tag(spec)));
    std::string text = sentence(spec.help);
    if (!spec.choices.empty()) {
      text += fmt::format(" {} is one of: {}.", spec.value_name, fmt::join(spec.choices, ", "));
    }
    if (spec.min != 0 || spec.max != UINT32_MAX) {
      text += fmt::format(" {} is from {} to {}.", spec.value_name, spec.min, spec.max);
    }
    if (spec.present.has_value()) text += fmt::format(" {} may be left out.", spec.value_name);
    if (spec.positional) {
      if (spec.hint == ValueHint::command) {
        text += " It follows the options, after an optional --.";
      } else {
        text += spec.required ? " At least one is required." : " Optional.";
      }
    } else if (spec.repeatable) {
      text += " May be given more than once.";
    }
    auto excluded = exclusions(spec, table);
    if (!excluded.empty()) text += fmt::format(" Not with {}.", fmt::join(excluded, " or "));
    fmt::format_to(out, "{}", line(prose(text)));
  }
}

void exit_status_entries(Out out, std::string_view text) {
  bool first = true;
  for (std::string_view l : split(text, '\n')) {
    if (l.empty()) continue;
    if (l[0] >= '0' && l[0] <= '9') {
      std::size_t space = l.find(' ');
      fmt::format_to(
          out, ".TP\n.B {}\n{}", escape(l.substr(0, space), true),
          line(prose(sentence(space == std::string_view::npos ? "" : l.substr(space + 1)))));
    } else {
      fmt::format_to(out, "{}{}", first ? "" : ".PP\n", line(prose(sentence(l))));
    }
    first = false;
  }
}

std::string file_tag(std::string_view tag) {
  std::string out;
  for (char c : tag) {
    if (c == '{') {
      out += "\\fI";
    } else if (c == '}') {
      out += "\\fR";
    } else {
      out += escape(std::string_view(&c, 1), true);
    }
  }
  return out;
}

}  // namespace ktstr::docgen
