#include "checkpoints/shard_file.h"

#include <fmt/core.h>

#include <algorithm>
#include <set>

#include "checkpoints/checkpoint_layout.h"
#include "data/hdf5_io.h"

namespace vdit::checkpoints {

using data::H5Handle;
using data::H5Kind;

namespace {

std::vector<hsize_t> to_hsize(const std::vector<int64_t>& shape) {
  return std::vector<hsize_t>(shape.begin(), shape.end());
}

// A shape attribute is a 1-D int64 array; a scalar tensor's empty shape is a null dataspace.
void write_shape_attribute(hid_t object, const char* name, const std::vector<int64_t>& shape) {
  if (!shape.empty()) {
    data::write_int_attributes(object, name, shape);
    return;
  }
  const std::string context = fmt::format("writing attribute '{}'", name);
  const H5Handle space(H5_CHECK(H5Screate(H5S_NULL), context), H5Kind::kDataspace);
  const H5Handle attribute(
      H5_CHECK(H5Acreate2(object, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
               context),
      H5Kind::kAttribute);
}

// Writes the values as hyperslabs of whole rows (along dim 0) of about `piece_bytes` each, so that
// HDF5's global lock is released between pieces and another thread's read (the data loader's)
// waits for one piece, not the whole tensor. A row larger than a piece is written whole;
// piece_bytes <= 0 writes the tensor in one call.
void write_values_in_pieces(hid_t dataset, hid_t file_space, const TensorRecord& tensor,
                            const std::vector<hsize_t>& dims, int64_t piece_bytes,
                            const std::string& context) {
  const auto total_bytes = static_cast<int64_t>(tensor.values.size() * sizeof(float));
  if (dims.empty() || piece_bytes <= 0 || total_bytes <= piece_bytes) {
    H5_CHECK(
        H5Dwrite(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, tensor.values.data()),
        context);
    return;
  }
  const hsize_t row_values = tensor.values.size() / dims[0];
  const auto row_bytes = static_cast<int64_t>(row_values * sizeof(float));
  const hsize_t rows_per_piece =
      std::max<hsize_t>(1, piece_bytes / std::max<int64_t>(1, row_bytes));
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  for (hsize_t row = 0; row < dims[0]; row += rows_per_piece) {
    start[0] = row;
    count[0] = std::min(rows_per_piece, dims[0] - row);
    H5_CHECK(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                 nullptr),
             context);
    const hsize_t piece_values = count[0] * row_values;
    const H5Handle memory_space(H5_CHECK(H5Screate_simple(1, &piece_values, nullptr), context),
                                H5Kind::kDataspace);
    H5_CHECK(H5Dwrite(dataset, H5T_NATIVE_FLOAT, memory_space.get(), file_space, H5P_DEFAULT,
                      tensor.values.data() + row * row_values),
             context);
  }
  H5_CHECK(H5Sselect_all(file_space), context);
}

void write_tensor(hid_t file, hid_t link_properties, const TensorRecord& tensor,
                  const std::string& path, int64_t piece_bytes) {
  const std::string context = fmt::format("{}: writing tensor '{}'", path, tensor.name);
  const std::vector<hsize_t> dims = to_hsize(tensor.shape);
  const H5Handle space(
      H5_CHECK(dims.empty() ? H5Screate(H5S_SCALAR)
                            : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               context),
      H5Kind::kDataspace);
  const H5Handle dataset(H5_CHECK(H5Dcreate2(file, tensor.name.c_str(), H5T_IEEE_F32LE, space.get(),
                                             link_properties, H5P_DEFAULT, H5P_DEFAULT),
                                  context),
                         H5Kind::kDataset);
  if (!tensor.values.empty())
    write_values_in_pieces(dataset.get(), space.get(), tensor, dims, piece_bytes, context);
  write_shape_attribute(dataset.get(), "global_shape", tensor.global_shape);
  data::write_int_attributes(dataset.get(), "split_dim", {tensor.split_dim});
  data::write_int_attributes(dataset.get(), "offset", {tensor.offset});
  data::write_int_attributes(dataset.get(), "split_blocks", {tensor.split_blocks});
}

void check_record(const TensorRecord& tensor, const std::string& path) {
  std::string problem = name_problem(tensor.name);
  if (problem.empty()) {
    problem = placement_problem(
        {tensor.global_shape, tensor.split_dim, tensor.offset, tensor.shape, tensor.split_blocks});
  }
  if (problem.empty() &&
      static_cast<int64_t>(tensor.values.size()) != element_count(tensor.shape)) {
    problem = fmt::format("{} values for shape {} ({} expected)", tensor.values.size(),
                          describe_shape(tensor.shape), element_count(tensor.shape));
  }
  if (!problem.empty()) {
    throw RuntimeError(fmt::format("{}: cannot save tensor '{}': {}", path, tensor.name, problem));
  }
}

// H5Lvisit callback: collects the path of every link; datasets are picked out afterwards (a C
// callback must not throw).
herr_t collect_link(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/, void* names) {
  static_cast<std::vector<std::string>*>(names)->push_back(name);
  return 0;
}

}  // namespace

void write_shard_file(const std::string& path, const std::vector<TensorRecord>& tensors,
                      int64_t piece_bytes) {
  std::set<std::string> names;
  for (const TensorRecord& tensor : tensors) {
    check_record(tensor, path);
    if (!names.insert(tensor.name).second) {
      throw RuntimeError(
          fmt::format("{}: tensor '{}' appears twice in one shard file", path, tensor.name));
    }
  }
  data::silence_hdf5_error_printing();
  const std::string context = fmt::format("{}: creating checkpoint shard", path);
  const H5Handle file(
      H5_CHECK(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), context),
      H5Kind::kFile);
  data::write_string_attribute(file.get(), "format", kShardFormat);
  data::write_int_attributes(file.get(), "version", {kShardVersion});
  // Names such as "model/blocks.0.attn.qkv.weight" create their groups on the way.
  const H5Handle link_properties(H5_CHECK(H5Pcreate(H5P_LINK_CREATE), context),
                                 H5Kind::kPropertyList);
  H5_CHECK(H5Pset_create_intermediate_group(link_properties.get(), 1), context);
  for (const TensorRecord& tensor : tensors) {
    write_tensor(file.get(), link_properties.get(), tensor, path, piece_bytes);
  }
  H5_CHECK(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), context);
}

