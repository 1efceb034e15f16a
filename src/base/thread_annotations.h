// Thread-safety annotations, checked by clang's -Wthread-safety (on in every clang build of
// Herald: the fuzz build that `make test` runs); GCC ignores them. Mark each field with the lock
// that guards it and each function with the locks it needs or must not hold:
//
//   Mutex mu_;
//   int64_t next_ GUARDED_BY(mu_) = 0;
//   void RollLocked() REQUIRES(mu_);
//   void Flush() EXCLUDES(mu_);
//
// Locks are taken with MutexLock (base/mutex.h), which the analysis follows.
#pragma once

#if defined(__clang__)
#define HERALD_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define HERALD_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) HERALD_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY HERALD_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) HERALD_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) HERALD_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) HERALD_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) HERALD_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) HERALD_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) HERALD_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) HERALD_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) HERALD_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) HERALD_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) HERALD_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) HERALD_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) HERALD_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) HERALD_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) HERALD_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) HERALD_THREAD_ANNOTATION(lock_returned(x))
// For the rare function the analysis cannot follow; say why beside it.
#define NO_THREAD_SAFETY_ANALYSIS HERALD_THREAD_ANNOTATION(no_thread_safety_analysis)
