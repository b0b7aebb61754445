// Small C helpers for what Swift cannot import directly: macros (CPU_COUNT), variadic calls,
// atomics on shared memory and a cheap cycle counter. Hot helpers are static inline here.
#ifndef CPARALLELKIT_H
#define CPARALLELKIT_H

// The header must not define _GNU_SOURCE: Swift imports it next to the system modules, and a
// different feature set here makes glibc's structs (fd_set) disagree with SwiftGlibc's. Helpers
// that need GNU extensions are declared here and defined in CParallelKit.c.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <time.h>

/// The number of CPUs this thread may run on (sched_getaffinity), or -1 with errno set.
int pk_affinity_cpu_count(void);

/// Names `thread` for debuggers and `ps -L` (Linux keeps at most 15 bytes).
void pk_set_thread_name(pthread_t thread, const char *name);

/// Copies the main executable's GNU build-id (up to `capacity` bytes) into `out`; returns its
/// length, or 0 when the executable has none.
size_t pk_executable_build_id(unsigned char *out, size_t capacity);

/// Waits while the 32-bit word at `word` (in shared memory) holds `expected`, at most
/// `timeout_ns` nanoseconds (a process-shared futex). Returns 0 when woken or when the word
/// already differed, else an errno (ETIMEDOUT, EINTR).
int pk_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns);

/// Wakes every process and thread waiting on `word` with ``pk_futex_wait``.
void pk_futex_wake_all(uint32_t *word);

/// Copies the calling thread's name into `out` (at least 16 bytes). Returns 0 or an error number.
int pk_current_thread_name(char *out, size_t capacity);

/// Asks the kernel to send `signal` to the calling process when its parent thread dies
/// (`prctl(PR_SET_PDEATHSIG)`, which Swift cannot call: it is variadic). Returns 0 or -1.
static inline int pk_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

/// Sets `attributes` (initialized by the caller) so that a spawned child starts with no signal
/// blocked, with the signals in `default_signals` (bit n-1 for signal n) back at their default
/// action, and in a process group of its own when `new_group` is non-zero. Returns 0 or an error
/// number.
int pk_spawnattr_configure(posix_spawnattr_t *attributes, uint64_t default_signals, int new_group);

/// Adds a file action that closes every descriptor from `lowest` up in the child (glibc's
/// posix_spawn_file_actions_addclosefrom_np, 2.34+). Returns 0 or an error number.
int pk_spawn_file_actions_close_from(posix_spawn_file_actions_t *actions, int lowest);

/// Adds a file action that changes the child's working directory to `path` before its exec
/// (glibc's posix_spawn_file_actions_addchdir_np, 2.29+). Returns 0 or an error number.
int pk_spawn_file_actions_chdir(posix_spawn_file_actions_t *actions, const char *path);

/// `pk_clone_launch.standard_fds`: keep the parent's descriptor.
#define PK_FD_INHERIT (-1)
/// `pk_clone_launch.standard_fds`: open /dev/null (read-only for input, write-only otherwise).
#define PK_FD_DEV_NULL (-2)

/// What a child started by ``pk_clone_spawn`` does before it becomes its program. The parent
/// fills it in and keeps it, the strings and arrays it points to, and the child's stack alive
/// until the child has been reaped: the child shares the parent's memory until its exec.
typedef struct pk_clone_launch {
    /// The executable, and its NULL-terminated arguments and environment.
    const char *path;
    char *const *argv;
    char *const *envp;
    /// `shell_argv[0]` is the shell and `shell_argv[1]` the path; the rest are argv[1...]. It runs
    /// an executable the kernel cannot start (ENOEXEC: a script with no `#!`), as execvp(3) does.
    /// NULL: no fallback.
    char *const *shell_argv;
    /// The sources of the child's descriptors 0, 1 and 2: a descriptor, PK_FD_INHERIT or
    /// PK_FD_DEV_NULL.
    int standard_fds[3];
    /// `passed_count` pairs (parent descriptor, child descriptor), set up before the standard
    /// streams.
    const int *passed;
    int passed_count;
    /// Closes every descriptor from this one up before the exec (close_range); -1: none.
    int close_from;
    /// Non-zero: the child starts a process group of its own (its pid).
    int new_group;
    /// The working directory to change to before the exec; NULL: the parent's.
    const char *working_directory;
    /// Signals (bit n-1 for signal n) put back to their default action although the parent
    /// ignores them; caught signals always are.
    uint64_t default_signals;
    /// Set by the child when it could not exec (an errno); read only after the child was reaped.
    int exec_errno;
} pk_clone_launch;

/// Starts a child described by `launch`: every caught signal back at its default action (and the
/// ignored ones in `default_signals`), no signal blocked, its descriptors and group as `launch`
/// says, then it execs `launch->path`. On x86_64 and arm64 the call returns as soon as the child
/// exists, without waiting for its exec (the child makes raw system calls only, so it touches
/// nothing of the parent's but `launch` and `stack`); elsewhere it waits for the exec, as
/// posix_spawn does. `stack` (16-byte aligned, `stack_size` bytes) is the child's until its exec.
/// Returns the pid and stores a pidfd in `*pidfd` (-1 if the kernel gave none), or returns -errno
/// when no child was made.
///
/// Only for programs that run one thread (the CLI runner): see CloneSpawn.c.
int pk_clone_spawn(pk_clone_launch *launch, void *stack, size_t stack_size, int *pidfd);

