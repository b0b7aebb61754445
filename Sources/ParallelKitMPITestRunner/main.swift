// The program the MPI tests start under `mpirun -np 4` (Tests/ParallelKitTests/MPITests.swift):
// rank 0 runs a check named by the first argument and prints one line per result; ranks 1…
// serve the tasks. Built without the `MPI` trait it says so and exits 2.
#if MPI
import ParallelKit
import ParallelKitMPI

MPIRunner.main()
#else
import Glibc

print("ParallelKitMPITestRunner: built without the MPI trait (swift build --traits MPI)")
exit(2)
#endif
