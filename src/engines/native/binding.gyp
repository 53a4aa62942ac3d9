{
  "variables": { "blas_include%": "/usr/include/x86_64-linux-gnu/openblas-pthread" },
  "targets": [
    {
      "target_name": "grok_native",
      "sources": [
        "addon/addon.c", "addon/core.c", "addon/registry.c",
        "addon/mlp.c", "addon/transformer.c", "addon/dense_chain.c", "addon/lstm.c"
      ],
      "include_dirs": ["<(blas_include)"],
      "libraries": ["-lopenblas", "-lm"],
      "cflags": ["-O3", "-march=native", "-std=c11", "-ffp-contract=off", "-fno-fast-math", "-fno-math-errno", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
