// Small C helpers for what Swift cannot import directly: macros (CPU_COUNT) and
// a cheap cycle counter. Everything is static inline; the .c file exists only
// because SwiftPM needs a source file in a C target.
#ifndef CPARALLELKIT_H
#define CPARALLELKIT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
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
