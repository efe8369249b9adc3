// CPU (and LLC index) lists in the kernel's format (cpuset(7) "List format"): "0-3,8,10-11".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace ktstr {

// Sorted, without duplicates. Errors: ExitCode::usage naming the list.
// An empty string is an empty list (sysfs prints "" for no CPUs); callers
// that need at least one element check for it.
Result<std::vector<unsigned>> parse_cpu_list(std::string_view text);
// The same grammar for LLC indices; errors name an LLC list.
Result<std::vector<unsigned>> parse_llc_list(std::string_view text);

// Inverse of parse_cpu_list, collapsing runs: {2,3,6} -> "2-3,6".
std::string format_cpu_list(const std::vector<unsigned>& cpus);

}  // namespace ktstr
