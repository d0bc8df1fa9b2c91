// The Node-API glue: each exported function reads typed arrays (by pointer, no copy) and plain numbers, and
// calls a kernel. Argument errors can only come from a bug in src/backend/native/index.ts, so they surface
// as a TypeError naming the function and the argument.
#include <node_api.h>
#include <v8.h>

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "arena.h"
#include "gemm.h"
#include "kernels.h"
#include "threads.h"
#include "winograd.h"

namespace neurite {
namespace {

struct ArgError {
  std::string message;
};

class Args {
 public:
  static constexpr size_t kMax = 16;

  Args(napi_env env, napi_callback_info info) : env_(env) {
    void* data = nullptr;
    napi_get_cb_info(env, info, &argc_, argv_, nullptr, &data);
    if (argc_ > kMax) argc_ = kMax;
    name_ = static_cast<const char*>(data);
  }

  Array array(size_t i) const {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (i >= argc_ || napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, nullptr, nullptr) != napi_ok) {
      fail(i, "a typed array");
    }
    DType dt;
    switch (type) {
      case napi_float32_array:
        dt = DType::F32;
        break;
      case napi_int32_array:
        dt = DType::I32;
        break;
      case napi_uint8_array:
        dt = DType::U8;
        break;
      default:
        fail(i, "a Float32Array, Int32Array or Uint8Array");
    }
    return {data, static_cast<int64_t>(length), dt};
  }

  Array typed(size_t i, DType want) const {
    Array a = array(i);
    if (a.type != want) fail(i, want == DType::F32 ? "a Float32Array" : want == DType::I32 ? "an Int32Array" : "a Uint8Array");
    return a;
  }

  float* f32(size_t i) const { return typed(i, DType::F32).as<float>(); }
  int32_t* i32(size_t i) const { return typed(i, DType::I32).as<int32_t>(); }

  // A Float64Array: geometry that holds non-integers (GemmGeom).
  const double* f64(size_t i) const {
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (i >= argc_ || napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != napi_float64_array) {
      fail(i, "a Float64Array");
    }
    return static_cast<const double*>(data);
  }

  // An Int32Array of shapes or geometry, or null when the kernel needs none.
  const int32_t* meta(size_t i) const {
    napi_valuetype t = napi_undefined;
    if (i < argc_) napi_typeof(env_, argv_[i], &t);
    if (t == napi_null || t == napi_undefined) return nullptr;
    return i32(i);
  }

  // A Float32Array, or null for an optional operand (an input, or an output the caller may not want).
  float* f32_or_null(size_t i) const {
    napi_valuetype t = napi_undefined;
    if (i < argc_) napi_typeof(env_, argv_[i], &t);
    if (t == napi_null || t == napi_undefined) return nullptr;
    return f32(i);
  }

  // A JavaScript array of Float32Arrays of `len` floats each (null entries allowed when `nullable`), as pointers.
  std::vector<float*> f32_list(size_t i, int64_t len, bool nullable) const {
    bool is_array = false;
    uint32_t count = 0;
    if (i >= argc_ || napi_is_array(env_, argv_[i], &is_array) != napi_ok || !is_array ||
        napi_get_array_length(env_, argv_[i], &count) != napi_ok) {
      fail(i, "an array of Float32Arrays");
    }
    std::vector<float*> out(count, nullptr);
    for (uint32_t e = 0; e < count; e++) {
      napi_value v;
      napi_valuetype t = napi_undefined;
      if (napi_get_element(env_, argv_[i], e, &v) != napi_ok) fail(i, "an array of Float32Arrays");
      napi_typeof(env_, v, &t);
      if (t == napi_null && nullable) continue;
      napi_typedarray_type type;
      size_t length = 0;
      void* data = nullptr;
      if (napi_get_typedarray_info(env_, v, &type, &length, &data, nullptr, nullptr) != napi_ok ||
          type != napi_float32_array || static_cast<int64_t>(length) != len) {
        fail(i, nullable ? "an array of Float32Arrays (or nulls) of the output's length"
                         : "an array of Float32Arrays of the output's length");
      }
      out[e] = static_cast<float*>(data);
    }
    return out;
  }

