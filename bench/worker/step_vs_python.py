#!/usr/bin/python3
"""One training step of vdit's DiT, `vdit train` against the same model in Python PyTorch eager.

The Python model is written from vdit's architecture (worker/model/), not imported from it:
token-linear patch embedding + 3-D sin-cos positions, a caption table (ids mode, no text layers),
adaLN-Zero blocks with self-attention, cross-attention to the caption tokens and a GELU MLP, the
adaLN final layer; epsilon-prediction MSE on a linear schedule, AdamW, global-norm clipping, no EMA.
Each side runs one process with one torch thread and OPENBLAS_NUM_THREADS=1 on the same Debian
LibTorch, alternated round by round so drifts of the machine hit every side. Python runs twice: as
PyTorch starts by default (OpenBLAS's own kernel choice) and with the OPENBLAS_CORETYPE vdit runs
with (core/cpu_runtime.h), so the second ratio compares the same kernels.

    bench/worker/step_vs_python.py --vdit build/cli/vdit [--rounds 3] [--steps 12]

Prints, per size, the median step time of each side (steps after the first two of a round), the
ratios, and each step's model FLOP/s as a share of a 2048^3 fp32 matmul on vdit's kernels,
measured in the same run.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

SIZES = {  # name: (hidden, depth, heads, mlp_ratio)
    "hidden128x4": (128, 4, 4, 4.0),
    "vdit-s": (384, 12, 6, 4.0),
}
BATCH, FRAMES, SIDE, PATCH, CHANNELS, CAPTION = 8, 4, 32, 4, 3, 16  # 4x8x8 = 256 tokens
TOKENS = FRAMES * (SIDE // PATCH) ** 2
TOKEN_DIM = PATCH * PATCH * CHANNELS
WARMUP_STEPS = 2  # per round, not timed


def sincos_1d(positions, dim):
    omega = 10000.0 ** (-torch.arange(dim // 2, dtype=torch.float64) / (dim / 2.0))
    angles = positions.double()[:, None] * omega[None]
    return torch.cat([angles.sin(), angles.cos()], 1)


def sincos_3d(frames, height, width, dim):
    spatial = 2 * (dim // 6)
    index = torch.arange(frames * height * width)
    w, h, t = index % width, (index // width) % height, index // (width * height)
    return torch.cat([sincos_1d(t, dim - 2 * spatial), sincos_1d(h, spatial),
                      sincos_1d(w, spatial)], 1).float()


def timestep_sinusoid(t, dim=256):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.cos(), args.sin()], 1)


def modulate(x, shift, scale):
    return x * (1 + scale[:, None]) + shift[:, None]


class Block(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.norm_cross = nn.LayerNorm(dim, eps=1e-6)
        self.q, self.kv, self.cross_proj = nn.Linear(dim, dim), nn.Linear(dim, 2 * dim), nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.fc1, self.fc2 = nn.Linear(dim, hidden), nn.Linear(hidden, dim)
        self.ada = nn.Linear(dim, 6 * dim)

    def attend(self, q, k, v):  # (N, H, L, d) each
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), -1)
        return weights @ v

    def split(self, x):  # (N, L, H d) -> (N, H, L, d)
        return x.reshape(x.shape[0], x.shape[1], self.heads, -1).transpose(1, 2)

    def merge(self, x):
        return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], -1)

    def forward(self, x, c, context):
        shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(F.silu(c)).chunk(6, 1)
        n, length, _ = x.shape
        qkv = self.qkv(modulate(self.norm1(x), shift1, scale1)).reshape(n, length, 3, self.heads, -1)
        q, k, v = (qkv[:, :, i].transpose(1, 2) for i in range(3))
        x = x + gate1[:, None] * self.proj(self.merge(self.attend(q, k, v)))
        k, v = self.kv(context).chunk(2, -1)
        cross = self.attend(self.split(self.q(self.norm_cross(x))), self.split(k), self.split(v))
        x = x + self.cross_proj(self.merge(cross))
        hidden = F.gelu(self.fc1(modulate(self.norm2(x), shift2, scale2)), approximate="tanh")
        return x + gate2[:, None] * self.fc2(hidden)


class DiT(nn.Module):
    def __init__(self, dim, depth, heads, mlp_ratio):
        super().__init__()
        self.x_embedder = nn.Linear(TOKEN_DIM, dim)
        self.t_fc1, self.t_fc2 = nn.Linear(256, dim), nn.Linear(dim, dim)
        self.token_embedding = nn.Embedding(257, dim)
        self.position_embedding = nn.Parameter(torch.randn(CAPTION, dim))
        self.caption_norm = nn.LayerNorm(dim)
        self.caption_pool = nn.Linear(dim, dim)
        self.blocks = nn.ModuleList(Block(dim, heads, int(dim * mlp_ratio)) for _ in range(depth))
        self.final_norm = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.final_ada, self.final = nn.Linear(dim, 2 * dim), nn.Linear(dim, TOKEN_DIM)
        self.register_buffer("positions", sincos_3d(FRAMES, SIDE // PATCH, SIDE // PATCH, dim))
        for module in self.modules():  # a trained-looking start: no zero branches
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)

    def forward(self, tokens, t, caption):
        x = self.x_embedder(tokens) + self.positions[None]
        context = self.caption_norm(self.token_embedding(caption) + self.position_embedding[None])
        c = self.t_fc2(F.silu(self.t_fc1(timestep_sinusoid(t)))) + self.caption_pool(context.mean(1))
        for block in self.blocks:
            x = block(x, c, context)
        shift, scale = self.final_ada(F.silu(c)).chunk(2, 1)
        return self.final(modulate(self.final_norm(x), shift, scale))


def python_step_times(size, steps):
    """Seconds per step of the Python model: noise, forward, backward, clip, AdamW."""
    torch.manual_seed(0)
    model = DiT(*SIZES[size])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0)
    betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64)
    alpha_bar = torch.cumprod(1 - betas, 0).float()
    x0 = torch.rand(BATCH, TOKENS, TOKEN_DIM) * 2 - 1
    caption = torch.randint(1, 257, (BATCH, CAPTION))
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        t = torch.randint(0, 1000, (BATCH,))
        noise = torch.randn_like(x0)
        a = alpha_bar[t][:, None, None]
        loss = F.mse_loss(model(a.sqrt() * x0 + (1 - a).sqrt() * noise, t, caption), noise)
        optimizer.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        loss.item()
        times.append(time.perf_counter() - start)
    return times[WARMUP_STEPS:]


def vdit_step_times(vdit, size, steps, folder):
    """Seconds per step of `vdit train` (its own step_seconds, every step logged)."""
    hidden, depth, heads, mlp_ratio = SIZES[size]
    run = os.path.join(folder, f"{size}-{time.monotonic_ns()}")
    sets = {
        "model.hidden_size": hidden, "model.depth": depth, "model.num_heads": heads,
        "model.mlp_ratio": mlp_ratio, "model.patch_size": PATCH, "model.caption_length": CAPTION,
        "model.text_encoder_depth": 0, "training.steps": steps, "training.global_batch": BATCH,
        "training.log_every": 1, "optimizer.ema_decay": 0, "optimizer.grad_clip": 1.0,
        "diffusion.content_adaptive": "false", "diffusion.prediction": '"epsilon"',
        "data.synthetic_buckets": f'["{FRAMES}x{SIDE}x{SIDE}"]',
        "data.synthetic_clips_per_bucket": 16, "checkpoint.every_steps": 0,
    }
    command = [vdit, "train", "--run-dir", run]
    for key, value in sets.items():
        command += ["--set", f"{key}={value}"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(run, "metrics.jsonl")) as lines:
        times = [json.loads(line)["step_seconds"] for line in lines if '"step_seconds"' in line]
    return times[WARMUP_STEPS:]


def matmul_flops(n=2048, repeats=3):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = min(timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n ** 3 / best


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def training_flops(size):
    """Model FLOPs of one step: 3x forward (bench/parallel/scaling_model.py's count)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parallel"))
    from scaling_model import forward_flops
    dim, depth, _, mlp_ratio = SIZES[size]
    return 3 * BATCH * forward_flops(dim, depth, mlp_ratio, TOKENS, CAPTION, TOKEN_DIM)


def python_in_child(size, steps, coretype):
    """python_step_times in a fresh interpreter whose OpenBLAS loads with `coretype` (None: its
    own detection), since OpenBLAS reads OPENBLAS_CORETYPE only when it loads."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run([sys.executable, __file__, "--child", size, str(steps)], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def vdit_coretype(vdit):
    """The OPENBLAS_CORETYPE vdit runs with: the user's, or the one vdit sets (core/cpu_runtime.h)."""
    if os.environ.get("OPENBLAS_CORETYPE"):
        return os.environ["OPENBLAS_CORETYPE"]
    with tempfile.TemporaryDirectory(prefix="vdit-coretype-") as folder:
        out = subprocess.run([vdit, "train", "--run-dir", folder, "--check"], check=True,
                             capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("blas:") and "OPENBLAS_CORETYPE=" in line:
            return line.split("OPENBLAS_CORETYPE=")[1].split()[0]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vdit", help="the vdit binary (build/cli/vdit)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=12, help="steps per round and side")
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.child:
        print(json.dumps(python_step_times(args.child[0], int(args.child[1]))))
        return 0
    if not args.vdit:
        parser.error("--vdit is required")
    vdit = os.path.abspath(args.vdit)
    coretype = vdit_coretype(vdit)
    peak = json.loads(subprocess.run(
        [sys.executable, "-c", "import json,sys; sys.path.insert(0, %r); import step_vs_python as b;"
         " import torch; torch.set_num_threads(1); print(json.dumps(b.matmul_flops()))"
         % os.path.dirname(os.path.abspath(__file__))],
        env={**os.environ, **({"OPENBLAS_CORETYPE": coretype} if coretype else {})},
        check=True, capture_output=True, text=True).stdout)
    print(f"vdit's OpenBLAS kernels: {coretype or 'OpenBLAS default'}; fp32 matmul 2048^3 with them, "
          f"one thread: {peak / 1e9:.1f} GFLOP/s")
    with tempfile.TemporaryDirectory(prefix="vdit-step-bench-") as folder:
        for size in args.sizes.split(","):
            times = {"vdit": [], "python": [], "python-same-kernels": []}
            for _ in range(args.rounds):
                times["vdit"] += vdit_step_times(vdit, size, args.steps, folder)
                times["python"] += python_in_child(size, args.steps, None)
                times["python-same-kernels"] += python_in_child(size, args.steps, coretype)
            median = {side: statistics.median(values) for side, values in times.items()}
            print(f"{size}: batch {BATCH} x {TOKENS} tokens, medians of {len(times['vdit'])} steps: "
                  f"vdit {median['vdit']:.4f} s, python {median['python']:.4f} s (OpenBLAS's own "
                  f"kernel choice), python {median['python-same-kernels']:.4f} s ({coretype})")
            print(f"{size}: vdit / python = {median['vdit'] / median['python']:.3f}; "
                  f"vdit / python on the same kernels = "
                  f"{median['vdit'] / median['python-same-kernels']:.3f}")
            flops = training_flops(size)
            print(f"{size}: share of the matmul peak: vdit {flops / median['vdit'] / peak:.2f}, "
                  f"python on the same kernels {flops / median['python-same-kernels'] / peak:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
