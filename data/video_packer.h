// `vdit data pack`: decodes video files, cuts them into bucketed clips and writes pixel shards, or
// latent shards and caption embeddings when given an autoencoder and a text encoder.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/progress.h"
#include "data/caption_tokenizer.h"
#include "data/pack_encoders.h"
#include "data/shard_format.h"

namespace vdit::data {

// A clip's frame size after resize and center crop.
struct Resolution {
  int64_t height = 32;
  int64_t width = 32;
};
// Parses "HxW" (e.g. "32x48"); throws InputError naming `where`.
Resolution parse_resolution(const std::string& text, const std::string& where);

struct PackOptions {
  std::vector<std::string> videos;  // any file FFmpeg reads; audio is ignored
  std::string out_dir;  // created if missing; shards are pack-00000.h5, pack-00001.h5...
  // Frames per clip. Every (frames, resolution) pair is one bucket; each video is cut into
  // consecutive, non-overlapping clips for every bucket, so a frame can appear in several buckets.
  std::vector<int64_t> clip_frames = {1, 4, 8};
  std::vector<Resolution> resolutions = {Resolution{32, 32}};
  double fps = 8;         // frames are picked from the source by timestamp at this rate
  PatchSize patch{1, 4};  // clips must divide into whole patches
  int64_t max_samples_per_shard = 1024;  // a new shard file starts when one is full
  int64_t max_clips_per_video = 0;       // per bucket; 0 = as many as the video holds
  // Captions: a CSV or JSONL manifest (see CaptionManifest); empty = `<video>.txt` sidecars only.
  std::string captions;
  int64_t caption_length = CaptionTokenizer::kDefaultLength;  // Lc of caption_ids
  // Optional networks (not owned). With a clip encoder every clip is stored as its latents
  // (space "latent", the encoder's channels, checksum and scaling factor as shard attributes) in
  // the latent bucket it encodes to; with a caption encoder each clip also gets caption_emb.
  const ClipEncoder* clip_encoder = nullptr;
  const CaptionEncoder* caption_encoder = nullptr;
  // Videos done, rate and ETA (core/progress.h), plus a line per failed video and per shard
  // written; a null stream = silent.
  ProgressTarget progress;
};

struct PackFailure {
  std::string video;
  std::string reason;  // the decoder's message, without the path
};

struct PackSummary {
  int64_t videos_ok = 0;
  std::vector<PackFailure> failures;  // skipped (or cut short) by a decoding error
  std::map<BucketShape, int64_t> clips_per_bucket;
  std::vector<std::string> shards;  // paths written, in order
  int64_t bytes_written = 0;        // total size of the shard files
  int64_t captions_missing = 0;     // videos packed with an empty caption
  int64_t captions_cut = 0;         // videos whose caption was longer than caption_length
  int64_t caption_length = 0;       // the Lc the captions were cut to
  // Latent packs: the autoencoder (empty for pixel packs) and each pixel bucket's latent bucket.
  std::string vae_checksum;
  std::map<BucketShape, BucketShape> latent_buckets;
  std::string text_encoder_checksum;  // empty without caption embeddings
  int64_t caption_emb_length = 0;
  int64_t caption_emb_dim = 0;
};

// Packs every video; a video that cannot be decoded is reported in the summary and skipped, never
// aborting the pack. Clips cut before a decoding error midway through a video are kept. Throws
// InputError for invalid options (before decoding anything) or an unreadable caption manifest,
// RuntimeError if a shard cannot be written.
PackSummary pack_videos(const PackOptions& options);

// The summary as printed by `vdit data pack`: totals, clips per bucket, failed videos with reasons.
std::string format_pack_summary(const PackSummary& summary);

}  // namespace vdit::data
