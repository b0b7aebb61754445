// The helpers that need GNU extensions (CPU_COUNT, pthread_setname_np, dl_iterate_phdr, …).
// _GNU_SOURCE is defined only in this translation unit, never in the imported header.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <sched.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "CParallelKit.h"

int pk_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return -1;
    }
    return CPU_COUNT(&set);
}

void pk_set_thread_name(pthread_t thread, const char *name) {
    char truncated[16];
    int i = 0;
    for (; i < 15 && name[i] != 0; i++) truncated[i] = name[i];
    truncated[i] = 0;
    pthread_setname_np(thread, truncated);
}

int pk_futex_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns) {
    struct timespec timeout = { (time_t)(timeout_ns / 1000000000), (long)(timeout_ns % 1000000000) };
    if (syscall(SYS_futex, word, FUTEX_WAIT, expected, &timeout, NULL, 0) == 0) return 0;
    return errno == EAGAIN ? 0 : errno;
}

void pk_futex_wake_all(uint32_t *word) {
    syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

int pk_current_thread_name(char *out, size_t capacity) {
    return pthread_getname_np(pthread_self(), out, capacity);
}

struct pk_build_id_search {
    unsigned char *out;
    size_t capacity;
    size_t length;
};

static int pk_build_id_callback(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct pk_build_id_search *search = (struct pk_build_id_search *)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *header = &info->dlpi_phdr[i];
        if (header->p_type != PT_NOTE) continue;
        const unsigned char *note = (const unsigned char *)(info->dlpi_addr + header->p_vaddr);
        const unsigned char *end = note + header->p_memsz;
        while (note + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nhdr = (const ElfW(Nhdr) *)note;
            size_t name_size = (nhdr->n_namesz + 3) & ~(size_t)3;
            size_t desc_size = (nhdr->n_descsz + 3) & ~(size_t)3;
            const unsigned char *name = note + sizeof(ElfW(Nhdr));
            const unsigned char *desc = name + name_size;
            if (desc + nhdr->n_descsz > end) break;
            if (nhdr->n_type == NT_GNU_BUILD_ID && nhdr->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                size_t length = nhdr->n_descsz < search->capacity ? nhdr->n_descsz : search->capacity;
                memcpy(search->out, desc, length);
                search->length = length;
                return 1;
            }
            note = desc + desc_size;
        }
    }
    return 1; /* only the main executable, which dl_iterate_phdr reports first */
}

size_t pk_executable_build_id(unsigned char *out, size_t capacity) {
    struct pk_build_id_search search = { out, capacity, 0 };
    dl_iterate_phdr(pk_build_id_callback, &search);
    return search.length;
}

int pk_spawnattr_configure(posix_spawnattr_t *attributes, uint64_t default_signals, int new_group) {
    sigset_t none, reset;
    sigemptyset(&none);
    sigemptyset(&reset);
    for (int sig = 1; sig <= 64; sig++) {
        if ((default_signals >> (sig - 1)) & 1) sigaddset(&reset, sig);
    }
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    int status = posix_spawnattr_setsigmask(attributes, &none);
    if (status == 0) status = posix_spawnattr_setsigdefault(attributes, &reset);
    if (status == 0 && new_group) {
        status = posix_spawnattr_setpgroup(attributes, 0);
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    if (status == 0) status = posix_spawnattr_setflags(attributes, flags);
    return status;
}

int pk_pidfd_open(int pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int pk_pidfd_send_signal(int pidfd, int signal) {
#ifdef SYS_pidfd_send_signal
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int pk_child_has_ended(int pid, int blocking) {
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    int options = WEXITED | WNOWAIT | (blocking ? 0 : WNOHANG);
    if (waitid(P_PID, (id_t)pid, &info, options) != 0) return -1;
    return info.si_pid == pid ? 1 : 0;
}

int pk_memfd_create(const char *name) {
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
    // MFD_NOEXEC_SEAL (Linux 6.3+) says the memory is never executable, and keeps the kernel
    // from warning about a memfd made without MFD_EXEC or MFD_NOEXEC_SEAL; older kernels
    // refuse the flag (EINVAL), and get the same memory without it.
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
    if (fd < 0 && errno == EINVAL) fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    return fd;
}

int pk_memfd_seal(int fd, pk_memfd_seals seals) {
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
    int flags = 0;
    switch (seals) {
    case pk_memfd_seal_size: flags = F_SEAL_SHRINK | F_SEAL_GROW; break;
    case pk_memfd_seal_size_final: flags = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL; break;
    case pk_memfd_seal_writes_final: flags = F_SEAL_FUTURE_WRITE | F_SEAL_SEAL; break;
    }
    return fcntl(fd, F_ADD_SEALS, flags);
}

static volatile sig_atomic_t pk_signal_fd = -1;
static volatile sig_atomic_t pk_signal_received = 0;

static void pk_signal_to_pipe(int signal) {
    int saved = errno;
    pk_signal_received = 1;
    unsigned char byte = (unsigned char)signal;
    if (pk_signal_fd >= 0) {
        ssize_t ignored = write(pk_signal_fd, &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

int pk_spawn_file_actions_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int pk_install_signal_pipe(int fd) {
    pk_signal_fd = fd;
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = pk_signal_to_pipe;
    sigemptyset(&action.sa_mask);
    /* No SA_RESTART: a read blocked on standard input must return (EINTR) so the runner can
       stop its jobs; every other call site retries EINTR itself. */
    action.sa_flags = 0;
    int signals[] = { SIGINT, SIGTERM, SIGHUP };
    for (int i = 0; i < 3; i++) {
        struct sigaction current;
        if (sigaction(signals[i], NULL, &current) != 0) return -1;
        if (current.sa_handler == SIG_IGN) continue;  /* nohup, trap '' INT: keep ignoring */
        if (sigaction(signals[i], &action, NULL) != 0) return -1;
    }
    return 0;
}

int pk_signal_was_received(void) {
    return pk_signal_received;
}

void pk_restore_default_signals(void) {
    int signals[] = { SIGINT, SIGTERM, SIGHUP };
    for (int i = 0; i < 3; i++) signal(signals[i], SIG_DFL);
}

const void *pk_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    return memmem(haystack, haystack_length, needle, needle_length);
}

const void *pk_memrchr(const void *bytes, int byte, size_t length) {
    return memrchr(bytes, byte, length);
}

int pk_open_tmpfile(const char *directory) {
    return open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
}

int pk_pipe_cloexec(int fds[2], int nonblocking) {
    return pipe2(fds, O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
}

int pk_spawn_file_actions_close_from(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}
