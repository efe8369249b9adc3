#include "preflight.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <cerrno>

#include "fs_filter.hpp"
#include "lock_file.hpp"
#include "lock_set.hpp"
#include "same_file.hpp"
#include "text.hpp"

namespace ktstr {

namespace {

Status creatable(const std::string& path) {
  if (::access(path.c_str(), F_OK) == 0) return {};
  if (errno != ENOENT)
    return fail_errno(fmt::format("cannot reach lock file {}", quote(path)), errno);
  if (::access(parent_dir(path).c_str(), W_OK | X_OK) != 0) {
    return fail_errno(fmt::format("cannot create lock file {}", quote(path)), errno,
                      ExitCode::cant_create);
  }
  return {};
}

}  // namespace

Status preflight(const PreflightRequest& request) {
  for (const auto& dir : request.lock_file_dirs) {
    auto probe = probe_fs_of_nearest_existing(dir);
    if (!probe) return Unexpected(probe.error());
    if (probe->verdict.refused) return Unexpected(refused_fs_error(dir, probe->verdict));
  }
  if (request.has_caller_named_files) {
    if (auto st = refuse_one_file_named_twice(request.all_paths); !st) return st;
  }
  for (const auto& dir : request.dirs_to_create) {
    if (auto st = make_lock_dir(dir); !st) return st;
  }
  for (const auto& path : request.required_paths) {
    if (auto st = creatable(path); !st) return st;
  }
  return {};
}

Status preflight(const LockPlan& plan) {
  PreflightRequest request;
  for (const auto& spec : plan.request.fixed)
    request.required_paths.push_back(spec.path);
  request.all_paths = lock_paths_of(plan.request);
  request.lock_file_dirs = plan.dirs_to_create;
  request.lock_file_dirs.insert(request.lock_file_dirs.end(), plan.caller_dirs.begin(),
                                plan.caller_dirs.end());
  request.dirs_to_create = plan.dirs_to_create;
  request.has_caller_named_files = plan.has_caller_named_files;
  return preflight(request);
}

}  // namespace ktstr