  int64_t integer(size_t i) const {
    int64_t v = 0;
    if (i >= argc_ || napi_get_value_int64(env_, argv_[i], &v) != napi_ok) fail(i, "an integer");
    return v;
  }

  double number(size_t i) const {
    double v = 0;
    if (i >= argc_ || napi_get_value_double(env_, argv_[i], &v) != napi_ok) fail(i, "a number");
    return v;
  }

  std::string string(size_t i) const {
    size_t len = 0;
    if (i >= argc_ || napi_get_value_string_utf8(env_, argv_[i], nullptr, 0, &len) != napi_ok) fail(i, "a string");
    std::string v(len, '\0');
    napi_get_value_string_utf8(env_, argv_[i], v.data(), len + 1, &len);
    return v;
  }

  bool flag(size_t i) const {
    bool v = false;
    if (i >= argc_ || napi_get_value_bool(env_, argv_[i], &v) != napi_ok) fail(i, "a boolean");
    return v;
  }

 private:
  [[noreturn]] void fail(size_t i, const char* what) const {
    throw ArgError{std::string("neurite native ") + name_ + ": argument " + std::to_string(i) + " must be " + what};
  }

  napi_env env_;
  size_t argc_ = kMax;
  napi_value argv_[kMax];
  const char* name_ = "";
};

using Body = napi_value (*)(napi_env, const Args&);

template <Body F>
napi_value entry(napi_env env, napi_callback_info info) {
  try {
    Args args(env, info);
    return F(env, args);
  } catch (const ArgError& e) {
    napi_throw_type_error(env, nullptr, e.message.c_str());
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "neurite native: out of memory");
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("neurite native: ") + e.what()).c_str());
  }
  return nullptr;
}

napi_value js_binary(napi_env, const Args& a) {
  binary(static_cast<int>(a.integer(0)), a.array(1), a.array(2), a.array(3), a.meta(4));
  return nullptr;
}

napi_value js_unary(napi_env, const Args& a) {
  const Array x = a.typed(1, DType::F32);
  unary(static_cast<int>(a.integer(0)), x.as<float>(), a.f32(2), x.len, a.number(3));
  return nullptr;
}

napi_value js_unary_grad(napi_env, const Args& a) {
  const Array x = a.typed(1, DType::F32);
  unary_grad(static_cast<int>(a.integer(0)), x.as<float>(), a.f32(2), a.f32(3), a.f32(4), x.len, a.number(5));
  return nullptr;
}

napi_value js_weighted_sum(napi_env, const Args& a) {
  const Array out = a.typed(2, DType::F32);
  const std::vector<float*> xs = a.f32_list(0, out.len, false);
  const Array w = a.typed(1, DType::F32);
  if (xs.empty() || w.len != static_cast<int64_t>(xs.size())) {
    throw ArgError{"neurite native weightedSum: expected one weight per array, at least one array"};
  }
  weighted_sum(xs.data(), static_cast<int64_t>(xs.size()), w.as<float>(), out.as<float>(), out.len, a.flag(3));
  return nullptr;
}

napi_value js_weighted_sum_backward(napi_env, const Args& a) {
  const Array dy = a.typed(2, DType::F32);
  const std::vector<float*> xs = a.f32_list(0, dy.len, false);
  const Array w = a.typed(1, DType::F32);
  const std::vector<float*> dxs = a.f32_list(4, dy.len, true);
  float* dw = a.f32_or_null(5);
  if (w.len != static_cast<int64_t>(xs.size()) || dxs.size() != xs.size()) {
    throw ArgError{"neurite native weightedSumBackward: expected one weight and one gradient slot per array"};
  }
  weighted_sum_backward(xs.data(), static_cast<int64_t>(xs.size()), w.as<float>(), dy.as<float>(), a.f32_or_null(3),
                        dxs.data(), dw, dy.len);
  return nullptr;
}

