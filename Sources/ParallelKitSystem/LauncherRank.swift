/// The rank an MPI launcher (`mpirun`, `srun`) gave this process, from the environment it set
/// (Open MPI's `OMPI_COMM_WORLD_RANK`, PMIx's `PMIX_RANK`, PMI's `PMI_RANK`), or `nil` when no
/// launcher started it. Read without initializing MPI, so a build without MPI can ask too (the
/// CLI does, so that a usage error under `mpirun` is printed by rank 0 alone).
package var launcherRank: Int? {
    for name in ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"] {
        if let value = getenv(name), let rank = Int(String(cString: value)) { return rank }
    }
    return nil
}
