#pragma once

#include <string_view>

namespace ktstr {

enum class LockMode { shared, exclusive };

// "shared" / "exclusive", the words of the JSON output and the Rust harness.
constexpr std::string_view lock_mode_name(LockMode m) {
  return m == LockMode::shared ? "shared" : "exclusive";
}

}  // namespace ktstr
