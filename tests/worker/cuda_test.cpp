// Tests that need a GPU (ctest label cuda). Each skips, saying why, where this LibTorch has no
// CUDA or no GPU is visible; scripts/gpu-check builds against a CUDA LibTorch and runs them.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "core/config_io.h"
#include "core/config_validate.h"
#include "worker/diffusion/device_noise.h"
#include "worker/model/attention.h"
#include "worker/model/video_dit.h"
#include "worker/peak_memory.h"
#include "worker/torch_compat.h"
#include "worker/training/autocast_guard.h"
#include "worker/training/trainer.h"
#include "worker/worker_device.h"

#ifdef VDIT_WITH_NCCL
#include <nccl.h>

#include "parallel/communicator.h"
#include "parallel/nccl/nccl_check.h"
#include "parallel/nccl/nccl_communicator.h"
#endif
#ifdef VDIT_TORCH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace vdit {
namespace {

#define SKIP_WITHOUT_CUDA()                                                                   \
  if (!torch::cuda::is_available())                                                           \
  GTEST_SKIP() << "no CUDA here (a CPU LibTorch, or no GPU visible): scripts/gpu-check runs " \
                  "this on a GPU machine"

const torch::Device kGpu(torch::kCUDA, 0);

RunConfig tiny_config(const std::string& precision, const std::string& device) {
  RunConfig config = parse_run_config(
      "", "test.toml",
      {"model.hidden_size=64", "model.depth=2", "model.num_heads=4", "model.caption_length=8",
       "optimizer.lr=1e-3", "training.precision=" + precision, "training.device=" + device});
  resolve_and_validate(config);
  return config;
}

// 4 clips of 2 frames at 8x8 pixels (patch 4: 8 tokens of 48 values), fixed by the seed.
data::LocalBatch fixed_batch() {
  torch::manual_seed(3);
  data::LocalBatch batch;
  batch.bucket = data::BucketShape{2, 8, 8};
  batch.grid = PatchGrid{2, 2, 2};
  batch.batch = 4;
  batch.tokens_per_sample_local = 8;
  batch.token_dim = 48;
  const auto tokens = torch::rand({4, 8, 48}) * 2 - 1;
  batch.tokens.assign(tokens.data_ptr<float>(), tokens.data_ptr<float>() + tokens.numel());
  batch.caption_length = 8;
  batch.caption_ids.assign(32, 5);
  batch.global_sample_index = {0, 1, 2, 3};
  return batch;
}

TEST(CudaTraining, OneFp32StepEqualsTheCpuStep) {
  SKIP_WITHOUT_CUDA();
  const RunConfig cpu_config = tiny_config("fp32", "cpu");
  const RunConfig gpu_config = tiny_config("fp32", "cuda");
  training::Trainer cpu(cpu_config, torch::kCPU);
  training::Trainer gpu(gpu_config, kGpu);
  training::StepPlan plan;
  plan.lr = 1e-3;
  const auto batch = fixed_batch();
  const auto a = cpu.train_step(batch, plan), b = gpu.train_step(batch, plan);
  EXPECT_NEAR(a.loss, b.loss, 1e-4 * a.loss);
  EXPECT_NEAR(a.grad_norm, b.grad_norm, 1e-4 * a.grad_norm);
  const auto pa = cpu.model()->parameters(), pb = gpu.model()->parameters();
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_TRUE(torch::allclose(pa[i], pb[i].cpu(), 1e-4, 1e-5)) << "parameter " << i;
  }
}

// The model's forward under the autocast guard: bf16 matmuls (the output says so), and the fp32
// loss of that output within 2% of the fp32 forward's.
TEST(CudaAutocast, Bf16ForwardLossIsWithinTwoPercentOfFp32) {
  SKIP_WITHOUT_CUDA();
  torch::manual_seed(5);
  model::VideoDiTOptions options;
  options.hidden_size = 128;
  options.depth = 4;
  options.num_heads = 4;
  options.patch = PatchSize{1, 2};
  options.caption = model::CaptionEncoderOptions{128, 2, 256, 8, 257, 0, 1};
  model::VideoDiT dit(options);
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : dit->parameters()) parameter.add_(torch::randn_like(parameter) * 0.05);
  }
  dit->to(kGpu);
  model::DiTInput input;
  input.grid = PatchGrid{4, 8, 8};
  input.tokens = torch::randn({2, 256, dit->options.token_dim()}, kGpu);
  input.timesteps = torch::tensor({3, 500}, torch::kInt64).to(kGpu);
  input.caption = torch::randint(1, 257, {2, 8}, torch::TensorOptions(torch::kInt64).device(kGpu));
  const auto target = torch::randn({2, 256, dit->options.token_dim()}, kGpu);
  const auto fp32_output = dit->forward(input);
  torch::Tensor bf16_output;
  {
    training::AutocastGuard autocast(true);
    bf16_output = dit->forward(input);
  }
  EXPECT_EQ(bf16_output.scalar_type(), torch::kBFloat16);
  const double fp32_loss = torch::mse_loss(fp32_output, target).item<double>();
  const double bf16_loss = torch::mse_loss(bf16_output.to(torch::kFloat32), target).item<double>();
  EXPECT_NEAR(bf16_loss, fp32_loss, 0.02 * fp32_loss);
}

