#include "same_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <map>
#include <string_view>
#include <tuple>

namespace ktstr {

namespace {

std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty() && part != ".") out.emplace_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string join_applying_dotdot(const std::vector<std::string>& parts, std::size_t from) {
  std::vector<std::string_view> kept;
  for (std::size_t i = from; i < parts.size(); ++i) {
    if (parts[i] == ".." && !kept.empty() && kept.back() != "..") {
      kept.pop_back();
    } else {
      kept.push_back(parts[i]);
    }
  }
  std::string out;
  for (auto part : kept) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

}  // namespace

std::optional<FileIdentity> identify_file(const std::string& path) {
  bool absolute = path.starts_with('/');
  std::vector<std::string> parts = components(path);
  for (std::size_t k = parts.size() + 1; k-- > 0;) {
    std::string prefix = absolute ? "/" : "";
    for (std::size_t i = 0; i < k; ++i) {
      if (i > 0) prefix += '/';
      prefix += parts[i];
    }
    if (prefix.empty()) prefix = ".";
    struct stat st {};
    if (::stat(prefix.c_str(), &st) == 0) {
      return FileIdentity{st.st_dev, st.st_ino, join_applying_dotdot(parts, k)};
    }
    if (errno != ENOENT && errno != ENOTDIR) return std::nullopt;
  }
  return std::nullopt;
}

Status refuse_one_file_named_twice(const std::vector<std::string>& paths) {
  std::map<std::tuple<dev_t, ino_t, std::string>, const std::string*> seen;
  for (const auto& path : paths) {
    auto id = identify_file(path);
    if (!id) continue;
    auto [it, fresh] = seen.try_emplace(std::tuple(id->dev, id->ino, id->rest), &path);
    if (!fresh && *it->second != path) {
      return fail(ExitCode::usage,
                  quote(*it->second) + " and " + quote(path) + " are the same file",
                  "name each lock file once");
    }
  }
  return {};
}

}  // namespace ktstr
