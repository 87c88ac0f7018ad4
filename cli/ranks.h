// cli/ranks.h — the processes of an MPI job, or just this one.
//
// In a build with SYNSTORM_MPI, a command launched by mpirun or srun joins the MPI job
// (MPI_Init_thread, FUNNELED: only the main thread calls MPI); launched any other way, or
// built without MPI, it is a job of one rank and nothing here touches MPI. Every member
// function is collective: every rank calls it, in the same order, or the job hangs.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace cli {

class Ranks {
 public:
  // Joins the MPI job if there is one. One Ranks per process, alive while MPI is used.
  Ranks();
  ~Ranks();
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // Rank 0: the one that reads resume files, prints and writes.
  bool is_root() const { return rank_ == 0; }

  // Rank 0's `words`, on every rank.
  std::vector<std::uint64_t> broadcast(std::vector<std::uint64_t> words) const;
  // Every rank's `words`, concatenated in rank order, on every rank.
  std::vector<std::uint64_t> all_gather(std::span<const std::uint64_t> words) const;

  // Whether `ok` is true on every rank. Lets ranks that found a problem (a file one node
  // cannot read) stop together with the others instead of leaving them waiting.
  bool all(bool ok) const;

  // Ends every rank of the job with `code` (MPI_Abort); without MPI, does nothing.
  void abort_job(int code) const;

 private:
  int rank_ = 0;
  int size_ = 1;
  bool mpi_ = false;
};

}  // namespace cli
