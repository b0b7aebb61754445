// Starting a child without waiting for its exec: `pk_clone_spawn` in CParallelKit.h, the clone
// strategy of ParallelKitSystem's ProcessSpawner.
//
// posix_spawn clones with CLONE_VM | CLONE_VFORK: the child borrows the parent's memory, and the
// calling thread sleeps until the child has exec'd (0.25-0.5 ms per job on a 2-core VM), while
// other jobs that end meanwhile wait for their slot to be refilled. Here the parent goes on at
// once. That is safe because the child only reads `launch` (which the parent keeps until the
// child is reaped) and makes raw system calls: it shares the parent thread's TLS, so it must not
// set errno, take a lock, or run a signal handler (every signal is blocked until the handlers
// are reset).
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "CParallelKit.h"

#if defined(__x86_64__) || defined(__aarch64__)
#define PK_LAUNCH_WAITS_FOR_EXEC 0
#else
#define PK_LAUNCH_WAITS_FOR_EXEC 1
#endif

/// A system call that leaves errno alone: the result, or -errno.
static inline long pk_child_syscall(long number, long a, long b, long c, long d) {
#if defined(__x86_64__)
    register long r10 __asm__("r10") = d;
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return result;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
#else
    // CLONE_VFORK: the parent thread sleeps until the exec, so its errno is free to use.
    long result = syscall(number, a, b, c, d);
    return result < 0 ? -errno : result;
#endif
}

/// The kernel's own `struct sigaction` (x86_64 and arm64 both have sa_restorer).
struct pk_kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

/// Makes `source` the child's descriptor `target`: dup3 (which leaves close-on-exec off), or,
/// when it already is, clears close-on-exec. Returns 0 or -errno.
static inline long pk_child_place(int source, long target) {
    if (source == target) return pk_child_syscall(SYS_fcntl, target, F_SETFD, 0, 0);
    long result = pk_child_syscall(SYS_dup3, source, target, 0, 0);
    return result < 0 ? result : 0;
}

static int pk_clone_child(void *argument) {
    pk_clone_launch *launch = (pk_clone_launch *)argument;
    // A caught signal would run the parent's handler on the parent's memory: back to default,
    // as exec would do anyway. Ignored signals stay ignored (nohup), but for `default_signals`.
    // Field by field: a struct initializer may become a call to memset, and the child calls
    // nothing outside this file (a first call through the PLT would run the dynamic linker).
    struct pk_kernel_sigaction current, fallback;
    fallback.handler = SIG_DFL;
    fallback.flags = 0;
    fallback.restorer = 0;
    fallback.mask = 0;
    for (long sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        if (pk_child_syscall(SYS_rt_sigaction, sig, 0, (long)&current, 8) != 0) continue;
        if (current.handler == SIG_DFL) continue;
        if (current.handler == SIG_IGN && !((launch->default_signals >> (sig - 1)) & 1)) continue;
        pk_child_syscall(SYS_rt_sigaction, sig, (long)&fallback, 0, 8);
    }
    if (launch->new_group) pk_child_syscall(SYS_setpgid, 0, 0, 0, 0);
    long result = 0;
    for (int index = 0; index < launch->passed_count && result >= 0; index++) {
        result = pk_child_place(launch->passed[2 * index], launch->passed[2 * index + 1]);
    }
    for (long target = 0; target < 3 && result >= 0; target++) {
        int source = launch->standard_fds[target];
        if (source == PK_FD_INHERIT) continue;
        if (source == PK_FD_DEV_NULL) {
            long mode = target == 0 ? O_RDONLY : O_WRONLY;
            result = pk_child_syscall(SYS_openat, AT_FDCWD, (long)"/dev/null", mode | O_CLOEXEC, 0);
            if (result < 0) break;
            source = (int)result;
        }
        result = pk_child_place(source, target);
    }
    if (result >= 0 && launch->working_directory != 0) {
        result = pk_child_syscall(SYS_chdir, (long)launch->working_directory, 0, 0, 0);
    }
    if (result >= 0 && launch->close_from >= 0) {
#ifdef SYS_close_range
        result = pk_child_syscall(SYS_close_range, launch->close_from, ~0U, 0, 0);
#else
        result = -ENOSYS;
#endif
    }
    if (result >= 0) {
        uint64_t none = 0;
        pk_child_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8);
        result = pk_child_syscall(SYS_execve, (long)launch->path, (long)launch->argv, (long)launch->envp, 0);
        if (result == -ENOEXEC && launch->shell_argv != 0) {
            result = pk_child_syscall(
                SYS_execve, (long)launch->shell_argv[0], (long)launch->shell_argv, (long)launch->envp, 0);
        }
    }
    launch->exec_errno = (int)-result;
    pk_child_syscall(SYS_exit_group, 127, 0, 0, 0);
    return 127;
}

int pk_clone_spawn(pk_clone_launch *launch, void *stack, size_t stack_size, int *pidfd) {
    // Every signal blocked across the clone, glibc's own two included (sigfillset leaves them
    // out), so that none reaches the child before its handlers are reset.
    uint64_t all = ~(uint64_t)0, saved = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &saved, 8);
    int flags = CLONE_VM | CLONE_PIDFD | SIGCHLD;
    if (PK_LAUNCH_WAITS_FOR_EXEC) flags |= CLONE_VFORK;
    *pidfd = -1;
    launch->exec_errno = 0;
    char *top = (char *)(((uintptr_t)stack + stack_size) & ~(uintptr_t)15);
    int pid = clone(pk_clone_child, top, flags, launch, pidfd);
    int error = errno;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved, 0, 8);
    if (pid < 0) return -error;
    // The child makes its own group too; whichever call comes first, the group exists on return,
    // so the caller can signal it at once.
    if (launch->new_group) setpgid(pid, pid);
    return pid;
}
