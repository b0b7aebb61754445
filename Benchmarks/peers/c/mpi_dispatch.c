// The floor for `mpi-dispatch`: bare C, rank 0 hands out tasks (squaring an int) to the other
// ranks with the same dynamic balancing as MPIPool (two messages out per rank, the next sent when
// one returns), one task per message and BATCH tasks per message. Prints JSON lines in the shape
// of `parallelkit bench --json`. The results are dropped, as a floor should; a third row,
// `c-probe-batched-kept`, keeps them in a fresh array of all the outputs, as a map returns them
// (its first touch faults its pages in, which on this machine costs more than the messages).
//
//     mpicc -O2 -o mpi_dispatch mpi_dispatch.c && mpirun -np 4 ./mpi_dispatch [tasks]
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_RUN = 1, TAG_RESULT = 2, TAG_STOP = 3, BATCH = 1000, IN_FLIGHT = 2 };

// With `keep`, each answer is copied to its tasks' place in a fresh array of `tasks` results
// (a message says where its tasks start in its first element's place: the worker squares it, so
// the batch's start travels as the first input and is found again from the first output).
static double dispatch(int size, long tasks, int batch, int keep) {
    static long buffer[BATCH];
    long sent = 0, done = 0;
    double start = MPI_Wtime();
    long *results = keep ? malloc(sizeof(long) * tasks) : NULL;
    long *starts = keep ? calloc(size, sizeof(long) * IN_FLIGHT) : NULL;
    int *heads = keep ? calloc(size, sizeof(int)) : NULL, *tails = keep ? calloc(size, sizeof(int)) : NULL;
    for (int rank = 1; rank < size; rank++) {
        for (int k = 0; k < IN_FLIGHT && sent < tasks; k++) {
            int count = (int)(tasks - sent < batch ? tasks - sent : batch);
            for (int i = 0; i < count; i++) buffer[i] = sent + i;
            MPI_Send(buffer, count, MPI_LONG, rank, TAG_RUN, MPI_COMM_WORLD);
            if (keep) starts[rank * IN_FLIGHT + tails[rank]++ % IN_FLIGHT] = sent;
            sent += count;
        }
    }
    while (done < tasks) {
        MPI_Status status;
        int count;
        MPI_Recv(buffer, BATCH, MPI_LONG, MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &status);
        MPI_Get_count(&status, MPI_LONG, &count);
        done += count;
        if (keep) {  // a rank answers in the order it was sent
            int rank = status.MPI_SOURCE;
            long first = starts[rank * IN_FLIGHT + heads[rank]++ % IN_FLIGHT];
            memcpy(results + first, buffer, sizeof(long) * count);
        }
        if (sent < tasks) {
            int next = (int)(tasks - sent < batch ? tasks - sent : batch);
            for (int i = 0; i < next; i++) buffer[i] = sent + i;
            MPI_Send(buffer, next, MPI_LONG, status.MPI_SOURCE, TAG_RUN, MPI_COMM_WORLD);
            if (keep) starts[status.MPI_SOURCE * IN_FLIGHT + tails[status.MPI_SOURCE]++ % IN_FLIGHT] = sent;
            sent += next;
        }
    }
    double seconds = MPI_Wtime() - start;
    if (keep && results[tasks - 1] != (tasks - 1) * (tasks - 1)) fprintf(stderr, "mpi_dispatch: wrong result\n");
    free(results), free(starts), free(heads), free(tails);
    return seconds;
}

// Results go out with MPI_Isend from two alternating buffers: a batch is over Open MPI's eager
// limit, and a blocking send would wait for rank 0, which may be blocked sending this rank its
// next batch.
static void serve(void) {
    static long buffer[BATCH], results[2][BATCH];
    MPI_Request requests[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    for (int turn = 0;; turn ^= 1) {
        MPI_Status status;
        int count;
        MPI_Recv(buffer, BATCH, MPI_LONG, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
        if (status.MPI_TAG == TAG_STOP) break;
        MPI_Get_count(&status, MPI_LONG, &count);
        MPI_Wait(&requests[turn], MPI_STATUS_IGNORE);
        for (int i = 0; i < count; i++) results[turn][i] = buffer[i] * buffer[i];
        MPI_Isend(results[turn], count, MPI_LONG, 0, TAG_RESULT, MPI_COMM_WORLD, &requests[turn]);
    }
    MPI_Waitall(2, requests, MPI_STATUSES_IGNORE);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long tasks = argc > 1 ? atol(argv[1]) : 200000;
    if (rank == 0) {
        int batches[3] = {1, BATCH, BATCH};
        const char *names[3] = {"unbatched", "batched", "batched-kept"};
        for (int b = 0; b < 3; b++) {
            long n = batches[b] == 1 ? tasks : tasks * 20;
            dispatch(size, n / 10, batches[b], b == 2);  // warm-up
            double seconds = dispatch(size, n, batches[b], b == 2);
            printf("{\"workload\":\"mpi-dispatch\",\"variant\":\"c-probe-%s\",\"workers\":%d,\"items\":%ld,"
                   "\"seconds\":%.6f,\"tasks_per_second\":%.0f}\n",
                   names[b], size - 1, n, seconds, n / seconds);
            fflush(stdout);
        }
        for (int r = 1; r < size; r++) MPI_Send(NULL, 0, MPI_LONG, r, TAG_STOP, MPI_COMM_WORLD);
    } else {
        serve();
    }
    MPI_Finalize();
    return 0;
}
