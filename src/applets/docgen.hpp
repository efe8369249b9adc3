// Man pages and shell completions, generated at build time from the same
// option tables that --help shows (cli.cpp), so no option is described in two
// places. The hand-written parts live in man/ and completions/; the
// generator emits only what the tables know, as named blocks that
// cmake/KtstrGenerate.cmake puts in place of the sources'
// "@KTSTR_GENERATED NAME@" lines.
#pragma once

#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "applets/applet.hpp"
#include "applets/options.hpp"
#include "lib/text.hpp"

namespace ktstr {

// Writes the blocks for `kind` to stdout and returns the exit code. Used by
// the build (`ktstr --generate KIND [ARGS]`):
//   man:ktstr, man:ktstr-APPLET   blocks of man/ktstr.1.in, man/ktstr-APPLET.1.in
//   man:ktstr.toml EXAMPLE        blocks of man/ktstr.toml.5.in, from the
//                                 comments of EXAMPLE (ktstr.toml.example);
//                                 every config key must be documented there
//   bash, zsh, fish               the data part of completions/ktstr.SHELL
// Errors go to stderr: an unknown kind is a usage error (64), an unreadable
// or incomplete example 66 or 78.
int generate_docs(const std::string& kind, const std::string& version,
                  const std::vector<std::string>& args);

namespace docgen {

using Out = std::back_insert_iterator<std::string>;

// Starts the block that replaces "@KTSTR_GENERATED NAME@" in the source.
void begin_block(Out out, std::string_view name);

// An applet with its option table.
struct AppletTable {
  const Applet* applet;
  OptionTable table;
};
std::vector<AppletTable> applet_tables();
OptionTable global_options();     // every applet's, and ktstr's before the applet
OptionTable standard_options();   // --help, --version: added by CLI11, not declared
OptionTable top_level_options();  // bare ktstr only (--list)

// "acquire fscheck ...": the applets' names, space-separated.
std::string applet_names(const std::vector<AppletTable>& all);

// "-n,--nonblock" -> {"-n", "--nonblock"}
std::vector<std::string_view> option_names(const OptionSpec& spec);
std::string_view long_name(const OptionSpec& spec);
// An option (not a positional) that takes a value, maybe an optional one.
bool takes_value(const OptionSpec& spec);
// An option that must be followed by its value.
bool requires_value(const OptionSpec& spec);
// What completes an option's value or a positional: file, directory,
// cpu_list, llc_list, choice, command or text (anything else).
std::string_view value_kind(const OptionSpec& spec);
// The long names of the options `spec` cannot go with, both directions.
std::vector<std::string_view> exclusions(const OptionSpec& spec, const OptionTable& table);

// A string as one single-quoted word (bash, zsh and fish alike).
std::string shell_quote(std::string_view s);

// roff (docgen_roff.cpp).
// Escapes text for a roff text line; `code`: every '-' is \- . Non-ASCII
// becomes \[uXXXX]; `x` in backquotes is set in bold.
std::string escape(std::string_view text, bool code);
// Escapes prose: words that read as code (options, paths, page references)
// get \- and \% , other words keep their hyphens.
std::string prose(std::string_view text);
// A finished text line: a leading '.' or '\'' is kept from being a request.
std::string line(std::string text);
std::string capitalized(std::string_view s);
std::string sentence(std::string_view s);  // capitalized, with a final '.'
// "[--json] PATH..." with options in bold and metavariables in italics.
std::string styled_usage(std::string_view usage);
// "{lock_dir}/ktstr-cpu-{N}.lock" with the braced parts in italics.
std::string file_tag(std::string_view tag);
// The .TH line; the date is SOURCE_DATE_EPOCH's, else today's.
void th_line(Out out, std::string_view title, int section, const std::string& version);
// One .TP entry per option of `table`, its constraints spelt out.
void option_entries(Out out, const OptionTable& table);
// "75 the locks could not be had in time\n..." -> one .TP entry per code;
// a line not starting with a digit is a paragraph.
void exit_status_entries(Out out, std::string_view text);
// The ENVIRONMENT and FILES sections (heading included) of a page: "" for
// ktstr(1), an applet name, or "toml" for ktstr.toml(5). docgen_man.cpp.
void environment_block(Out out, std::string_view page);
void files_block(Out out, std::string_view page);

// The generators, one per file.
int man_blocks(std::string_view page, const std::string& version);  // docgen_man.cpp
int config_blocks(const std::vector<std::string>& args,
                  const std::string& version);  // docgen_toml.cpp
std::string bash_data();                        // docgen_bash.cpp
std::string zsh_data();                         // docgen_zsh.cpp
std::string fish_data();                        // docgen_fish.cpp

}  // namespace docgen
}  // namespace ktstr
