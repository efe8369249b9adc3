// Reaching (and creating) the directories the tool shares with every user of
// the host, the lock dir and the cache's .locks, without a window another
// user could use to steer it (SPEC §3, trust rules).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "error.hpp"
#include "unique_fd.hpp"

namespace ktstr {

enum class LeafMode {
  as_created,     // the mode mkdir gives under the umask
  shared_sticky,  // 1777, like /run/lock: a meeting point for every user
};

// Opens the directory `path` one component at a time, each relative to an
// O_DIRECTORY|O_NOFOLLOW fd of its parent, creating the missing ones when
// `create`:
//  - a missing component is made with mkdirat on the parent's fd, opened
//    O_NOFOLLOW, checked to be a directory owned by this user and, for the
//    leaf with LeafMode::shared_sticky, fchmod-ed through that fd. Nothing is
//    chmod-ed by path, and an existing directory's mode stands;
//  - a symlink that sits in a sticky, world-writable directory is followed
//    only when this user or the directory's owner owns it (the kernel's
//    protected_symlinks rule, applied whatever the sysctl says); other
//    symlinks are followed, 40 at most.
// Returns an fd of the directory (O_PATH, or O_RDONLY when created here).
// Errors: no_perm (a link that may not be followed, EACCES), cant_create
// (a component is not a directory or cannot be created), os_error.
Result<UniqueFd> open_dir_walk(const std::string& path, bool create, LeafMode leaf);

// "nobody" for uid 65534, from /etc/passwd (the binary is static, so no
// NSS); "uid N" when the uid has no entry.
std::string user_name(uid_t uid);

// "a FIFO", "a directory", "a character device", ... for a non-regular mode.
std::string_view file_type_name(mode_t mode);

}  // namespace ktstr
