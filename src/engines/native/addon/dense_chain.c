/* The vector-input MLPs: a chain of dense layers with ReLU between them and none on the output,
 * with or without biases. src/models/{mnist-mlp,poly-mlp,relu-mlp}.ts have the math and layouts:
 * θ = [W_1 (d_0×d_1), b_1 (d_1, if biased), W_2 (d_1×d_2), b_2, …], each W stored [in, out], so
 *   Z_l = H_{l−1} W_l (+ b_l),  H_l = ReLU(Z_l),  out = Z_L,  H_0 = x [n, d_0]
 * and, for G = dZ_L,
 *   dW_l = H_{l−1}ᵀ dZ_l,  db_l = Σ_rows dZ_l,  dZ_{l−1} = (dZ_l W_lᵀ) ⊙ [H_{l−1} > 0]
 * ([H > 0] is [Z > 0], so the forward keeps only H).
 *
 * mnist-mlp's inputs are images, 81 % of whose pixels are 0 (measured on the 1000 training and the
 * 60 000 test images), and its first layer is 627 of a step's 879 MFLOP: there our own loops
 * multiply by the nonzero pixels only (x W_1 row by row, x_1ᵀ dZ_1 pixel by pixel), skipping terms
 * that add exactly 0, instead of sgemm's dense K = 784. Measured at the paper setting (interleaved
 * A/B, 2 busy cores): 11.3 → 9.4 ms CPU a step; it is bound by reading W_1 and dZ_1 rows from L2. */
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
  int sparse_in;                        /* first layer through the zero-skipping loops */
} chain_t;

/* out[0, w) = Σ_q val[q] · (row idx[q] of base [·, w]), summed in q order from 0. Accumulators stay
 * in registers across q: 64 columns at a time in GCC vectors (AVX-512, or AVX2 pairs: whatever
 * -march=native has), then 8, then 1; -ffp-contract=off keeps each term a product and a sum. */
typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
static inline v16 ld16(const float *p) { v16 v; memcpy(&v, p, sizeof v); return v; }
static inline v8 ld8(const float *p) { v8 v; memcpy(&v, p, sizeof v); return v; }

static void gather_sum(int m, const int32_t *idx, const float *val, const float *base, int w, float *out) {
  int j = 0;
  for (; j + 64 <= w; j += 64) {
    v16 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    for (int q = 0; q < m; q++) {
      const float *r = base + (size_t)idx[q] * w + j, s = val[q];
      a0 += s * ld16(r); a1 += s * ld16(r + 16); a2 += s * ld16(r + 32); a3 += s * ld16(r + 48);
    }
    memcpy(out + j, &a0, 64); memcpy(out + j + 16, &a1, 64); memcpy(out + j + 32, &a2, 64); memcpy(out + j + 48, &a3, 64);
  }
  for (; j + 8 <= w; j += 8) {
    v8 a = {0};
    for (int q = 0; q < m; q++) a += val[q] * ld8(base + (size_t)idx[q] * w + j);
    memcpy(out + j, &a, 32);
  }
  for (; j < w; j++) {
    float a = 0.0f;
    for (int q = 0; q < m; q++) a += val[q] * base[(size_t)idx[q] * w + j];
    out[j] = a;
  }
}

/* Z [n, w] = X [n, k] W [k, w] over the nonzero X[i, p]: each entry sums over p in order. */
static void sparse_times(int n, int k, int w, const float *X, const float *W, float *Z, int32_t *idx, float *val) {
  for (int i = 0; i < n; i++) {
    const float *x = X + (size_t)i * k;
    int m = 0;
    for (int p = 0; p < k; p++) { idx[m] = p; val[m] = x[p]; m += x[p] != 0.0f; }  /* no branch to mispredict */
    gather_sum(m, idx, val, W, w, Z + (size_t)i * w);
  }
}

/* dW [k, w] = Xᵀ dZ [n, w] over the nonzero X[i, p]: each entry sums over examples i in order.
 * The nonzeros of PB columns are listed at once, reading X row by row (a strided walk down one
 * column at a time measured ~1.4 ms of a 10 ms step: an L1 miss per pixel). */
