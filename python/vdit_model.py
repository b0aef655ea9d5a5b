"""vdit's video Diffusion Transformer in plain PyTorch (no other dependency).

Builds the model from the metadata of a file written by `vdit ckpt export DIR --out FILE`, loads
its weights under vdit's own parameter names, and samples with DDIM exactly as `vdit sample` does.
Every operation below mirrors one in worker/model/ or worker/diffusion/ (the C++ file is named in
each docstring); tests/worker/model/check_vdit_model.py holds the two to 1e-5 (forward) and 1e-4
(a whole DDIM sample from the same noise).

    import vdit_model
    model = vdit_model.load("model.safetensors")
    videos = vdit_model.sample(model, ["a red circle moving right"], frames=8, height=32, width=32)
    # videos: (N, C, T, H, W) float32 in [-1, 1]

As a script (writes noise and samples like `vdit sample --tensors`):

    python3 vdit_model.py model.safetensors --caption "a red circle moving right" --out s.safetensors
"""

import argparse
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

# The metadata layout of `vdit ckpt export` this file reads (cli/ckpt_command.cpp).
FORMAT_VERSION = "1"
TIMESTEP_FREQUENCY_DIM = 256  # TimestepEmbedder's sinusoid width (condition_embedders.h)


# ---- safetensors, read and written with the standard library and torch ----------------------


