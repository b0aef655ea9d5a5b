// `vdit eval fd|fid|kid|fvd A B`, `vdit eval clip VIDEOS`, `vdit eval stats INPUT`, and
// `vdit eval RUN` (checkpoint sweeps, cli/eval_sweep_command.cpp).
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/eval_world.h"
#include "core/error.h"
#include "core/log.h"
#include "eval/clip_score.h"
#include "eval/frechet_distance.h"
#include "eval/input_statistics.h"
#include "eval/kernel_distance.h"
#include "eval/metric_result.h"

namespace vdit::cli {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "usage:\n"
    "  vdit eval fd A B [--json]                      Fréchet distance of stats/features files\n"
    "  vdit eval fid A B --detector FILE [--json]     FID (Inception features of every frame)\n"
    "  vdit eval kid A B --detector FILE [--json]     KID (clean-fid subsets)\n"
    "  vdit eval fvd A B --detector FILE [--protocol stylegan-v|videogpt] [--json]\n"
    "  vdit eval clip VIDEOS --detector CLIP.pt --vocab BPE.txt.gz --prompts FILE [--json]\n"
    "  vdit eval stats INPUT --detector FILE --out STATS.h5 [--metric fid|fvd]\n"
    "  vdit eval RUN --reference SHARDS... --metrics fid,fvd,clip,kid --num-samples N ...\n"
    "A and B: a shard file or folder (every clip), a folder of videos or images (GIF, MP4, PNG),\n"
    "a features file (HDF5 dataset 'features' [N, D]) or a stats file (vdit eval stats).\n"
    "Under mpirun the videos are split over the ranks and the sums reduced.\n"
    "Run `vdit eval <form> --help` for each form's options.";

// What the forms share; each form registers only the options it reads.
struct EvalOptions {
  std::vector<std::string> inputs;
  std::string detector;
  int64_t detector_width = -1;  // < 0: the published detector's width
  bool json = false;
  std::string cache_dir;
  bool no_cache = false;
  std::string fvd_preset = "stylegan-v";
  int64_t clip_frames = 16;
  int64_t clip_stride = 1;
  int64_t subsets = 100;
  int64_t subset_size = 1000;
  uint64_t seed = 0;
  std::string vocab;
  std::string prompts;
  std::string convention = "torchmetrics";
  std::string out;
  std::string metric = "fid";
};

void add_detector_options(po::options_description& options, EvalOptions& o, bool fvd) {
  // clang-format off
  options.add_options()
      ("detector", po::value(&o.detector), fvd ? "i3d_torchscript.pt (StyleGAN-V)"
                                               : "inception-2015-12-05.pt (NVIDIA)")
      ("detector-width", po::value(&o.detector_width),
       fvd ? "feature width the detector must produce (default 400)"
           : "feature width the detector must produce (default 2048)");
  // clang-format on
}

void add_fvd_options(po::options_description& options, EvalOptions& o) {
  // clang-format off
  options.add_options()
      ("protocol", po::value(&o.fvd_preset)->default_value("stylegan-v"),
       "stylegan-v (0..255, the detector rescales/resizes) or videogpt (224 bilinear, [-1, 1])")
      ("clip-frames", po::value(&o.clip_frames)->default_value(16), "frames per FVD clip")
      ("clip-stride", po::value(&o.clip_stride)->default_value(1), "frame stride in a clip");
  // clang-format on
}

void add_cache_options(po::options_description& options, EvalOptions& o) {
  // clang-format off
  options.add_options()
      ("cache-dir", po::value(&o.cache_dir),
       "reference statistics cache (default $VDIT_CACHE_DIR, else ~/.cache/vdit/eval)")
      ("no-cache", po::bool_switch(&o.no_cache), "do not read or write the cache");
  // clang-format on
}

// Parses `args` (after the form) with `positional_count` inputs.
bool parse(const Args& args, po::options_description& options, EvalOptions& o, int positional_count,
           const std::string& form) {
  // clang-format off
  options.add_options()
      ("help,h", "show this help")
      ("input", po::value(&o.inputs)->composing(), "inputs (positional)");
  // clang-format on
  po::positional_options_description positional;
  positional.add("input", positional_count);
  if (!parse_command_line(args, options, positional, options, "eval " + form)) return false;
  if (static_cast<int>(o.inputs.size()) != positional_count) {
    throw InputError(
        fmt::format("vdit eval {}: found {} input(s), expected {} (see vdit eval {} "
                    "--help)",
                    form, o.inputs.size(), positional_count, form));
  }
  return true;
}

void require_detector(const EvalOptions& o, const std::string& form) {
  if (o.detector.empty()) {
    throw InputError(
        fmt::format("vdit eval {}: --detector FILE is required (a TorchScript "
                    "detector; weights are never downloaded)",
                    form));
  }
}

void print_result(const EvalWorld& world, eval::MetricResult result, bool json) {
  if (!world.speaks()) return;
  if (json) {
    fmt::print("{}\n", result.to_json().dump());
    return;
  }
  fmt::print("{}\n", result.to_text());
  for (const auto& warning : result.warnings) log_warn("{}", warning);
}

// Warns when a stats file was made another way than the number now being computed.
void note_provenance(eval::MetricResult& result, const std::string& input,
                     const eval::StoredStatistics& stored) {
  if (!stored.protocol.empty() && !result.protocol.empty() && stored.protocol != result.protocol &&
      stored.protocol != "features file") {
    result.warnings.push_back(fmt::format("{}: statistics made with protocol \"{}\", not \"{}\"",
                                          input, stored.protocol, result.protocol));
  }
  if (!stored.detector.empty() && !result.detector.empty() && stored.detector != result.detector) {
    result.warnings.push_back(fmt::format("{}: statistics made with detector {}, not {}", input,
                                          stored.detector, result.detector));
  }
}

eval::FvdProtocol fvd_protocol(const EvalOptions& o) {
  eval::FvdProtocol protocol;
  protocol.preset = eval::parse_fvd_preset(o.fvd_preset, "--protocol");
  if (o.clip_frames < 1 || o.clip_stride < 1) {
    throw InputError(fmt::format("--clip-frames {} / --clip-stride {}: expected both >= 1",
                                 o.clip_frames, o.clip_stride));
  }
  protocol.frames = o.clip_frames;
  protocol.stride = o.clip_stride;
  return protocol;
}

int run_frechet(const Args& args, const std::string& form) {
  EvalOptions o;
  po::options_description options(fmt::format("vdit eval {} A B [options]", form));
  options.add_options()("json", po::bool_switch(&o.json), "print one JSON object");
  if (form != "fd") {
    add_detector_options(options, o, form == "fvd");
    add_cache_options(options, o);
  }
  if (form == "fvd") add_fvd_options(options, o);
  if (!parse(args, options, o, 2, form)) return kExitOk;
  if (form != "fd") require_detector(o, form);
  const EvalWorld world;
  // Detectors are loaded and probed before any video is read.
  std::optional<eval::FrameDetector> frames;
  std::optional<eval::VideoDetector> clips;
  std::optional<eval::FeatureProtocol> protocol;
  if (form == "fid") {
    frames.emplace(eval::FrameDetector::load(
        o.detector, o.detector_width > 0 ? o.detector_width : eval::kInceptionWidth));
    protocol = eval::frame_protocol(*frames);
  } else if (form == "fvd") {
    clips.emplace(eval::VideoDetector::load(
        o.detector, fvd_protocol(o), o.detector_width > 0 ? o.detector_width : eval::kI3dWidth));
    protocol = eval::clip_protocol(*clips);
  }
  std::optional<eval::ReferenceCache> cache;
  if (form != "fd" && !o.no_cache) {
    cache.emplace(o.cache_dir.empty() ? eval::ReferenceCache::default_folder() : o.cache_dir);
  }
  const auto* p = protocol ? &*protocol : nullptr;
  const auto* c = cache ? &*cache : nullptr;
  const eval::StoredStatistics a = eval::input_statistics(o.inputs[0], p, world.group(), c);
  const eval::StoredStatistics b = eval::input_statistics(o.inputs[1], p, world.group(), c);
  const eval::FrechetDistance distance = eval::frechet_distance(a.statistics, b.statistics);
  eval::MetricResult result;
  result.metric = form;
  result.value = distance.value;
  result.counts = {a.statistics.count, b.statistics.count};
  result.dim = a.statistics.dim();
  result.rank_deficient = distance.rank_deficient;
  if (p) {
    result.protocol = p->protocol;
    result.detector = p->detector;
  } else {
    result.protocol = a.protocol == b.protocol ? a.protocol : a.protocol + " | " + b.protocol;
    result.detector = a.detector == b.detector ? a.detector : a.detector + " | " + b.detector;
  }
  note_provenance(result, o.inputs[0], a);
  note_provenance(result, o.inputs[1], b);
  eval::add_sample_size_warnings(result);
  print_result(world, result, o.json);
  return kExitOk;
}

int run_kid(const Args& args) {
  EvalOptions o;
  po::options_description options("vdit eval kid A B [options]");
  // clang-format off
  options.add_options()
      ("json", po::bool_switch(&o.json), "print one JSON object")
      ("subsets", po::value(&o.subsets)->default_value(100), "number of subsets (clean-fid: 100)")
      ("subset-size", po::value(&o.subset_size)->default_value(1000),
       "largest subset (clean-fid: 1000)")
      ("seed", po::value(&o.seed)->default_value(0), "seed of the subset draws");
  // clang-format on
  add_detector_options(options, o, false);
  if (!parse(args, options, o, 2, "kid")) return kExitOk;
  require_detector(o, "kid");
  if (o.subsets < 1 || o.subset_size < 2) {
    throw InputError(fmt::format("--subsets {} / --subset-size {}: expected >= 1 and >= 2",
                                 o.subsets, o.subset_size));
  }
  const EvalWorld world;
  eval::FrameDetector detector = eval::FrameDetector::load(
      o.detector, o.detector_width > 0 ? o.detector_width : eval::kInceptionWidth);
  const eval::FeatureProtocol protocol = eval::frame_protocol(detector);
  const at::Tensor a = eval::input_features(o.inputs[0], protocol, world.group());
  const at::Tensor b = eval::input_features(o.inputs[1], protocol, world.group());
  const eval::KernelDistance kid = eval::kernel_distance(a, b, {o.subsets, o.subset_size, o.seed});
  eval::MetricResult result;
  result.metric = "kid";
  result.value = kid.mean;
  result.std = kid.std;
  result.counts = {a.size(0), b.size(0)};
  result.dim = a.size(1);
  result.protocol = fmt::format("{}; {} subsets of {}, cubic kernel (clean-fid)", protocol.protocol,
                                kid.subsets, kid.subset_size);
  result.detector = protocol.detector;
  print_result(world, result, o.json);
  return kExitOk;
}

std::vector<std::string> read_prompts(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("--prompts {}: cannot open", path));
  std::vector<std::string> prompts;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) prompts.push_back(line);
  }
  return prompts;
}

