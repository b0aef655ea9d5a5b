// ParallelDims: the validated degrees of data, sequence and tensor parallelism of the worker mesh.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vdit::parallel {

// dp x sp x tp = the number of worker ranks. Built only through create(), so a ParallelDims that
// exists is consistent; every error is a vdit::InputError (the user picked the degrees) whose text
// names each factor and the rank count, e.g.
//   "dp(2) x sp(2) x tp(2) = 8 worker ranks, but there are 6 worker ranks".
class ParallelDims {
 public:
  static ParallelDims create(int dp, int sp, int tp, int worker_count);
  // One worker, no parallelism: the single-process `vdit train`.
  static ParallelDims single() { return create(1, 1, 1, 1); }

  int dp() const { return dp_; }
  int sp() const { return sp_; }
  int tp() const { return tp_; }
  int worker_count() const { return dp_ * sp_ * tp_; }

  // Divisibility the model needs; `what` names the value in the message (e.g. "model.heads").
  // Attention heads are split over tp (Megatron) and then over sp (Ulysses all-to-all).
  void validate_heads(int64_t heads, std::string_view what = "attention heads") const;
  // Hidden sizes of column/row-parallel layers are split over tp.
  void validate_hidden(int64_t hidden, std::string_view what = "hidden size") const;
  // Each sample's token sequence is split over sp.
  void validate_tokens(int64_t tokens, std::string_view what = "token count") const;

  std::string to_string() const;  // "dp(2) x sp(2) x tp(2)"

  friend bool operator==(const ParallelDims& a, const ParallelDims& b) {
    return a.dp_ == b.dp_ && a.sp_ == b.sp_ && a.tp_ == b.tp_;
  }
  friend bool operator!=(const ParallelDims& a, const ParallelDims& b) { return !(a == b); }

 private:
  ParallelDims(int dp, int sp, int tp) : dp_(dp), sp_(sp), tp_(tp) {}

  int dp_ = 1;
  int sp_ = 1;
  int tp_ = 1;
};

}  // namespace vdit::parallel
