{
  # neurite's native backend: a Node-API addon over the system BLAS (OpenBLAS on Linux, Accelerate on
  # macOS). scripts/build-native.mjs runs node-gyp with the BLAS location it found.
  "variables": {
    "neurite_blas_include%": "",
    "neurite_blas_libdir%": "",
    "neurite_blas_lib%": "openblas"
  },
  "targets": [
    {
      "target_name": "neurite_native",
      "sources": [
        "native/addon.cc",
        "native/arena.cc",
        "native/blas.cc",
        "native/conv.cc",
        "native/elementwise.cc",
        "native/gemm.cc",
        "native/norm.cc",
        "native/optim.cc",
        "native/pool.cc",
        "native/reduce.cc",
        "native/rnn.cc",
        "native/shape.cc",
        "native/softmax.cc",
        "native/threads.cc",
        "native/winograd.cc"
      ],
      "defines": ["NAPI_VERSION=8"],
      # portable code generation only (no -march=native): hot loops carry their own AVX2 clones
      "cflags!": ["-O2"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-O2"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden"],
      "conditions": [
        [
          "OS=='mac'",
          {
            "defines": ["NEURITE_ACCELERATE", "ACCELERATE_NEW_LAPACK"],
            "libraries": ["-framework Accelerate"],
            "xcode_settings": {
              "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
              "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
              "GCC_OPTIMIZATION_LEVEL": "3",
              "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
              "OTHER_CPLUSPLUSFLAGS": ["-fno-math-errno"],
              "MACOSX_DEPLOYMENT_TARGET": "11.0"
            }
          },
          {
            "cflags_cc": ["-fopenmp-simd", "-pthread"],
            "ldflags": ["-pthread"],
            "libraries": ["-l<(neurite_blas_lib)"],
            "conditions": [
              ["neurite_blas_include!=''", {"include_dirs": ["<(neurite_blas_include)"]}],
              [
                "neurite_blas_libdir!=''",
                {"libraries": ["-L<(neurite_blas_libdir)", "-Wl,-rpath,<(neurite_blas_libdir)"]}
              ]
            ]
          }
        ]
      ]
    }
  ]
}
