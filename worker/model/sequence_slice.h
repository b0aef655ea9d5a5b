// Where a sequence-parallel rank's tokens lie in the whole clip, for terms that look across tokens.
#pragma once

#include <cstdint>

#include "parallel/communicator.h"
#include "parallel/solo_communicator.h"
#include "worker/model/patchify.h"

namespace vdit::model {

// This rank holds tokens [token_begin, token_begin + L_local) of the grid's T' H' W' tokens in
// (t, h, w) order; the other slices, equally long, live on the ranks of `sp` in rank order.
struct SequenceSlice {
  PatchGrid grid;
  int64_t token_begin = 0;
  parallel::Communicator sp = parallel::make_solo_communicator();
};

}  // namespace vdit::model