def read_safetensors(path):
    """-> ({name: float32 tensor}, {metadata key: string}). Only F32 tensors (what vdit writes)."""
    if sys.byteorder != "little":
        raise RuntimeError("this reader assumes a little-endian machine (safetensors data is)")
    with open(path, "rb") as file:
        data = file.read()
    if len(data) < 8:
        raise ValueError(f"{path}: {len(data)} bytes, too short for a safetensors file")
    (header_size,) = struct.unpack("<Q", data[:8])
    if 8 + header_size > len(data):
        raise ValueError(f"{path}: header of {header_size} bytes runs past the file's end")
    header = json.loads(data[8 : 8 + header_size])
    metadata = header.pop("__metadata__", {})
    body = data[8 + header_size :]
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        shape = entry["shape"]
        if end - begin != 4 * math.prod(shape) or end > len(body):
            raise ValueError(f"{path}: tensor {name} has offsets {begin}..{end} for shape {shape}")
        values = bytearray(body[begin:end])
        flat = torch.frombuffer(values, dtype=torch.float32) if values else torch.empty(0)
        tensors[name] = flat.reshape(shape)
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Writes {name: tensor} as float32 safetensors with string metadata."""
    header = {"__metadata__": {key: str(value) for key, value in metadata.items()}}
    chunks, offset = [], 0
    for name, tensor in tensors.items():
        raw = tensor.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


# ---- fixed embeddings (position_embedding.cpp) -----------------------------------------------


def sincos_1d(positions, dim):
    """(M,) positions -> (M, dim) [sin(p w), cos(p w)], w_i = 10000^(-2i/dim), in float64."""
    omega = torch.pow(10000.0, -torch.arange(dim // 2, dtype=torch.float64) / (dim / 2.0))
    angles = positions.to(torch.float64).unsqueeze(1) * omega.unsqueeze(0)  # (M, dim/2)
    return torch.cat([torch.sin(angles), torch.cos(angles)], 1)


def sincos_3d(grid, dim, begin, count):
    """(count, dim) embedding of tokens [begin, begin + count) of a (T', H', W') grid, (t, h, w)
    order: h and w get 2*floor(dim/6) columns each, t the rest."""
    _, height, width = grid
    spatial_dim = 2 * (dim // 6)
    temporal_dim = dim - 2 * spatial_dim
    index = torch.arange(begin, begin + count, dtype=torch.int64)
    w = index.remainder(width)
    h = index.div(width, rounding_mode="floor").remainder(height)
    t = index.div(width * height, rounding_mode="floor")
    return torch.cat(
        [sincos_1d(t, temporal_dim), sincos_1d(h, spatial_dim), sincos_1d(w, spatial_dim)], 1
    ).to(torch.float32)


def timestep_sinusoid(timesteps, dim):
    """(N,) -> (N, dim) [cos(t f), sin(t f)], f = exp(-ln(10000) i / (dim/2)), float32."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = timesteps.to(torch.float32).unsqueeze(1) * freqs.unsqueeze(0)  # (N, half)
    embedding = torch.cat([torch.cos(args), torch.sin(args)], 1)
    if dim % 2 == 1:
        embedding = torch.cat([embedding, torch.zeros_like(embedding[:, :1])], 1)
    return embedding


# ---- patches (patchify.cpp) ------------------------------------------------------------------


def patchify(video, patch_frames, patch_size):
    """(N, C, T, H, W) -> (N, T'H'W', pt*p*p*C): tokens in (t, h, w) order, values (dt, dy, dx, c)."""
    n, c, t, h, w = video.shape
    pt, p = patch_frames, patch_size
    if t % pt or h % p or w % p:
        raise ValueError(f"video of {t}x{h}x{w} does not divide into {pt}x{p}x{p} patches")
    return (video.reshape(n, c, t // pt, pt, h // p, p, w // p, p)
            .permute(0, 2, 4, 6, 3, 5, 7, 1)
            .reshape(n, (t // pt) * (h // p) * (w // p), pt * p * p * c))


def unpatchify(tokens, grid, patch_frames, patch_size, channels):
    """(N, T'H'W', pt*p*p*C) -> (N, C, T, H, W), the inverse of patchify."""
    gt, gh, gw = grid
    pt, p = patch_frames, patch_size
    return (tokens.reshape(tokens.shape[0], gt, gh, gw, pt, p, p, channels)
            .permute(0, 7, 1, 4, 2, 5, 3, 6)
            .reshape(tokens.shape[0], channels, gt * pt, gh * p, gw * p))


# ---- layers (attention.cpp, mlp.cpp, dit_block.cpp, final_layer.cpp) -------------------------


def attention(q, k, v):
    """softmax(q k^T / sqrt(d)) v: q (N, H, Lq, d), k and v (N, H, Lk, d) -> (N, H, Lq, d)."""
    scale = 1.0 / math.sqrt(q.shape[-1])
    weights = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * scale, -1)
    return torch.matmul(weights, v)


def split_heads(x, num_heads):  # (N, L, H*d) -> (N, H, L, d)
    return x.reshape(x.shape[0], x.shape[1], num_heads, -1).transpose(1, 2)


def merge_heads(x):  # (N, H, L, d) -> (N, L, H*d)
    return x.transpose(1, 2).reshape(x.shape[0], x.shape[2], -1)


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class SelfAttention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim)  # [q | k | v], heads contiguous in each
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):  # (N, L, D) -> (N, L, D)
        n, tokens = x.shape[0], x.shape[1]
        heads = self.qkv(x).reshape(n, tokens, 3, self.num_heads, -1)  # (N, L, 3, H, d)
        q, k, v = (heads.select(2, i).transpose(1, 2) for i in range(3))  # (N, H, L, d)
        out = attention(q, k, v).transpose(1, 2)  # (N, L, H, d)
        return self.proj(out.reshape(n, tokens, -1))


class CrossAttention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)  # [k | v]
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, caption):  # x (N, L, D) attends to caption (N, Lc, D)
        k, v = self.kv(caption).chunk(2, -1)
        out = attention(split_heads(self.q(x), self.num_heads), split_heads(k, self.num_heads),
                        split_heads(v, self.num_heads))  # (N, H, L, d)
        return self.proj(merge_heads(out))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class DiTBlock(nn.Module):
    """adaLN-Zero self-attention, cross-attention to the caption tokens, adaLN-Zero MLP."""

    def __init__(self, dim, num_heads, mlp_hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.attn = SelfAttention(dim, num_heads)
        self.norm_cross = nn.LayerNorm(dim, eps=1e-6)
        self.cross_attn = CrossAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.mlp = Mlp(dim, mlp_hidden)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))

    def forward(self, x, c, context):  # x (N, L, D), c (N, D), context (N, Lc, D)
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = (
            self.adaLN_modulation(c).chunk(6, 1))
        h = x + gate_msa.unsqueeze(1) * self.attn(modulate(self.norm1(x), shift_msa, scale_msa))
        h = h + self.cross_attn(self.norm_cross(h), context)
        return h + gate_mlp.unsqueeze(1) * self.mlp(modulate(self.norm2(h), shift_mlp, scale_mlp))


class FinalLayer(nn.Module):
    def __init__(self, dim, token_dim):
        super().__init__()
        self.norm_final = nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6)
        self.linear = nn.Linear(dim, token_dim)
        self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(dim, 2 * dim))

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(c).chunk(2, 1)
        return self.linear(modulate(self.norm_final(x), shift, scale))


