// Winograd convolution F(2×2, 3×3) for 3×3, stride-1 convolutions (winograd.cc).
#pragma once

#include "common.h"

namespace neurite {

// Whether this build and CPU run the Winograd kernels for g: 3×3, stride 1, no dilation, one group, padding 0–2
// on the top and left, 16 or more channels on each side (at most 256 × 256), maps from 4 × 4 (winograd.cc says
// where these bounds were measured).
bool winograd_fits(const ConvGeom& g);

// Whether winograd_filter_grad takes g: as winograd_fits, with at least one image per thread (the products are
// summed over images, one partial sum per thread).
bool winograd_filter_fits(const ConvGeom& g);

// out = conv(x, w) for g, or with `flip` the input gradient given transposed(g) as in conv.cc: w is then
// [g.in_c][g.out_c][3][3], read with its channel axes swapped and its taps reversed.
void winograd_conv(const float* x, const float* w, const ConvGeom& g, bool flip, float* out);

// dw = the filter gradient of conv(x, w) for g, given dy.
void winograd_filter_grad(const float* x, const float* dy, const ConvGeom& g, float* dw);

}  // namespace neurite
