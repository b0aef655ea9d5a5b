#include "data/hdf5_io.h"

#include <fmt/core.h>

namespace vdit::data {

H5Handle make_float16_type() {
  H5Handle type(H5_CHECK(H5Tcopy(H5T_IEEE_F32LE), "creating the float16 type"), H5Kind::kDatatype);
  // Sign bit 15, exponent bits 10..14, mantissa bits 0..9, exponent bias 15: IEEE binary16.
  H5_CHECK(H5Tset_fields(type.get(), 15, 10, 5, 0, 10), "creating the float16 type");
  H5_CHECK(H5Tset_precision(type.get(), 16), "creating the float16 type");
  H5_CHECK(H5Tset_size(type.get(), 2), "creating the float16 type");
  H5_CHECK(H5Tset_ebias(type.get(), 15), "creating the float16 type");
  return type;
}

H5Handle make_string_type() {
  H5Handle type(H5_CHECK(H5Tcopy(H5T_C_S1), "creating the string type"), H5Kind::kDatatype);
  H5_CHECK(H5Tset_size(type.get(), H5T_VARIABLE), "creating the string type");
  H5_CHECK(H5Tset_cset(type.get(), H5T_CSET_UTF8), "creating the string type");
  return type;
}

std::string describe_dtype(hid_t type) {
  const size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return fmt::format("{}int{}", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", 8 * size);
    case H5T_FLOAT:
      return fmt::format("float{}", 8 * size);
    case H5T_STRING:
      return "string";
    case H5T_COMPOUND:
      return "compound";
    case H5T_ENUM:
      return "enum";
    case H5T_ARRAY:
      return "array";
    case H5T_VLEN:
      return "vlen";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_REFERENCE:
      return "reference";
    case H5T_BITFIELD:
      return "bitfield";
    default:
      return "unknown";
  }
}

bool is_uint8(hid_t type) {
  return H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 1 &&
         H5Tget_sign(type) == H5T_SGN_NONE;
}

bool is_int32(hid_t type) {
  return H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 4 &&
         H5Tget_sign(type) == H5T_SGN_2;
}

bool is_float16(hid_t type) { return H5Tget_class(type) == H5T_FLOAT && H5Tget_size(type) == 2; }

bool is_string(hid_t type) { return H5Tget_class(type) == H5T_STRING; }

std::vector<hsize_t> dataspace_dims(hid_t space) {
  const int rank = H5_CHECK(H5Sget_simple_extent_ndims(space), "reading a dataspace rank");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) H5_CHECK(H5Sget_simple_extent_dims(space, dims.data(), nullptr), "reading dims");
  return dims;
}

std::string describe_dims(const std::vector<hsize_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    text += (i == 0 ? "" : ", ") + std::to_string(dims[i]);
  }
  return text + "]";
}

void write_string_attribute(hid_t object, const char* name, const std::string& value) {
  const std::string context = fmt::format("writing attribute '{}'", name);
  const H5Handle type = make_string_type();
  const H5Handle space(H5_CHECK(H5Screate(H5S_SCALAR), context), H5Kind::kDataspace);
  const H5Handle attribute(
      H5_CHECK(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
               context),
      H5Kind::kAttribute);
  const char* text = value.c_str();
  H5_CHECK(H5Awrite(attribute.get(), type.get(), &text), context);
}

void write_int_attributes(hid_t object, const char* name, const std::vector<int64_t>& values) {
  const std::string context = fmt::format("writing attribute '{}'", name);
  // One value is stored as a scalar (h5py reads a plain int), several as a 1-D array.
  const hsize_t count = values.size();
  const H5Handle space(
      H5_CHECK(values.size() == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr),
               context),
      H5Kind::kDataspace);
  const H5Handle attribute(
      H5_CHECK(H5Acreate2(object, name, H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
               context),
      H5Kind::kAttribute);
  H5_CHECK(H5Awrite(attribute.get(), H5T_NATIVE_INT64, values.data()), context);
}

void write_double_attribute(hid_t object, const char* name, double value) {
  const std::string context = fmt::format("writing attribute '{}'", name);
  const H5Handle space(H5_CHECK(H5Screate(H5S_SCALAR), context), H5Kind::kDataspace);
  const H5Handle attribute(
      H5_CHECK(H5Acreate2(object, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
               context),
      H5Kind::kAttribute);
  H5_CHECK(H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, &value), context);
}

