#include "eval/sentencepiece_tokenizer.h"

#include <dlfcn.h>
#include <fmt/core.h>

#include <filesystem>

#include "core/error.h"

namespace vdit::eval {

// The dlopen'd eval/sentencepiece_module.cpp: closed when the last tokenizer using it is gone.
struct SentencePieceTokenizer::Module {
  void* library = nullptr;
  void* (*load)(const char*, char**) = nullptr;
  int (*encode)(void*, const char*, size_t, int*, int, char**) = nullptr;
  int (*eos_id)(void*) = nullptr;
  int (*pad_id)(void*) = nullptr;
  int (*piece_size)(void*) = nullptr;
  void (*free)(void*) = nullptr;
  void (*free_string)(char*) = nullptr;

  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  ~Module() {
    if (library != nullptr) dlclose(library);
  }

  // Local and deep-bound, so the library's bundled protobuf never meets LibTorch's.
  static std::shared_ptr<const Module> open() {
    auto module = std::make_shared<Module>();
    module->library = dlopen(VDIT_SENTENCEPIECE_MODULE, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (module->library == nullptr) {
      throw RuntimeError(fmt::format("cannot load the SentencePiece module {}: {}",
                                     VDIT_SENTENCEPIECE_MODULE, dlerror()));
    }
    module->find(module->load, "vdit_spm_load");
    module->find(module->encode, "vdit_spm_encode");
    module->find(module->eos_id, "vdit_spm_eos_id");
    module->find(module->pad_id, "vdit_spm_pad_id");
    module->find(module->piece_size, "vdit_spm_piece_size");
    module->find(module->free, "vdit_spm_free");
    module->find(module->free_string, "vdit_spm_free_string");
    return module;
  }

  template <typename Function>
  void find(Function& function, const char* name) {
    function = reinterpret_cast<Function>(dlsym(library, name));
    if (function == nullptr) {
      throw RuntimeError(
          fmt::format("the SentencePiece module {} lacks {}", VDIT_SENTENCEPIECE_MODULE, name));
    }
  }

  // The message of a failed call, freed here.
  std::string take(char* error) const {
    std::string text = error != nullptr ? error : "unknown error";
    free_string(error);
    return text;
  }
};

SentencePieceTokenizer SentencePieceTokenizer::load(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw InputError(
        fmt::format("{}: no such tokenizer file, expected a SentencePiece .model", path));
  }
  SentencePieceTokenizer tokenizer;
  tokenizer.path_ = path;
  tokenizer.module_ = Module::open();
  char* message = nullptr;
  tokenizer.processor_ = tokenizer.module_->load(path.c_str(), &message);
  if (tokenizer.processor_ == nullptr) {
    throw InputError(
        fmt::format("{}: not a SentencePiece model ({})", path, tokenizer.module_->take(message)));
  }
  return tokenizer;
}

SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceTokenizer&& other) noexcept
    : module_(std::move(other.module_)),
      path_(std::move(other.path_)),
      processor_(other.processor_) {
  other.processor_ = nullptr;
}

SentencePieceTokenizer::~SentencePieceTokenizer() {
  if (processor_ != nullptr) module_->free(processor_);
}

int64_t SentencePieceTokenizer::vocab_size() const { return module_->piece_size(processor_); }

std::vector<int64_t> SentencePieceTokenizer::tokenize(const std::string& text,
                                                      int64_t length) const {
  std::vector<int> pieces(static_cast<size_t>(length) + 1);
  char* message = nullptr;
  int count = 0;
  // Asks again with room for every piece when the first buffer was too small.
  while ((count = module_->encode(processor_, text.data(), text.size(), pieces.data(),
                                  static_cast<int>(pieces.size()), &message)) >
         static_cast<int>(pieces.size())) {
    pieces.resize(static_cast<size_t>(count));
  }
  if (count < 0) {
    throw InputError(
        fmt::format("{}: cannot tokenize \"{}\": {}", path_, text, module_->take(message)));
  }
  const int eos = module_->eos_id(processor_);
  const int pad = module_->pad_id(processor_);
  std::vector<int64_t> ids(pieces.begin(), pieces.begin() + count);
  if (eos >= 0) ids.push_back(eos);
  if (static_cast<int64_t>(ids.size()) > length) {
    ids.resize(static_cast<size_t>(length));
    if (eos >= 0) ids.back() = eos;
  }
  ids.resize(static_cast<size_t>(length), pad >= 0 ? pad : 0);
  return ids;
}

}  // namespace vdit::eval
