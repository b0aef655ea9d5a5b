// Anchor translation unit for the shared LibTorch precompiled header.
#include "core/torch_pch.h"