std::vector<StoredPiece> read_shard_index(const std::string& path, const std::string& file_name) {
  data::silence_hdf5_error_printing();
  const std::string context = fmt::format("{}: opening checkpoint shard", path);
  const H5Handle file(H5_CHECK_INPUT(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), context),
                      H5Kind::kFile);
  const std::optional<std::string> format = data::read_string_attribute(file.get(), "format", path);
  if (format != std::string(kShardFormat)) {
    throw InputError(fmt::format("{}: attribute 'format' is '{}', expected '{}'", path,
                                 format.value_or("<missing>"), kShardFormat));
  }
  const auto version = data::read_int_attributes(file.get(), "version", path);
  if (!version || version->size() != 1 || (*version)[0] < 1 || (*version)[0] > kShardVersion) {
    throw InputError(
        fmt::format("{}: attribute 'version' is missing or not in 1..{}", path, kShardVersion));
  }
  std::vector<std::string> links;
  H5_CHECK_INPUT(H5Lvisit(file.get(), H5_INDEX_NAME, H5_ITER_INC, collect_link, &links),
                 fmt::format("{}: listing datasets", path));
  std::vector<StoredPiece> pieces;
  for (const std::string& link : links) {
    const std::string where = fmt::format("{}: dataset '{}'", path, link);
    const hid_t any_object = H5_CHECK_INPUT(H5Oopen(file.get(), link.c_str(), H5P_DEFAULT), where);
    const H5I_type_t object_type = H5Iget_type(any_object);
    H5Oclose(any_object);
    if (object_type != H5I_DATASET) continue;  // a group on the way to a dataset
    const H5Handle object(H5_CHECK_INPUT(H5Dopen2(file.get(), link.c_str(), H5P_DEFAULT), where),
                          H5Kind::kDataset);
    StoredPiece piece{file_name, link, {}};
    const H5Handle space(H5_CHECK_INPUT(H5Dget_space(object.get()), where), H5Kind::kDataspace);
    for (const hsize_t dim : data::dataspace_dims(space.get())) {
      piece.placement.shape.push_back(static_cast<int64_t>(dim));
    }
    const auto global_shape = data::read_int_attributes(object.get(), "global_shape", where);
    const auto split_dim = data::read_int_attributes(object.get(), "split_dim", where);
    const auto offset = data::read_int_attributes(object.get(), "offset", where);
    if (!global_shape || !split_dim || split_dim->size() != 1 || !offset || offset->size() != 1) {
      throw InputError(
          fmt::format("{}: attributes global_shape, split_dim and offset are "
                      "missing or malformed",
                      where));
    }
    piece.placement.global_shape = *global_shape;
    piece.placement.split_dim = (*split_dim)[0];
    piece.placement.offset = (*offset)[0];
    // Version 1 files predate split_blocks: every piece there is one block.
    const auto split_blocks = data::read_int_attributes(object.get(), "split_blocks", where);
    if (split_blocks && split_blocks->size() != 1) {
      throw InputError(fmt::format("{}: attribute split_blocks has {} values, expected 1", where,
                                   split_blocks->size()));
    }
    piece.placement.split_blocks = split_blocks ? (*split_blocks)[0] : 1;
    if (const std::string problem = placement_problem(piece.placement); !problem.empty()) {
      throw InputError(fmt::format("{}: {}", where, problem));
    }
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

namespace {

// The dataset of `piece`, opened and checked (float, the indexed shape), with its file.
struct OpenedPiece {
  H5Handle file, dataset, space;
};

OpenedPiece open_piece(const std::string& path, const StoredPiece& piece,
                       const std::string& where) {
  data::silence_hdf5_error_printing();
  OpenedPiece opened;
  opened.file = H5Handle(H5_CHECK_INPUT(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), where),
                         H5Kind::kFile);
  opened.dataset =
      H5Handle(H5_CHECK_INPUT(H5Dopen2(opened.file.get(), piece.name.c_str(), H5P_DEFAULT), where),
               H5Kind::kDataset);
  const H5Handle type(H5_CHECK_INPUT(H5Dget_type(opened.dataset.get()), where), H5Kind::kDatatype);
  if (H5Tget_class(type.get()) != H5T_FLOAT) {
    throw InputError(
        fmt::format("{} has dtype {}, expected float32", where, data::describe_dtype(type.get())));
  }
  opened.space =
      H5Handle(H5_CHECK_INPUT(H5Dget_space(opened.dataset.get()), where), H5Kind::kDataspace);
  const std::vector<hsize_t> dims = data::dataspace_dims(opened.space.get());
  if (dims != to_hsize(piece.placement.shape)) {
    throw InputError(fmt::format("{} has shape {}, expected {}", where, data::describe_dims(dims),
                                 describe_shape(piece.placement.shape)));
  }
  return opened;
}

}  // namespace

