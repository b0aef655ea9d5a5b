// SoloCommunicator: a group of one rank (this process), where every collective is the identity.
#pragma once

#include "parallel/communicator.h"

namespace vdit::parallel {

// For a mesh axis of size 1 and for `vdit train` without MPI, so model code calls the same
// collectives whatever the layout and never branches on it. rank() == 0, size() == 1.
// all_reduce_sum/avg and broadcast leave the tensor as it is; all_gather, all_to_all and
// reduce_scatter_sum return the input's values in the shape the group-of-n rule gives for n = 1
// (that is, the input's shape); barrier returns at once. send and recv throw vdit::RuntimeError:
// a lone rank has no peer, and waiting on itself would hang.
Communicator make_solo_communicator();

}  // namespace vdit::parallel
