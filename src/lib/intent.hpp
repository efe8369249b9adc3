// Waiting intents: how a waiting acquire keeps its place in line.
//
// flock(2) grants a lock to whoever asks while it is free; a request that
// needs an LLC exclusively, or several CPUs at once, would never see its
// whole set free against a stream of single-CPU jobs (the kernel does not
// queue LOCK_SH requests behind a waiting LOCK_EX). So a request that has
// to wait marks each lock file of its set with an intent: an open file
// description lock (F_OFD_SETLK, F_RDLCK) on one byte at offset = its
// ticket, the CLOCK_MONOTONIC time it started. A request takes its set only
// when no lock of it carries an older intent, so later arrivals let the
// oldest waiter in first.
//
// Record locks and flock locks are independent on Linux (fs/locks.c keeps
// them on separate lists), so intents never block a flock: the Rust harness,
// which knows nothing of them, still wins races and is never locked out.
// An intent is only a request to wait, honoured for a bounded time (see
// AcquireOptions::defer_limit): one held by a process that never takes its
// set (a stopped waiter, another user planting one) delays others by that
// bound at most, never makes them miss a release for good. Intents show in
// /proc/locks as OFDLCK READ lines on the lock file's key, starting at the
// ticket, so `locks` can list them.
#pragma once

#include <cstdint>
#include <string>

#include "error.hpp"

namespace ktstr {

// A waiter's place in line; smaller is older. Never 0.
using Ticket = std::int64_t;

// The ticket of a request that starts now.
Ticket new_ticket();

// Marks the lock file open at `fd` with an intent at `ticket`.
// Errors: the fcntl errno (ENOLCK when the kernel is out of lock records).
Status declare_intent(int fd, Ticket ticket, const std::string& path);

// Withdraws it (closing the fd does too).
void withdraw_intent(int fd, Ticket ticket);

// Whether another open file description holds an intent older than
// `ticket` on the file. Errors are read as "none": an intent is a courtesy.
bool has_older_intent(int fd, Ticket ticket);

}  // namespace ktstr
