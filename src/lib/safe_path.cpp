#include "safe_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>
#include <deque>

#include "text.hpp"

namespace ktstr {

namespace {

constexpr int k_max_links = 40;
// How often one component may change under us before the walk gives up.
constexpr int k_max_races = 100;
constexpr int k_path_flags = O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

std::deque<std::string> components(std::string_view path) {
  std::deque<std::string> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto name = path.substr(0, slash);
    if (!name.empty() && name != ".") out.emplace_back(name);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::string joined(const std::string& dir, const std::string& name) {
  return dir.ends_with('/') ? dir + name : dir + "/" + name;
}

bool sticky_world_writable(const struct stat& st) {
  return (st.st_mode & S_ISVTX) != 0 && (st.st_mode & S_IWOTH) != 0;
}

class Walk {
 public:
  Walk(bool create, LeafMode leaf) : create_(create), leaf_(leaf) {}

  Result<UniqueFd> run(const std::string& path) {
    bool absolute = path.starts_with('/');
    if (auto st = restart(absolute); !st) return Unexpected(st.error());
    todo_ = components(path);
    while (!todo_.empty()) {
      std::string name = std::move(todo_.front());
      todo_.pop_front();
      if (name == "..") {
        UniqueFd up(::openat(dir_.get(), "..", k_path_flags));
        if (!up) return fail_errno("cannot open " + quote(joined(shown_, "..")), errno);
        dir_ = std::move(up);
        shown_ = joined(shown_, "..");
        continue;
      }
      if (auto st = step(name); !st) return Unexpected(st.error());
    }
    return std::move(dir_);
  }

 private:
  Status restart(bool absolute) {
    dir_.reset(::open(absolute ? "/" : ".", k_path_flags));
    if (!dir_) return fail_errno(absolute ? "cannot open '/'" : "cannot open '.'", errno);
    shown_ = absolute ? "/" : ".";
    return {};
  }

  // One component: whatever is there is looked at without following it, and
  // looked at again whenever it changes before it is opened.
  Status step(const std::string& name) {
    std::string here = joined(shown_, name);
    for (int race = 0; race < k_max_races; ++race) {
      struct stat st {};
      if (::fstatat(dir_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT || !create_) {
          return fail_errno("cannot reach directory " + quote(here), errno, ExitCode::cant_create);
        }
        auto made = make(name, here);
        if (!made) return Unexpected(made.error());
        if (*made) return {};
        continue;
      }
      if (S_ISLNK(st.st_mode)) return follow(name, here, st);
      if (!S_ISDIR(st.st_mode)) {
        return fail(
            ExitCode::cant_create,
            fmt::format("{} is {}, not a directory", quote(here), file_type_name(st.st_mode)),
            "remove it or choose another directory");
      }
      UniqueFd next(::openat(dir_.get(), name.c_str(), k_path_flags));
      if (next) {
        dir_ = std::move(next);
        shown_ = here;
        return {};
      }
      if (errno != ELOOP && errno != ENOTDIR && errno != ENOENT) {
        return fail_errno("cannot open directory " + quote(here), errno);
      }
    }
    return fail(ExitCode::os_error,
                fmt::format("{} kept changing while it was opened", quote(here)));
  }

  // mkdirat, then open what is there now without following it: only a
  // directory of ours is fchmod-ed, through its fd. false: something else
  // took the name first; the caller looks again.
  Result<bool> make(const std::string& name, const std::string& here) {
    bool leaf = todo_.empty();
    if (::mkdirat(dir_.get(), name.c_str(), 0777) != 0) {
      if (errno == EEXIST) return false;
      return fail_errno("cannot create directory " + quote(here), errno, ExitCode::cant_create);
    }
    UniqueFd fd(
        ::openat(dir_.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      if (errno == ELOOP || errno == ENOTDIR || errno == ENOENT) return false;
      return fail_errno("cannot open directory " + quote(here), errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail_errno("cannot stat " + quote(here), errno);
    if (!S_ISDIR(st.st_mode)) return false;
    // Not ours: someone put another directory at the name; its mode stands.
    if (leaf && leaf_ == LeafMode::shared_sticky && st.st_uid == ::geteuid() &&
        ::fchmod(fd.get(), 01777) != 0) {
      return fail_errno("cannot chmod directory " + quote(here), errno, ExitCode::cant_create);
    }
    dir_ = std::move(fd);
    shown_ = here;
    return true;
  }

  Status follow(const std::string& name, const std::string& here, const struct stat& link) {
    struct stat parent {};
    if (::fstat(dir_.get(), &parent) != 0) return fail_errno("cannot stat " + quote(shown_), errno);
    uid_t me = ::geteuid();
    if (sticky_world_writable(parent) && link.st_uid != me && link.st_uid != parent.st_uid) {
      return fail(ExitCode::no_perm,
                  fmt::format("symlink {} belongs to {}, in the sticky world-writable {}: "
                              "not followed",
                              quote(here), user_name(link.st_uid), quote(shown_)),
                  "remove the link, or name the directory it points to");
    }
    if (++links_ > k_max_links) {
      return fail_errno("cannot follow symlink " + quote(here), ELOOP, ExitCode::os_error);
    }
    std::string target(static_cast<std::size_t>(link.st_size > 0 ? link.st_size : 255) + 1, '\0');
    ssize_t n = ::readlinkat(dir_.get(), name.c_str(), target.data(), target.size());
    if (n < 0) return fail_errno("cannot read symlink " + quote(here), errno);
    if (static_cast<std::size_t>(n) >= target.size()) {
      // It grew since the lstat: look at it again.
      todo_.push_front(name);
      return {};
    }
    target.resize(static_cast<std::size_t>(n));
    auto parts = components(target);
    todo_.insert(todo_.begin(), parts.begin(), parts.end());
    if (target.starts_with('/')) return restart(true);
    return {};
  }

  bool create_;
  LeafMode leaf_;
  UniqueFd dir_;
  std::string shown_;  // the path of dir_ as walked, for messages
  std::deque<std::string> todo_;
  int links_ = 0;
};

}  // namespace

Result<UniqueFd> open_dir_walk(const std::string& path, bool create, LeafMode leaf) {
  if (path.empty()) return fail(ExitCode::usage, "an empty directory name");
  return Walk(create, leaf).run(path);
}

std::string user_name(uid_t uid) {
  if (auto text = read_small_file("/etc/passwd")) {
    for (auto line : split_lines(*text)) {
      // name:password:uid:...
      auto c1 = line.find(':');
      if (c1 == std::string_view::npos) continue;
      auto c2 = line.find(':', c1 + 1);
      if (c2 == std::string_view::npos) continue;
      auto c3 = line.find(':', c2 + 1);
      auto id = parse_u64(line.substr(c2 + 1, c3 == std::string_view::npos ? c3 : c3 - c2 - 1));
      if (id && *id == uid) return std::string(line.substr(0, c1));
    }
  }
  return fmt::format("uid {}", uid);
}

std::string_view file_type_name(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR:
      return "a directory";
    case S_IFIFO:
      return "a FIFO";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFSOCK:
      return "a socket";
    case S_IFLNK:
      return "a symbolic link";
    case S_IFREG:
      return "a regular file";
    default:
      return "not a regular file";
  }
}

}  // namespace ktstr
