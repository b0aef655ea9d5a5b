#include "parallel/mpi/mpi_communicator.h"

#include <fmt/core.h>

#include <climits>
#include <memory>
#include <utility>

#include "core/error.h"
#include "parallel/mpi_check.h"

namespace vdit::parallel {
namespace {

// MPI has no 16-bit float types. Moving bytes only needs a type of the right width, so bf16 and
// f16 travel as uint16; sums are computed in float32 (see reduced_in_float).
MPI_Datatype move_type(const torch::Tensor& tensor) {
  switch (tensor.scalar_type()) {
    case torch::kFloat32:
      return MPI_FLOAT;
    case torch::kFloat64:
      return MPI_DOUBLE;
    case torch::kBFloat16:
    case torch::kFloat16:
      return MPI_UINT16_T;
    case torch::kInt64:
      return MPI_INT64_T;
    case torch::kInt32:
      return MPI_INT32_T;
    case torch::kUInt8:
      return MPI_UINT8_T;
    default:
      throw RuntimeError(fmt::format(
          "the MPI communicator does not support dtype {} (supported: float32, float64, bfloat16, "
          "float16, int64, int32, uint8)",
          c10::toString(tensor.scalar_type())));
  }
}

// One tag for all point-to-point traffic: MPI keeps messages between a pair of ranks on one
// communicator in order, which is all the callers rely on.
constexpr int kPointToPointTag = 0;

bool reduced_in_float(const torch::Tensor& tensor) {
  return tensor.scalar_type() == torch::kBFloat16 || tensor.scalar_type() == torch::kFloat16;
}

// Checks the device and returns the element count as the int MPI takes.
int mpi_count(const torch::Tensor& tensor, int64_t elements) {
  if (!tensor.device().is_cpu()) {
    throw RuntimeError(fmt::format(
        "the MPI communicator moves CPU tensors only, got a tensor on {}; CUDA tensors need a "
        "build with -DVDIT_WITH_NCCL=ON",
        tensor.device().str()));
  }
  if (elements > INT_MAX) {
    throw RuntimeError(
        fmt::format("a tensor block of {} elements exceeds MPI's count limit of {}; split it",
                    elements, INT_MAX));
  }
  return static_cast<int>(elements);
}

// An MPI request of a non-blocking collective, and the tensor whose memory it uses.
class MpiPendingCollective final : public PendingCollective {
 public:
  MpiPendingCollective(MPI_Request request, torch::Tensor tensor)
      : request_(request), tensor_(std::move(tensor)) {}
  MpiPendingCollective(const MpiPendingCollective&) = delete;
  MpiPendingCollective& operator=(const MpiPendingCollective&) = delete;
  // MPI may still write into the tensor: wait rather than free the request under it.
  ~MpiPendingCollective() override {
    if (request_ != MPI_REQUEST_NULL) MPI_Wait(&request_, MPI_STATUS_IGNORE);
  }

  bool test() override {
    int done = 0;
    MPI_CHECK(MPI_Test(&request_, &done, MPI_STATUS_IGNORE));
    return done != 0;
  }
  void wait() override { MPI_CHECK(MPI_Wait(&request_, MPI_STATUS_IGNORE)); }

 private:
  MPI_Request request_;
  torch::Tensor tensor_;
};

}  // namespace

Communicator MpiCommunicator::create(MpiCommunicatorHandle comm) {
  return Communicator(std::make_shared<MpiCommunicator>(std::move(comm)));
}

MpiCommunicator::MpiCommunicator(MpiCommunicatorHandle comm) : comm_(std::move(comm)) {
  if (comm_.is_null())
    throw RuntimeError("MpiCommunicator needs a communicator, got MPI_COMM_NULL");
  MPI_CHECK(MPI_Comm_set_errhandler(comm_.get(), MPI_ERRORS_RETURN));
  MPI_CHECK(MPI_Comm_rank(comm_.get(), &rank_));
  MPI_CHECK(MPI_Comm_size(comm_.get(), &size_));
}

void MpiCommunicator::all_reduce_sum(const torch::Tensor& tensor) {
  if (reduced_in_float(tensor)) {
    const torch::Tensor widened = tensor.to(torch::kFloat32);
    all_reduce_sum(widened);
    tensor.copy_(widened);
    return;
  }
  MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, tensor.data_ptr(), mpi_count(tensor, tensor.numel()),
                          move_type(tensor), MPI_SUM, comm_.get()));
}