napi_value js_clamp(napi_env, const Args& a) {
  const Array x = a.typed(0, DType::F32);
  clamp(x.as<float>(), x.len, a.number(1), a.number(2), a.f32(3));
  return nullptr;
}

napi_value js_where(napi_env, const Args& a) {
  where(a.array(0), a.array(1), a.array(2), a.array(3), a.meta(4));
  return nullptr;
}

napi_value js_cast(napi_env, const Args& a) {
  cast(a.array(0), a.array(1));
  return nullptr;
}

napi_value js_reduce(napi_env, const Args& a) {
  reduce(static_cast<int>(a.integer(0)), a.array(1), a.integer(2), a.integer(3), a.integer(4), a.array(5));
  return nullptr;
}

napi_value js_arg_reduce(napi_env, const Args& a) {
  arg_reduce(a.flag(0), a.array(1), a.integer(2), a.integer(3), a.integer(4), a.i32(5));
  return nullptr;
}

napi_value js_gemm(napi_env, const Args& a) {
  gemm(a.f32(0), a.f32(1), GemmGeom::from(a.f64(2)), a.f32(3));
  return nullptr;
}

napi_value js_transpose(napi_env, const Args& a) {
  transpose(a.array(0), a.i32(1), a.array(2));
  return nullptr;
}

napi_value js_slice(napi_env, const Args& a) {
  slice(a.array(0), a.i32(1), a.array(2));
  return nullptr;
}

napi_value js_insert(napi_env, const Args& a) {
  insert(a.array(0), a.array(1), a.i32(2), a.flag(3));
  return nullptr;
}

napi_value js_index_select(napi_env, const Args& a) {
  const Array idx = a.typed(4, DType::I32);
  index_select(a.array(0), a.integer(1), a.integer(2), a.integer(3), idx.as<int32_t>(), idx.len, a.array(5));
  return nullptr;
}

napi_value js_index_add(napi_env, const Args& a) {
  const Array idx = a.typed(4, DType::I32);
  index_add(a.f32(0), a.integer(1), a.integer(2), a.integer(3), idx.as<int32_t>(), idx.len, a.f32(5));
  return nullptr;
}

napi_value js_gather(napi_env, const Args& a) {
  gather(a.array(0), a.integer(1), a.integer(2), a.integer(3), a.i32(4), a.integer(5), a.array(6));
  return nullptr;
}

napi_value js_scatter_add(napi_env, const Args& a) {
  scatter_add(a.f32(0), a.integer(1), a.integer(2), a.integer(3), a.i32(4), a.integer(5), a.f32(6));
  return nullptr;
}

napi_value js_softmax(napi_env, const Args& a) {
  softmax(a.f32(0), a.integer(1), a.integer(2), a.flag(3), a.f32(4));
  return nullptr;
}

napi_value js_softmax_grad(napi_env, const Args& a) {
  softmax_grad(a.f32(0), a.f32(1), a.integer(2), a.integer(3), a.flag(4), a.f32(5));
  return nullptr;
}

napi_value js_lstm_cell(napi_env, const Args& a) {
  lstm_cell(a.f32(0), a.f32(1), a.integer(2), a.integer(3), a.f32(4), a.f32(5), a.f32(6));
  return nullptr;
}

napi_value js_lstm_cell_backward(napi_env, const Args& a) {
  lstm_cell_backward(a.f32(0), a.f32(1), a.f32(2), a.f32(3), a.f32(4), a.integer(5), a.integer(6), a.f32(7),
                     a.f32(8));
  return nullptr;
}

napi_value js_gru_cell(napi_env, const Args& a) {
  gru_cell(a.f32(0), a.f32(1), a.f32(2), a.integer(3), a.integer(4), a.f32(5), a.f32(6));
  return nullptr;
}

napi_value js_gru_cell_backward(napi_env, const Args& a) {
  gru_cell_backward(a.f32(0), a.f32(1), a.f32(2), a.f32(3), a.integer(4), a.integer(5), a.f32(6), a.f32(7),
                    a.f32(8));
  return nullptr;
}

