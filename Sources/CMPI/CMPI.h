// Open MPI's handles are macros that expand to casts of addresses (`MPI_COMM_WORLD` is
// `((MPI_Comm)&ompi_mpi_comm_world)`), which Swift cannot import; these functions return them.
// Only ParallelKitMPI imports this module, and only when the `MPI` package trait is enabled.
#ifndef PARALLELKIT_CMPI_H
#define PARALLELKIT_CMPI_H

#include <mpi.h>

static inline MPI_Comm pk_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype pk_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Status *pk_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *pk_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline MPI_Errhandler pk_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request pk_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline int pk_mpi_any_source(void) { return MPI_ANY_SOURCE; }
static inline int pk_mpi_any_tag(void) { return MPI_ANY_TAG; }

#endif
