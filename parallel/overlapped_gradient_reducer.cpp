#include "parallel/overlapped_gradient_reducer.h"

#include <fmt/core.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <map>
#include <utility>

#include "core/error.h"

namespace vdit::parallel {

struct OverlappedGradientReducer::State {
  struct Bucket {
    torch::Tensor buffer;         // flat; every member's gradient is a view into it
    std::vector<size_t> members;  // parameter indices, in the order they lie in the buffer
    int owner = -1;               // sharded: the rank that receives the sum; else -1
    int64_t waiting = 0;          // members still expecting contributions this backward
    std::unique_ptr<PendingCollective> pending;  // set once started
  };

  explicit State(Communicator group) : communicator(std::move(group)) {}

  // A parameter's gradient accumulator has just added one contribution.
  void on_gradient(size_t parameter) {
    if (!armed) return;
    fires[parameter] += 1;
    if (expected == nullptr) return;  // first backward of this graph: counting only
    Bucket& bucket = buckets[bucket_of[parameter]];
    if (bucket.pending) {
      throw RuntimeError(fmt::format(
          "gradient reduction: parameter {} received contribution {} after its bucket's all-reduce "
          "had started (the first backward of graph key {} gave it {}); the graph changed between "
          "steps without a new graph key",
          parameter, fires[parameter], graph_key, (*expected)[parameter]));
    }
    if (fires[parameter] == (*expected)[parameter] && --bucket.waiting == 0) start_ready();
    // A contribution past the count while the bucket has not started yet still lands before the
    // send: only one after the start is wrong (above).
    progress();
  }

  // Starts, in index order, every bucket whose members have all their contributions.
  void start_ready() {
    while (next_to_start < buckets.size() && buckets[next_to_start].waiting == 0) {
      start(buckets[next_to_start++]);
      started_in_backward += 1;
    }
  }

  void start(Bucket& bucket) {
    bucket.pending = bucket.owner < 0 ? communicator.start_all_reduce_sum(bucket.buffer)
                                      : communicator.start_reduce_sum(bucket.buffer, bucket.owner);
  }

  // Parameter `parameter`'s elements in `flat` (its bucket's buffer, or a copy of its layout).
  torch::Tensor view_in(const torch::Tensor& flat, const torch::Tensor& parameter,
                        size_t index) const {
    return flat.narrow(0, offset_of[index], parameter.numel()).view_as(parameter);
  }

  // Non-blocking collectives over MPI advance only inside MPI calls: test the oldest unfinished.
  void progress() {
    while (next_to_finish < next_to_start && buckets[next_to_finish].pending->test()) {
      next_to_finish += 1;
    }
  }

  Communicator communicator;
  std::vector<Bucket> buckets;
  std::vector<size_t> bucket_of;   // per parameter
  std::vector<int64_t> offset_of;  // per parameter: first element in its bucket's buffer
  std::map<int64_t, std::vector<int64_t>> expected_by_graph;  // contributions per parameter
  std::vector<int64_t> fires;                      // contributions per parameter in this backward
  const std::vector<int64_t>* expected = nullptr;  // null during a graph's first backward
  int64_t graph_key = 0;
  bool armed = false;
  size_t next_to_start = 0;
  size_t next_to_finish = 0;
  size_t started_in_backward = 0;
};

class OverlappedGradientReducer::ReadyHook final : public torch::autograd::FunctionPostHook {
 public:
  ReadyHook(std::weak_ptr<State> state, size_t parameter)
      : state_(std::move(state)), parameter_(parameter) {}

  torch::autograd::variable_list operator()(
      const torch::autograd::variable_list& outputs,
      const torch::autograd::variable_list& /*inputs*/) override {
    if (const std::shared_ptr<State> state = state_.lock()) state->on_gradient(parameter_);
    return outputs;
  }

