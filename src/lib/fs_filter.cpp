#include "fs_filter.hpp"
#include "text.hpp"

#include <sys/vfs.h>

#include <fmt/format.h>
#include <array>
#include <cerrno>

namespace ktstr {

namespace {

struct KnownFs {
  std::uint64_t magic;
  std::string_view name;
  std::string_view refusal;  // empty: flock is reliable
};

// Magic numbers from include/uapi/linux/magic.h and the filesystems' sources.
constexpr std::array k_known_fs{
    KnownFs{0x6969, "nfs",
            "flock on NFS is emulated with byte-range locks or kept local to one client"},
    KnownFs{0xFF534D42, "cifs",
            "flock on CIFS is mapped onto server-side locks other clients may not honour"},
    KnownFs{0xFE534D42, "smb2",
            "flock on SMB2 is mapped onto server-side locks other clients may not honour"},
    KnownFs{0x00C36400, "ceph",
            "flock on CephFS depends on the metadata server and client versions"},
    KnownFs{0x6B414653, "afs", "flock on AFS is advisory to the local cache manager only"},
    KnownFs{0x5346414F, "openafs", "flock on OpenAFS is advisory to the local cache manager only"},
    KnownFs{0x65735546, "fuse",
            "flock on FUSE is implemented, or silently ignored, by the userspace daemon"},
    KnownFs{0xEF53, "ext4", ""},
    KnownFs{0x01021994, "tmpfs", ""},
    KnownFs{0x9123683E, "btrfs", ""},
    KnownFs{0x58465342, "xfs", ""},
    KnownFs{0x794C7630, "overlay", ""},
    KnownFs{0x2FC12FC1, "zfs", ""},
    KnownFs{0xF2F52010, "f2fs", ""},
    KnownFs{0x858458F6, "ramfs", ""},
    KnownFs{0x4D44, "vfat", ""},
    KnownFs{0x5346544E, "ntfs", ""},
    KnownFs{0x7366746E, "ntfs3", ""},
    KnownFs{0x3153464A, "jfs", ""},
    KnownFs{0x52654973, "reiserfs", ""},
    KnownFs{0x9FA0, "proc", ""},
    KnownFs{0x62656572, "sysfs", ""},
    KnownFs{0x1373, "devfs", ""},
    KnownFs{0x01021997, "9p", ""},
};

}  // namespace

FsVerdict classify_fs_magic(std::uint64_t magic) {
  for (const auto& fs : k_known_fs) {
    if (fs.magic == magic) return FsVerdict{magic, fs.name, !fs.refusal.empty(), fs.refusal};
  }
  return FsVerdict{magic, "", false, ""};
}

Result<FsVerdict> probe_fs(const std::string& path) {
  struct statfs st {};
  while (::statfs(path.c_str(), &st) != 0) {
    if (errno != EINTR) return fail_errno("cannot statfs " + quote(path), errno);
  }
  // f_type is a signed word on some ABIs; magics are 32-bit.
  return classify_fs_magic(static_cast<std::uint64_t>(st.f_type) & 0xFFFFFFFFu);
}

Error refused_fs_error(const std::string& path, const FsVerdict& v) {
  return Error{ExitCode::unavailable,
               fmt::format("{} is on {} (magic {:#x}): {}", quote(path), v.name, v.magic, v.reason),
               0, "move the lock dir to a local filesystem (e.g. --lock-dir /tmp)"};
}

Result<FsProbe> probe_fs_of_nearest_existing(const std::string& path) {
  std::string probe = path.empty() ? std::string(".") : path;
  for (;;) {
    auto v = probe_fs(probe);
    if (v) return FsProbe{probe, *v};
    if (v.error().sys_errno != ENOENT || probe == "/" || probe == ".") {
      return Unexpected(v.error());
    }
    probe = parent_dir(probe);
  }
}

}  // namespace ktstr
