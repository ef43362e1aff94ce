// Makes Debian's abseil synchronisation visible to ThreadSanitizer.
//
// Debian's libabsl_synchronization.so is not built with -fsanitize=thread, so
// its ABSL_TSAN_MUTEX_* annotations are compiled out and TSan never learns
// that absl::Mutex orders memory: every access guarded by one looks like a
// race. This file, linked into a TSan test binary (exported with -rdynamic),
// interposes the out-of-line absl::Mutex, absl::CondVar and
// absl::Notification entry points. Each wrapper tells TSan what the call
// does (the same __tsan_mutex_* annotations abseil makes in a TSan build),
// then calls the real function found with dlsym(RTLD_NEXT). Calls from
// uninstrumented libraries (gRPC's grpc_core::Mutex) reach these wrappers
// through the PLT, so their locking is seen too.
//
// What stays invisible: a Condition evaluated inside a lock operation runs
// while TSan ignores accesses (abseil evaluates it on whichever thread
// unlocks), so a race inside a Condition function is not reported.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#include <sanitizer/tsan_interface.h>

#if defined(__has_feature)
#if !__has_feature(thread_sanitizer)
#error "absl_sync_annotations.cc is only for -fsanitize=thread builds"
#endif
#endif

namespace {

constexpr unsigned kReadLock = __tsan_mutex_read_lock;
constexpr unsigned kTryLock = __tsan_mutex_try_lock;
constexpr unsigned kTryLockFailed = __tsan_mutex_try_lock_failed;
constexpr unsigned kNotStatic = __tsan_mutex_not_static;

#define AUTHGATE_STRINGIFY_INNER(x) #x
#define AUTHGATE_STRINGIFY(x) AUTHGATE_STRINGIFY_INNER(x)

// The mangled name of absl::<inline namespace>::<rest>; `rest` is the
// Itanium mangling after the namespace, e.g. "5Mutex4LockEv" (NS0_ is the
// inline namespace). `prefix` is "_ZN" or "_ZNK" (const member).
std::string AbslSymbol(const char* prefix, const char* rest) {
  const char* ns = AUTHGATE_STRINGIFY(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  return std::string(prefix) + "4absl" + std::to_string(std::strlen(ns)) + ns +
         rest;
}

// The next definition of the symbol after this binary's: abseil's own.
template <typename Fn>
Fn Real(const char* prefix, const char* rest) {
  std::string name = AbslSymbol(prefix, rest);
  void* symbol = dlsym(RTLD_NEXT, name.c_str());
  if (symbol == nullptr) {
    std::fprintf(stderr, "absl_sync_annotations: %s not found\n", name.c_str());
    std::abort();
  }
  return reinterpret_cast<Fn>(symbol);
}

#define AUTHGATE_REAL(type, prefix, rest) \
  static const auto real = Real<type>(prefix, rest)

// abseil's functions call each other through the PLT (CondVar::
// WaitWithTimeout tail-calls WaitWithDeadline, Notification::Notify locks
// its mutex), re-entering these wrappers: only the outermost call annotates.
thread_local int depth = 0;
struct Outermost {
  Outermost() { ++depth; }
  ~Outermost() { --depth; }
};
#define AUTHGATE_FORWARD_IF_NESTED(...)    \
  if (depth > 0) return real(__VA_ARGS__); \
  Outermost outermost

// Which mode a thread holds a mutex in matters when Await or CondVar::Wait
// releases and re-takes it. Readers are rare: a short per-thread list.
constexpr int kMaxReadHeld = 16;
thread_local const void* read_held[kMaxReadHeld];
thread_local int read_held_count = 0;

void NoteReadLocked(const void* mu) {
  if (read_held_count < kMaxReadHeld) read_held[read_held_count++] = mu;
}
void NoteReadUnlocked(const void* mu) {
  for (int i = read_held_count - 1; i >= 0; --i) {
    if (read_held[i] == mu) {
      read_held[i] = read_held[--read_held_count];
      return;
    }
  }
}
unsigned HeldFlags(const void* mu) {
  for (int i = 0; i < read_held_count; ++i) {
    if (read_held[i] == mu) return kReadLock;
  }
  return 0;
}

// Await and CondVar::Wait give the mutex up while they block and hold it
// again on return. Accesses stay ignored until the real call returns, since
// abseil may evaluate the Condition (our code) while TSan thinks the mutex
// is free.
template <typename Call>
auto ReleaseWhile(absl::Mutex* mu, Call call) {
  const unsigned flags = HeldFlags(mu);
  __tsan_mutex_pre_unlock(mu, flags);
  auto result = call();
  __tsan_mutex_post_unlock(mu, flags);
  __tsan_mutex_pre_lock(mu, flags);
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

struct Unit {};

// absl::Notification is { Mutex mutex_; std::atomic<bool> notified_yet_; }:
// the inline HasBeenNotified() is an acquire load TSan sees, so Notify()
// must release on that atomic's address.
void* NotifiedFlag(const absl::Notification* n) {
  static_assert(sizeof(absl::Notification) == 2 * sizeof(absl::Mutex),
                "unexpected absl::Notification layout");
  return const_cast<char*>(reinterpret_cast<const char*>(n) +
                           sizeof(absl::Mutex));
}

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

using MutexFn = void (*)(Mutex*);
using MutexTryFn = bool (*)(Mutex*);
using MutexCondFn = void (*)(Mutex*, const Condition&);
using MutexCondDurationFn = bool (*)(Mutex*, const Condition&, Duration);
using MutexCondTimeFn = bool (*)(Mutex*, const Condition&, Time);

Mutex::~Mutex() {
  AUTHGATE_REAL(MutexFn, "_ZN", "5MutexD2Ev");
  __tsan_mutex_destroy(this, kNotStatic);
  real(this);
}

void Mutex::Lock() {
  AUTHGATE_REAL(MutexFn, "_ZN", "5Mutex4LockEv");
  AUTHGATE_FORWARD_IF_NESTED(this);
  __tsan_mutex_pre_lock(this, 0);
  real(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLock() {
  AUTHGATE_REAL(MutexFn, "_ZN", "5Mutex10ReaderLockEv");
  AUTHGATE_FORWARD_IF_NESTED(this);
  __tsan_mutex_pre_lock(this, kReadLock);
  real(this);
  __tsan_mutex_post_lock(this, kReadLock, 0);
  NoteReadLocked(this);
}

bool Mutex::TryLock() {
  AUTHGATE_REAL(MutexTryFn, "_ZN", "5Mutex7TryLockEv");
  AUTHGATE_FORWARD_IF_NESTED(this);
  __tsan_mutex_pre_lock(this, kTryLock);
  bool locked = real(this);
  __tsan_mutex_post_lock(this, kTryLock | (locked ? 0 : kTryLockFailed), 0);
  return locked;
}

bool Mutex::ReaderTryLock() {
  AUTHGATE_REAL(MutexTryFn, "_ZN", "5Mutex13ReaderTryLockEv");
  AUTHGATE_FORWARD_IF_NESTED(this);
  __tsan_mutex_pre_lock(this, kReadLock | kTryLock);
  bool locked = real(this);
  __tsan_mutex_post_lock(
      this, kReadLock | kTryLock | (locked ? 0 : kTryLockFailed), 0);
  if (locked) NoteReadLocked(this);
  return locked;
}

void Mutex::Unlock() {
  AUTHGATE_REAL(MutexFn, "_ZN", "5Mutex6UnlockEv");
  AUTHGATE_FORWARD_IF_NESTED(this);
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderUnlock() {
  AUTHGATE_REAL(MutexFn, "_ZN", "5Mutex12ReaderUnlockEv");
  AUTHGATE_FORWARD_IF_NESTED(this);
  NoteReadUnlocked(this);
  __tsan_mutex_pre_unlock(this, kReadLock);
  real(this);
  __tsan_mutex_post_unlock(this, kReadLock);
}

void Mutex::LockWhen(const Condition& cond) {
  AUTHGATE_REAL(MutexCondFn, "_ZN", "5Mutex8LockWhenERKNS0_9ConditionE");
  AUTHGATE_FORWARD_IF_NESTED(this, cond);
  __tsan_mutex_pre_lock(this, 0);
  real(this, cond);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  AUTHGATE_REAL(MutexCondFn, "_ZN", "5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  AUTHGATE_FORWARD_IF_NESTED(this, cond);
  __tsan_mutex_pre_lock(this, kReadLock);
  real(this, cond);
  __tsan_mutex_post_lock(this, kReadLock, 0);
  NoteReadLocked(this);
}

// The timed forms hold the mutex on return whatever they return.
bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  AUTHGATE_REAL(MutexCondDurationFn, "_ZN",
                "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  AUTHGATE_FORWARD_IF_NESTED(this, cond, timeout);
  __tsan_mutex_pre_lock(this, 0);
  bool met = real(this, cond, timeout);
  __tsan_mutex_post_lock(this, 0, 0);
  return met;
}

bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond, Duration timeout) {
  AUTHGATE_REAL(
      MutexCondDurationFn, "_ZN",
      "5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  AUTHGATE_FORWARD_IF_NESTED(this, cond, timeout);
  __tsan_mutex_pre_lock(this, kReadLock);
  bool met = real(this, cond, timeout);
  __tsan_mutex_post_lock(this, kReadLock, 0);
  NoteReadLocked(this);
  return met;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  AUTHGATE_REAL(MutexCondTimeFn, "_ZN",
                "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  AUTHGATE_FORWARD_IF_NESTED(this, cond, deadline);
  __tsan_mutex_pre_lock(this, 0);
  bool met = real(this, cond, deadline);
  __tsan_mutex_post_lock(this, 0, 0);
  return met;
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, Time deadline) {
  AUTHGATE_REAL(
      MutexCondTimeFn, "_ZN",
      "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  AUTHGATE_FORWARD_IF_NESTED(this, cond, deadline);
  __tsan_mutex_pre_lock(this, kReadLock);
  bool met = real(this, cond, deadline);
  __tsan_mutex_post_lock(this, kReadLock, 0);
  NoteReadLocked(this);
  return met;
}

void Mutex::Await(const Condition& cond) {
  AUTHGATE_REAL(MutexCondFn, "_ZN", "5Mutex5AwaitERKNS0_9ConditionE");
  AUTHGATE_FORWARD_IF_NESTED(this, cond);
  ReleaseWhile(this, [&] {
    real(this, cond);
    return Unit{};
  });
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  AUTHGATE_REAL(MutexCondDurationFn, "_ZN",
                "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  AUTHGATE_FORWARD_IF_NESTED(this, cond, timeout);
  return ReleaseWhile(this, [&] { return real(this, cond, timeout); });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  AUTHGATE_REAL(MutexCondTimeFn, "_ZN",
                "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  AUTHGATE_FORWARD_IF_NESTED(this, cond, deadline);
  return ReleaseWhile(this, [&] { return real(this, cond, deadline); });
}

void CondVar::Wait(Mutex* mu) {
  AUTHGATE_REAL(void (*)(CondVar*, Mutex*), "_ZN",
                "7CondVar4WaitEPNS0_5MutexE");
  AUTHGATE_FORWARD_IF_NESTED(this, mu);
  ReleaseWhile(mu, [&] {
    real(this, mu);
    return Unit{};
  });
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  AUTHGATE_REAL(bool (*)(CondVar*, Mutex*, Duration), "_ZN",
                "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  AUTHGATE_FORWARD_IF_NESTED(this, mu, timeout);
  return ReleaseWhile(mu, [&] { return real(this, mu, timeout); });
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  AUTHGATE_REAL(bool (*)(CondVar*, Mutex*, Time), "_ZN",
                "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  AUTHGATE_FORWARD_IF_NESTED(this, mu, deadline);
  return ReleaseWhile(mu, [&] { return real(this, mu, deadline); });
}

void Notification::Notify() {
  AUTHGATE_REAL(void (*)(Notification*), "_ZN", "12Notification6NotifyEv");
  AUTHGATE_FORWARD_IF_NESTED(this);
  __tsan_release(NotifiedFlag(this));
  real(this);
}

void Notification::WaitForNotification() const {
  AUTHGATE_REAL(void (*)(const Notification*), "_ZNK",
                "12Notification19WaitForNotificationEv");
  AUTHGATE_FORWARD_IF_NESTED(this);
  real(this);
  __tsan_acquire(NotifiedFlag(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  AUTHGATE_REAL(
      bool (*)(const Notification*, Duration), "_ZNK",
      "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE");
  AUTHGATE_FORWARD_IF_NESTED(this, timeout);
  bool notified = real(this, timeout);
  if (notified) __tsan_acquire(NotifiedFlag(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  AUTHGATE_REAL(bool (*)(const Notification*, Time), "_ZNK",
                "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE");
  AUTHGATE_FORWARD_IF_NESTED(this, deadline);
  bool notified = real(this, deadline);
  if (notified) __tsan_acquire(NotifiedFlag(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
