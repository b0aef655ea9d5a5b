// A custom autograd Function; the closure travels in the autograd context as an IValue capsule.
#include "worker/model/activation_checkpoint.h"

#include <torch/autograd.h>

namespace vdit::model {
namespace {

struct Closure : torch::CustomClassHolder {
  explicit Closure(CheckpointedFn fn) : fn(std::move(fn)) {}
  CheckpointedFn fn;
};

class CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx,
                               c10::intrusive_ptr<Closure> closure, torch::TensorList inputs) {
    ctx->save_for_backward(inputs.vec());
    ctx->saved_data["closure"] = c10::IValue::make_capsule(closure);
    torch::NoGradGuard no_grad;  // the point: no graph, so no activations kept
    return closure->fn(inputs.vec());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto closure =
        c10::static_intrusive_pointer_cast<Closure>(ctx->saved_data["closure"].toCapsule());
    std::vector<torch::Tensor> inputs;
    for (const auto& saved : ctx->get_saved_variables()) {
      inputs.push_back(saved.detach().requires_grad_(saved.requires_grad()));
    }
    torch::Tensor output;
    {
      torch::AutoGradMode grad_mode(true);
      output = closure->fn(inputs);
    }
    // Reentrant backward: parameter gradients accumulate into .grad, input gradients come back.
    torch::autograd::backward({output}, {grad_outputs[0]});
    torch::autograd::variable_list grads;
    grads.push_back(torch::Tensor());  // the closure
    for (const auto& input : inputs)
      grads.push_back(input.requires_grad() ? input.grad() : torch::Tensor());
    return grads;
  }
};

}  // namespace

torch::Tensor checkpoint(CheckpointedFn fn, const std::vector<torch::Tensor>& inputs) {
  if (!torch::GradMode::is_enabled()) return fn(inputs);
  return CheckpointFunction::apply(c10::make_intrusive<Closure>(std::move(fn)),
                                   torch::TensorList(inputs));
}

}  // namespace vdit::model