napi_value js_softmax_cross_entropy(napi_env, const Args& a) {
  softmax_cross_entropy(a.f32(0), a.integer(1), a.integer(2), a.i32(3), a.integer(4), a.f32(5), a.f32(6));
  return nullptr;
}

napi_value js_softmax_cross_entropy_backward(napi_env, const Args& a) {
  softmax_cross_entropy_backward(a.f32(0), a.integer(1), a.integer(2), a.i32(3), a.f32(4), a.f32(5));
  return nullptr;
}

napi_value js_adam_step(napi_env, const Args& a) {
  const Array p = a.typed(0, DType::F32);
  const AdamHyper h{a.number(5), a.number(6), a.number(7), a.number(8), a.number(9), a.number(10), a.number(11),
                    a.number(12)};
  adam_step(p.as<float>(), a.f32(1), a.f32(2), a.f32(3), a.f32_or_null(4), p.len, h);
  return nullptr;
}

napi_value js_sgd_step(napi_env, const Args& a) {
  const Array p = a.typed(0, DType::F32);
  const SgdHyper h{a.number(3), a.number(4), a.number(5), a.number(6), a.number(7), a.number(8)};
  sgd_step(p.as<float>(), a.f32(1), a.f32_or_null(2), p.len, h);
  return nullptr;
}

napi_value js_rmsprop_step(napi_env, const Args& a) {
  const Array p = a.typed(0, DType::F32);
  const RmspropHyper h{a.number(5), a.number(6), a.number(7), a.number(8), a.number(9), a.number(10)};
  rmsprop_step(p.as<float>(), a.f32(1), a.f32(2), a.f32_or_null(3),
               a.f32_or_null(4), p.len, h);
  return nullptr;
}

napi_value js_adagrad_step(napi_env, const Args& a) {
  const Array p = a.typed(0, DType::F32);
  const AdagradHyper h{a.number(3), a.number(4), a.number(5), a.number(6)};
  adagrad_step(p.as<float>(), a.f32(1), a.f32(2), p.len, h);
  return nullptr;
}

napi_value js_batch_norm_stats(napi_env, const Args& a) {
  batch_norm_stats(a.f32(0), a.integer(1), a.integer(2), a.integer(3), a.f32(4), a.f32(5));
  return nullptr;
}

napi_value js_batch_norm(napi_env, const Args& a) {
  batch_norm(a.f32(0), a.integer(1), a.integer(2), a.integer(3), a.f32(4), a.f32(5), a.f32_or_null(6),
             a.f32_or_null(7), a.f32(8), a.flag(9));
  return nullptr;
}

napi_value js_batch_norm_backward(napi_env, const Args& a) {
  batch_norm_backward(a.f32(0), a.f32(1), a.f32(2), a.f32(3), a.f32_or_null(4), BatchNormGeom::from(a.i32(5)),
                      a.f32(6), a.f32(7), a.f32(8), a.f32_or_null(9));
  return nullptr;
}

napi_value js_conv2d(napi_env, const Args& a) {
  conv2d(a.f32(0), a.f32(1), ConvGeom::from(a.i32(2)), a.f32(3), a.f32_or_null(4));
  return nullptr;
}

napi_value js_conv2d_backprop_input(napi_env, const Args& a) {
  conv2d_backprop_input(a.f32(0), a.f32(1), ConvGeom::from(a.i32(2)), a.f32(3));
  return nullptr;
}

napi_value js_conv2d_backprop_filter(napi_env, const Args& a) {
  conv2d_backprop_filter(a.f32(0), a.f32(1), ConvGeom::from(a.i32(2)), a.f32(3), a.f32_or_null(4));
  return nullptr;
}

napi_value js_max_pool2d(napi_env, const Args& a) {
  max_pool2d(a.f32(0), PoolGeom::from(a.i32(1)), a.f32(2), a.i32(3));
  return nullptr;
}