 private:
  std::weak_ptr<State> state_;
  size_t parameter_;
};

namespace {

// Owners must name group ranks and be non-decreasing from the last parameter to the first, so each
// owner's buckets are contiguous.
void check_owners(const std::vector<int>& owners, size_t parameters, int ranks) {
  if (owners.empty()) return;
  if (owners.size() != parameters) {
    throw RuntimeError(
        fmt::format("gradient reduction: {} owners for {} parameters", owners.size(), parameters));
  }
  for (size_t i = owners.size(); i-- > 0;) {
    const int before = i + 1 < owners.size() ? owners[i + 1] : 0;
    if (owners[i] < before || owners[i] >= ranks) {
      throw RuntimeError(fmt::format(
          "gradient reduction: parameter {} has owner {}; owners must lie in [0, {}) and not "
          "decrease from the last parameter to the first (the next one has {})",
          i, owners[i], ranks, before));
    }
  }
}

}  // namespace

OverlappedGradientReducer::OverlappedGradientReducer(Communicator communicator,
                                                     const std::vector<torch::Tensor>& parameters,
                                                     std::vector<int> owners, int64_t bucket_bytes)
    : state_(std::make_shared<State>(std::move(communicator))), parameters_(parameters) {
  if (bucket_bytes < 1) {
    throw RuntimeError(fmt::format("bucket size must be positive, got {} bytes", bucket_bytes));
  }
  State& state = *state_;
  check_owners(owners, parameters_.size(), state.communicator.size());
  state.bucket_of.assign(parameters_.size(), 0);
  state.offset_of.assign(parameters_.size(), 0);
  state.fires.assign(parameters_.size(), 0);
  // Reverse order; a bucket closes at the byte limit or where the dtype, device or owner changes.
  int64_t used_bytes = 0;
  int64_t elements = 0;
  for (size_t i = parameters_.size(); i-- > 0;) {
    const torch::Tensor& parameter = parameters_[i];
    if (!parameter.requires_grad()) {
      throw RuntimeError(fmt::format("gradient reduction: parameter {} does not require grad", i));
    }
    const int64_t bytes = parameter.numel() * parameter.element_size();
    bool joins_last = !state.buckets.empty() && used_bytes + bytes <= bucket_bytes;
    if (joins_last) {
      const State::Bucket& last = state.buckets.back();
      const torch::Tensor& neighbour = parameters_[last.members.back()];
      joins_last = neighbour.scalar_type() == parameter.scalar_type() &&
                   neighbour.device() == parameter.device() &&
                   (owners.empty() || last.owner == owners[i]);
    }
    if (!joins_last) {
      state.buckets.emplace_back();
      state.buckets.back().owner = owners.empty() ? -1 : owners[i];
      used_bytes = 0;
      elements = 0;
    }
    state.buckets.back().members.push_back(i);
    state.bucket_of[i] = state.buckets.size() - 1;
    state.offset_of[i] = elements;
    used_bytes += bytes;
    elements += parameter.numel();
  }
  for (State::Bucket& bucket : state.buckets) {
    int64_t total = 0;
    for (const size_t member : bucket.members) total += parameters_[member].numel();
    bucket.buffer = torch::zeros({total}, parameters_[bucket.members.front()].options());
  }
  zero_grad();
  for (size_t i = 0; i < parameters_.size(); ++i) {
    accumulators_.push_back(torch::autograd::impl::grad_accumulator(parameters_[i]));
    hook_keys_.push_back(accumulators_.back()->add_post_hook(
        std::make_unique<ReadyHook>(std::weak_ptr<State>(state_), i)));
  }
}

OverlappedGradientReducer::~OverlappedGradientReducer() {
  for (size_t i = 0; i < accumulators_.size(); ++i) accumulators_[i]->del_post_hook(hook_keys_[i]);
}

void OverlappedGradientReducer::zero_grad() {
  State& state = *state_;
  torch::NoGradGuard no_grad;
  for (State::Bucket& bucket : state.buckets) bucket.buffer.zero_();
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (in_bucket(i)) continue;
    parameters_[i].mutable_grad() =
        state.view_in(state.buckets[state.bucket_of[i]].buffer, parameters_[i], i);
  }
}

