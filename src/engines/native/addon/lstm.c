/* The IMDb classifier: embedding, a 2-layer LSTM (gates i, f, g, o), a linear read-out of the last
 * step's hidden state. src/models/lstm.ts has the math with shapes and the layout:
 * θ = [E (V×e), Wx1 (e×4h), Wh1 (h×4h), b1 (4h), Wx2 (h×4h), Wh2 (h×4h), b2 (4h), Wo (h×k), bo (k)].
 * Rows of a stacked [T·B, ·] buffer are time-major (row t·B + b is step t of example b), which is
 * the order of the tokens (tok[t·B + b]), so a step's rows are one contiguous block.
 *
 * Each product is one sgemm: layer 1's input projection through the vocabulary (P1 = E·Wx1 + b1,
 * gathered by token), layer 2's for all steps at once (H1·Wx2 + b2), one [B, h]·[h, 4h] per step
 * and layer in each direction, and each weight gradient over all steps. The element-wise work keeps
 * the TypeScript's operations and their order (each line there one float32 rounding here), so the
 * two differ by the products' summation order and the last bits of exp and tanh only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"

typedef struct { model_t base; int V, T, e, h, k; size_t oE, oWx1, oWh1, ob1, oWx2, oWh2, ob2, oWo, obo; } lstm_t;

/* What one layer's forward keeps for its backward, each [T·B, ·]: S the activated gates
 * (σ i, σ f, tanh g, σ o), C the cells, TC tanh of the cells, H the hidden states. */
typedef struct { float *S, *C, *TC, *H; } steps_t;

static size_t layer_floats(const lstm_t *m, int n) { return (size_t)m->T * n * 7 * m->h; }

/* cache: layer 1 | layer 2 | P1 or dP1 [V, 4h] | dA [T·B, 4h] | dH1 [T·B, h] | dh, dc [B, h] each */
static size_t lstm_cache(const model_t *mm_, int n) {
  const lstm_t *m = (const lstm_t *)mm_;
  const size_t TB = (size_t)m->T * n, h = m->h;
  return 2 * layer_floats(m, n) + (size_t)m->V * 4 * h + TB * 4 * h + TB * h + 2 * (size_t)n * h;
}

static steps_t layer(const lstm_t *m, float *cache, int n, int which) {
  const size_t TB = (size_t)m->T * n, h = m->h;
  float *base = cache + (size_t)which * layer_floats(m, n);
  return (steps_t){ base, base + TB * 4 * h, base + TB * 5 * h, base + TB * 6 * h };
}

static inline float sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }

/* One layer over its input projections, already in S (bias included): step by step,
 * A_t = X_t + h_{t−1}·Wh (the product accumulated onto X_t), then the gates and states in place. */
static void layer_forward(const lstm_t *m, const float *Wh, int n, steps_t s) {
  const int h = m->h, T = m->T, G = 4 * h;
  for (int t = 0; t < T; t++) {
    float *A = s.S + (size_t)t * n * G;
    if (t > 0) mm(0, 0, n, G, h, s.H + (size_t)(t - 1) * n * h, Wh, A, 1);
    float *c = s.C + (size_t)t * n * h, *tc = s.TC + (size_t)t * n * h, *hh = s.H + (size_t)t * n * h;
    const float *cp = t > 0 ? s.C + (size_t)(t - 1) * n * h : NULL;
    for (int b = 0; b < n; b++) {
      float *a = A + (size_t)b * G;
      for (int j = 0; j < h; j++) {
        a[j] = sigmoidf(a[j]);
        a[h + j] = sigmoidf(a[h + j]);
        a[2 * h + j] = tanhf(a[2 * h + j]);
        a[3 * h + j] = sigmoidf(a[3 * h + j]);
      }
      float *cr = c + (size_t)b * h, *tr = tc + (size_t)b * h, *hr = hh + (size_t)b * h;
      const float *cpr = cp ? cp + (size_t)b * h : NULL;
      for (int j = 0; j < h; j++) {
        const float ig = a[j] * a[2 * h + j];
        cr[j] = cpr ? a[h + j] * cpr[j] + ig : ig;
        tr[j] = tanhf(cr[j]);
        hr[j] = a[3 * h + j] * tr[j];
      }
    }
  }
}