napi_value js_max_pool2d_backward(napi_env, const Args& a) {
  max_pool2d_backward(a.f32(0), a.i32(1), PoolGeom::from(a.i32(2)), a.f32(3));
  return nullptr;
}

napi_value js_avg_pool2d(napi_env, const Args& a) {
  avg_pool2d(a.f32(0), PoolGeom::from(a.i32(1)), a.f32(2));
  return nullptr;
}

napi_value js_avg_pool2d_backward(napi_env, const Args& a) {
  avg_pool2d_backward(a.f32(0), PoolGeom::from(a.i32(1)), a.f32(2));
  return nullptr;
}

napi_value js_adaptive_avg_pool2d(napi_env, const Args& a) {
  adaptive_avg_pool2d(a.f32(0), a.integer(1), a.integer(2), a.integer(3), a.integer(4), a.integer(5), a.f32(6));
  return nullptr;
}

napi_value js_adaptive_avg_pool2d_backward(napi_env, const Args& a) {
  adaptive_avg_pool2d_backward(a.f32(0), a.integer(1), a.integer(2), a.integer(3), a.integer(4), a.integer(5),
                               a.f32(6));
  return nullptr;
}

napi_value js_num_threads(napi_env env, const Args&) {
  napi_value v;
  napi_create_int32(env, num_threads(), &v);
  return v;
}

napi_value js_set_num_threads(napi_env, const Args& a) {
  set_num_threads(static_cast<int>(a.integer(0)));
  return nullptr;
}

// A getter of a diagnostic name (the BLAS, its kernels, the default Winograd copy) as a JavaScript string.
template <const char* (*Name)()>
napi_value js_name(napi_env env, const Args&) {
  napi_value v;
  napi_create_string_utf8(env, Name(), NAPI_AUTO_LENGTH, &v);
  return v;
}

napi_value js_winograd_copies(napi_env env, const Args&) {
  const auto names = winograd_copies();
  napi_value list;
  napi_create_array_with_length(env, names.size(), &list);
  for (size_t i = 0; i < names.size(); i++) {
    napi_value v;
    napi_create_string_utf8(env, names[i].c_str(), names[i].size(), &v);
    napi_set_element(env, list, static_cast<uint32_t>(i), v);
  }
  return list;
}

napi_value js_select_winograd(napi_env env, const Args& a) {
  napi_value v;
  napi_get_boolean(env, winograd_select(a.string(0)), &v);
  return v;
}

// An ArrayBuffer of `bytes` bytes (contents unspecified) over memory of the arena (see arena.h). Node-API's own
// external buffers cannot serve: their finalizers wait for a turn of the event loop, which a synchronous training
// loop never gives, so this one function speaks V8's API, whose deleter runs as V8 frees the buffer. Node-API
// values are V8 handles (Node's js_native_api_v8.h converts them the same way).
void give_back_to_arena(void* data, size_t length, void*) { arena_give_back(data, length); }

napi_value js_raw_buffer(napi_env, const Args& a) {
  const int64_t bytes = a.integer(0);
  if (bytes < 0) throw ArgError{"neurite native rawBuffer: expected a byte count of 0 or more"};
  const size_t n = static_cast<size_t>(bytes);
  void* block = arena_take(n);
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(block, n, give_back_to_arena, nullptr);
  const v8::Local<v8::Value> buffer = v8::ArrayBuffer::New(v8::Isolate::GetCurrent(), std::move(store));
  static_assert(sizeof buffer == sizeof(napi_value), "a Node-API value is a V8 handle");
  napi_value out;
  std::memcpy(&out, &buffer, sizeof out);
  return out;
}

napi_value js_arena_stats(napi_env env, const Args&) {
  const ArenaStats s = arena_stats();
  napi_value out;
  napi_create_object(env, &out);
  const std::pair<const char*, int64_t> fields[] = {
      {"cachedBytes", s.cached_bytes}, {"cachedBlocks", s.cached_blocks}, {"liveBytes", s.live_bytes},
      {"reused", s.reused},           {"fresh", s.fresh},                 {"released", s.released},
      {"limitBytes", s.limit_bytes},
  };
  for (const auto& [name, value] : fields) {
    napi_value v;
    napi_create_double(env, static_cast<double>(value), &v);
    napi_set_named_property(env, out, name, v);
  }
  return out;
}