int run_clip(const Args& args) {
  EvalOptions o;
  po::options_description options("vdit eval clip VIDEOS [options]");
  // clang-format off
  options.add_options()
      ("json", po::bool_switch(&o.json), "print one JSON object")
      ("detector", po::value(&o.detector), "an OpenAI CLIP TorchScript file")
      ("vocab", po::value(&o.vocab), "bpe_simple_vocab_16e6.txt.gz (CLIP's BPE merges)")
      ("prompts", po::value(&o.prompts), "text file, one prompt per line, one line per video")
      ("convention", po::value(&o.convention)->default_value("torchmetrics"),
       "torchmetrics (100 x mean cos, clamped at 0) or clipscore (mean of 2.5 x max(cos, 0))");
  // clang-format on
  if (!parse(args, options, o, 1, "clip")) return kExitOk;
  require_detector(o, "clip");
  if (o.vocab.empty() || o.prompts.empty()) {
    throw InputError("vdit eval clip: --vocab FILE and --prompts FILE are required");
  }
  const eval::ClipConvention convention = eval::parse_clip_convention(o.convention, "--convention");
  const EvalWorld world;
  eval::ClipModel model = eval::ClipModel::load(o.detector);
  const eval::BpeTokenizer tokenizer = eval::BpeTokenizer::load(o.vocab);
  const std::vector<std::string> prompts = read_prompts(o.prompts);
  eval::VideoSource source = eval::VideoSource::open(o.inputs[0]);
  if (static_cast<int64_t>(prompts.size()) != source.size()) {
    throw InputError(fmt::format("--prompts {}: {} prompts, expected one per video of {} ({})",
                                 o.prompts, prompts.size(), o.inputs[0], source.size()));
  }
  const eval::WorkSplit split = eval::WorkSplit::of(world.group());
  eval::ClipScoreSums sums;
  for (int64_t i = 0; i < source.size(); ++i) {
    if (!split.owns(i)) continue;
    sums.add(model, tokenizer, eval::frames_tensor(source.video(i)),
             prompts[static_cast<size_t>(i)]);
  }
  sums.all_reduce(world.group());
  eval::MetricResult result;
  result.metric = "clip_score";
  result.value = sums.score(convention);
  result.counts = {sums.samples};
  result.dim = model.width();
  result.protocol = eval::to_string(convention);
  result.detector = model.file().checksum;
  print_result(world, result, o.json);
  return kExitOk;
}

