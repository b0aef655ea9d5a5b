// Activation checkpointing: activation memory and step time of a depth-12 DiT with checkpointing
// off, every 2nd block, and every block. Each mode runs in a forked child so its peak resident
// memory (VmHWM) is its own; activation memory = peak during forward+backward - resident before.
#include <fmt/core.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "core/cpu_runtime.h"
#include "worker/model/video_dit.h"

namespace {

double status_mb(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string word; status >> word;) {
    if (word == key) {
      double kilobytes = 0;
      status >> kilobytes;
      return kilobytes / 1024.0;
    }
  }
  return 0;
}

struct Measurement {
  double activation_mb;
  double seconds_per_step;
};

Measurement measure(int64_t checkpoint_every, int64_t tokens_side, int repeats) {
  torch::manual_seed(0);
  vdit::model::VideoDiTOptions options;
  options.hidden_size = 384;  // DiT-S width, depth 12
  options.depth = 12;
  options.num_heads = 6;
  options.patch = vdit::PatchSize{1, 4};
  options.caption = vdit::model::CaptionEncoderOptions{384, 6, 1536, 16, 257, 0, 1};
  options.checkpoint_every = checkpoint_every;
  vdit::model::VideoDiT dit(options);
  vdit::model::DiTInput input;
  input.grid = vdit::PatchGrid{4, tokens_side, tokens_side};
  input.tokens = torch::randn({2, input.grid.tokens(), options.token_dim()});
  input.timesteps = torch::tensor({10, 500}, torch::kInt64);
  input.caption = torch::randint(1, 257, {2, 16}, torch::kInt64);
  // Warm-up step (allocator, BLAS buffers), then measure.
  dit->forward(input).pow(2).mean().backward();
  for (auto& parameter : dit->parameters()) parameter.mutable_grad().zero_();
  const double resident = status_mb("VmRSS:");
  std::ofstream("/proc/self/clear_refs") << "5";  // reset VmHWM to the current RSS (Linux >= 4.0)
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) dit->forward(input).pow(2).mean().backward();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {status_mb("VmHWM:") - resident, seconds / repeats};
}

Measurement in_child(int64_t checkpoint_every, int64_t tokens_side, int repeats) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t child = fork();
  if (child == 0) {
    const Measurement m = measure(checkpoint_every, tokens_side, repeats);
    if (write(pipe_fds[1], &m, sizeof(m)) != sizeof(m)) _exit(1);
    _exit(0);
  }
  Measurement m{};
  if (read(pipe_fds[0], &m, sizeof(m)) != sizeof(m)) throw std::runtime_error("child failed");
  waitpid(child, nullptr, 0);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  // The kernels and malloc settings `vdit train` runs with (core/cpu_runtime.h).
  const std::string runtime_note = vdit::apply_cpu_runtime_settings(argv);
  if (!runtime_note.empty()) fmt::print("{}\n", runtime_note);
  const int64_t side = argc > 1 ? std::stoll(argv[1]) : 16;  // 4 frames x 16 x 16 = 1024 tokens
  const int repeats = argc > 2 ? std::stoi(argv[2]) : 3;
  torch::set_num_threads(1);
  fmt::print("depth-12 DiT-S (D=384), batch 2 x {} tokens, {} timed steps per mode\n",
             4 * side * side, repeats);
  const Measurement none = in_child(0, side, repeats);
  fmt::print("{:<10} {:>16} {:>12} {:>14} {:>10}\n", "mode", "activation MB", "s/step",
             "memory ratio", "time ratio");
  for (const auto& [name, every] :
       {std::pair<const char*, int64_t>{"none", 0}, {"every:2", 2}, {"full", 1}}) {
    const Measurement m = every == 0 ? none : in_child(every, side, repeats);
    fmt::print("{:<10} {:>16.1f} {:>12.3f} {:>13.2f}x {:>9.2f}x\n", name, m.activation_mb,
               m.seconds_per_step, none.activation_mb / m.activation_mb,
               m.seconds_per_step / none.seconds_per_step);
  }
}
