// Small C helpers for what Swift cannot import directly: macros (CPU_COUNT) and
// a cheap cycle counter. Everything is static inline; the .c file exists only
// because SwiftPM needs a source file in a C target.
#ifndef CPARALLELKIT_H
#define CPARALLELKIT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

/// The number of CPUs this thread may run on (sched_getaffinity), or -1 with errno set.
static inline int pk_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return -1;
    }
    return CPU_COUNT(&set);
}

/// Names `thread` for debuggers and `ps -L` (Linux keeps at most 15 bytes).
static inline void pk_set_thread_name(pthread_t thread, const char *name) {
    char truncated[16];
    int i = 0;
    for (; i < 15 && name[i] != 0; i++) truncated[i] = name[i];
    truncated[i] = 0;
    pthread_setname_np(thread, truncated);
}

/// Asks the kernel to send `signal` to the calling process when its parent thread dies
/// (`prctl(PR_SET_PDEATHSIG)`, which Swift cannot call: it is variadic). Returns 0 or -1.
static inline int pk_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

struct pk_build_id_search {
    unsigned char *out;
    size_t capacity;
    size_t length;
};

static inline int pk_build_id_callback(struct dl_phdr_info *info, size_t size, void *data) {
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

/// Copies the main executable's GNU build-id (up to `capacity` bytes) into `out`; returns its
/// length, or 0 when the executable has none.
static inline size_t pk_executable_build_id(unsigned char *out, size_t capacity) {
    struct pk_build_id_search search = { out, capacity, 0 };
    dl_iterate_phdr(pk_build_id_callback, &search);
    return search.length;
}

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
