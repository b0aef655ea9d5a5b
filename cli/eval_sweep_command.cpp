// `vdit eval RUN --reference SHARDS... --metrics fid,fvd,clip,kid --num-samples N ...`
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <sstream>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/eval_world.h"
#include "core/error.h"
#include "core/log.h"
#include "eval/sweep.h"

namespace vdit::cli {

int run_eval_sweep(const Args& args) {
  namespace po = boost::program_options;
  eval::SweepRequest request;
  std::string metrics = "fid";
  std::string fvd_preset = "stylegan-v";
  std::string convention = "torchmetrics";
  po::options_description options(
      "vdit eval RUN --reference SHARDS... [options]\n\nScores every checkpoint of RUN: samples "
      "--num-samples videos with fixed seeds and prompts, extracts features with the detector "
      "files, and appends to RUN/eval/results.{jsonl,csv}; checkpoints already scored with the "
      "same N and protocol are skipped, so a killed sweep resumes. Writes a plot per metric and "
      "RUN/eval/report.html");
  // clang-format off
  options.add_options()
      ("help,h", "show this help")
      ("run", po::value(&request.run_dir), "run folder (also the first positional argument)")
      ("reference", po::value(&request.reference)->multitoken(), "shard files or folders: the "
       "real videos")
      ("metrics", po::value(&metrics)->default_value("fid"), "comma-separated: fid,fvd,kid,clip")
      ("num-samples", po::value(&request.num_samples)->default_value(2048),
       "generated videos per checkpoint (sample i uses seed + i)")
      ("prompts", po::value(&request.prompts_file), "one prompt per line (default: the "
       "reference's captions), used in turn")
      ("checkpoints", po::value(&request.checkpoints_glob)->default_value("step_*"),
       "glob over RUN/checkpoints/ folder names")
      ("detector-dir", po::value(&request.detector_dir), "folder holding inception-2015-12-05.pt, "
       "i3d_torchscript.pt, ViT-B-32.pt, bpe_simple_vocab_16e6.txt.gz")
      ("fid-detector", po::value(&request.fid_detector), "FID/KID Inception file (overrides the "
       "folder)")
      ("fvd-detector", po::value(&request.fvd_detector), "FVD I3D file")
      ("clip-detector", po::value(&request.clip_detector), "CLIP TorchScript file")
      ("clip-vocab", po::value(&request.clip_vocab), "CLIP BPE vocabulary (.txt.gz)")
      ("fid-width", po::value(&request.fid_width)->default_value(2048), "Inception feature width")
      ("fvd-width", po::value(&request.fvd_width)->default_value(400), "I3D feature width")
      ("fvd-protocol", po::value(&fvd_preset)->default_value("stylegan-v"),
       "stylegan-v or videogpt")
      ("clip-frames", po::value(&request.fvd.frames)->default_value(16), "frames per FVD clip")
      ("clip-stride", po::value(&request.fvd.stride)->default_value(1), "FVD clip frame stride")
      ("clip-convention", po::value(&convention)->default_value("torchmetrics"),
       "torchmetrics or clipscore")
      ("seed", po::value(&request.seed)->default_value(0), "noise seed of sample 0")
      ("sample-steps", po::value(&request.sample_steps)->default_value(-1),
       "sampler steps (default: the run's diffusion.sample_steps)")
      ("cache-dir", po::value(&request.cache_dir),
       "reference statistics cache (default RUN/eval/reference_cache)");
  // clang-format on
  po::positional_options_description positional;
  positional.add("run", 1);
  const auto values = parse_command_line(args, options, positional, options, "eval RUN");
  if (!values) return kExitOk;
  if (request.run_dir.empty()) throw InputError("give the run folder: vdit eval RUN ...");
  std::stringstream list(metrics);
  for (std::string metric; std::getline(list, metric, ',');) {
    if (!metric.empty()) request.metrics.push_back(metric);
  }
  request.fvd.preset = eval::parse_fvd_preset(fvd_preset, "--fvd-protocol");
  request.clip_convention = eval::parse_clip_convention(convention, "--clip-convention");
  if (request.fvd.frames < 1 || request.fvd.stride < 1) {
    throw InputError("--clip-frames and --clip-stride: expected >= 1");
  }
  const EvalWorld world;
  const eval::SweepSummary summary = eval::run_sweep(request, world.group());
  if (world.speaks()) {
    for (const auto& note : summary.notes) log_warn("{}", note);
    fmt::print("scored {} checkpoint(s), skipped {} already scored; wrote {}/eval/report.html\n",
               summary.scored, summary.skipped, request.run_dir);
  }
  return kExitOk;
}

}  // namespace vdit::cli
