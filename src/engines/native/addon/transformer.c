/* The authors' 1-layer transformer, factorised exactly as src/models/transformer.ts (which has the
 * math, the factorisation and the backward's derivation): θ = [W_Eᵀ (p×d), W_Kᵀ, W_Qᵀ, W_Vᵀ (d×h),
 * W_Oᵀ (h×d), W_inᵀ (d×m), W_outᵀ (m×d), W_U (d×p)]. One causal head, no positional embedding,
 * LayerNorm or biases; the query and the residual stream are those of the second token b, so
 * tok[0..n) = a and tok[n..2n) = b (the layout refuses any task that gives other than two tokens).
 *
 * Every product is an `mm`; the per-example work is two fused passes (one forward, one backward)
 * whose row sums run in 16 fixed lanes (vectorisable without reassociation, the same order on
 * every machine). Each rounding step mirrors the TypeScript op by op (differences of table rows
 * rounded before they are scaled, sums added in addN's order, the two scatters of a difference
 * summed apart before they are subtracted), so the two engines differ only in summation order and
 * in exp's last bits (measured at the paper sizes, p = 67 and 128 everywhere: each layer's gradient
 * within 7e-7 of its largest entry). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"

typedef struct { model_t base; int p, d, m, h; } transformer_t;

#define LANES 16

/* One example's share of the backward over one row of c entries, in one pass: x is its row of
 * ∂L/∂logits, or of G Pmᵀ masked where the ReLU was off (relu ≠ NULL: the row of H) to du; returns
 * Σ x⊙(ya − yb) (ya, yb: the rows of a and b of OW or OU) in LANES fixed partial sums folded in lane
 * order, and adds x to e (row b of dEW / dEU) and A·x to oa, ob (row a of the first scatter, row b
 * of the second). */
static inline float backward_row(const float *restrict x, const float *restrict relu, const float *restrict ya, const float *restrict yb,
                                 float *restrict e, float *restrict oa, float *restrict ob, float A, int c) {
  float acc[LANES] = { 0 };
  int j0 = 0;
#define BACKWARD_ENTRY(j, l)                                           \
  do {                                                                 \
    float xj = x[j];                                                   \
    if (relu) xj = relu[j] > 0 ? xj : 0.0f;                            \
    float w = ya[j] - yb[j];                                           \
    acc[l] += xj * w;                                                  \
    e[j] += xj;                                                        \
    float t = A * xj;                                                  \
    oa[j] += t;                                                        \
    ob[j] += t;                                                        \
  } while (0)
  for (; j0 + LANES <= c; j0 += LANES)
    for (int l = 0; l < LANES; l++) BACKWARD_ENTRY(j0 + l, l);
  for (int l = 0; j0 + l < c; l++) BACKWARD_ENTRY(j0 + l, l);
#undef BACKWARD_ENTRY
  float s = 0;
  for (int l = 0; l < LANES; l++) s += acc[l];
  return s;
}

/* d = a − b, elementwise over c entries */
static void sub_into(float *restrict d, const float *restrict a, const float *restrict b, size_t c) {
  for (size_t i = 0; i < c; i++) d[i] = a[i] - b[i];
}

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

/* Pointers into θ (or a gradient of the same layout). */
typedef struct { float *Et, *Kt, *Qt, *Vt, *Ot, *Int, *Outt, *U; } layers_t;

static layers_t layers(const transformer_t *t, const float *theta) {
  const size_t p = t->p, d = t->d, m = t->m, h = t->h;
  layers_t L;
  L.Et = (float *)theta;
  L.Kt = L.Et + p * d;
  L.Qt = L.Kt + d * h;
  L.Vt = L.Qt + d * h;
  L.Ot = L.Vt + d * h;
  L.Int = L.Ot + h * d;
  L.Outt = L.Int + d * m;
  L.U = L.Outt + m * d;
  return L;
}

/* The forward's cache: per-token tables (Op directly above Ep so [Op; Ep] is one [2p, d] matrix,
 * and so OW above EW, OU above EU), then per example A_a, A_b and H. */
typedef struct { float *Kp, *Qp, *Vp, *Op, *Ep, *S, *OW, *EW, *OU, *EU, *Pm, *Aa, *Ab, *H; } fcache_t;

