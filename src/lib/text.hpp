// Small text helpers shared by the parsers, and the one reader of whole
// small files (/proc, sysfs) that every thin reader uses.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace ktstr {

// Reads a whole file with open/read, no stdio. /proc and sysfs files report
// size 0, so it reads until EOF. Errors: the open/read errno on `path`.
Result<std::string> read_small_file(const std::string& path);

// Splits on '\n'; a trailing newline does not yield an empty last line.
std::vector<std::string_view> split_lines(std::string_view text);

// "a,b,,c" split at `sep` -> {"a", "b", "", "c"}
std::vector<std::string_view> split(std::string_view text, char sep);

// Splits on runs of ' ' and '\t'.
std::vector<std::string_view> split_fields(std::string_view line);

std::string_view trim(std::string_view s);

// dirname(1) of a path without trailing slashes: "/a/b" -> "/a", "/a" -> "/",
// "a" -> ".".
std::string parent_dir(std::string_view path);
// The last component: "/a/b" -> "b", "b" -> "b".
std::string_view base_name(std::string_view path);

// Whole-string decimal (or, with base 16, hex) parse; nullopt on anything else.
std::optional<std::uint64_t> parse_u64(std::string_view s, int base = 10);

// The length (1-4) of the well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) starting at s[i]; 1 for an
// ASCII byte, 0 when the bytes there are not UTF-8.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// Levenshtein distance; used for "did you mean" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible typo.
std::optional<std::string_view> nearest(std::string_view word,
                                        std::span<const std::string_view> candidates);

}  // namespace ktstr
