#include "needle.hpp"
#include "text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <optional>

namespace ktstr {

namespace {

// The mount point of the mount canonical `path` is on, as the kernel
// resolves it: the deepest of the path and its ancestors that is the root
// of a mount (STATX_ATTR_MOUNT_ROOT). Longest-prefix matching over mountinfo
// alone picks a mount that a later mount on an ancestor hides (mount A on
// /x/y, then B on /x: /x/y/f is on B, not A), and the key it gives matches
// no lock that file can ever have. nullopt when statx cannot say (kernels
// before 5.8), and the caller falls back to the prefix match.
std::optional<std::string> visible_mount_point(std::string path) {
  for (;;) {
    struct statx stx {};
    // AT_NO_AUTOMOUNT: asking must not mount an autofs trigger on the way.
    if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, 0, &stx) != 0 ||
        (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) == 0) {
      return std::nullopt;
    }
    if ((stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0) return path;
    if (path == "/" || !path.starts_with('/')) return std::nullopt;
    path = parent_dir(path);
  }
}

}  // namespace

const MountEntry* mount_of(const std::vector<MountEntry>& mounts, const std::string& canonical) {
  if (auto point = visible_mount_point(canonical)) {
    const MountEntry* top = nullptr;
    for (const auto& m : mounts) {
      if (m.mount_point == *point) top = &m;
    }
    if (top != nullptr) return top;
  }
  return covering_mount(mounts, canonical);
}

Result<const MountEntry*> mount_of_path(const std::string& path,
                                        const std::vector<MountEntry>& mounts) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
  if (!real) return fail_errno("cannot resolve " + quote(path), errno);
  const MountEntry* mount = mount_of(mounts, real.get());
  if (mount == nullptr) {
    return fail(ExitCode::os_error, "no entry of /proc/self/mountinfo covers " + quote(real.get()),
                "is /proc mounted for this mount namespace?");
  }
  return mount;
}

Result<NeedleReport> report_needle(const std::string& path, const std::vector<MountEntry>& mounts) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail_errno("cannot stat " + quote(path), errno);
  auto found = mount_of_path(path, mounts);
  if (!found) return Unexpected(found.error());
  const MountEntry& mount = **found;
  return NeedleReport{
      Needle{path, LockKey{mount.major, mount.minor, static_cast<std::uint64_t>(st.st_ino)},
             FileId{st.st_dev, st.st_ino}},
      MountFacts{mount.mount_point, mount.fs_type,
                 ::major(st.st_dev) != mount.major || ::minor(st.st_dev) != mount.minor}};
}

Result<Needle> derive_needle(const std::string& path, const std::vector<MountEntry>& mounts) {
  auto report = report_needle(path, mounts);
  if (!report) return Unexpected(report.error());
  return std::move(report->needle);
}

}  // namespace ktstr