static size_t fcache_floats(const transformer_t *t, int n) {
  const size_t p = t->p, d = t->d, m = t->m, h = t->h;
  return 3 * p * h + 2 * p * d + p * p + 2 * p * m + 2 * p * p + m * p + 2 * (size_t)n + (size_t)n * m;
}

static fcache_t fcache(const transformer_t *t, int n, float *c) {
  const size_t p = t->p, d = t->d, m = t->m, h = t->h;
  fcache_t F;
  F.Kp = c; F.Qp = F.Kp + p * h; F.Vp = F.Qp + p * h;
  F.Op = F.Vp + p * h; F.Ep = F.Op + p * d;
  F.S = F.Ep + p * d;
  F.OW = F.S + p * p; F.EW = F.OW + p * m;
  F.OU = F.EW + p * m; F.EU = F.OU + p * p;
  F.Pm = F.EU + p * p;
  F.Aa = F.Pm + m * p; F.Ab = F.Aa + n;
  F.H = F.Ab + n;
  return F;
}

/* The backward's scratch, after the forward's cache. */
typedef struct { float *D, *dPm, *dS1, *dS2, *dEW, *dOWa, *dOWb, *dEU, *dOUa, *dOUb, *dEp, *dOp, *dQp, *dKp, *dVp; } bcache_t;

static size_t bcache_floats(const transformer_t *t, int n) {
  const size_t p = t->p, d = t->d, m = t->m, h = t->h;
  return (size_t)n * m + m * p + 2 * p * p + 3 * p * m + 3 * p * p + 2 * p * d + 3 * p * h;
}

static bcache_t bcache(const transformer_t *t, int n, float *c) {
  const size_t p = t->p, d = t->d, m = t->m, h = t->h;
  bcache_t B;
  B.D = c; B.dPm = B.D + (size_t)n * m;
  B.dS1 = B.dPm + m * p; B.dS2 = B.dS1 + p * p;
  B.dEW = B.dS2 + p * p; B.dOWa = B.dEW + p * m; B.dOWb = B.dOWa + p * m;
  B.dEU = B.dOWb + p * m; B.dOUa = B.dEU + p * p; B.dOUb = B.dOUa + p * p;
  B.dEp = B.dOUb + p * p; B.dOp = B.dEp + p * d;
  B.dQp = B.dOp + p * d; B.dKp = B.dQp + p * h; B.dVp = B.dKp + p * h;
  return B;
}

static size_t transformer_cache(const model_t *mm_, int n) {
  const transformer_t *t = (const transformer_t *)mm_;
  return fcache_floats(t, n) + bcache_floats(t, n);
}

/* 1/√d_head as the TypeScript's float32 scalar (computed in float64, rounded once) */
static float inv_sqrt_head(const transformer_t *t) { return (float)(1.0 / sqrt((double)t->h)); }