std::vector<float> read_piece_rows(const std::string& path, const StoredPiece& piece, int64_t dim,
                                   int64_t first_row, int64_t rows, int64_t blocks,
                                   int64_t block_stride) {
  const std::string where = fmt::format("{}: dataset '{}'", path, piece.name);
  const std::vector<int64_t>& shape = piece.placement.shape;
  const bool inside =
      dim >= 0 && dim < static_cast<int64_t>(shape.size()) && first_row >= 0 && rows >= 0 &&
      blocks >= 1 && block_stride >= rows &&
      first_row + (blocks - 1) * block_stride + rows <= shape[static_cast<size_t>(dim)];
  if (!inside) {
    throw InputError(fmt::format(
        "{}: cannot read {} runs of {} rows from row {} every {} along dim {} of a piece of "
        "shape {}",
        where, blocks, rows, first_row, block_stride, dim, describe_shape(shape)));
  }
  std::vector<int64_t> selected = shape;
  selected[static_cast<size_t>(dim)] = blocks * rows;
  std::vector<float> values(static_cast<size_t>(element_count(selected)));
  if (values.empty()) return values;
  const OpenedPiece opened = open_piece(path, piece, where);
  std::vector<hsize_t> start(shape.size(), 0), stride(shape.size(), 1), count(shape.size(), 1);
  std::vector<hsize_t> block = to_hsize(shape);
  const auto d = static_cast<size_t>(dim);
  start[d] = static_cast<hsize_t>(first_row);
  stride[d] = static_cast<hsize_t>(block_stride);
  count[d] = static_cast<hsize_t>(blocks);
  block[d] = static_cast<hsize_t>(rows);
  H5_CHECK_INPUT(H5Sselect_hyperslab(opened.space.get(), H5S_SELECT_SET, start.data(),
                                     stride.data(), count.data(), block.data()),
                 where);
  const auto total = static_cast<hsize_t>(values.size());
  const H5Handle memory(H5_CHECK_INPUT(H5Screate_simple(1, &total, nullptr), where),
                        H5Kind::kDataspace);
  H5_CHECK_INPUT(H5Dread(opened.dataset.get(), H5T_NATIVE_FLOAT, memory.get(), opened.space.get(),
                         H5P_DEFAULT, values.data()),
                 where);
  return values;
}

std::vector<float> read_piece_values(const std::string& path, const StoredPiece& piece) {
  data::silence_hdf5_error_printing();
  const std::string where = fmt::format("{}: dataset '{}'", path, piece.name);
  const H5Handle file(H5_CHECK_INPUT(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), where),
                      H5Kind::kFile);
  const H5Handle dataset(
      H5_CHECK_INPUT(H5Dopen2(file.get(), piece.name.c_str(), H5P_DEFAULT), where),
      H5Kind::kDataset);
  const H5Handle type(H5_CHECK_INPUT(H5Dget_type(dataset.get()), where), H5Kind::kDatatype);
  if (H5Tget_class(type.get()) != H5T_FLOAT) {
    throw InputError(
        fmt::format("{} has dtype {}, expected float32", where, data::describe_dtype(type.get())));
  }
  const H5Handle space(H5_CHECK_INPUT(H5Dget_space(dataset.get()), where), H5Kind::kDataspace);
  const std::vector<hsize_t> dims = data::dataspace_dims(space.get());
  if (dims != to_hsize(piece.placement.shape)) {
    throw InputError(fmt::format("{} has shape {}, expected {}", where, data::describe_dims(dims),
                                 describe_shape(piece.placement.shape)));
  }
  std::vector<float> values(static_cast<size_t>(element_count(piece.placement.shape)));
  if (!values.empty()) {
    H5_CHECK_INPUT(
        H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
        where);
  }
  return values;
}

}  // namespace vdit::checkpoints