int run_stats(const Args& args) {
  EvalOptions o;
  po::options_description options("vdit eval stats INPUT --detector FILE --out STATS.h5");
  // clang-format off
  options.add_options()
      ("out", po::value(&o.out), "stats file to write (mean 'mu', covariance 'sigma')")
      ("metric", po::value(&o.metric)->default_value("fid"),
       "fid (Inception, every frame) or fvd (I3D clips)");
  // clang-format on
  add_detector_options(options, o, false);
  add_fvd_options(options, o);
  if (!parse(args, options, o, 1, "stats")) return kExitOk;
  require_detector(o, "stats");
  if (o.out.empty()) throw InputError("vdit eval stats: --out STATS.h5 is required");
  if (o.metric != "fid" && o.metric != "fvd") {
    throw InputError(fmt::format("--metric: found \"{}\", expected fid or fvd", o.metric));
  }
  const EvalWorld world;
  std::optional<eval::FrameDetector> frames;
  std::optional<eval::VideoDetector> clips;
  eval::FeatureProtocol protocol;
  if (o.metric == "fid") {
    frames.emplace(eval::FrameDetector::load(
        o.detector, o.detector_width > 0 ? o.detector_width : eval::kInceptionWidth));
    protocol = eval::frame_protocol(*frames);
  } else {
    clips.emplace(eval::VideoDetector::load(
        o.detector, fvd_protocol(o), o.detector_width > 0 ? o.detector_width : eval::kI3dWidth));
    protocol = eval::clip_protocol(*clips);
  }
  const eval::StoredStatistics stored =
      eval::input_statistics(o.inputs[0], &protocol, world.group(), nullptr);
  if (world.speaks()) {
    eval::write_statistics(o.out, stored);
    fmt::print("wrote {} (N = {}, D = {}; protocol: {}; detector {})\n", o.out,
               stored.statistics.count, stored.statistics.dim(), stored.protocol, stored.detector);
  }
  return kExitOk;
}

}  // namespace

int run_eval(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    fmt::print("{}\n", kUsage);
    return args.empty() ? kExitInputError : kExitOk;
  }
  const std::string& form = args[0];
  const Args rest(args.begin() + 1, args.end());
  if (form == "fd" || form == "fid" || form == "fvd") return run_frechet(rest, form);
  if (form == "kid") return run_kid(rest);
  if (form == "clip") return run_clip(rest);
  if (form == "stats") return run_stats(rest);
  std::error_code error;
  if (form.rfind("-", 0) == 0 || !std::filesystem::is_directory(form, error)) {
    throw InputError(
        fmt::format("vdit eval: \"{}\" is neither a form (fd, fid, kid, fvd, clip, "
                    "stats) nor a run folder\n{}",
                    form, kUsage));
  }
  return run_eval_sweep(args);
}

}  // namespace vdit::cli
