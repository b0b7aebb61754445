// The least any library can pay for `shared-sum` on this machine: two processes forked once,
// each woken by a 16-byte write on its own socket, summing its half of 1…20,000,000 with the
// same loop as the serial run, and answering with 8 bytes. No encoding, no shared segment to
// create or attach, no threads: what is left is the kernel waking and placing two processes.
//
// Prints the serial and two-process medians of 41 runs, and the speedup's median, 10th and
// 90th percentiles. Build: cc -O3 -o two_process_floor two_process_floor.c
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/wait.h>

enum { runs = 41 };
static const long count = 20000000;

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec + time.tv_nsec / 1e9;
}

// `salt` is 0 at run time; XOR-ing it keeps the compiler from using n(n+1)/2.
__attribute__((noinline)) static long sum(long from, long to, long salt) {
    long total = 0;
    for (long value = from; value <= to; value++) total += value ^ salt;
    return total;
}

static int ascending(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void) {
    long salt = getenv("PARALLELKIT_BENCH_SALT") ? atol(getenv("PARALLELKIT_BENCH_SALT")) : 0;
    int sockets[2][2];
    for (int worker = 0; worker < 2; worker++) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sockets[worker]) != 0) return 1;
        if (fork() == 0) {
            // Keep only this worker's end: the parent's ends must close for read() to see EOF.
            for (int other = 0; other <= worker; other++) close(sockets[other][0]);
            long range[2];
            while (read(sockets[worker][1], range, sizeof range) == sizeof range) {
                long total = sum(range[0], range[1], salt);
                if (write(sockets[worker][1], &total, sizeof total) != sizeof total) break;
            }
            _exit(0);
        }
        close(sockets[worker][1]);
    }
    double serial[runs], parallel[runs], speedup[runs];
    for (int run = 0; run < runs; run++) {
        double start = now();
        long expected = sum(1, count, salt);
        serial[run] = now() - start;
        start = now();
        long halves[2][2] = {{1, count / 2}, {count / 2 + 1, count}}, totals[2];
        for (int worker = 0; worker < 2; worker++)
            if (write(sockets[worker][0], halves[worker], sizeof halves[worker]) != sizeof halves[worker]) return 1;
        for (int worker = 0; worker < 2; worker++)
            if (read(sockets[worker][0], &totals[worker], sizeof totals[worker]) != sizeof totals[worker]) return 1;
        parallel[run] = now() - start;
        if (totals[0] + totals[1] != expected) return 1;
    }
    qsort(serial, runs, sizeof *serial, ascending);
    qsort(parallel, runs, sizeof *parallel, ascending);
    for (int run = 0; run < runs; run++) speedup[run] = serial[runs / 2] / parallel[run];
    qsort(speedup, runs, sizeof *speedup, ascending);
    printf("two-process floor: serial %.3f ms, two processes %.3f ms, speedup %.2fx (p10 %.2fx, p90 %.2fx)\n",
           serial[runs / 2] * 1e3, parallel[runs / 2] * 1e3, serial[runs / 2] / parallel[runs / 2],
           speedup[runs / 10], speedup[runs - 1 - runs / 10]);
    for (int worker = 0; worker < 2; worker++) close(sockets[worker][0]);
    while (wait(NULL) > 0) {}
    return 0;
}