static void transformer_forward(const model_t *mm_, const float *eff, const data_t *d, float *cache, float *out) {
  const transformer_t *t = (const transformer_t *)mm_;
  const int p = t->p, D = t->d, M = t->m, Hd = t->h, n = d->n;
  const layers_t L = layers(t, eff);
  const fcache_t F = fcache(t, n, cache);
  const float inv = inv_sqrt_head(t);
  mm(0, 0, p, Hd, D, L.Et, L.Kt, F.Kp, 0);   /* Kp = W_Eᵀ W_Kᵀ */
  mm(0, 0, p, Hd, D, L.Et, L.Qt, F.Qp, 0);   /* Qp = W_Eᵀ W_Qᵀ */
  mm(0, 0, p, Hd, D, L.Et, L.Vt, F.Vp, 0);   /* Vp = W_Eᵀ W_Vᵀ */
  mm(0, 0, p, D, Hd, F.Vp, L.Ot, F.Op, 0);   /* Op = Vp W_Oᵀ */
  mm(0, 1, p, p, Hd, F.Qp, F.Kp, F.S, 0);    /* S = Qp Kpᵀ */
  for (size_t i = 0; i < (size_t)p * D; i++) F.Ep[i] = L.Et[i] + F.Op[i];
  mm(0, 0, 2 * p, M, D, F.Op, L.Int, F.OW, 0); /* [OW; EW] = [Op; Ep] W_inᵀ */
  mm(0, 0, 2 * p, p, D, F.Op, L.U, F.OU, 0);   /* [OU; EU] = [Op; Ep] W_U */
  mm(0, 0, M, p, D, L.Outt, L.U, F.Pm, 0);     /* Pm = W_outᵀ W_U */
  const int32_t *ta = d->tok, *tb = d->tok + n;
  for (int i = 0; i < n; i++) {
    const int a = ta[i], b = tb[i];
    const float delta = (F.S[(size_t)b * p + a] - F.S[(size_t)b * p + b]) * inv;
    const float A = sigmoid(delta);
    F.Aa[i] = A;
    F.Ab[i] = sigmoid(-delta);
    const float *owa = F.OW + (size_t)a * M, *owb = F.OW + (size_t)b * M, *ew = F.EW + (size_t)b * M;
    float *hr = F.H + (size_t)i * M;
    for (int j = 0; j < M; j++) {
      float w = owa[j] - owb[j];
      float u = ew[j] + A * w;
      hr[j] = u > 0 ? u : 0.0f; /* H > 0 exactly where u > 0: the backward's ReLU mask reads H */
    }
    const float *oua = F.OU + (size_t)a * p, *oub = F.OU + (size_t)b * p, *eu = F.EU + (size_t)b * p;
    float *o = out + (size_t)i * p;
    for (int j = 0; j < p; j++) {
      float w = oua[j] - oub[j];
      o[j] = eu[j] + A * w;
    }
  }
  /* logits = (EU[b] + A_a ΔU) + H Pm: addN's order; one K block (K = d_mlp), so sgemm's β = 1
   * adds the finished product to the row, the same rounding as a separate add */
  mm(0, 0, n, p, M, F.H, F.Pm, out, 1);
}