namespace {

// An attribute opened for reading, with its stored type and shape.
struct OpenAttribute {
  std::string context;  // for error messages
  H5Handle attribute;
  H5Handle file_type;
  H5Handle space;
};

std::optional<OpenAttribute> open_attribute(hid_t object, const char* name,
                                            const std::string& where) {
  std::string context = fmt::format("{}: reading attribute '{}'", where, name);
  if (H5_CHECK_INPUT(H5Aexists(object, name), context) == 0) return std::nullopt;
  H5Handle attribute(H5_CHECK_INPUT(H5Aopen(object, name, H5P_DEFAULT), context),
                     H5Kind::kAttribute);
  H5Handle file_type(H5_CHECK_INPUT(H5Aget_type(attribute.get()), context), H5Kind::kDatatype);
  H5Handle space(H5_CHECK_INPUT(H5Aget_space(attribute.get()), context), H5Kind::kDataspace);
  return OpenAttribute{std::move(context), std::move(attribute), std::move(file_type),
                       std::move(space)};
}

}  // namespace

std::optional<std::string> read_string_attribute(hid_t object, const char* name,
                                                 const std::string& where) {
  const std::optional<OpenAttribute> opened = open_attribute(object, name, where);
  if (!opened) return std::nullopt;
  const std::string& context = opened->context;
  const H5Handle& attribute = opened->attribute;
  const H5Handle& file_type = opened->file_type;
  const H5Handle& space = opened->space;
  if (!is_string(file_type.get()) ||
      H5_CHECK_INPUT(H5Sget_simple_extent_npoints(space.get()), context) != 1) {
    throw InputError(fmt::format("{}: attribute '{}' is {} with shape {}, expected one string",
                                 where, name, describe_dtype(file_type.get()),
                                 describe_dims(dataspace_dims(space.get()))));
  }
  if (H5_CHECK_INPUT(H5Tis_variable_str(file_type.get()), context) > 0) {
    const H5Handle memory_type = make_string_type();
    char* text = nullptr;
    H5_CHECK_INPUT(H5Aread(attribute.get(), memory_type.get(), &text), context);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }
  // Fixed-length string (as written by some tools): read its bytes, drop trailing NULs.
  const size_t size = H5Tget_size(file_type.get());
  std::string value(size, '\0');
  H5Handle memory_type(H5_CHECK_INPUT(H5Tcopy(H5T_C_S1), context), H5Kind::kDatatype);
  H5_CHECK_INPUT(H5Tset_size(memory_type.get(), size), context);
  H5_CHECK_INPUT(H5Tset_strpad(memory_type.get(), H5T_STR_NULLPAD), context);
  H5_CHECK_INPUT(H5Aread(attribute.get(), memory_type.get(), value.data()), context);
  value.erase(value.find_last_not_of('\0') + 1);
  return value;
}

std::optional<std::vector<int64_t>> read_int_attributes(hid_t object, const char* name,
                                                        const std::string& where) {
  const std::optional<OpenAttribute> opened = open_attribute(object, name, where);
  if (!opened) return std::nullopt;
  const std::string& context = opened->context;
  const H5Handle& attribute = opened->attribute;
  const H5Handle& file_type = opened->file_type;
  const H5Handle& space = opened->space;
  if (H5Tget_class(file_type.get()) != H5T_INTEGER) {
    throw InputError(fmt::format("{}: attribute '{}' has dtype {}, expected an integer", where,
                                 name, describe_dtype(file_type.get())));
  }
  const hssize_t count = H5_CHECK_INPUT(H5Sget_simple_extent_npoints(space.get()), context);
  std::vector<int64_t> values(static_cast<size_t>(count));
  if (count > 0) {
    H5_CHECK_INPUT(H5Aread(attribute.get(), H5T_NATIVE_INT64, values.data()), context);
  }
  return values;
}

std::optional<double> read_double_attribute(hid_t object, const char* name,
                                            const std::string& where) {
  const std::optional<OpenAttribute> opened = open_attribute(object, name, where);
  if (!opened) return std::nullopt;
  const std::string& context = opened->context;
  const H5Handle& attribute = opened->attribute;
  const H5Handle& file_type = opened->file_type;
  const H5Handle& space = opened->space;
  const H5T_class_t type_class = H5Tget_class(file_type.get());
  if ((type_class != H5T_FLOAT && type_class != H5T_INTEGER) ||
      H5_CHECK_INPUT(H5Sget_simple_extent_npoints(space.get()), context) != 1) {
    throw InputError(fmt::format("{}: attribute '{}' is {} with shape {}, expected one number",
                                 where, name, describe_dtype(file_type.get()),
                                 describe_dims(dataspace_dims(space.get()))));
  }
  double value = 0;
  H5_CHECK_INPUT(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), context);
  return value;
}

}  // namespace vdit::data
