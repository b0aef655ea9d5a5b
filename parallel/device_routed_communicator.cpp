#include "parallel/device_routed_communicator.h"

#include <fmt/core.h>

#include <utility>

#include "core/error.h"

namespace vdit::parallel {

DeviceRoutedCommunicator::DeviceRoutedCommunicator(std::shared_ptr<CommunicatorBackend> host,
                                                   std::shared_ptr<CommunicatorBackend> device)
    : host_(std::move(host)), device_(std::move(device)) {
  if (!host_ || !device_) throw RuntimeError("DeviceRoutedCommunicator needs two backends");
  if (host_->rank() != device_->rank() || host_->size() != device_->size()) {
    throw RuntimeError(
        fmt::format("{} backend is rank {} of {} but {} backend is rank {} of {}: they must span "
                    "the same group",
                    host_->name(), host_->rank(), host_->size(), device_->name(), device_->rank(),
                    device_->size()));
  }
}

CommunicatorBackend& DeviceRoutedCommunicator::route(const torch::Tensor& tensor) const {
  return tensor.device().is_cpu() ? *host_ : *device_;
}

void DeviceRoutedCommunicator::all_reduce_sum(const torch::Tensor& tensor) {
  route(tensor).all_reduce_sum(tensor);
}

std::unique_ptr<PendingCollective> DeviceRoutedCommunicator::start_all_reduce_sum(
    const torch::Tensor& tensor) {
  return route(tensor).start_all_reduce_sum(tensor);
}

std::unique_ptr<PendingCollective> DeviceRoutedCommunicator::start_reduce_sum(
    const torch::Tensor& tensor, int root) {
  return route(tensor).start_reduce_sum(tensor, root);
}

std::unique_ptr<PendingCollective> DeviceRoutedCommunicator::start_broadcast(
    const torch::Tensor& tensor, int root) {
  return route(tensor).start_broadcast(tensor, root);
}

void DeviceRoutedCommunicator::reduce_scatter_sum(const torch::Tensor& input,
                                                  const torch::Tensor& output) {
  route(input).reduce_scatter_sum(input, output);
}

void DeviceRoutedCommunicator::all_gather(const torch::Tensor& input, const torch::Tensor& output) {
  route(input).all_gather(input, output);
}

void DeviceRoutedCommunicator::all_to_all(const torch::Tensor& input, const torch::Tensor& output) {
  route(input).all_to_all(input, output);
}

void DeviceRoutedCommunicator::broadcast(const torch::Tensor& tensor, int root) {
  route(tensor).broadcast(tensor, root);
}

void DeviceRoutedCommunicator::send(const torch::Tensor& tensor, int destination) {
  route(tensor).send(tensor, destination);
}

void DeviceRoutedCommunicator::recv(const torch::Tensor& tensor, int source) {
  route(tensor).recv(tensor, source);
}

void DeviceRoutedCommunicator::barrier() { host_->barrier(); }

}  // namespace vdit::parallel
