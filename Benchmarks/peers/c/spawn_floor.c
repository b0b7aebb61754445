// The least any job runner can pay for `200 × sleep 0.01, 8 at once` on this machine: no input
// to read, no output to collect, no command line to build — posix_spawn the same binary into
// a free slot and wait(2) for any child, as fast as C allows.
//
// Usage: spawn_floor JOBS SLOTS PROGRAM [ARGS…]   (prints nothing; time it from outside)
// Build: cc -O2 -o spawn_floor spawn_floor.c
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    int jobs = atoi(argv[1]), slots = atoi(argv[2]), started = 0, running = 0, failed = 0;
    while (started < jobs || running > 0) {
        while (running < slots && started < jobs) {
            pid_t pid;
            if (posix_spawn(&pid, argv[3], NULL, NULL, argv + 3, environ) != 0) return 1;
            started++;
            running++;
        }
        int status;
        if (wait(&status) < 0) return 1;
        running--;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    }
    return failed > 0;
}