static void transformer_backward(const model_t *mm_, const float *eff, const data_t *d, float *cache, const float *G, float *grad) {
  const transformer_t *t = (const transformer_t *)mm_;
  const int p = t->p, D = t->d, M = t->m, Hd = t->h, n = d->n;
  const size_t pp = (size_t)p * p, pm = (size_t)p * M;
  const layers_t L = layers(t, eff), dL = layers(t, grad);
  const fcache_t F = fcache(t, n, cache);
  const bcache_t B = bcache(t, n, cache + fcache_floats(t, n));
  const float inv = inv_sqrt_head(t);
  /* MLP output and unembedding */
  mm(1, 0, M, p, n, F.H, G, B.dPm, 0);        /* dPm = Hᵀ G */
  mm(0, 1, M, D, p, B.dPm, L.U, dL.Outt, 0);  /* dW_outᵀ = dPm W_Uᵀ */
  mm(0, 1, n, M, p, G, F.Pm, B.D, 0);         /* G Pmᵀ, which ReLU' masks into du below */
  /* one pass over the examples: du, the attention weight's gradient and all scatters, each table
   * row summed in example order (scatterND's order) */
  memset(B.dS1, 0, sizeof(float) * (2 * pp + 3 * pm + 3 * pp));
  const int32_t *ta = d->tok, *tb = d->tok + n;
  for (int i = 0; i < n; i++) {
    const int a = ta[i], b = tb[i];
    const float A = F.Aa[i];
    /* A_a·A_b from two sigmoids, never A_a(1 − A_a) (see transformer.ts) */
    const float sw = backward_row(B.D + (size_t)i * M, F.H + (size_t)i * M, F.OW + (size_t)a * M, F.OW + (size_t)b * M,
                                  B.dEW + (size_t)b * M, B.dOWa + (size_t)a * M, B.dOWb + (size_t)b * M, A, M);
    const float su = backward_row(G + (size_t)i * p, NULL, F.OU + (size_t)a * p, F.OU + (size_t)b * p,
                                  B.dEU + (size_t)b * p, B.dOUa + (size_t)a * p, B.dOUb + (size_t)b * p, A, p);
    const float ds = (A * F.Ab[i]) * ((sw + su) * inv);
    B.dS1[(size_t)b * p + a] += ds;
    B.dS2[(size_t)b * p + b] += ds;
  }
  float *dS = B.dS1, *dOW = B.dOWa, *dOU = B.dOUa; /* the differences overwrite their first terms */
  sub_into(dS, B.dS1, B.dS2, pp);
  sub_into(dOW, B.dOWa, B.dOWb, pm);
  sub_into(dOU, B.dOUa, B.dOUb, pp);
  /* per-token tables; a later product accumulates (β = 1) onto the earlier ones: while K (d_mlp, p,
   * d_head) fits one sgemm K block, as at every size we run, that is addN's sum, rounding for rounding */
  mm(0, 1, p, D, M, B.dEW, L.Int, B.dEp, 0);  /* dEp = dEW W_in + dEU W_Uᵀ */
  mm(0, 1, p, D, p, B.dEU, L.U, B.dEp, 1);
  mm(0, 1, p, D, M, dOW, L.Int, B.dOp, 0);    /* dOp = dOW W_in + dOU W_Uᵀ + dEp */
  mm(0, 1, p, D, p, dOU, L.U, B.dOp, 1);
  for (size_t i = 0; i < (size_t)p * D; i++) B.dOp[i] += B.dEp[i];
  mm(1, 0, D, M, p, F.Ep, B.dEW, dL.Int, 0);  /* dW_inᵀ = Epᵀ dEW + Opᵀ dOW */
  mm(1, 0, D, M, p, F.Op, dOW, dL.Int, 1);
  mm(1, 0, D, p, p, F.Ep, B.dEU, dL.U, 0);    /* dW_U = Epᵀ dEU + Opᵀ dOU + W_out dPm */
  mm(1, 0, D, p, p, F.Op, dOU, dL.U, 1);
  mm(1, 0, D, p, M, L.Outt, B.dPm, dL.U, 1);
  /* attention weights and embedding */
  mm(0, 0, p, Hd, p, dS, F.Kp, B.dQp, 0);     /* dQp = dS Kp */
  mm(1, 0, p, Hd, p, dS, F.Qp, B.dKp, 0);     /* dKp = dSᵀ Qp */
  mm(0, 1, p, Hd, D, B.dOp, L.Ot, B.dVp, 0);  /* dVp = dOp W_O */
  mm(1, 0, Hd, D, p, F.Vp, B.dOp, dL.Ot, 0);  /* dW_Oᵀ = Vpᵀ dOp */
  mm(1, 0, D, Hd, p, L.Et, B.dKp, dL.Kt, 0);  /* dW_{K,Q,V}ᵀ = W_E d{K,Q,V}p */
  mm(1, 0, D, Hd, p, L.Et, B.dQp, dL.Qt, 0);
  mm(1, 0, D, Hd, p, L.Et, B.dVp, dL.Vt, 0);
  memcpy(dL.Et, B.dEp, sizeof(float) * (size_t)p * D); /* dW_Eᵀ = dEp + dQp W_Q + dKp W_K + dVp W_V */
  mm(0, 1, p, D, Hd, B.dQp, L.Qt, dL.Et, 1);
  mm(0, 1, p, D, Hd, B.dKp, L.Kt, dL.Et, 1);
  mm(0, 1, p, D, Hd, B.dVp, L.Vt, dL.Et, 1);
}

static void transformer_destroy(model_t *m) { free(m); }

model_t *make_transformer(const int *dims, int ndims, char *err, size_t errlen) {
  if (ndims != 4 || dims[0] < 1 || dims[1] < 1 || dims[2] < 1 || dims[3] < 1) {
    snprintf(err, errlen, "transformer: dims must be [p, dModel, dMlp, dHead] ≥ 1");
    return NULL;
  }
  transformer_t *t = calloc(1, sizeof *t);
  if (!t) { snprintf(err, errlen, "transformer: out of memory"); return NULL; }
  t->p = dims[0]; t->d = dims[1]; t->m = dims[2]; t->h = dims[3];
  const size_t p = t->p, d = t->d, m = t->m, h = t->h;
  const size_t nparams = p * d + 3 * d * h + h * d + d * m + m * d + d * p;
  t->base = (model_t){ "transformer", t->p, nparams, transformer_cache, transformer_forward, transformer_backward, transformer_destroy };
  return &t->base;
}