# ---- condition (condition_embedders.cpp) -----------------------------------------------------


class TimestepEmbedder(nn.Module):
    def __init__(self, dim, frequency_dim=TIMESTEP_FREQUENCY_DIM):
        super().__init__()
        self.frequency_dim = frequency_dim
        self.fc1 = nn.Linear(frequency_dim, dim)
        self.fc2 = nn.Linear(dim, dim)

    def forward(self, timesteps):  # (N,) int64 -> (N, D)
        return self.fc2(F.silu(self.fc1(timestep_sinusoid(timesteps, self.frequency_dim))))


class TextLayer(nn.Module):
    """One pre-LayerNorm transformer layer of the built-in text encoder."""

    def __init__(self, dim, num_heads, mlp_hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, mlp_hidden)

    def forward(self, x):
        h = x + self.attn(self.norm1(x))
        return h + self.mlp(self.norm2(h))


class CaptionEncoder(nn.Module):
    """Caption -> condition tokens (N, Lc, D): byte ids through a small text encoder, or
    precomputed embeddings through a projection. A dropped caption (classifier-free guidance) is
    all padding ids, or the learned null embedding sequence."""

    def __init__(self, dim, num_heads, mlp_hidden, length, vocab, embed_dim, depth):
        super().__init__()
        self.embed_dim = embed_dim
        if embed_dim > 0:
            self.projection = nn.Linear(embed_dim, dim)
            self.null_embedding = nn.Parameter(torch.zeros(length, embed_dim))
        else:
            self.token_embedding = nn.Embedding(vocab, dim)
            self.position_embedding = nn.Parameter(torch.zeros(length, dim))
            self.layers = nn.ModuleList(TextLayer(dim, num_heads, mlp_hidden) for _ in range(depth))
        self.final_norm = nn.LayerNorm(dim)

    def forward(self, caption, drop=None):
        if self.embed_dim > 0:
            embeddings = caption.to(torch.float32)  # (N, Lc, E)
            if drop is not None:
                embeddings = torch.where(drop.view(-1, 1, 1),
                                         self.null_embedding.unsqueeze(0).expand_as(embeddings),
                                         embeddings)
            return self.final_norm(self.projection(embeddings))
        ids = caption  # (N, Lc)
        if drop is not None:
            ids = torch.where(drop.view(-1, 1), torch.zeros_like(ids), ids)
        x = self.token_embedding(ids) + self.position_embedding.unsqueeze(0)
        for layer in self.layers:
            x = layer(x)
        return self.final_norm(x)


def encode_caption(text, length):
    """Byte-level caption ids (data/caption_tokenizer.cpp): id = byte + 1, 0 = padding; a caption
    longer than `length` bytes is cut at the last UTF-8 character boundary that fits."""
    data = text.encode("utf-8")
    kept = len(data)
    if kept > length:
        def continues(at):
            return (data[at] & 0xC0) == 0x80
        kept = length
        while kept > 0 and length - kept < 3 and continues(kept):
            kept -= 1
        if continues(kept):
            kept = length
    return [byte + 1 for byte in data[:kept]] + [0] * (length - kept)


# ---- the model (video_dit.cpp) ---------------------------------------------------------------


class VideoDiT(nn.Module):
    """Patch tokens (N, L, pt*p*p*C) at timesteps (N,) with captions -> predicted noise (or v),
    (N, L, pt*p*p*C). `config` is the exported "model" metadata (vdit's resolved [model])."""

    def __init__(self, config):
        super().__init__()
        self.config = dict(config)
        dim = config["hidden_size"]
        self.patch_frames, self.patch_size = config["patch_frames"], config["patch_size"]
        self.channels = config["channels"]
        self.token_dim = self.patch_frames * self.patch_size ** 2 * self.channels
        mlp_hidden = int(dim * config["mlp_ratio"])
        embed_dim = config["caption_embed_dim"] if config["condition"] == "embeddings" else 0
        self.x_embedder = nn.Linear(self.token_dim, dim)
        self.t_embedder = TimestepEmbedder(dim)
        self.caption_encoder = CaptionEncoder(dim, config["num_heads"], mlp_hidden,
                                              config["caption_length"], config["caption_vocab"],
                                              embed_dim, config["text_encoder_depth"])
        self.caption_pool = nn.Linear(dim, dim)
        self.blocks = nn.ModuleList(DiTBlock(dim, config["num_heads"], mlp_hidden)
                                    for _ in range(config["depth"]))
        self.final_layer = FinalLayer(dim, self.token_dim)

    def forward(self, tokens, timesteps, caption, grid, drop=None):
        """tokens (N, L, token_dim) of a (T', H', W') grid; timesteps (N,) int64; caption (N, Lc)
        int64 ids or (N, Lc, E) embeddings; drop (N,) bool: use the null caption."""
        dim = self.config["hidden_size"]
        positions = sincos_3d(grid, dim, 0, tokens.shape[1]).to(tokens.device)  # (L, D)
        x = self.x_embedder(tokens) + positions.unsqueeze(0)  # (N, L, D)
        context = self.caption_encoder(caption, drop)  # (N, Lc, D)
        c = self.t_embedder(timesteps) + self.caption_pool(context.mean(1))  # (N, D)
        for block in self.blocks:
            x = block(x, c, context)
        return self.final_layer(x, c)  # (N, L, token_dim)