#define PB 16
static void sparse_t_times(int n, int k, int w, const float *X, const float *dZ, float *dW, int32_t *idx, float *val) {
  for (int p0 = 0; p0 < k; p0 += PB) {
    const int pb = k - p0 < PB ? k - p0 : PB;
    int m[PB] = { 0 };
    for (int i = 0; i < n; i++) {
      const float *x = X + (size_t)i * k + p0;
      for (int t = 0; t < pb; t++) { idx[(size_t)t * n + m[t]] = i; val[(size_t)t * n + m[t]] = x[t]; m[t] += x[t] != 0.0f; }
    }
    for (int t = 0; t < pb; t++) gather_sum(m[t], idx + (size_t)t * n, val + (size_t)t * n, dZ, w, dW + (size_t)(p0 + t) * w);
  }
}

/* cache: H_1 … H_{L−1}, each [n, d_l] | backward scratch [n, widest] | (sparse_in) the nonzeros
 * of one row or PB columns of x: indices and values, max(PB·n, d_0) each */
static size_t hidden_floats(const chain_t *c, int n) {
  size_t s = 0;
  for (int l = 1; l < c->L; l++) s += (size_t)n * c->d[l];
  return s;
}

static size_t nz_cap(const chain_t *c, int n) { return (size_t)PB * n > (size_t)c->d[0] ? (size_t)PB * n : (size_t)c->d[0]; }

static size_t chain_cache(const model_t *m, int n) {
  const chain_t *c = (const chain_t *)m;
  return hidden_floats(c, n) + (size_t)n * c->widest + (c->sparse_in ? 2 * nz_cap(c, n) : 0);
}

static int32_t *nz_idx(const chain_t *c, float *cache, int n) { return (int32_t *)(cache + hidden_floats(c, n) + (size_t)n * c->widest); }
static float *nz_val(const chain_t *c, float *cache, int n) { return cache + hidden_floats(c, n) + (size_t)n * c->widest + nz_cap(c, n); }

static void chain_forward(const model_t *m, const float *eff, const data_t *d, float *cache, float *out) {
  const chain_t *c = (const chain_t *)m;
  const int n = d->n;
  const float *in = d->x;
  float *H = cache;
  for (int l = 1; l <= c->L; l++) {
    const int k = c->d[l - 1], w = c->d[l];
    float *z = l < c->L ? H : out;
    if (l == 1 && c->sparse_in) sparse_times(n, k, w, in, eff + c->w[0], z, nz_idx(c, cache, n), nz_val(c, cache, n));
    else mm(0, 0, n, w, k, in, eff + c->w[l - 1], z, 0);
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
    if (l == 1 && c->sparse_in) sparse_t_times(n, k, w, H[0], dz, grad + c->w[0], nz_idx(c, cache, n), nz_val(c, cache, n));
    else mm(1, 0, k, w, n, H[l - 1], dz, grad + c->w[l - 1], 0);
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
static model_t *make_chain(const char *name, const int *d, int L, int bias, int sparse_in, char *err, size_t errlen) {
  chain_t *c = calloc(1, sizeof *c);
  if (!c) { snprintf(err, errlen, "%s: out of memory", name); return NULL; }
  c->L = L; c->bias = bias; c->sparse_in = sparse_in;
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
  return make_chain("mnist-mlp", d, 3, 0, 1, err, errlen);
}

/* src/models/poly-mlp.ts: dims [d, dModel, dEmb, out]; E, I, O, U, no biases */
model_t *make_poly_mlp(const int *dims, int ndims, char *err, size_t errlen) {
  if (ndims != 4 || !positive(dims, ndims)) { snprintf(err, errlen, "poly-mlp: dims must be [d, dModel, dEmb, out] ≥ 1"); return NULL; }
  const int d[] = { dims[0], dims[0], dims[1], dims[2], dims[3] };
  return make_chain("poly-mlp", d, 4, 0, 0, err, errlen);
}

/* src/models/relu-mlp.ts: dims [n, width, out]; W1, b1, W2, b2 */
model_t *make_relu_mlp(const int *dims, int ndims, char *err, size_t errlen) {
  if (ndims != 3 || !positive(dims, ndims)) { snprintf(err, errlen, "relu-mlp: dims must be [n, width, out] ≥ 1"); return NULL; }
  return make_chain("relu-mlp", dims, 2, 1, 0, err, errlen);
}