void OverlappedGradientReducer::begin_backward(bool last, int64_t graph_key) {
  State& state = *state_;
  state.armed = last;
  if (!last) return;
  state.graph_key = graph_key;
  const auto known = state.expected_by_graph.find(graph_key);
  state.expected = known == state.expected_by_graph.end() ? nullptr : &known->second;
  std::fill(state.fires.begin(), state.fires.end(), 0);
  state.next_to_start = 0;
  state.next_to_finish = 0;
  state.started_in_backward = 0;
  for (State::Bucket& bucket : state.buckets) {
    bucket.pending.reset();
    bucket.waiting = 0;
    // Members that got no contribution in the first backward are not waited for.
    for (const size_t member : bucket.members) {
      if (state.expected != nullptr && (*state.expected)[member] > 0) bucket.waiting += 1;
    }
  }
  // With recorded counts, buckets of parameters that receive nothing are ready at once; with none
  // (the first backward), nothing starts before finish().
  if (state.expected != nullptr) {
    state.start_ready();
    state.started_in_backward = 0;  // only what a hook starts counts as overlapped
  }
}

void OverlappedGradientReducer::finish() {
  State& state = *state_;
  if (!state.armed) {
    throw RuntimeError("gradient reduction: finish() without begin_backward(last = true)");
  }
  state.armed = false;
  if (state.expected == nullptr) state.expected_by_graph[state.graph_key] = state.fires;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (!in_bucket(i)) {
      throw RuntimeError(fmt::format(
          "gradient reduction: the gradient of parameter {} no longer lies in its bucket (was it "
          "set to none or replaced after zero_grad()?)",
          i));
    }
  }
  while (state.next_to_start < state.buckets.size()) {
    state.start(state.buckets[state.next_to_start++]);
  }
  torch::NoGradGuard no_grad;
  const int rank = state.communicator.rank();
  for (State::Bucket& bucket : state.buckets) {
    bucket.pending->wait();
    if (bucket.owner < 0 || bucket.owner == rank) bucket.buffer.div_(state.communicator.size());
  }
}

void OverlappedGradientReducer::gather_parameters() {
  State& state = *state_;
  if (state.buckets.empty() || state.buckets.front().owner < 0) {
    throw RuntimeError("gather_parameters() needs a sharded reducer (owners per parameter)");
  }
  torch::NoGradGuard no_grad;
  const int rank = state.communicator.rank();
  // Buckets of other owners arrive in their gradient buffers (not the mean on this rank, so
  // nothing is lost); this rank's own are sent from a staging copy, which keeps its gradients.
  std::vector<torch::Tensor> sent(state.buckets.size());
  for (size_t b = 0; b < state.buckets.size(); ++b) {
    State::Bucket& bucket = state.buckets[b];
    sent[b] = bucket.buffer;
    if (bucket.owner == rank) {
      sent[b] = torch::empty_like(bucket.buffer);
      for (const size_t member : bucket.members) {
        state.view_in(sent[b], parameters_[member], member).copy_(parameters_[member]);
      }
    }
    bucket.pending = state.communicator.start_broadcast(sent[b], bucket.owner);
  }
  for (size_t b = 0; b < state.buckets.size(); ++b) {
    State::Bucket& bucket = state.buckets[b];
    bucket.pending->wait();
    if (bucket.owner == rank) continue;
    for (const size_t member : bucket.members) {
      parameters_[member].copy_(state.view_in(sent[b], parameters_[member], member));
    }
  }
}

bool OverlappedGradientReducer::in_bucket(size_t index) const {
  const State& state = *state_;
  const torch::Tensor& grad = parameters_[index].grad();
  const torch::Tensor& buffer = state.buckets[state.bucket_of[index]].buffer;
  return grad.defined() && grad.data_ptr() == static_cast<const char*>(buffer.data_ptr()) +
                                                  state.offset_of[index] * buffer.element_size();
}

size_t OverlappedGradientReducer::bucket_count() const { return state_->buckets.size(); }

size_t OverlappedGradientReducer::buckets_started_in_backward() const {
  return state_->started_in_backward;
}

}  // namespace vdit::parallel
