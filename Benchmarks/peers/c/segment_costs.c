// What one shared segment costs to create and to attach: a named POSIX segment (shm_open, as
// ParallelKit did before issue 13.1) against a memfd attached through /proc/<pid>/fd/<n> (as it
// does now), interleaved in one run so that the machine's load falls on both alike. Prints the
// median of each, in microseconds. Used by Benchmarks/drill-shared-memory.sh.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 2001, BYTES = 4096 };

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void attach(const char *path, int use_shm) {
    char target[256];
    int fd;
    if (use_shm) {
        fd = shm_open(path, O_RDWR | O_CLOEXEC, 0);
    } else {
        if (readlink(path, target, sizeof target) < 0) abort();
        fd = open(path, O_RDWR | O_CLOEXEC);
    }
    struct stat status;
    if (fd < 0 || fstat(fd, &status) != 0) abort();
    void *map = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) abort();
    close(fd);
    munmap(map, BYTES);
}

int main(void) {
    static double create[2][ROUNDS], attached[2][ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        for (int kind = 0; kind < 2; kind++) {
            char path[64];
            double start = now_us();
            int fd;
            if (kind == 0) {
                snprintf(path, sizeof path, "/parallelkit-costs-%d-%d", getpid(), round);
                fd = shm_open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
                if (fd < 0 || ftruncate(fd, BYTES) != 0) abort();
            } else {
                fd = memfd_create("parallelkit-costs", MFD_CLOEXEC | MFD_ALLOW_SEALING | 0x0008U /* MFD_NOEXEC_SEAL */);
                if (fd < 0) fd = memfd_create("parallelkit-costs", MFD_CLOEXEC | MFD_ALLOW_SEALING);
                if (fd < 0 || fchmod(fd, 0600) != 0 || ftruncate(fd, BYTES) != 0) abort();
                if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) abort();
                snprintf(path, sizeof path, "/proc/%d/fd/%d", getpid(), fd);
            }
            void *map = mmap(NULL, BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (map == MAP_FAILED) abort();
            memset(map, 0, 64);
            if (kind == 0) close(fd);
            create[kind][round] = now_us() - start;
            start = now_us();
            attach(path, kind == 0);
            attached[kind][round] = now_us() - start;
            munmap(map, BYTES);
            if (kind == 0) shm_unlink(path); else close(fd);
        }
    }
    for (int kind = 0; kind < 2; kind++) {
        qsort(create[kind], ROUNDS, sizeof(double), compare);
        qsort(attached[kind], ROUNDS, sizeof(double), compare);
    }
    printf("one 4 KiB segment, medians of %d (interleaved):  create  attach\n", ROUNDS);
    printf("  named POSIX segment (shm_open)             %6.1f  %6.1f µs\n", create[0][ROUNDS / 2], attached[0][ROUNDS / 2]);
    printf("  memfd, attached by /proc/<pid>/fd/<n>      %6.1f  %6.1f µs\n", create[1][ROUNDS / 2], attached[1][ROUNDS / 2]);
    return 0;
}
