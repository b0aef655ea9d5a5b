// Move-only RAII ownership of HDF5 ids (hid_t) and the H5_CHECK macros.
#pragma once

#include <hdf5.h>

#include <string>

#include "core/error.h"

namespace vdit::data {

// vdit calls HDF5 from several threads at once (the loader's reader thread, a background
// checkpoint save) with no lock of its own: the library must serialize its calls itself. HDF5
// does so with one global lock per API call, so a single long H5Dwrite still stalls every other
// thread's HDF5 call for its duration: write large data in pieces (checkpoints/shard_file.cpp).
#if !defined(H5_HAVE_THREADSAFE) || !H5_HAVE_THREADSAFE
#error "vdit needs an HDF5 built thread-safe (H5_HAVE_THREADSAFE, Debian's libhdf5-dev is)"
#endif

// HDF5 prints its error stack to stderr by default; vdit reports the same text through exceptions
// instead. Idempotent; every function that opens or creates a file calls it.
void silence_hdf5_error_printing();

// The messages of HDF5's current error stack, outermost first ("unable to open file; truncated
// file: eof = ..."), then clears the stack. Empty if HDF5 recorded nothing.
std::string take_hdf5_error_message();

// Throws ErrorType with the context, the HDF5 message, the failed call and where it was made.
[[noreturn]] void throw_hdf5_error(bool input_error, const char* source_file, int source_line,
                                   const char* call, const std::string& context);

// What an id refers to, so the handle knows which H5*close to call.
enum class H5Kind { kFile, kGroup, kDataset, kDataspace, kAttribute, kDatatype, kPropertyList };

// Owns one HDF5 id and closes it exactly once. Create it from the checked result of an H5*open /
// H5*create call: H5Handle(H5_CHECK(H5Dopen2(...), context), H5Kind::kDataset).
class H5Handle {
 public:
  H5Handle() = default;
  H5Handle(hid_t id, H5Kind kind) : id_(id), kind_(kind) {}
  ~H5Handle() { reset(); }

  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  H5Handle(H5Handle&& other) noexcept : id_(other.id_), kind_(other.kind_) {
    other.id_ = H5I_INVALID_HID;
  }
  H5Handle& operator=(H5Handle&& other) noexcept;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes the id now. Errors on close are ignored: there is nothing a caller could do about them
  // and a destructor must not throw.
  void reset() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
  H5Kind kind_ = H5Kind::kFile;
};

}  // namespace vdit::data

// Evaluates an HDF5 call; a negative result throws vdit::RuntimeError naming `context`, the HDF5
// message, the call and this source line. Yields the call's result (an id, herr_t or htri_t).
// `context` is only evaluated on failure.
#define H5_CHECK(call, context)                                                    \
  ([&]() {                                                                         \
    const auto h5_check_result = (call);                                           \
    if (h5_check_result < 0) {                                                     \
      ::vdit::data::throw_hdf5_error(false, __FILE__, __LINE__, #call, (context)); \
    }                                                                              \
    return h5_check_result;                                                        \
  }())

// Same for files the user gave us (a shard): failures are vdit::InputError (exit code 2).
#define H5_CHECK_INPUT(call, context)                                             \
  ([&]() {                                                                        \
    const auto h5_check_result = (call);                                          \
    if (h5_check_result < 0) {                                                    \
      ::vdit::data::throw_hdf5_error(true, __FILE__, __LINE__, #call, (context)); \
    }                                                                             \
    return h5_check_result;                                                       \
  }())
