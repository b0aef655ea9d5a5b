#include "data/hdf5_handle.h"

#include <fmt/core.h>

#include <vector>

namespace vdit::data {

void silence_hdf5_error_printing() {
  // Thread-safe HDF5 keeps one error stack per thread, so this silences the calling thread's;
  // every function that opens or creates a file calls it on its own thread.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

namespace {

herr_t collect_error_message(unsigned /*depth*/, const H5E_error2_t* error, void* messages) {
  if (error->desc != nullptr && error->desc[0] != '\0') {
    static_cast<std::vector<std::string>*>(messages)->push_back(error->desc);
  }
  return 0;
}

}  // namespace

std::string take_hdf5_error_message() {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error_message, &messages);
  H5Eclear2(H5E_DEFAULT);
  // Upward walk starts at the root cause; the outermost (API) message reads best first.
  std::string joined;
  for (auto message = messages.rbegin(); message != messages.rend(); ++message) {
    if (!joined.empty()) joined += "; ";
    joined += *message;
  }
  return joined;
}

void throw_hdf5_error(bool input_error, const char* source_file, int source_line, const char* call,
                      const std::string& context) {
  std::string hdf5_message = take_hdf5_error_message();
  if (hdf5_message.empty()) hdf5_message = "HDF5 reported a failure without a message";
  const std::string message = fmt::format("{}: {} (HDF5 call {} at {}:{})", context, hdf5_message,
                                          call, source_file, source_line);
  if (input_error) throw InputError(message);
  throw RuntimeError(message);
}

H5Handle& H5Handle::operator=(H5Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    kind_ = other.kind_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void H5Handle::reset() noexcept {
  if (id_ < 0) return;
  switch (kind_) {
    case H5Kind::kFile:
      H5Fclose(id_);
      break;
    case H5Kind::kGroup:
      H5Gclose(id_);
      break;
    case H5Kind::kDataset:
      H5Dclose(id_);
      break;
    case H5Kind::kDataspace:
      H5Sclose(id_);
      break;
    case H5Kind::kAttribute:
      H5Aclose(id_);
      break;
    case H5Kind::kDatatype:
      H5Tclose(id_);
      break;
    case H5Kind::kPropertyList:
      H5Pclose(id_);
      break;
  }
  H5Eclear2(H5E_DEFAULT);
  id_ = H5I_INVALID_HID;
}

}  // namespace vdit::data
