#include "eval/sweep.h"

#include <fmt/core.h>
#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

#include "core/error.h"
#include "data/gif_writer.h"
#include "eval/frechet_distance.h"
#include "eval/input_statistics.h"
#include "eval/kernel_distance.h"
#include "eval/metric_result.h"
#include "eval/sweep_report.h"
#include "eval/sweep_results.h"
#include "orchestrator/sample_writer.h"

namespace vdit::eval {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kGifSamples = 8;  // per checkpoint, for the report's grid

struct Checkpoint {
  std::string name;  // step_000000200
  std::string path;
  int64_t step = 0;
};

std::vector<Checkpoint> list_checkpoints(const SweepRequest& request) {
  const std::string root = request.run_dir + "/checkpoints";
  std::error_code error;
  std::vector<Checkpoint> found;
  for (const auto& entry : fs::directory_iterator(root, error)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.size() <= 5 || name.rfind("step_", 0) != 0 ||
        name.find_first_not_of("0123456789", 5) != std::string::npos ||
        fnmatch(request.checkpoints_glob.c_str(), name.c_str(), 0) != 0) {
      continue;
    }
    found.push_back({name, entry.path().string(), std::stoll(name.substr(5))});
  }
  if (found.empty()) {
    throw InputError(fmt::format("{}: no checkpoint folder matches --checkpoints \"{}\"", root,
                                 request.checkpoints_glob));
  }
  std::sort(found.begin(), found.end(),
            [](const Checkpoint& a, const Checkpoint& b) { return a.step < b.step; });
  return found;
}

std::string detector_path(const std::string& given, const SweepRequest& request,
                          const char* default_name, const char* flag) {
  if (!given.empty()) return given;
  if (request.detector_dir.empty()) {
    throw InputError(
        fmt::format("{} FILE or --detector-dir DIR (holding {}) is required for the "
                    "metrics asked for",
                    flag, default_name));
  }
  return request.detector_dir + "/" + default_name;
}

bool wants(const SweepRequest& request, const std::string& metric) {
  return std::find(request.metrics.begin(), request.metrics.end(), metric) != request.metrics.end();
}

std::vector<std::string> read_prompts(const SweepRequest& request, VideoSource& reference) {
  std::vector<std::string> prompts;
  if (!request.prompts_file.empty()) {
    std::ifstream in(request.prompts_file);
    if (!in) throw InputError(fmt::format("--prompts {}: cannot open", request.prompts_file));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) prompts.push_back(line);
    }
  } else {
    for (int64_t i = 0; i < std::min(reference.size(), request.num_samples); ++i) {
      prompts.push_back(reference.caption(i));
    }
  }
  if (prompts.empty() ||
      std::all_of(prompts.begin(), prompts.end(), [](const std::string& p) { return p.empty(); })) {
    throw InputError(
        fmt::format("{}: no prompts (the reference shards carry no captions); "
                    "give --prompts FILE",
                    request.prompts_file.empty() ? "--reference" : request.prompts_file));
  }
  return prompts;
}

// The detectors and reference numbers shared by every checkpoint.
struct Scorers {
  std::optional<FrameDetector> frames;
  std::optional<VideoDetector> clips;
  std::optional<ClipModel> clip;
  std::optional<BpeTokenizer> tokenizer;
  std::optional<FeatureProtocol> frame_protocol;
  std::optional<FeatureProtocol> clip_protocol;
  std::optional<StoredStatistics> fid_reference;
  std::optional<StoredStatistics> fvd_reference;
  at::Tensor kid_reference;
};

// The protocol text a metric's rows carry: what must match for a row to count as scored.
std::string protocol_of(const std::string& metric, const Scorers& s, const SweepRequest& r) {
  if (metric == "fid") return s.frame_protocol->protocol;
  if (metric == "fvd") return s.clip_protocol->protocol;
  if (metric == "kid") return std::string(kFrameProtocolText) + "; clean-fid subsets";
  return to_string(r.clip_convention);
}

std::string detector_of(const std::string& metric, const Scorers& s) {
  if (metric == "fid" || metric == "kid") return s.frame_protocol->detector;
  if (metric == "fvd") return s.clip_protocol->detector;
  return s.clip->file().checksum;
}

}  // namespace

