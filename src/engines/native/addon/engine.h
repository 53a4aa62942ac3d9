/*
 * The native engine's C side: a run's tensors live here, and one call does a whole step
 * (forward, hand-written backward, mask, AdamW) with OpenBLAS sgemm for the products.
 *
 * Determinism by construction: OpenBLAS runs one thread (set at load), the kernel is the one
 * OpenBLAS picked for this CPU (its name is part of every run key), our own loops are compiled
 * with -ffp-contract=off and without -ffast-math, and every reduction of ours runs in a fixed order.
 *
 * A model is a vtable over a flat parameter vector in the layout order of its TypeScript twin
 * (src/models/<name>.ts): same matrices, same orientation, so θ, masks and AdamW's moments cross
 * the boundary as they are.
 */
#ifndef GROK_ENGINE_H
#define GROK_ENGINE_H
#include <stddef.h>
#include <stdint.h>

/* One fixed example set. Tokens are position-major (tok[j*n + i] = token j of example i), like
 * TokenExamples.tokens; vectors are row-major [n, dim]. */
typedef struct {
  int n;
  int positions;
  const int32_t *tok;
  int dim;
  const float *x;
  const int32_t *labels;  /* [n] or NULL */
  const float *targets;   /* [n, out] or NULL (regression / MSE) */
} data_t;

typedef struct model model_t;
struct model {
  const char *name;
  int out;          /* outputs per example */
  size_t nparams;   /* length of θ */
  /* floats of scratch a forward over n examples keeps for its backward */
  size_t (*cache_floats)(const model_t *m, int n);
  /* out [n, out] from the effective (masked) weights */
  void (*forward)(const model_t *m, const float *eff, const data_t *d, float *cache, float *out);
  /* grad (length nparams, overwritten) = ∂L/∂eff given G = ∂L/∂out, after forward on the same d */
  void (*backward)(const model_t *m, const float *eff, const data_t *d, float *cache, const float *G, float *grad);
  void (*destroy)(model_t *m);
};

/* A model constructor: dims in the order its TypeScript adapter sends them; NULL with err filled. */
typedef model_t *(*model_ctor)(const int *dims, int ndims, char *err, size_t errlen);
model_ctor find_model(const char *name);

/* Losses (src/losses: one file each): value and accuracy of out [n, c], and ∂L/∂out. */
typedef enum { LOSS_CE = 0, LOSS_MSE = 1, LOSS_BCE = 2 } loss_kind;
typedef struct { double loss; double acc; int finite; } metrics_t;
metrics_t loss_metrics(loss_kind k, const float *out, const data_t *d, int c, int want_loss);
void loss_grad(loss_kind k, const float *out, const data_t *d, int c, float *G);

typedef struct { float lr, beta1, beta2, eps, wd; double lr_d, beta1_d, beta2_d, wd_d; } adamw_cfg;
void adamw_step(const adamw_cfg *cfg, long step, size_t n, float *theta, float *m, float *v, const float *g);

/* C = op(A)·op(B) (+ C when accumulate), row-major, on one OpenBLAS thread */
void mm(int transA, int transB, int M, int N, int K, const float *A, const float *B, float *C, int accumulate);
#endif