static void add_rows(float *X, size_t rows, int w, const float *b) {
  for (size_t i = 0; i < rows; i++) { float *r = X + i * w; for (int j = 0; j < w; j++) r[j] += b[j]; }
}

static void lstm_forward(const model_t *mm_, const float *eff, const data_t *d, float *cache, float *out) {
  const lstm_t *m = (const lstm_t *)mm_;
  const int n = d->n, h = m->h, G = 4 * h, T = m->T;
  const size_t TB = (size_t)T * n;
  steps_t l1 = layer(m, cache, n, 0), l2 = layer(m, cache, n, 1);
  float *P1 = cache + 2 * layer_floats(m, n);
  mm(0, 0, m->V, G, m->e, eff + m->oE, eff + m->oWx1, P1, 0);
  add_rows(P1, m->V, G, eff + m->ob1);
  for (size_t r = 0; r < TB; r++) memcpy(l1.S + r * G, P1 + (size_t)d->tok[r] * G, sizeof(float) * G);
  layer_forward(m, eff + m->oWh1, n, l1);
  mm(0, 0, (int)TB, G, h, l1.H, eff + m->oWx2, l2.S, 0);
  add_rows(l2.S, TB, G, eff + m->ob2);
  layer_forward(m, eff + m->oWh2, n, l2);
  mm(0, 0, n, m->k, h, l2.H + (size_t)(T - 1) * n * h, eff + m->oWo, out, 0);
  add_rows(out, n, m->k, eff + m->obo);
}

/* BPTT through one layer into dA [T·B, 4h], with E (or NULL) the gradient reaching each h_t from
 * above, [T·B, h], and eLast (or NULL) the one reaching h_{T−1} only. dh, dc: [B, h] scratch. */
static void layer_backward(const lstm_t *m, const float *Wh, int n, steps_t s, const float *E, const float *eLast, float *dA, float *dh, float *dc) {
  const int h = m->h, T = m->T, G = 4 * h;
  for (int t = T - 1; t >= 0; t--) {
    /* dh_t = e_t + dA_{t+1}·Whᵀ */
    const float *et = E ? E + (size_t)t * n * h : t == T - 1 ? eLast : NULL;
    if (t < T - 1) {
      mm(0, 1, n, h, G, dA + (size_t)(t + 1) * n * G, Wh, dh, 0);
      if (et) for (size_t i = 0; i < (size_t)n * h; i++) dh[i] = et[i] + dh[i];
    } else memcpy(dh, et, sizeof(float) * n * h);
    const float *S = s.S + (size_t)t * n * G, *tc = s.TC + (size_t)t * n * h;
    const float *cp = t > 0 ? s.C + (size_t)(t - 1) * n * h : NULL;
    float *a = dA + (size_t)t * n * G;
    for (int b = 0; b < n; b++) {
      const float *g = S + (size_t)b * G, *tr = tc + (size_t)b * h, *cpr = cp ? cp + (size_t)b * h : NULL;
      const float *dhr = dh + (size_t)b * h;
      float *dcr = dc + (size_t)b * h, *ar = a + (size_t)b * G;
      for (int j = 0; j < h; j++) {
        const float i = g[j], f = g[h + j], gg = g[2 * h + j], o = g[3 * h + j], th = tr[j];
        /* dc_t = dh_t ⊙ o(1 − tanh²c) + dc_{t+1} ⊙ f_{t+1} (dc holds the latter from the step before) */
        const float po = o * (1.0f - th * th);
        const float dhpo = dhr[j] * po;
        const float dcj = t < T - 1 ? dhpo + dcr[j] : dhpo;
        const float cpv = cpr ? cpr[j] : 0.0f;
        ar[j] = dcj * (gg * (i * (1.0f - i)));
        ar[h + j] = dcj * (cpv * (f * (1.0f - f)));
        ar[2 * h + j] = dcj * (i * (1.0f - gg * gg));
        ar[3 * h + j] = dhr[j] * (th * (o * (1.0f - o)));
        dcr[j] = dcj * f;
      }
    }
  }
}

static void col_sums(const float *X, size_t rows, int w, float *s) {
  memset(s, 0, sizeof(float) * w);
  for (size_t i = 0; i < rows; i++) { const float *r = X + i * w; for (int j = 0; j < w; j++) s[j] += r[j]; }
}

