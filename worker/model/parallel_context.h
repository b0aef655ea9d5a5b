// The communicators a DiT module needs: tensor parallel (heads and MLP hidden split across tp) and
// sequence parallel (tokens split across sp, Ulysses all-to-all around self-attention). A default
// context is one rank on both axes, so the same modules run single-process and under MPI.
#pragma once

#include "parallel/communicator.h"
#include "parallel/solo_communicator.h"

namespace vdit::model {

struct ParallelContext {
  parallel::Communicator tp = parallel::make_solo_communicator();
  parallel::Communicator sp = parallel::make_solo_communicator();

  int64_t tp_size() const { return tp.size(); }
  int64_t sp_size() const { return sp.size(); }
};

}  // namespace vdit::model
