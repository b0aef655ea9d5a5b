#!/usr/bin/python3
"""Bytes each GPU sends per training step on each parallel axis of vdit, from the model shape, and
the step time that follows from the links, next to the compute time. Quoted by docs/scaling.md.

    bench/parallel/scaling_model.py [--tokens 4096] [--global-batch 256] [--mfu 0.45]

Per DiT block, for a mesh dp x sp x tp (vdit's regions, worker/model/ and parallel/):
  tp: forward all-reduces after attn.proj, cross_attn.proj and mlp.fc2 (the row-parallel sums), of
      the rank's (b, L/sp, D) activations; backward the mirror all-reduces before qkv, q, fc1
      (copy_to_tp), plus kv's of the (b, Lc, D) caption tokens.
  sp: Ulysses all-to-alls around self-attention: q, k, v and the output, (b, L/sp, D/tp) each,
      forward and backward.
  dp: the gradient of the rank's P/tp parameters averaged over the dp x sp ranks that hold the same
      shard (all-reduce; ZeRO-1 as reduce-scatter + all-gather moves the same bytes).
Ring all-reduce sends 2 (n-1)/n of the buffer per rank, all-to-all (n-1)/n, all-gather and
reduce-scatter (n-1)/n each. Activations in bf16 (2 bytes), gradients in fp32 (4 bytes).
Links: tp and sp inside a node of 8 GPUs over NVLink (450 GB/s per direction); when tp x sp > 8
the group spans nodes and runs at the InfiniBand rate; dp over InfiniBand (400 Gb/s = 50 GB/s per
GPU). Compute: the model FLOPs (orchestrator/flop_count.cpp, 3x forward) at --mfu of 989 TFLOP/s
(H100/H200 dense bf16). These are estimates from the shape, not measurements.
"""
import argparse

PRESETS = {  # name: (hidden, depth, heads, mlp_ratio), core/model_presets.cpp
    "vdit-s": (384, 12, 6, 4.0),
    "vdit-b": (768, 12, 12, 4.0),
    "vdit-l": (1024, 24, 16, 4.0),
    "vdit-xl": (1152, 28, 16, 4.0),
}
NVLINK = 450e9  # bytes/s per direction per GPU
INFINIBAND = 50e9  # 400 Gb/s per GPU
PEAK = 989e12  # dense bf16 FLOP/s
GPUS_PER_NODE = 8
CAPTION_TOKENS = 32
TOKEN_DIM = 2 * 2 * 4  # patch 2 x 2 of 4 latent channels


def parameters(dim, depth, mlp_ratio):
    hidden = int(dim * mlp_ratio)
    block = 3 * dim * dim + dim * dim + dim * dim + 2 * dim * dim + dim * dim  # attn + cross
    block += 2 * dim * hidden + 6 * dim * dim  # mlp, adaLN
    # t_embedder (256 D + D^2), caption_pool, final adaLN (2 D^2), patch embedding and final layer
    return depth * block + 4 * dim * dim + 256 * dim + TOKEN_DIM * dim * 2


def forward_flops(dim, depth, mlp_ratio, tokens, caption_tokens=CAPTION_TOKENS,
                  token_dim=TOKEN_DIM):
    """Forward FLOPs of one sample (multiply-add = 2), as orchestrator/flop_count.cpp counts them
    for a model without text-encoder layers. Also used by bench/worker/step_vs_python.py."""
    hidden, length, lc = dim * mlp_ratio, tokens, caption_tokens
    linear = lambda rows, i, o: 2 * rows * i * o  # noqa: E731
    block = (linear(length, dim, 3 * dim) + 4 * length * length * dim + linear(length, dim, dim)
             + linear(length, dim, dim) + linear(lc, dim, 2 * dim) + 4 * length * lc * dim
             + linear(length, dim, dim) + linear(length, dim, hidden) + linear(length, hidden, dim)
             + linear(1, dim, 6 * dim))
    embed = linear(1, 256, dim) + linear(1, dim, dim) + linear(1, dim, dim)  # t MLP, caption pool
    return (depth * block + linear(length, token_dim, dim) + embed + linear(1, dim, 2 * dim)
            + linear(length, dim, token_dim))


def step(preset, dp, sp, tp, tokens, global_batch, mfu):
    dim, depth, _, mlp_ratio = PRESETS[preset]
    batch = global_batch / dp  # samples per dp rank (each sp x tp group shares them)
    act = 2 * batch * (tokens / sp) * dim  # bytes of one (b, L/sp, D) bf16 activation
    caption = 2 * batch * CAPTION_TOKENS * dim
    ring = lambda n: 2 * (n - 1) / n if n > 1 else 0.0  # noqa: E731
    exchange = lambda n: (n - 1) / n if n > 1 else 0.0  # noqa: E731
    tp_bytes = depth * ring(tp) * (6 * act + caption)
    sp_bytes = depth * exchange(sp) * 8 * act / tp
    dp_bytes = ring(dp * sp) * 4 * parameters(dim, depth, mlp_ratio) / tp
    inner = tp * sp <= GPUS_PER_NODE
    model_link = NVLINK if inner else INFINIBAND
    times = {
        "tp": tp_bytes / model_link,
        "sp": sp_bytes / model_link,
        "dp": dp_bytes / INFINIBAND if dp * sp * tp > GPUS_PER_NODE else dp_bytes / NVLINK,
    }
    compute = 3 * forward_flops(dim, depth, mlp_ratio, tokens) * batch / (sp * tp) / (PEAK * mfu)
    return tp_bytes, sp_bytes, dp_bytes, times, compute


MESHES = [  # (dp, sp, tp): from one node to 1024 GPUs
    (8, 1, 1), (4, 1, 2), (2, 1, 4), (2, 2, 2), (1, 2, 4), (1, 1, 8),
    (64, 1, 1), (32, 1, 2), (16, 2, 2), (8, 2, 4),
    (1024, 1, 1), (512, 1, 2), (256, 2, 2), (128, 2, 4), (128, 1, 8), (64, 4, 4),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=4096, help="tokens per sample")
    parser.add_argument("--global-batch", type=int, default=1024)
    parser.add_argument("--mfu", type=float, default=0.45)
    parser.add_argument("--presets", default="vdit-b,vdit-xl")
    args = parser.parse_args()
    print(f"{args.tokens} tokens per sample (16x32x32 latents, patch 2), global batch "
          f"{args.global_batch}, compute at {args.mfu:.0%} of 989 TFLOP/s")
    print("| preset | GPUs | dp x sp x tp | MB/step tp | MB/step sp | MB/step dp | comm s "
          "(tp / sp / dp) | compute s | comm / compute |")
    print("|---|---|---|---|---|---|---|---|---|")
    for preset in args.presets.split(","):
        for dp, sp, tp in MESHES:
            if args.global_batch % dp:
                continue
            tp_b, sp_b, dp_b, times, compute = step(preset, dp, sp, tp, args.tokens,
                                                    args.global_batch, args.mfu)
            comm = times["tp"] + times["sp"] + times["dp"]
            print(f"| {preset} | {dp * sp * tp} | {dp} x {sp} x {tp} | {tp_b / 1e6:,.0f} | "
                  f"{sp_b / 1e6:,.0f} | {dp_b / 1e6:,.0f} | {times['tp']:.3f} / {times['sp']:.3f}"
                  f" / {times['dp']:.3f} | {compute:.3f} | {comm / compute:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