static void lstm_backward(const model_t *mm_, const float *eff, const data_t *d, float *cache, const float *Gout, float *grad) {
  const lstm_t *m = (const lstm_t *)mm_;
  const int n = d->n, h = m->h, G = 4 * h, T = m->T, k = m->k;
  const size_t TB = (size_t)T * n, TB1 = (size_t)(T - 1) * n;
  steps_t l1 = layer(m, cache, n, 0), l2 = layer(m, cache, n, 1);
  float *dP1 = cache + 2 * layer_floats(m, n), *dA = dP1 + (size_t)m->V * G, *dH1 = dA + TB * G, *dh = dH1 + TB * h, *dc = dh + (size_t)n * h;
  const float *hLast = l2.H + TB1 * h;
  mm(1, 0, h, k, n, hLast, Gout, grad + m->oWo, 0);
  col_sums(Gout, n, k, grad + m->obo);
  float *eLast = dH1;  /* dH1 is written only after layer 2's BPTT */
  mm(0, 1, n, h, k, Gout, eff + m->oWo, eLast, 0);
  layer_backward(m, eff + m->oWh2, n, l2, NULL, eLast, dA, dh, dc);
  mm(1, 0, h, G, (int)TB, l1.H, dA, grad + m->oWx2, 0);
  /* Hprev's first block is 0, so its rows add nothing: step t ≥ 1's dA against h_{t−1} */
  if (T > 1) mm(1, 0, h, G, (int)TB1, l2.H, dA + (size_t)n * G, grad + m->oWh2, 0);
  else memset(grad + m->oWh2, 0, sizeof(float) * h * G);
  col_sums(dA, TB, G, grad + m->ob2);
  mm(0, 1, (int)TB, h, G, dA, eff + m->oWx2, dH1, 0);
  layer_backward(m, eff + m->oWh1, n, l1, dH1, NULL, dA, dh, dc);
  if (T > 1) mm(1, 0, h, G, (int)TB1, l1.H, dA + (size_t)n * G, grad + m->oWh1, 0);
  else memset(grad + m->oWh1, 0, sizeof(float) * h * G);
  /* dP1: the steps' rows added into their tokens' rows, in row order */
  memset(dP1, 0, sizeof(float) * (size_t)m->V * G);
  for (size_t r = 0; r < TB; r++) {
    float *row = dP1 + (size_t)d->tok[r] * G;
    const float *x = dA + r * G;
    for (int j = 0; j < G; j++) row[j] += x[j];
  }
  col_sums(dP1, m->V, G, grad + m->ob1);
  mm(1, 0, m->e, G, m->V, eff + m->oE, dP1, grad + m->oWx1, 0);
  mm(0, 1, m->V, m->e, G, dP1, eff + m->oWx1, grad + m->oE, 0);
}

static void lstm_destroy(model_t *m) { free(m); }

/* src/models/lstm.ts: dims [vocab, positions, dEmb, dHidden, outputs] */
model_t *make_lstm(const int *dims, int ndims, char *err, size_t errlen) {
  if (ndims != 5 || dims[0] < 1 || dims[1] < 1 || dims[2] < 1 || dims[3] < 1 || dims[4] < 1) {
    snprintf(err, errlen, "lstm: dims must be [vocab, positions, dEmb, dHidden, outputs] ≥ 1");
    return NULL;
  }
  lstm_t *m = calloc(1, sizeof *m);
  if (!m) { snprintf(err, errlen, "lstm: out of memory"); return NULL; }
  m->V = dims[0]; m->T = dims[1]; m->e = dims[2]; m->h = dims[3]; m->k = dims[4];
  const size_t V = m->V, e = m->e, h = m->h, k = m->k, G = 4 * h;
  size_t off = 0;
  m->oE = off; off += V * e;
  m->oWx1 = off; off += e * G;
  m->oWh1 = off; off += h * G;
  m->ob1 = off; off += G;
  m->oWx2 = off; off += h * G;
  m->oWh2 = off; off += h * G;
  m->ob2 = off; off += G;
  m->oWo = off; off += h * k;
  m->obo = off; off += k;
  m->base = (model_t){ "lstm", m->k, off, lstm_cache, lstm_forward, lstm_backward, lstm_destroy };
  return &m->base;
}
