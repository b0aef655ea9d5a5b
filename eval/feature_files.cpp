#include "eval/feature_files.h"

#include <fmt/core.h>

#include <filesystem>
#include <vector>

#include "core/error.h"
#include "data/hdf5_handle.h"
#include "data/hdf5_io.h"

namespace vdit::eval {
namespace {

using data::H5Handle;
using data::H5Kind;

H5Handle open_input(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw InputError(fmt::format("{}: no such file", path));
  }
  data::silence_hdf5_error_printing();
  return H5Handle(H5_CHECK_INPUT(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                                 fmt::format("{}: cannot open as HDF5", path)),
                  H5Kind::kFile);
}

bool has_link(hid_t file, const char* name) { return H5Lexists(file, name, H5P_DEFAULT) > 0; }

// A float dataset of the given rank read as float64, or an InputError naming it.
at::Tensor read_float_dataset(hid_t file, const char* name, int rank, const std::string& path,
                              const char* expected) {
  const std::string where = fmt::format("{}: dataset '{}'", path, name);
  if (!has_link(file, name))
    throw InputError(fmt::format("{} is missing, expected {}", where, expected));
  const H5Handle dataset(H5_CHECK_INPUT(H5Dopen2(file, name, H5P_DEFAULT), where),
                         H5Kind::kDataset);
  const H5Handle type(H5_CHECK_INPUT(H5Dget_type(dataset.get()), where), H5Kind::kDatatype);
  const H5Handle space(H5_CHECK_INPUT(H5Dget_space(dataset.get()), where), H5Kind::kDataspace);
  const std::vector<hsize_t> dims = data::dataspace_dims(space.get());
  if (H5Tget_class(type.get()) != H5T_FLOAT || static_cast<int>(dims.size()) != rank) {
    throw InputError(fmt::format("{} is {} {}, expected {} float32 or float64", where,
                                 data::describe_dtype(type.get()), data::describe_dims(dims),
                                 expected));
  }
  std::vector<int64_t> sizes(dims.begin(), dims.end());
  at::Tensor values = at::empty(sizes, at::kDouble);
  if (values.numel() > 0) {
    H5_CHECK_INPUT(H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           values.data_ptr<double>()),
                   where);
  }
  return values;
}

void write_double_dataset(hid_t file, const char* name, const at::Tensor& tensor,
                          const std::string& path) {
  const at::Tensor values = tensor.to(at::kDouble).contiguous();
  const std::vector<hsize_t> dims(values.sizes().begin(), values.sizes().end());
  const std::string where = fmt::format("{}: dataset '{}'", path, name);
  const H5Handle space(
      H5_CHECK(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), where),
      H5Kind::kDataspace);
  const H5Handle dataset(H5_CHECK(H5Dcreate2(file, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                             H5P_DEFAULT, H5P_DEFAULT),
                                  where),
                         H5Kind::kDataset);
  if (values.numel() > 0) {
    H5_CHECK(H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                      values.data_ptr<double>()),
             where);
  }
}

// Creates PATH.partial, lets `fill` write into it, then renames it over PATH.
template <typename Fill>
void write_atomically(const std::string& path, Fill fill) {
  const std::string partial = path + ".partial";
  data::silence_hdf5_error_printing();
  {
    const H5Handle file(
        H5_CHECK(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                 fmt::format("{}: cannot create", partial)),
        H5Kind::kFile);
    fill(file.get());
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error)
    throw RuntimeError(fmt::format("{}: cannot rename into place: {}", path, error.message()));
}

}  // namespace

FeatureFileKind feature_file_kind(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return FeatureFileKind::kOther;
  data::silence_hdf5_error_printing();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    data::take_hdf5_error_message();  // clear the stack H5Fis_hdf5 left on a non-HDF5 file
    return FeatureFileKind::kOther;
  }
  const H5Handle file = open_input(path);
  const auto format = data::read_string_attribute(file.get(), "format", path);
  if (format && *format == kStatsFormat) return FeatureFileKind::kStatistics;
  if (has_link(file.get(), kFeaturesDataset)) return FeatureFileKind::kFeatures;
  return FeatureFileKind::kOther;
}

at::Tensor read_features(const std::string& path) {
  const H5Handle file = open_input(path);
  return read_float_dataset(file.get(), kFeaturesDataset, 2, path, "[N, D]");
}

void write_features(const std::string& path, const at::Tensor& features) {
  write_atomically(
      path, [&](hid_t file) { write_double_dataset(file, kFeaturesDataset, features, path); });
}

StoredStatistics read_statistics(const std::string& path) {
  const H5Handle file = open_input(path);
  const auto format = data::read_string_attribute(file.get(), "format", path);
  if (!format || *format != kStatsFormat) {
    throw InputError(fmt::format("{}: root attribute 'format' is {}, expected \"{}\"", path,
                                 format ? "\"" + *format + "\"" : "missing", kStatsFormat));
  }
  StoredStatistics stored;
  GaussianStatistics& statistics = stored.statistics;
  statistics.mean = read_float_dataset(file.get(), "mu", 1, path, "[D]");
  statistics.covariance = read_float_dataset(file.get(), "sigma", 2, path, "[D, D]");
  const int64_t dim = statistics.mean.size(0);
  if (statistics.covariance.size(0) != dim || statistics.covariance.size(1) != dim) {
    throw InputError(fmt::format("{}: dataset 'sigma' is [{}, {}], expected [{}, {}] to match 'mu'",
                                 path, statistics.covariance.size(0), statistics.covariance.size(1),
                                 dim, dim));
  }
  const auto count = data::read_int_attributes(file.get(), "count", path);
  if (!count || count->size() != 1 || count->front() < 2) {
    throw InputError(
        fmt::format("{}: root attribute 'count' is missing or below 2, expected "
                    "the number of feature vectors",
                    path));
  }
  statistics.count = count->front();
  stored.protocol = data::read_string_attribute(file.get(), "protocol", path).value_or("");
  stored.detector = data::read_string_attribute(file.get(), "detector", path).value_or("");
  return stored;
}

void write_statistics(const std::string& path, const StoredStatistics& stored) {
  write_atomically(path, [&](hid_t file) {
    data::write_string_attribute(file, "format", kStatsFormat);
    data::write_int_attributes(file, "count", {stored.statistics.count});
    data::write_string_attribute(file, "protocol", stored.protocol);
    data::write_string_attribute(file, "detector", stored.detector);
    write_double_dataset(file, "mu", stored.statistics.mean, path);
    write_double_dataset(file, "sigma", stored.statistics.covariance, path);
  });
}

}  // namespace vdit::eval
