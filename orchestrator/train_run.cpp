#include "orchestrator/train_run.h"

#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>

#include "core/config_io.h"
#include "core/config_validate.h"
#include "core/error.h"
#include "core/log.h"
#include "data/shard_format.h"
#include "data/synthetic_videos.h"
#include "orchestrator/coordinator.h"
#include "orchestrator/preflight.h"
#include "orchestrator/rank_failures.h"
#include "orchestrator/run_directory.h"
#include "orchestrator/worker_link.h"
#include "parallel/mpi_environment.h"
#include "parallel/parallel_dims.h"
#include "parallel/process_groups.h"
#include "worker/worker_device.h"
#include "worker/worker_engine.h"
#include "worker/worker_loop.h"

namespace vdit::orchestrator {
namespace {

namespace fs = std::filesystem;

// Prints `message` and ends every rank of the job with `exit_code`: after the first plan, a failed
// rank's peers may be blocked in a collective with it, and only an abort reaches them.
[[noreturn]] void end_job(const std::string& message, int exit_code) {
  log_error("{}", message);
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::abort();  // MPI_Abort does not return
}

// A validated config and its mesh, checked once here and passed down as they are.
struct ResolvedRun {
  RunConfig config;
  parallel::ParallelDims dims;
};

// The mesh of `config` on `workers` worker ranks; InputError naming the config and the fields.
parallel::ParallelDims mesh_of(const RunConfig& config, int workers) {
  const ParallelConfig& p = config.parallel;
  try {
    const auto dims = parallel::ParallelDims::create(static_cast<int>(p.dp), static_cast<int>(p.sp),
                                                     static_cast<int>(p.tp), workers);
    dims.validate_heads(config.model.num_heads, "model.num_heads");
    return dims;
  } catch (const InputError& error) {
    const int64_t mesh = p.dp * p.sp * p.tp;
    const std::string how =
        workers == 1 && mesh != 1
            ? fmt::format(
                  "; start it as `mpirun -np {} vdit train ...` (1 coordinator + "
                  "{} workers)",
                  mesh + 1, mesh)
            : "";
    throw InputError(fmt::format("{}: parallel: {}{}", config.source, error.what(), how));
  }
}

ResolvedRun resolve_run(const TrainRequest& request, int workers) {
  RunConfig config = request.config_path.empty()
                         ? parse_run_config("", "<defaults>", request.overrides)
                         : load_run_config(request.config_path, request.overrides);
  resolve_and_validate(config);
  const parallel::ParallelDims dims = mesh_of(config, workers);
  // Before any rank allocates anything: a CPU-only LibTorch or a machine without a GPU ends the
  // run here with one message, whatever the rank.
  if (config.training.device == "cuda") {
    check_device_available(config.training, config.source, probe_cuda());
  }
  return {std::move(config), dims};
}

std::vector<std::string> h5_files_in(const fs::path& folder) {
  std::vector<std::string> found;
  if (!fs::is_directory(folder)) return found;
  for (const auto& file : fs::directory_iterator(folder)) {
    if (file.path().extension() == ".h5") found.push_back(file.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Shard files from data.shards (files or folders of *.h5, relative to the config file), or a
// synthetic set written once into the run folder when none are configured.
std::vector<std::string> resolve_shards(const RunConfig& config, const TrainRequest& request,
                                        const RunDirectory& run) {
  std::vector<std::string> shards;
  const fs::path base = request.config_path.empty() ? fs::current_path()
                                                    : fs::path(request.config_path).parent_path();
  for (const std::string& entry : config.data.shards) {
    const fs::path path = fs::path(entry).is_absolute() ? fs::path(entry) : base / entry;
    if (fs::is_directory(path)) {
      const auto found = h5_files_in(path);
      if (found.empty()) {
        throw InputError(fmt::format("{}: data.shards: folder {} holds no *.h5 shard",
                                     config.source, path.string()));
      }
      shards.insert(shards.end(), found.begin(), found.end());
    } else if (fs::exists(path)) {
      shards.push_back(path.string());
    } else {
      throw InputError(
          fmt::format("{}: data.shards: {} does not exist", config.source, path.string()));
    }
  }
  if (!shards.empty()) return shards;
  shards = h5_files_in(run.data());
  if (!shards.empty()) return shards;
  data::SynthOptions synth;
  synth.out_dir = run.data();
  synth.seed = static_cast<uint64_t>(config.training.seed);
  synth.clips_per_bucket = config.data.synthetic_clips_per_bucket;
  synth.patch = config.model.patch();
  synth.caption_length = config.model.caption_length;
  if (!config.data.synthetic_buckets.empty()) {
    synth.buckets.clear();
    for (const std::string& bucket : config.data.synthetic_buckets) {
      synth.buckets.push_back(data::parse_bucket_shape(bucket, "data.synthetic_buckets"));
    }
  }
  log_info("data: no data.shards configured; writing a synthetic captioned set to {}", run.data());
  std::ostringstream warnings;  // through the logger, like every other line of a run
  synth.warnings = &warnings;
  std::vector<std::string> written = data::write_synthetic_dataset(synth);
  std::istringstream lines(warnings.str());
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) log_warn("data: {}", line);
  }
  return written;
}

// Rank 0 prepares the run folder and data, then tells the workers the shard list, each path ended
// by a NUL (the one byte no path holds; a newline may be part of a folder name).
std::vector<std::string> broadcast_shards(std::vector<std::string> shards, int world_rank) {
  std::string joined;
  for (const auto& shard : shards) joined += shard + '\0';
  int64_t size = static_cast<int64_t>(joined.size());
  MPI_Bcast(&size, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  joined.resize(static_cast<size_t>(size));
  MPI_Bcast(joined.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD);
  if (world_rank == 0) return shards;
  std::vector<std::string> received;
  for (size_t start = 0, end; (end = joined.find('\0', start)) != std::string::npos;
       start = end + 1) {
    received.push_back(joined.substr(start, end - start));
  }
  return received;
}

// The coordinator's pre-flight: every stage against the data and the mesh; all problems at once.
// Records in `config` (and the run's config.toml) the VAE and text encoder the shards were packed
// with, so that every checkpoint names them.
void check_before_training(RunConfig& config, const std::vector<std::string>& shards,
                           const RunDirectory& run) {
  const PreflightReport report = run_preflight(config, shards);
  if (!report.ok()) throw InputError(report.describe_problems());
  for (const std::string& stage : report.stages) log_info("pre-flight: {}", stage);
  if (config.model.vae_checksum != report.vae_checksum ||
      config.model.text_encoder_checksum != report.text_encoder_checksum) {
    config.model.vae_checksum = report.vae_checksum;
    config.model.text_encoder_checksum = report.text_encoder_checksum;
    run.write_config(config);
  }
}

void print_check_passed(const RunConfig& config) {
  fmt::print(
      "pre-flight: ok: {} stage{} checked against the data and the mesh; nothing trained "
      "(--check)\n",
      config.curriculum.stages.size(), config.curriculum.stages.size() == 1 ? "" : "s");
}

int run_single_process(const TrainRequest& request, const StopSignals& signals) {
  ResolvedRun resolved = resolve_run(request, 1);
  RunConfig& config = resolved.config;
  const RunDirectory run(request.run_dir);
  run.write_config(config);
  const std::vector<std::string> shards = resolve_shards(config, request, run);
  check_before_training(config, shards, run);
  if (request.check_only) {
    print_check_passed(config);
    return kExitOk;
  }
  WorkerEngine engine(config, shards, select_worker_device(config), {}, data::DataRank{}, 0);
  InProcessWorkerLink link(engine);
  return run_coordinator(config, resolved.dims, run, request.resume, link, signals);
}

// Under a launcher every phase up to the first step runs on every rank and ends with an agreement
// (agree_on_failures): a failure on any rank is printed once with its rank, and every rank
// returns the same exit code without an abort. From the first plan on, a worker's failure travels
// in its report and the coordinator prints it and ends the job (the other workers may be waiting
// in a collective with the failed one, so only an abort ends them).
int run_mpi(const TrainRequest& request, const StopSignals& signals) {
  int argc = 0;
  char** argv = nullptr;
  auto mpi = parallel::MpiEnvironment::initialize(&argc, &argv);
  const int rank = mpi.world_rank();
  const int workers = mpi.world_size() - 1;
  const std::string program = "vdit train";
  const auto agree = [&](const std::function<void()>& phase) {
    return agree_on_failures(MPI_COMM_WORLD, run_phase(phase), program);
  };
  // 1. Every rank reads and checks the same config and mesh.
  std::optional<ResolvedRun> resolved;
  if (const int code = agree([&] { resolved = resolve_run(request, workers); })) return code;
  // Rank 0 records the shards' VAE / text encoder checksums in its copy (see
  // check_before_training); workers never read those fields.
  RunConfig& config = resolved->config;
  const parallel::ParallelDims& dims = resolved->dims;
  // 2. The coordinator prepares the run folder and the data and runs the pre-flight.
  std::vector<std::string> shards;
  std::optional<RunDirectory> run;
  if (const int code = agree([&] {
        if (rank != 0) return;
        run.emplace(request.run_dir);
        run->write_config(config);
        shards = resolve_shards(config, request, *run);
        check_before_training(config, shards, *run);
      })) {
    return code;
  }
  if (request.check_only) {
    if (rank == 0) print_check_passed(config);
    return kExitOk;
  }
  shards = broadcast_shards(std::move(shards), rank);
  // Each worker takes its device (the coordinator none); CUDA tensors then travel over NCCL.
  std::optional<torch::Device> device;
  if (const int code = agree([&] {
        if (rank != 0) device = select_worker_device(config);
      })) {
    return code;
  }
  parallel::ProcessGroupsOptions group_options;
  if (device && device->is_cuda()) group_options.cuda_device = device->index();
  const auto groups = parallel::ProcessGroups::create(MPI_COMM_WORLD, dims, group_options);
  const double timeout = config.parallel.heartbeat_timeout_s;
  const bool heartbeats = mpi.thread_level() == parallel::MpiThreadLevel::kMultiple;
  // 3. Each worker builds its model, optimizer and data loader.
  std::unique_ptr<WorkerEngine> engine;
  if (const int code = agree([&] {
        if (rank == 0) return;
        const auto& coords = groups->coords();
        const data::DataRank data_rank{coords.dp_rank, dims.dp(), coords.sp_rank, dims.sp()};
        engine = std::make_unique<WorkerEngine>(
            config, shards, *device,
            training::TrainerParallel{{groups->tp(), groups->sp()}, groups->dp_sp()}, data_rank,
            groups->worker_rank());
      })) {
    return code;
  }
  // 4. The run.
  try {
    if (rank == 0) {
      log_info("mesh: {} workers, dp {} x sp {} x tp {}", workers, dims.dp(), dims.sp(), dims.tp());
      if (!heartbeats) {
        log_info(
            "heartbeat: MPI granted {}, not MPI_THREAD_MULTIPLE, so workers send no heartbeats: "
            "the coordinator waits for each step's reports without a time limit (a dead worker "
            "still ends the job through the launcher; a stalled one is not detected)",
            parallel::to_string(mpi.thread_level()));
      }
      MpiWorkerLink link(MPI_COMM_WORLD, workers, timeout, heartbeats);
      return run_coordinator(config, dims, *run, request.resume, link, signals);
    }
    const control::WorkerChannel channel(MPI_COMM_WORLD, groups->worker_rank(), timeout);
    return run_worker_loop(*engine, channel, heartbeats ? timeout / 4 : 0.0, signals);
  } catch (const control::WorkerFailure& failure) {
    end_job(fmt::format("{}: error on {}", program, failure.what()), failure.exit_code());
  } catch (const InputError& error) {
    end_job(fmt::format("{}: error on {}: {}", program, describe_world_ranks({rank}), error.what()),
            kExitInputError);
  } catch (const std::exception& error) {
    end_job(
        fmt::format("{}: failed on {}: {}", program, describe_world_ranks({rank}), error.what()),
        kExitRuntimeError);
  }
  return kExitRuntimeError;
}

}  // namespace

bool launched_by_mpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

int run_training(const TrainRequest& request) {
  const StopSignals signals;
  return launched_by_mpi() ? run_mpi(request, signals) : run_single_process(request, signals);
}

}  // namespace vdit::orchestrator