TEST(CudaAttention, FusedKernelEqualsWrittenOutInOutputAndGradients) {
  SKIP_WITHOUT_CUDA();
#if !VDIT_HAS_SDPA
  GTEST_SKIP() << "this LibTorch has no scaled_dot_product_attention";
#else
  for (const auto dtype : {torch::kFloat32, torch::kBFloat16}) {
    torch::manual_seed(11);
    const auto options = torch::TensorOptions().dtype(dtype).device(kGpu);
    std::vector<torch::Tensor> outputs, gradients;
    const auto q0 = torch::randn({2, 4, 256, 64}, options), k0 = torch::randn_like(q0),
               v0 = torch::randn_like(q0), weight = torch::randn_like(q0);
    for (const bool fused : {true, false}) {
      auto q = q0.clone().requires_grad_(true), k = k0.clone().requires_grad_(true),
           v = v0.clone().requires_grad_(true);
      const auto out = fused ? model::attention(q, k, v) : model::written_out_attention(q, k, v);
      (out.to(torch::kFloat32) * weight.to(torch::kFloat32)).sum().backward();
      outputs.push_back(out.to(torch::kFloat32));
      for (const auto& t : {q, k, v}) gradients.push_back(t.grad().to(torch::kFloat32));
    }
    // fp32: both exact to rounding; bf16 (8 significant bits): a few bf16 steps apart.
    const double tolerance = dtype == torch::kFloat32 ? 1e-4 : 5e-2;
    EXPECT_TRUE(torch::allclose(outputs[0], outputs[1], tolerance, tolerance))
        << c10::toString(dtype);
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(torch::allclose(gradients[i], gradients[3 + i], tolerance, tolerance))
          << c10::toString(dtype) << " gradient "
          << "qkv"[i];
    }
  }
#endif
}

TEST(CudaNoise, DeviceNoiseEqualsCpuAndHostNoiseBitwise) {
  SKIP_WITHOUT_CUDA();
  const std::vector<int64_t> samples = {0, 7, 123456789012, 3};
  const auto gpu =
      diffusion::counter_token_noise(0xF00DFACE12345678ULL, 42, samples, 5, 1000, 16, kGpu);
  const auto cpu =
      diffusion::counter_token_noise(0xF00DFACE12345678ULL, 42, samples, 5, 1000, 16, torch::kCPU);
  EXPECT_TRUE(torch::equal(gpu.cpu(), cpu));
  EXPECT_EQ(gpu[2][999][15].item<float>(),
            diffusion::counter_normal(0xF00DFACE12345678ULL, 42, 123456789012, 1004 * 16 + 15));
}

TEST(CudaDevice, NamesTheGpuAndReportsItsPeakAllocation) {
  SKIP_WITHOUT_CUDA();
  EXPECT_NE(device_name(kGpu).find("NVIDIA"), std::string::npos) << device_name(kGpu);
  const auto block = torch::empty({256 << 20}, torch::TensorOptions(torch::kUInt8).device(kGpu));
  const std::optional<int64_t> peak = peak_memory_bytes(kGpu);
  ASSERT_TRUE(peak.has_value());
  EXPECT_GE(*peak, block.numel());
}

#ifdef VDIT_WITH_NCCL
// One rank, so every collective returns its input: the check is that CUDA tensors reach NCCL and
// come back on the compute stream's order, also when the caller made a side stream current.
TEST(CudaNccl, CollectivesOnAOneRankCommunicatorReturnTheirInput) {
  SKIP_WITHOUT_CUDA();
  int device = 0;
  ncclComm_t comm = nullptr;
  NCCL_CHECK(ncclCommInitAll(&comm, 1, &device));
  const parallel::Communicator nccl(
      std::make_shared<parallel::NcclCommunicator>(parallel::NcclCommHandle(comm), device));
  EXPECT_STREQ(nccl.backend_name(), "nccl");
  const auto x = torch::arange(24, torch::TensorOptions(torch::kFloat32).device(kGpu))
                     .reshape({4, 3, 2});  // (4, 3, 2)
  auto summed = x.clone();
  nccl.all_reduce_sum(summed);
  EXPECT_TRUE(torch::equal(summed, x));
  EXPECT_TRUE(torch::equal(nccl.all_gather(x), x));
  EXPECT_TRUE(torch::equal(nccl.reduce_scatter_sum(x), x));
  EXPECT_TRUE(torch::equal(nccl.all_to_all(x, 1, 0), x));
  auto broadcast = x.clone();
  nccl.broadcast(broadcast, 0);
  EXPECT_TRUE(torch::equal(broadcast, x));
#ifdef VDIT_TORCH_CUDA
  {
    c10::cuda::CUDAStreamGuard side(c10::cuda::getStreamFromPool());
    auto y = x * 2;  // queued on the side stream
    nccl.all_reduce_sum(y);
    EXPECT_TRUE(torch::equal(y + 1, x * 2 + 1));
  }
#endif
  nccl.barrier();
}
#endif

}  // namespace
}  // namespace vdit