def load(path):
    """The model of a `vdit ckpt export` file, weights loaded (strict), in eval mode. Its
    .diffusion holds the exported [diffusion] section, .metadata the whole metadata."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("format") != "vdit" or metadata.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path}: metadata format {metadata.get('format')!r} version "
            f"{metadata.get('format_version')!r}, expected 'vdit' version {FORMAT_VERSION!r} "
            "(written by `vdit ckpt export`)")
    model = VideoDiT(json.loads(metadata["model"]))
    model.load_state_dict(tensors, strict=True)
    model.diffusion = json.loads(metadata["diffusion"])
    model.metadata = metadata
    return model.eval()


# ---- diffusion (noise_schedule.cpp, gaussian_diffusion.cpp, sampler.cpp) ---------------------


def alphas_cumprod(diffusion):
    """(T,) float64 alpha_bar_t = prod_{i<=t} (1 - beta_i), linear or cosine betas."""
    timesteps = diffusion["timesteps"]
    if diffusion["schedule"] == "cosine":
        s = 0.008

        def alpha_bar(t):
            return math.pow(math.cos((t / timesteps + s) / (1 + s) * math.pi / 2), 2)

        betas = torch.tensor([min(1 - alpha_bar(t + 1) / alpha_bar(t), 0.999)
                              for t in range(timesteps)], dtype=torch.float64)
    elif diffusion["schedule"] == "linear":
        betas = torch.linspace(diffusion["beta_start"], diffusion["beta_end"], timesteps,
                               dtype=torch.float64)
    else:
        raise ValueError(f"diffusion.schedule {diffusion['schedule']!r}: expected linear or cosine")
    return torch.cumprod(1.0 - betas, 0)


def predict_x0(x_t, output, alpha_bar, prediction):
    """The clean sample implied by a model output (epsilon or v); alpha_bar (N,) float32."""
    ab = alpha_bar.view(-1, *([1] * (x_t.dim() - 1)))
    if prediction == "epsilon":
        return (x_t - (1 - ab).sqrt() * output) / ab.sqrt()
    if prediction == "v":
        return ab.sqrt() * x_t - (1 - ab).sqrt() * output
    raise ValueError(f"diffusion.prediction {prediction!r}: expected epsilon or v")


def initial_noise(shape, seed):
    """The noise `vdit sample --seed SEED` starts from, in token layout (N, L, token_dim): the
    first draw of torch's CPU generator seeded with `seed` (the same numbers as LibTorch's when
    both are the same torch version, e.g. Debian's python3-torch and libtorch)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator, dtype=torch.float32)


