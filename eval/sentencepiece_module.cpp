// A plain C face on Debian's libsentencepiece, built as its own shared module and loaded with
// dlopen(RTLD_LOCAL | RTLD_DEEPBIND) by eval/sentencepiece_tokenizer.cpp. Why a module: Debian's
// libsentencepiece exports the protobuf 3.14 runtime it bundles, LibTorch links the system's
// libprotobuf 3.21, and one process cannot hold both in its global symbol scope (the protobuf
// runtime crashes at start-up). Loaded locally and deep-bound, the library uses its own copy.
#include <sentencepiece_processor.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

char* copy_of(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy != nullptr) std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

}  // namespace

extern "C" {

// A processor for the model file, or nullptr with *error set (free it with vdit_spm_free_string).
void* vdit_spm_load(const char* path, char** error) {
  auto* processor = new sentencepiece::SentencePieceProcessor();
  const auto status = processor->Load(path);
  if (!status.ok()) {
    *error = copy_of(status.ToString());
    delete processor;
    return nullptr;
  }
  return processor;
}

// Writes up to `capacity` ids of `text` into `ids` and returns how many pieces the text has
// (more than capacity: call again with more room), or -1 with *error set.
int vdit_spm_encode(void* handle, const char* text, size_t size, int* ids, int capacity,
                    char** error) {
  std::vector<int> pieces;
  const auto status = static_cast<sentencepiece::SentencePieceProcessor*>(handle)->Encode(
      std::string_view(text, size), &pieces);
  if (!status.ok()) {
    *error = copy_of(status.ToString());
    return -1;
  }
  for (int i = 0; i < capacity && i < static_cast<int>(pieces.size()); ++i) ids[i] = pieces[i];
  return static_cast<int>(pieces.size());
}

int vdit_spm_eos_id(void* handle) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(handle)->eos_id();
}

int vdit_spm_pad_id(void* handle) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(handle)->pad_id();
}

int vdit_spm_piece_size(void* handle) {
  return static_cast<sentencepiece::SentencePieceProcessor*>(handle)->GetPieceSize();
}

void vdit_spm_free(void* handle) {
  delete static_cast<sentencepiece::SentencePieceProcessor*>(handle);
}

void vdit_spm_free_string(char* text) { std::free(text); }

}  // extern "C"