napi_value js_arena_trim(napi_env, const Args&) {
  arena_trim();
  return nullptr;
}

napi_value js_set_arena_limit(napi_env, const Args& a) {
  arena_set_limit(a.integer(0));
  return nullptr;
}

struct Export {
  const char* name;
  napi_callback fn;
};

const Export kExports[] = {
    {"binary", entry<js_binary>},
    {"unary", entry<js_unary>},
    {"unaryGrad", entry<js_unary_grad>},
    {"weightedSum", entry<js_weighted_sum>},
    {"weightedSumBackward", entry<js_weighted_sum_backward>},
    {"clamp", entry<js_clamp>},
    {"where", entry<js_where>},
    {"cast", entry<js_cast>},
    {"reduce", entry<js_reduce>},
    {"argReduce", entry<js_arg_reduce>},
    {"gemm", entry<js_gemm>},
    {"transpose", entry<js_transpose>},
    {"slice", entry<js_slice>},
    {"insert", entry<js_insert>},
    {"indexSelect", entry<js_index_select>},
    {"indexAdd", entry<js_index_add>},
    {"gather", entry<js_gather>},
    {"scatterAdd", entry<js_scatter_add>},
    {"softmax", entry<js_softmax>},
    {"softmaxGrad", entry<js_softmax_grad>},
    {"lstmCell", entry<js_lstm_cell>},
    {"lstmCellBackward", entry<js_lstm_cell_backward>},
    {"gruCell", entry<js_gru_cell>},
    {"gruCellBackward", entry<js_gru_cell_backward>},
    {"softmaxCrossEntropy", entry<js_softmax_cross_entropy>},
    {"softmaxCrossEntropyBackward", entry<js_softmax_cross_entropy_backward>},
    {"adamStep", entry<js_adam_step>},
    {"sgdStep", entry<js_sgd_step>},
    {"rmspropStep", entry<js_rmsprop_step>},
    {"adagradStep", entry<js_adagrad_step>},
    {"batchNormStats", entry<js_batch_norm_stats>},
    {"batchNorm", entry<js_batch_norm>},
    {"batchNormBackward", entry<js_batch_norm_backward>},
    {"conv2d", entry<js_conv2d>},
    {"conv2dBackpropInput", entry<js_conv2d_backprop_input>},
    {"conv2dBackpropFilter", entry<js_conv2d_backprop_filter>},
    {"maxPool2d", entry<js_max_pool2d>},
    {"maxPool2dBackward", entry<js_max_pool2d_backward>},
    {"avgPool2d", entry<js_avg_pool2d>},
    {"avgPool2dBackward", entry<js_avg_pool2d_backward>},
    {"adaptiveAvgPool2d", entry<js_adaptive_avg_pool2d>},
    {"adaptiveAvgPool2dBackward", entry<js_adaptive_avg_pool2d_backward>},
    {"numThreads", entry<js_num_threads>},
    {"setNumThreads", entry<js_set_num_threads>},
    {"blasName", entry<js_name<blas_name>>},
    {"blasCore", entry<js_name<blas_core>>},
    {"winogradCopies", entry<js_winograd_copies>},
    {"selectWinograd", entry<js_select_winograd>},
    {"winogradDefault", entry<js_name<winograd_default>>},
    {"rawBuffer", entry<js_raw_buffer>},
    {"arenaStats", entry<js_arena_stats>},
    {"arenaTrim", entry<js_arena_trim>},
    {"setArenaLimit", entry<js_set_arena_limit>},
};

}  // namespace
}  // namespace neurite

NAPI_MODULE_INIT() {
  neurite::blas_init();
  for (const auto& e : neurite::kExports) {
    napi_value fn;
    // the name rides along as the callback's data, for argument error messages
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, const_cast<char*>(e.name), &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  return exports;
}
