"""Checks python/vdit_model.py against vdit's own outputs (run by vdit_model_py_test.cpp).

    check_vdit_model.py forward MODEL PROBE     the module's forward on the probe's inputs equals
                                                the probe's output (vdit's forward) to 1e-5
    check_vdit_model.py sample MODEL SAMPLES    DDIM from the noise `vdit sample --tensors` wrote
                                                equals its samples to 1e-4, and initial_noise(seed)
                                                is that noise

MODEL is a `vdit ckpt export` file. Exits 0 when every check holds, 1 (saying which and by how
much) otherwise.
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "python"))
import vdit_model  # noqa: E402

FORWARD_TOLERANCE = 1e-5
SAMPLE_TOLERANCE = 1e-4


def max_difference(actual, expected, what):
    if actual.shape != expected.shape:
        raise SystemExit(f"FAIL {what}: shape {list(actual.shape)}, expected "
                         f"{list(expected.shape)}")
    if not torch.isfinite(actual).all():
        raise SystemExit(f"FAIL {what}: the module's output is not finite")
    return (actual - expected).abs().max().item()


def check(difference, tolerance, expected, what):
    # A check against outputs that are all (near) zero would hold for almost any module.
    scale = expected.abs().max().item()
    print(f"{what}: max |python - vdit| = {difference:.3g} (tolerance {tolerance:g}), "
          f"max |vdit| = {scale:.3g}")
    if scale < 1e-2:
        raise SystemExit(f"FAIL {what}: vdit's output is near zero, the comparison shows nothing")
    if not difference <= tolerance:
        raise SystemExit(f"FAIL {what}: differs by {difference:.3g} > {tolerance:g}")


def check_forward(model_path, probe_path):
    model = vdit_model.load(model_path)
    probe, metadata = vdit_model.read_safetensors(probe_path)
    grid = tuple(json.loads(metadata["grid"]))
    caption = probe["caption"]
    if model.config["condition"] != "embeddings":
        caption = caption.to(torch.int64)
    with torch.no_grad():
        output = model(probe["tokens"], probe["timesteps"].to(torch.int64), caption, grid,
                       probe["drop"] != 0)
    difference = max_difference(output, probe["output"], "forward")
    check(difference, FORWARD_TOLERANCE, probe["output"], f"forward ({model.config['condition']})")


def check_sample(model_path, samples_path):
    model = vdit_model.load(model_path)
    stored, metadata = vdit_model.read_safetensors(samples_path)
    if metadata["method"] != "ddim":
        raise SystemExit(f"FAIL sample: {samples_path} was sampled with {metadata['method']}, "
                         "the module implements DDIM")
    noise = stored["noise"]
    _, _, frames, height, width = noise.shape
    captions = json.loads(metadata["captions"])
    seed_noise = vdit_model.video_noise(model, len(captions), frames, height, width,
                                        int(metadata["seed"]))
    if not torch.equal(seed_noise, noise):
        raise SystemExit("FAIL sample: initial_noise(seed) differs from the noise vdit sampled "
                         f"from by {(seed_noise - noise).abs().max().item():.3g}")
    videos = vdit_model.sample(model, captions, frames, height, width,
                               steps=int(metadata["steps"]),
                               guidance_scale=float(json.loads(metadata["guidance_scale"])),
                               noise=noise)
    difference = max_difference(videos, stored["samples"], "sample")
    check(difference, SAMPLE_TOLERANCE, stored["samples"],
          f"DDIM sample ({metadata['steps']} steps, guidance {metadata['guidance_scale']})")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("forward", "sample"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "forward":
        check_forward(sys.argv[2], sys.argv[3])
    else:
        check_sample(sys.argv[2], sys.argv[3])
    print("OK")


if __name__ == "__main__":
    main()
