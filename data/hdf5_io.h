// Small HDF5 building blocks shared by the shard writer and reader: the float16 and string types,
// dtype names for error messages, and root attributes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/hdf5_handle.h"

namespace vdit::data {

// Little-endian IEEE half precision, laid out as numpy/h5py '<f2' so h5py reads it as float16.
H5Handle make_float16_type();
// Variable-length UTF-8 string, which h5py reads as str.
H5Handle make_string_type();

// A numpy-style name for an HDF5 datatype ("uint8", "int32", "float16", "string", ...), for
// error messages and `vdit data inspect`.
std::string describe_dtype(hid_t type);
bool is_uint8(hid_t type);
bool is_int32(hid_t type);
bool is_float16(hid_t type);
bool is_string(hid_t type);

// The current extent of a dataspace, e.g. {N, L, D}.
std::vector<hsize_t> dataspace_dims(hid_t space);
std::string describe_dims(const std::vector<hsize_t>& dims);  // "[4, 64, 48]"

void write_string_attribute(hid_t object, const char* name, const std::string& value);
void write_int_attributes(hid_t object, const char* name, const std::vector<int64_t>& values);
void write_double_attribute(hid_t object, const char* name, double value);

// Attribute readers for files the user gave us: every failure is an InputError naming `where`
// (the file) and the attribute. nullopt when the attribute does not exist.
std::optional<std::string> read_string_attribute(hid_t object, const char* name,
                                                 const std::string& where);
std::optional<std::vector<int64_t>> read_int_attributes(hid_t object, const char* name,
                                                        const std::string& where);
// One floating-point (or integer) value.
std::optional<double> read_double_attribute(hid_t object, const char* name,
                                            const std::string& where);

}  // namespace vdit::data
