#include "cli/ranks.h"

#include <cstdlib>

#ifdef SYNSTORM_WITH_MPI
#include <mpi.h>
#endif

namespace cli {

namespace {

#ifdef SYNSTORM_WITH_MPI
// Whether a process manager started us: OpenMPI's mpirun, or srun and other PMI/PMIx
// launchers. Without one, MPI_Init would start a singleton job (half a second spent for
// nothing, and it wants its own daemon), so a plain `synstorm sweep` stays out of MPI.
bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(var) != nullptr) return true;
  }
  return false;
}

int as_int(std::size_t n) { return static_cast<int>(n); }
#endif

}  // namespace

Ranks::Ranks() {
#ifdef SYNSTORM_WITH_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  mpi_ = true;
#endif
}

Ranks::~Ranks() {
#ifdef SYNSTORM_WITH_MPI
  if (mpi_) MPI_Finalize();
#endif
}

std::vector<std::uint64_t> Ranks::broadcast(std::vector<std::uint64_t> words) const {
#ifdef SYNSTORM_WITH_MPI
  if (mpi_) {
    std::uint64_t n = words.size();
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    words.resize(n);
    MPI_Bcast(words.data(), as_int(n), MPI_UINT64_T, 0, MPI_COMM_WORLD);
  }
#endif
  return words;
}

std::vector<std::uint64_t> Ranks::all_gather(std::span<const std::uint64_t> words) const {
#ifdef SYNSTORM_WITH_MPI
  if (mpi_) {
    const int mine = as_int(words.size());
    std::vector<int> counts(static_cast<std::size_t>(size_));
    MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::vector<int> offsets(counts.size());
    std::size_t total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      offsets[r] = as_int(total);
      total += static_cast<std::size_t>(counts[r]);
    }
    std::vector<std::uint64_t> all(total);
    MPI_Allgatherv(words.data(), mine, MPI_UINT64_T, all.data(), counts.data(), offsets.data(), MPI_UINT64_T,
                   MPI_COMM_WORLD);
    return all;
  }
#endif
  return std::vector<std::uint64_t>(words.begin(), words.end());
}

bool Ranks::all(bool ok) const {
  const std::uint64_t mine = ok ? 1 : 0;
  for (const std::uint64_t v : all_gather(std::span(&mine, 1))) {
    if (v == 0) return false;
  }
  return true;
}

void Ranks::abort_job([[maybe_unused]] int code) const {
#ifdef SYNSTORM_WITH_MPI
  if (mpi_ && size_ > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
}

}  // namespace cli
