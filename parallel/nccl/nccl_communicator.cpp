#include "parallel/nccl/nccl_communicator.h"

#include <fmt/core.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/error.h"
#include "parallel/nccl/nccl_check.h"

#ifdef VDIT_TORCH_CUDA
#include <c10/cuda/CUDAStream.h>
#endif

namespace vdit::parallel {
namespace {

ncclDataType_t nccl_type(const torch::Tensor& tensor) {
  switch (tensor.scalar_type()) {
    case torch::kFloat32:
      return ncclFloat32;
    case torch::kFloat64:
      return ncclFloat64;
    case torch::kBFloat16:
      return ncclBfloat16;
    case torch::kFloat16:
      return ncclFloat16;
    case torch::kInt64:
      return ncclInt64;
    case torch::kInt32:
      return ncclInt32;
    case torch::kUInt8:
      return ncclUint8;
    default:
      throw RuntimeError(fmt::format(
          "the NCCL communicator does not support dtype {} (supported: float32, float64, "
          "bfloat16, float16, int64, int32, uint8)",
          c10::toString(tensor.scalar_type())));
  }
}

std::size_t count(const torch::Tensor& tensor) { return static_cast<std::size_t>(tensor.numel()); }

// The stream LibTorch queues this device's kernels on right now.
cudaStream_t compute_stream(int cuda_device) {
#ifdef VDIT_TORCH_CUDA
  return c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(cuda_device)).stream();
#else
  (void)cuda_device;
  return cudaStreamLegacy;
#endif
}

}  // namespace

std::shared_ptr<NcclCommunicator> NcclCommunicator::bootstrap(MPI_Comm axis_comm, int cuda_device) {
  return std::make_shared<NcclCommunicator>(NcclCommHandle::bootstrap(axis_comm, cuda_device),
                                            cuda_device);
}

NcclCommunicator::NcclCommunicator(NcclCommHandle comm, int cuda_device)
    : comm_(std::move(comm)), cuda_device_(cuda_device) {
  NCCL_CHECK(ncclCommUserRank(comm_.get(), &rank_));
  NCCL_CHECK(ncclCommCount(comm_.get(), &size_));
  CUDA_CHECK(cudaSetDevice(cuda_device_));
  stream_ = make_cuda_stream();
  compute_stream_ready_ = make_cuda_event();
  collective_done_ = make_cuda_event();
  barrier_word_ = make_cuda_buffer(sizeof(float));
}

void NcclCommunicator::check_device(const torch::Tensor& tensor) const {
  if (!tensor.device().is_cuda() || tensor.device().index() != cuda_device_) {
    throw RuntimeError(fmt::format("the NCCL communicator of cuda:{} got a tensor on {}",
                                   cuda_device_, tensor.device().str()));
  }
}

void NcclCommunicator::enqueue(const std::function<void(cudaStream_t)>& launch) {
  CUDA_CHECK(cudaSetDevice(cuda_device_));
  const cudaStream_t compute = compute_stream(cuda_device_);
  CUDA_CHECK(cudaEventRecord(compute_stream_ready_.get(), compute));
  CUDA_CHECK(cudaStreamWaitEvent(stream_.get(), compute_stream_ready_.get(), 0));
  launch(stream_.get());
  // Later compute-stream work (including reuse of the tensors' memory by the caching allocator,
  // which tracks blocks by that stream) waits for the collective, so the caller may treat it as
  // done.
  CUDA_CHECK(cudaEventRecord(collective_done_.get(), stream_.get()));
  CUDA_CHECK(cudaStreamWaitEvent(compute, collective_done_.get(), 0));
}

void NcclCommunicator::all_reduce_sum(const torch::Tensor& tensor) {
  check_device(tensor);
  enqueue([&](cudaStream_t stream) {
    NCCL_CHECK(ncclAllReduce(tensor.data_ptr(), tensor.data_ptr(), count(tensor), nccl_type(tensor),
                             ncclSum, comm_.get(), stream));
  });
}

std::unique_ptr<PendingCollective> NcclCommunicator::start_reduce_sum(const torch::Tensor& tensor,
                                                                      int root) {
  check_device(tensor);
  enqueue([&](cudaStream_t stream) {
    NCCL_CHECK(ncclReduce(tensor.data_ptr(), tensor.data_ptr(), count(tensor), nccl_type(tensor),
                          ncclSum, root, comm_.get(), stream));
  });
  // Asynchronous to the host already: later compute-stream work waits for it (see enqueue).
  return finished_collective();
}

void NcclCommunicator::reduce_scatter_sum(const torch::Tensor& input, const torch::Tensor& output) {
  check_device(input);
  check_device(output);
  enqueue([&](cudaStream_t stream) {
    NCCL_CHECK(ncclReduceScatter(input.data_ptr(), output.data_ptr(), count(output),
                                 nccl_type(input), ncclSum, comm_.get(), stream));
  });
}

void NcclCommunicator::all_gather(const torch::Tensor& input, const torch::Tensor& output) {
  check_device(input);
  check_device(output);
  enqueue([&](cudaStream_t stream) {
    NCCL_CHECK(ncclAllGather(input.data_ptr(), output.data_ptr(), count(input), nccl_type(input),
                             comm_.get(), stream));
  });
}

void NcclCommunicator::all_to_all(const torch::Tensor& input, const torch::Tensor& output) {
  check_device(input);
  check_device(output);
  const std::size_t block_count = count(input) / size_;
  const std::size_t block_bytes = block_count * input.element_size();
  auto* send_bytes = static_cast<std::uint8_t*>(input.data_ptr());
  auto* receive_bytes = static_cast<std::uint8_t*>(output.data_ptr());
  const ncclDataType_t type = nccl_type(input);
  // NCCL has no all-to-all; grouped sends and receives to every peer are its documented form.
  enqueue([&](cudaStream_t stream) {
    NCCL_CHECK(ncclGroupStart());
    for (int peer = 0; peer < size_; ++peer) {
      NCCL_CHECK(
          ncclSend(send_bytes + peer * block_bytes, block_count, type, peer, comm_.get(), stream));
      NCCL_CHECK(ncclRecv(receive_bytes + peer * block_bytes, block_count, type, peer, comm_.get(),
                          stream));
    }
    NCCL_CHECK(ncclGroupEnd());
  });
}

void NcclCommunicator::broadcast(const torch::Tensor& tensor, int root) {
  check_device(tensor);
  enqueue([&](cudaStream_t stream) {
    NCCL_CHECK(ncclBroadcast(tensor.data_ptr(), tensor.data_ptr(), count(tensor), nccl_type(tensor),
                             root, comm_.get(), stream));
  });
}

void NcclCommunicator::send(const torch::Tensor& tensor, int destination) {
  check_device(tensor);
  enqueue([&](cudaStream_t stream) {
    NCCL_CHECK(ncclSend(tensor.data_ptr(), count(tensor), nccl_type(tensor), destination,
                        comm_.get(), stream));
  });
}

void NcclCommunicator::recv(const torch::Tensor& tensor, int source) {
  check_device(tensor);
  enqueue([&](cudaStream_t stream) {
    NCCL_CHECK(
        ncclRecv(tensor.data_ptr(), count(tensor), nccl_type(tensor), source, comm_.get(), stream));
  });
}

void NcclCommunicator::barrier() {
  CUDA_CHECK(cudaSetDevice(cuda_device_));
  NCCL_CHECK(ncclAllReduce(barrier_word_.get(), barrier_word_.get(), 1, ncclFloat32, ncclSum,
                           comm_.get(), stream_.get()));
  CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
}

}  // namespace vdit::parallel