std::unique_ptr<PendingCollective> MpiCommunicator::start_all_reduce_sum(
    const torch::Tensor& tensor) {
  if (reduced_in_float(tensor)) return CommunicatorBackend::start_all_reduce_sum(tensor);
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_CHECK(MPI_Iallreduce(MPI_IN_PLACE, tensor.data_ptr(), mpi_count(tensor, tensor.numel()),
                           move_type(tensor), MPI_SUM, comm_.get(), &request));
  return std::make_unique<MpiPendingCollective>(request, tensor);
}

std::unique_ptr<PendingCollective> MpiCommunicator::start_reduce_sum(const torch::Tensor& tensor,
                                                                     int root) {
  if (reduced_in_float(tensor)) return CommunicatorBackend::start_reduce_sum(tensor, root);
  MPI_Request request = MPI_REQUEST_NULL;
  const int count = mpi_count(tensor, tensor.numel());
  // The root sums in place; the others only send.
  const void* send = rank_ == root ? MPI_IN_PLACE : tensor.data_ptr();
  void* receive = rank_ == root ? tensor.data_ptr() : nullptr;
  MPI_CHECK(MPI_Ireduce(send, receive, count, move_type(tensor), MPI_SUM, root, comm_.get(),
                        &request));
  return std::make_unique<MpiPendingCollective>(request, tensor);
}

std::unique_ptr<PendingCollective> MpiCommunicator::start_broadcast(const torch::Tensor& tensor,
                                                                    int root) {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_CHECK(MPI_Ibcast(tensor.data_ptr(), mpi_count(tensor, tensor.numel()), move_type(tensor),
                       root, comm_.get(), &request));
  return std::make_unique<MpiPendingCollective>(request, tensor);
}

void MpiCommunicator::reduce_scatter_sum(const torch::Tensor& input, const torch::Tensor& output) {
  if (reduced_in_float(input)) {
    const torch::Tensor widened_output = torch::empty_like(output, torch::kFloat32);
    reduce_scatter_sum(input.to(torch::kFloat32), widened_output);
    output.copy_(widened_output);
    return;
  }
  MPI_CHECK(MPI_Reduce_scatter_block(input.data_ptr(), output.data_ptr(),
                                     mpi_count(output, output.numel()), move_type(input), MPI_SUM,
                                     comm_.get()));
}

void MpiCommunicator::all_gather(const torch::Tensor& input, const torch::Tensor& output) {
  const MPI_Datatype type = move_type(input);
  const int count = mpi_count(input, input.numel());
  MPI_CHECK(
      MPI_Allgather(input.data_ptr(), count, type, output.data_ptr(), count, type, comm_.get()));
}

void MpiCommunicator::all_to_all(const torch::Tensor& input, const torch::Tensor& output) {
  const MPI_Datatype type = move_type(input);
  const int block_count = mpi_count(input, input.numel() / size_);
  MPI_CHECK(MPI_Alltoall(input.data_ptr(), block_count, type, output.data_ptr(), block_count, type,
                         comm_.get()));
}

void MpiCommunicator::broadcast(const torch::Tensor& tensor, int root) {
  MPI_CHECK(MPI_Bcast(tensor.data_ptr(), mpi_count(tensor, tensor.numel()), move_type(tensor), root,
                      comm_.get()));
}

void MpiCommunicator::send(const torch::Tensor& tensor, int destination) {
  MPI_CHECK(MPI_Send(tensor.data_ptr(), mpi_count(tensor, tensor.numel()), move_type(tensor),
                     destination, kPointToPointTag, comm_.get()));
}

void MpiCommunicator::recv(const torch::Tensor& tensor, int source) {
  MPI_Status status;
  MPI_CHECK(MPI_Recv(tensor.data_ptr(), mpi_count(tensor, tensor.numel()), move_type(tensor),
                     source, kPointToPointTag, comm_.get(), &status));
  int received = 0;
  MPI_CHECK(MPI_Get_count(&status, move_type(tensor), &received));
  if (received != tensor.numel()) {
    throw RuntimeError(fmt::format("recv from rank {}: got {} elements, expected {}", source,
                                   received, tensor.numel()));
  }
}

void MpiCommunicator::barrier() { MPI_CHECK(MPI_Barrier(comm_.get())); }

}  // namespace vdit::parallel
