// Winograd convolution F(2×2, 3×3) for 3×3, stride-1 convolutions (winograd.cc).
#pragma once

#include <string>
#include <vector>

#include "common.h"

namespace neurite {

// Whether this build and CPU run the Winograd kernels for g: 3×3, stride 1, no dilation, one group, padding 0–2
// on the top and left, 16 or more channels on each side (at most 256 × 256), maps from 4 × 4, and channel counts
// that fill the copy's channel grid well enough (winograd.cc says where these bounds were measured).
bool winograd_fits(const ConvGeom& g);

// Whether winograd_filter_grad takes g: as winograd_fits, with at least one image per thread (the products are
// summed over images, one partial sum per thread).
bool winograd_filter_fits(const ConvGeom& g);

// out = conv(x, w) for g, or with `flip` the input gradient given transposed(g) as in conv.cc: w is then
// [g.in_c][g.out_c][3][3], read with its channel axes swapped and its taps reversed.
void winograd_conv(const float* x, const float* w, const ConvGeom& g, bool flip, float* out);

// dw = the filter gradient of conv(x, w) for g, given dy.
void winograd_filter_grad(const float* x, const float* dy, const ConvGeom& g, float* dw);

// The copies of the kernels this build and CPU can run, by name: "auto" (the default: per layer, the widest copy
// whose channel grid the layer fills), "off" (no layer runs Winograd), then "avx2", "avx512-emulated" (the AVX-512
// copy's arithmetic on AVX2, for tests) and, where the CPU has AVX-512, "avx512" on x86-64; "simd128" in
// WebAssembly.
std::vector<std::string> winograd_copies();

// Makes every layer within the shape bounds run the copy `name` (one of winograd_copies(), whatever the channel
// fill), or restores "auto" or "off"; false for a name this build or CPU does not have. For tests and
// comparisons: not thread-safe against convolutions running at the same time.
bool winograd_select(const std::string& name);

// The widest copy "auto" runs on this CPU ("avx512", "avx2", "simd128" or "none"). NEURITE_AVX512=0 in the
// environment keeps x86-64 hosts with AVX-512 on the AVX2 copy.
const char* winograd_default();

}  // namespace neurite
