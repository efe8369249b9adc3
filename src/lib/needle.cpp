#include "needle.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>

namespace ktstr {

Result<Needle> derive_needle(const std::string& path, const std::vector<MountEntry>& mounts) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail_errno("cannot stat " + quote(path), errno);
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
  if (!real) return fail_errno("cannot resolve " + quote(path), errno);

  const MountEntry* mount = covering_mount(mounts, real.get());
  if (mount == nullptr) {
    return fail(ExitCode::os_error,
                "no entry of /proc/self/mountinfo covers " + quote(real.get()),
                "is /proc mounted for this mount namespace?");
  }
  Needle n;
  n.path = path;
  n.canonical = real.get();
  n.key = LockKey{mount->major, mount->minor, static_cast<std::uint64_t>(st.st_ino)};
  n.id = FileId{st.st_dev, st.st_ino};
  n.mount_point = mount->mount_point;
  n.fs_type = mount->fs_type;
  n.stat_dev_differs = ::major(st.st_dev) != mount->major || ::minor(st.st_dev) != mount->minor;
  return n;
}

}  // namespace ktstr