@torch.no_grad()
def ddim_tokens(model, caption, grid, noise, steps, guidance_scale, clip_x0=True):
    """DDIM (eta = 0) from noise tokens (N, L, token_dim) to clean tokens, with classifier-free
    guidance (eps = eps_null + s (eps_caption - eps_null); s = 1 runs one pass)."""
    diffusion = model.diffusion
    table = alphas_cumprod(diffusion)
    total = table.shape[0]
    count = min(steps, total)
    visited = torch.linspace(total - 1, 0, count, dtype=torch.float64).round().to(torch.int64)
    n = noise.shape[0]
    x = noise.clone()
    for i in range(count):
        t = int(visited[i])
        t_prev = int(visited[i + 1]) if i + 1 < count else -1
        ab = table[t].item()
        ab_prev = table[t_prev].item() if t_prev >= 0 else 1.0
        if guidance_scale == 1.0:
            output = model(x, torch.full((n,), t, dtype=torch.int64), caption, grid)
        else:
            drop = torch.cat([torch.zeros(n, dtype=torch.bool), torch.ones(n, dtype=torch.bool)])
            both = model(torch.cat([x, x], 0), torch.full((2 * n,), t, dtype=torch.int64),
                         torch.cat([caption, caption], 0), grid, drop)
            conditional, null = both.chunk(2, 0)
            output = null + guidance_scale * (conditional - null)
        x0 = predict_x0(x, output, torch.full((n,), ab, dtype=torch.float32),
                        diffusion["prediction"])
        if clip_x0:
            x0 = x0.clamp(-1, 1)
        eps = (x - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
        x = math.sqrt(ab_prev) * x0 + math.sqrt(1 - ab_prev) * eps
    return x


def patch_grid(model, frames, height, width):
    """The (T', H', W') token grid of a frames x height x width video."""
    pt, p = model.patch_frames, model.patch_size
    if frames % pt or height % p or width % p:
        raise ValueError(f"{frames}x{height}x{width} does not divide into {pt}x{p}x{p} patches")
    return (frames // pt, height // p, width // p)


def video_noise(model, count, frames, height, width, seed):
    """initial_noise(seed) for `count` videos, as videos (N, C, T, H, W): the noise `vdit sample
    --seed SEED` starts from (and writes with --tensors)."""
    grid = patch_grid(model, frames, height, width)
    tokens = initial_noise((count, grid[0] * grid[1] * grid[2], model.token_dim), seed)
    return unpatchify(tokens, grid, model.patch_frames, model.patch_size, model.channels)


def sample(model, captions, frames, height, width, steps=None, guidance_scale=None, seed=0,
           noise=None):
    """Videos (N, C, T, H, W) in [-1, 1] for a list of caption strings (ids models) or a caption
    embedding tensor (N, Lc, E), as `vdit sample --sampler ddim` makes them: steps and guidance
    default to the exported diffusion.sample_steps and guidance_scale, the noise to
    video_noise(seed); `noise` (N, C, T, H, W) replaces it."""
    if isinstance(captions, torch.Tensor):
        caption = captions
    elif model.config["condition"] == "embeddings":
        raise ValueError("this model was trained on caption embeddings (model.condition = "
                         "\"embeddings\"): pass them as a tensor (N, Lc, E), not strings")
    else:
        length = model.config["caption_length"]
        caption = torch.tensor([encode_caption(text, length) for text in captions],
                               dtype=torch.int64)
    grid = patch_grid(model, frames, height, width)
    if noise is None:
        noise = video_noise(model, caption.shape[0], frames, height, width, seed)
    tokens = patchify(noise.to(torch.float32), model.patch_frames, model.patch_size)
    steps = model.diffusion["sample_steps"] if steps is None else steps
    if guidance_scale is None:
        guidance_scale = model.diffusion["guidance_scale"]
    out = ddim_tokens(model, caption, grid, tokens, steps, guidance_scale)
    return unpatchify(out, grid, model.patch_frames, model.patch_size, model.channels)


def main():
    parser = argparse.ArgumentParser(description="Sample videos from a `vdit ckpt export` file "
                                     "with DDIM, as `vdit sample --sampler ddim` does.")
    parser.add_argument("model", help="the .safetensors file `vdit ckpt export` wrote")
    parser.add_argument("--caption", action="append", required=True, help="repeatable")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--size", default="32x32", help="HxW")
    parser.add_argument("--steps", type=int, help="default: the exported diffusion.sample_steps")
    parser.add_argument("--guidance", type=float, help="default: diffusion.guidance_scale")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="safetensors file: noise and samples")
    args = parser.parse_args()
    height, width = (int(part) for part in args.size.split("x"))
    model = load(args.model)
    steps = args.steps if args.steps is not None else model.diffusion["sample_steps"]
    guidance = args.guidance if args.guidance is not None else model.diffusion["guidance_scale"]
    noise = video_noise(model, len(args.caption), args.frames, height, width, args.seed)
    videos = sample(model, args.caption, args.frames, height, width, steps, guidance, noise=noise)
    write_safetensors(args.out, {"noise": noise, "samples": videos},
                      {"format": "vdit-samples", "captions": json.dumps(args.caption),
                       "seed": args.seed, "method": "ddim", "steps": steps,
                       "guidance_scale": json.dumps(guidance)})
    print(f"wrote {args.out}: samples {list(videos.shape)}")


if __name__ == "__main__":
    main()
