#include "eval/text_encoder.h"

#include <ATen/core/grad_mode.h>
#include <fmt/core.h>

#include <fstream>

#include "core/error.h"
#include "eval/shape_text.h"

namespace vdit::eval {
namespace {

const char* const kRole = "a text encoder with forward(ids [N, Lc] int64) -> [N, Lc, D]";

bool is_gzip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[2] = {0, 0};
  in.read(magic, 2);
  return in.gcount() == 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
         static_cast<unsigned char>(magic[1]) == 0x8b;
}

}  // namespace

TextEncoder TextEncoder::load(const std::string& encoder_path, const std::string& tokenizer_path,
                              int64_t length) {
  if (length < 1) {
    throw InputError(fmt::format("caption length is {}, expected >= 1", length));
  }
  TextEncoder encoder;
  encoder.length_ = length;
  if (is_gzip(tokenizer_path)) {
    encoder.bpe_.emplace(BpeTokenizer::load(tokenizer_path));
  } else {
    encoder.sentencepiece_.emplace(SentencePieceTokenizer::load(tokenizer_path));
  }
  encoder.file_ = load_detector_file(encoder_path, kRole);
  require_signature(encoder.file_, "forward", {});
  const at::Tensor probe = encoder.encode_batch({""});
  encoder.dim_ = probe.size(2);
  return encoder;
}

std::vector<int64_t> TextEncoder::tokenize(const std::string& caption) const {
  return bpe_ ? bpe_->tokenize(caption, length_) : sentencepiece_->tokenize(caption, length_);
}

at::Tensor TextEncoder::encode_batch(const std::vector<std::string>& captions) const {
  const auto count = static_cast<int64_t>(captions.size());
  std::vector<int64_t> ids;
  for (const std::string& caption : captions) {
    const std::vector<int64_t> one = tokenize(caption);
    ids.insert(ids.end(), one.begin(), one.end());
  }
  at::NoGradGuard no_grad;
  const at::Tensor batch = at::tensor(ids, at::kLong).view({count, length_});  // (N, Lc)
  const std::string call = fmt::format("forward(ids [{}, {}])", count, length_);
  const c10::IValue output = call_detector(file_, "forward", {batch}, {}, call);
  const at::Tensor embeddings = output.isTensor() ? output.toTensor() : at::Tensor();
  if (!embeddings.defined() || embeddings.dim() != 3 || embeddings.size(0) != count ||
      embeddings.size(1) != length_ || embeddings.size(2) < 1 || !embeddings.is_floating_point() ||
      (dim_ > 0 && embeddings.size(2) != dim_)) {
    throw InputError(fmt::format(
        "{}: {} returned {}, expected a float tensor [{}, {}, D] ({})", file_.path, call,
        embeddings.defined()
            ? std::string(c10::toString(embeddings.scalar_type())) + " " + shape_text(embeddings)
            : std::string(output.tagKind()),
        count, length_, kRole));
  }
  return embeddings.to(at::kFloat).contiguous();
}

std::vector<float> TextEncoder::encode(const std::string& caption) const {
  const at::Tensor embeddings = encode_batch({caption});
  return std::vector<float>(embeddings.data_ptr<float>(),
                            embeddings.data_ptr<float>() + embeddings.numel());
}

}  // namespace vdit::eval