SweepSummary run_sweep(const SweepRequest& request, const parallel::Communicator& group) {
  static const std::set<std::string> kKnown = {"fid", "fvd", "kid", "clip"};
  for (const auto& metric : request.metrics) {
    if (!kKnown.count(metric)) {
      throw InputError(
          fmt::format("--metrics: found \"{}\", expected a comma-separated list of "
                      "fid, fvd, kid, clip",
                      metric));
    }
  }
  if (request.metrics.empty()) throw InputError("--metrics: expected at least one metric");
  if (request.num_samples < 2) {
    throw InputError(fmt::format("--num-samples {}: expected at least 2", request.num_samples));
  }
  if (request.reference.empty()) throw InputError("--reference SHARDS... is required");
  const std::vector<Checkpoint> checkpoints = list_checkpoints(request);
  const std::string eval_dir = request.run_dir + "/eval";

  // Everything a user can get wrong is checked before the first sample.
  Scorers s;
  if (wants(request, "fid") || wants(request, "kid")) {
    s.frames.emplace(FrameDetector::load(
        detector_path(request.fid_detector, request, kInceptionFileName, "--fid-detector"),
        request.fid_width));
    s.frame_protocol = frame_protocol(*s.frames);
  }
  if (wants(request, "fvd")) {
    s.clips.emplace(VideoDetector::load(
        detector_path(request.fvd_detector, request, kI3dFileName, "--fvd-detector"), request.fvd,
        request.fvd_width));
    s.clip_protocol = clip_protocol(*s.clips);
  }
  if (wants(request, "clip")) {
    s.clip.emplace(ClipModel::load(
        detector_path(request.clip_detector, request, kClipFileName, "--clip-detector")));
    s.tokenizer.emplace(BpeTokenizer::load(
        detector_path(request.clip_vocab, request, kClipVocabFileName, "--clip-vocab")));
  }
  VideoSource reference = VideoSource::open_shards(request.reference);
  const std::vector<std::string> prompts = read_prompts(request, reference);
  const data::RgbVideo first = reference.video(0);  // samples take the reference's size

  SweepSummary summary;
  if (request.num_samples < kUnbiasedSampleCount &&
      (wants(request, "fid") || wants(request, "fvd"))) {
    summary.notes.push_back(fmt::format(
        "N = {} < {}: FID and FVD are biased upward at this N; compare only runs scored with "
        "the same N",
        request.num_samples, kUnbiasedSampleCount));
  }
  std::vector<std::string> warnings;
  const std::vector<SweepRow> existing = read_sweep_rows(eval_dir + "/results.jsonl", warnings);
  for (const auto& warning : warnings) summary.notes.push_back(warning);

  const ReferenceCache cache(request.cache_dir.empty() ? eval_dir + "/reference_cache"
                                                       : request.cache_dir);
  if (s.frame_protocol && wants(request, "fid")) {
    s.fid_reference = source_statistics(reference, *s.frame_protocol, group, &cache);
  }
  if (s.frame_protocol && wants(request, "kid")) {
    s.kid_reference =
        gather_in_video_order(s.frame_protocol->extract(reference, WorkSplit::of(group)), group);
  }
  if (s.clip_protocol) {
    s.fvd_reference = source_statistics(reference, *s.clip_protocol, group, &cache);
  }

  const WorkSplit split = WorkSplit::of(group);
  for (const Checkpoint& checkpoint : checkpoints) {
    const auto scored = [&](const std::string& metric) {
      const std::string name = metric == "clip" ? "clip_score" : metric;
      return std::any_of(existing.begin(), existing.end(), [&](const SweepRow& row) {
        return row.checkpoint == checkpoint.name && row.metric == name &&
               row.count == request.num_samples && row.protocol == protocol_of(metric, s, request);
      });
    };
    if (std::all_of(request.metrics.begin(), request.metrics.end(), scored)) {
      ++summary.skipped;
      continue;
    }
    orchestrator::SampleRequest sample_request;
    sample_request.checkpoint = checkpoint.path;
    sample_request.frames = first.frames;
    sample_request.height = first.height;
    sample_request.width = first.width;
    if (request.sample_steps > 0) sample_request.steps = request.sample_steps;
    const orchestrator::CheckpointSampler sampler(sample_request);
    const std::string samples_dir = eval_dir + "/samples/" + checkpoint.name;
    fs::create_directories(samples_dir);

    FeatureSums fid_sums(s.frames ? s.frames->width() : 1);
    FeatureSums fvd_sums(s.clips ? s.clips->width() : 1);
    std::vector<at::Tensor> kid_rows;
    std::vector<int64_t> kid_items;  // the sample of each KID row, to gather in sample order
    ClipScoreSums clip_sums;
    const Progress progress =
        split.rank == 0 ? console_progress(checkpoint.name, "samples") : Progress{};
    int64_t done = 0;
    const int64_t mine = (request.num_samples - split.rank + split.size - 1) / split.size;
    for (int64_t i = 0; i < request.num_samples; ++i) {
      if (!split.owns(i)) continue;
      const std::string& prompt = prompts[static_cast<size_t>(i) % prompts.size()];
      const data::RgbVideo video =
          sampler.sample({prompt}, request.seed + static_cast<uint64_t>(i)).front();
      if (i < kGifSamples) {
        data::GifOptions gif;
        gif.scale = 2;
        data::write_gif(fmt::format("{}/sample_{:05d}.gif", samples_dir, i), video, gif);
      }
      const at::Tensor frames = frames_tensor(video);  // [T, 3, H, W]
      if (s.frames) {
        const at::Tensor features = s.frames->features(frames);
        if (wants(request, "fid")) fid_sums.add(features);
        if (wants(request, "kid")) {
          kid_rows.push_back(features);
          kid_items.insert(kid_items.end(), static_cast<size_t>(features.size(0)), i);
        }
      }
      if (s.clips) {
        fvd_sums.add(s.clips->features(
            cut_clip(video, request.fvd, fmt::format("sample {}", i)).unsqueeze(0)));
      }
      if (s.clip) clip_sums.add(*s.clip, *s.tokenizer, frames, prompt);
      if (progress) progress(++done, mine);
    }

    std::vector<SweepRow> rows;
    const auto add_row = [&](const std::string& metric, double value) {
      rows.push_back({checkpoint.name, sampler.step(), sampler.stage(),
                      metric == "clip" ? "clip_score" : metric, value, request.num_samples,
                      protocol_of(metric, s, request), detector_of(metric, s)});
    };
    // Every rank takes part in every reduction, in the order of request.metrics.
    for (const auto& metric : request.metrics) {
      if (metric == "fid") {
        fid_sums.all_reduce(group);
        add_row("fid",
                frechet_distance(fid_sums.statistics(checkpoint.name), s.fid_reference->statistics)
                    .value);
      } else if (metric == "fvd") {
        fvd_sums.all_reduce(group);
        add_row("fvd",
                frechet_distance(fvd_sums.statistics(checkpoint.name), s.fvd_reference->statistics)
                    .value);
      } else if (metric == "kid") {
        OwnedFeatures local;
        local.rows = kid_rows.empty() ? at::zeros({0, s.frames->width()}, at::kDouble)
                                      : at::cat(kid_rows, 0);
        local.items = at::tensor(kid_items, at::kLong);
        add_row("kid", kernel_distance(gather_in_video_order(local, group), s.kid_reference).mean);
      } else if (metric == "clip") {
        clip_sums.all_reduce(group);
        add_row("clip", clip_sums.score(request.clip_convention));
      }
    }
    if (group.rank() == 0) {
      append_sweep_rows(eval_dir, rows);
      for (const SweepRow& row : rows) {
        fmt::print("{} (step {}): {} = {:.6g} (N = {}; {})\n", row.checkpoint, row.step, row.metric,
                   row.value, row.count, row.protocol);
      }
    }
    ++summary.scored;
  }
  if (group.rank() == 0) {
    std::vector<std::string> ignored;
    write_sweep_report(eval_dir, read_sweep_rows(eval_dir + "/results.jsonl", ignored),
                       summary.notes);
  }
  return summary;
}

}  // namespace vdit::eval
