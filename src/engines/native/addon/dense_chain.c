/* The vector-input MLPs: a chain of dense layers with ReLU between them and none on the output,
 * with or without biases. src/models/{mnist-mlp,poly-mlp,relu-mlp}.ts have the math and layouts:
 * θ = [W_1 (d_0×d_1), b_1 (d_1, if biased), W_2 (d_1×d_2), b_2, …], each W stored [in, out], so
 *   Z_l = H_{l−1} W_l (+ b_l),  H_l = ReLU(Z_l),  out = Z_L,  H_0 = x [n, d_0]
 * and, for G = dZ_L,
 *   dW_l = H_{l−1}ᵀ dZ_l,  db_l = Σ_rows dZ_l,  dZ_{l−1} = (dZ_l W_lᵀ) ⊙ [H_{l−1} > 0]
 * ([H > 0] is [Z > 0], so the forward keeps only H). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"

#define MAX_LAYERS 4  /* poly-mlp's four matrices are the longest chain */

typedef struct {
  model_t base;
  int L, bias;
  int d[MAX_LAYERS + 1];
  size_t w[MAX_LAYERS], b[MAX_LAYERS];  /* offsets of W_l and b_l in θ */
  int widest;                           /* widest hidden layer */
} chain_t;

/* cache: H_1 … H_{L−1}, each [n, d_l] | backward scratch [n, widest] */
static size_t hidden_floats(const chain_t *c, int n) {
  size_t s = 0;
  for (int l = 1; l < c->L; l++) s += (size_t)n * c->d[l];
  return s;
}

static size_t chain_cache(const model_t *m, int n) {
  const chain_t *c = (const chain_t *)m;
  return hidden_floats(c, n) + (size_t)n * c->widest;
}

static void chain_forward(const model_t *m, const float *eff, const data_t *d, float *cache, float *out) {
  const chain_t *c = (const chain_t *)m;
  const int n = d->n;
  const float *in = d->x;
  float *H = cache;
  for (int l = 1; l <= c->L; l++) {
    const int k = c->d[l - 1], w = c->d[l];
    float *z = l < c->L ? H : out;
    mm(0, 0, n, w, k, in, eff + c->w[l - 1], z, 0);
    /* the bias added after the product, one rounding each, as tfjs's add(matMul, b) */
    if (c->bias) {
      const float *b = eff + c->b[l - 1];
      for (int i = 0; i < n; i++) { float *r = z + (size_t)i * w; for (int j = 0; j < w; j++) r[j] += b[j]; }
    }
    if (l < c->L) {
      for (size_t i = 0; i < (size_t)n * w; i++) if (!(z[i] > 0)) z[i] = 0.0f;
      in = z;
      H += (size_t)n * w;
    }
  }
}

/* Overwrites the cache: each H_{l−1} becomes dZ_{l−1} once dW_l no longer needs it. */
static void chain_backward(const model_t *m, const float *eff, const data_t *d, float *cache, const float *G, float *grad) {
  const chain_t *c = (const chain_t *)m;
  const int n = d->n;
  float *S = cache + hidden_floats(c, n);
  float *H[MAX_LAYERS + 1];
  H[0] = (float *)d->x;  /* only read */
  H[1] = cache;
  for (int l = 2; l < c->L; l++) H[l] = H[l - 1] + (size_t)n * c->d[l - 1];
  const float *dz = G;
  for (int l = c->L; l >= 1; l--) {
    const int k = c->d[l - 1], w = c->d[l];
    mm(1, 0, k, w, n, H[l - 1], dz, grad + c->w[l - 1], 0);
    if (c->bias) {
      /* column sums, row by row: a fixed order */
      float *db = grad + c->b[l - 1];
      memset(db, 0, sizeof(float) * w);
      for (int i = 0; i < n; i++) { const float *r = dz + (size_t)i * w; for (int j = 0; j < w; j++) db[j] += r[j]; }
    }
    if (l == 1) break;
    mm(0, 1, n, k, w, dz, eff + c->w[l - 1], S, 0);
    float *h = H[l - 1];
    for (size_t i = 0; i < (size_t)n * k; i++) h[i] = h[i] > 0 ? S[i] : 0.0f;
    dz = h;
  }
}

static void chain_destroy(model_t *m) { free(m); }

/* A chain d[0] → … → d[L]. */
static model_t *make_chain(const char *name, const int *d, int L, int bias, char *err, size_t errlen) {
  chain_t *c = calloc(1, sizeof *c);
  if (!c) { snprintf(err, errlen, "%s: out of memory", name); return NULL; }
  c->L = L; c->bias = bias;
  size_t off = 0;
  for (int l = 0; l <= L; l++) c->d[l] = d[l];
  for (int l = 0; l < L; l++) {
    c->w[l] = off; off += (size_t)d[l] * d[l + 1];
    if (bias) { c->b[l] = off; off += (size_t)d[l + 1]; }
    if (l + 1 < L && d[l + 1] > c->widest) c->widest = d[l + 1];
  }
  c->base = (model_t){ name, d[L], off, chain_cache, chain_forward, chain_backward, chain_destroy };
  return &c->base;
}

static int positive(const int *dims, int ndims) {
  for (int i = 0; i < ndims; i++) if (dims[i] < 1) return 0;
  return 1;
}

/* src/models/mnist-mlp.ts: dims [dIn, dModel, classes]; 3 matrices, no biases */
model_t *make_mnist_mlp(const int *dims, int ndims, char *err, size_t errlen) {
  if (ndims != 3 || !positive(dims, ndims)) { snprintf(err, errlen, "mnist-mlp: dims must be [dIn, dModel, classes] ≥ 1"); return NULL; }
  const int d[] = { dims[0], dims[1], dims[1], dims[2] };
  return make_chain("mnist-mlp", d, 3, 0, err, errlen);
}

/* src/models/poly-mlp.ts: dims [d, dModel, dEmb, out]; E, I, O, U, no biases */
model_t *make_poly_mlp(const int *dims, int ndims, char *err, size_t errlen) {
  if (ndims != 4 || !positive(dims, ndims)) { snprintf(err, errlen, "poly-mlp: dims must be [d, dModel, dEmb, out] ≥ 1"); return NULL; }
  const int d[] = { dims[0], dims[0], dims[1], dims[2], dims[3] };
  return make_chain("poly-mlp", d, 4, 0, err, errlen);
}

/* src/models/relu-mlp.ts: dims [n, width, out]; W1, b1, W2, b2 */
model_t *make_relu_mlp(const int *dims, int ndims, char *err, size_t errlen) {
  if (ndims != 3 || !positive(dims, ndims)) { snprintf(err, errlen, "relu-mlp: dims must be [n, width, out] ≥ 1"); return NULL; }
  return make_chain("relu-mlp", dims, 2, 1, err, errlen);
}