/// Opens a pidfd for `pid` (Linux 5.3+): a descriptor that poll() reports readable once the
/// process has exited. Returns the descriptor, or -1 with errno set (ENOSYS on older kernels).
int pk_pidfd_open(int pid);

/// Sends `signal` to the process `pidfd` refers to (`pidfd_send_signal`, Linux 5.1+): unlike
/// kill(2) it can never reach another process that was given the same pid. Returns 0, or -1 with
/// errno set (ESRCH once the process has been reaped, ENOSYS on older kernels).
int pk_pidfd_send_signal(int pidfd, int signal);

/// Whether the child `pid` has ended, without reaping it (`waitid` with `WNOWAIT`): 1 when it
/// has, 0 when it still runs (only when `blocking` is 0; else it waits), -1 with errno set
/// (ECHILD: not a child, or already reaped). Its pid and process group stay reserved until it is
/// reaped, so both can still be signalled safely.
int pk_child_has_ended(int pid, int blocking);

/// memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING, and MFD_NOEXEC_SEAL where the kernel
/// knows it): anonymous shared memory that exists only while a descriptor or a mapping holds it.
/// Returns the descriptor, or -1 with errno set.
int pk_memfd_create(const char *name);

/// The seals pk_memfd_seal adds.
typedef enum {
    /// F_SEAL_SHRINK | F_SEAL_GROW: nobody can change the size (a shrink would make the
    /// creator's mapping fault with SIGBUS).
    pk_memfd_seal_size,
    /// The same, and F_SEAL_SEAL: no seal can be added later.
    pk_memfd_seal_size_final,
    /// F_SEAL_FUTURE_WRITE | F_SEAL_SEAL: no new writable mapping and no write(); mappings made
    /// before stay as they are.
    pk_memfd_seal_writes_final,
} pk_memfd_seals;

/// Adds `seals` to a memfd made by pk_memfd_create (fcntl F_ADD_SEALS). Returns 0, or -1 with
/// errno set.
int pk_memfd_seal(int fd, pk_memfd_seals seals);

/// Makes SIGINT, SIGTERM and SIGHUP write their number as one byte to `fd` (a non-blocking pipe)
/// instead of ending the process, so a poll() loop can react to them; signals the process
/// inherited as ignored stay ignored. Handlers do not restart interrupted calls. Returns 0 or -1.
int pk_install_signal_pipe(int fd);

/// Whether one of those signals has arrived since ``pk_install_signal_pipe``: 1 or 0.
int pk_signal_was_received(void);

/// Puts SIGINT, SIGTERM and SIGHUP back to their default action.
void pk_restore_default_signals(void);

/// memmem(3) and memrchr(3), GNU extensions the imported header cannot declare.
const void *pk_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);
const void *pk_memrchr(const void *bytes, int byte, size_t length);

/// pipe2(2) with close-on-exec (and O_NONBLOCK on both ends when `nonblocking`); 0 or -1.
int pk_pipe_cloexec(int fds[2], int nonblocking);

/// Opens an unnamed temporary file in `directory` (O_TMPFILE), or returns -1 with errno set.
int pk_open_tmpfile(const char *directory);

/// Sequentially consistent atomics on 64-bit words in shared memory (Swift's `Atomic` cannot
/// live at an address another process maps).
static inline uint64_t pk_atomic_load_u64(uint64_t *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }
static inline void pk_atomic_store_u64(uint64_t *word, uint64_t value) { __atomic_store_n(word, value, __ATOMIC_SEQ_CST); }
static inline uint64_t pk_atomic_add_u64(uint64_t *word, uint64_t value) {
    return __atomic_add_fetch(word, value, __ATOMIC_SEQ_CST);
}
/// Returns 1 and stores `desired` if `*word == *expected`; else returns 0 and loads `*expected`.
static inline int pk_atomic_cas_u64(uint64_t *word, uint64_t *expected, uint64_t desired) {
    return __atomic_compare_exchange_n(word, expected, desired, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/// Initializes a process-shared, robust mutex in place. Returns 0 or an error number.
static inline int pk_robust_mutex_init(pthread_mutex_t *mutex) {
    pthread_mutexattr_t attributes;
    int status = pthread_mutexattr_init(&attributes);
    if (status != 0) return status;
    pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    status = pthread_mutex_init(mutex, &attributes);
    pthread_mutexattr_destroy(&attributes);
    return status;
}

/// Locks a robust mutex. Returns 0, or 1 when the previous owner died holding it (the mutex is
/// then made consistent and is held by the caller), or -1 on another error.
static inline int pk_robust_mutex_lock(pthread_mutex_t *mutex) {
    int status = pthread_mutex_lock(mutex);
    if (status == 0) return 0;
    if (status == EOWNERDEAD) {
        pthread_mutex_consistent(mutex);
        return 1;
    }
    return -1;
}

/// A monotonic tick counter that costs a few nanoseconds: the time-stamp counter on x86-64,
/// the virtual counter on AArch64, CLOCK_MONOTONIC nanoseconds elsewhere. Ticks are
/// converted to time by a rate measured once (see Ticks.swift).
static inline uint64_t pk_ticks(void) {
#if defined(__x86_64__)
    return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
    uint64_t value;
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(value));
    return value;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
#endif
}

#endif
