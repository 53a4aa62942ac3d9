/* What every native model shares: the products, the losses of src/losses, and AdamW as src/optim. */
#include <math.h>
#include <string.h>
#include <float.h>
#include <cblas.h>
#include "engine.h"

void mm(int transA, int transB, int M, int N, int K, const float *A, const float *B, float *C, int accumulate) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K, 1.0f, A,
              transA ? M : K, B, transB ? K : N, accumulate ? 1.0f : 0.0f, C, N);
}

static int argmax_row(const float *r, int c) {
  int best = 0;
  for (int j = 1; j < c; j++) if (r[j] > r[best]) best = j; /* first index on ties, as torch */
  return best;
}

static int all_finite(const float *x, size_t n) {
  for (size_t i = 0; i < n; i++) if (!isfinite(x[i])) return 0;
  return 1;
}

metrics_t loss_metrics(loss_kind k, const float *out, const data_t *d, int c, int want_loss) {
  metrics_t r = { NAN, NAN, all_finite(out, (size_t)d->n * c) };
  const int n = d->n;
  if (d->labels) {
    int correct = 0;
    for (int i = 0; i < n; i++) {
      int pred = k == LOSS_BCE ? (out[i] > 0 ? 1 : 0) : argmax_row(out + (size_t)i * c, c);
      if (pred == d->labels[i]) correct++;
    }
    r.acc = (double)correct / n;
  }
  if (!want_loss) return r;
  double s = 0;
  /* float64 sums in example order: the loss is logged, never differentiated, so exactness to the
   * float32 tfjs value is not needed, only a fixed order */
  if (k == LOSS_CE) {
    for (int i = 0; i < n; i++) {
      const float *x = out + (size_t)i * c;
      double mx = x[0];
      for (int j = 1; j < c; j++) if (x[j] > mx) mx = x[j];
      double se = 0;
      for (int j = 0; j < c; j++) se += exp((double)x[j] - mx);
      s += mx + log(se) - (double)x[d->labels[i]];
    }
    r.loss = s / n;
  } else if (k == LOSS_MSE) {
    for (size_t i = 0; i < (size_t)n * c; i++) { double e = (double)out[i] - d->targets[i]; s += e * e; }
    r.loss = s / ((double)n * c);
  } else {
    for (int i = 0; i < n; i++) {
      double z = out[i], y = d->labels[i];
      s += (z > 0 ? z : 0) - z * y + log1p(exp(-fabs(z)));
    }
    r.loss = s / n;
  }
  return r;
}

/*
 * exp(x) for x ≤ 0 in float32 (Cephes' expf: Cody–Waite reduction by ln 2, a degree-6 polynomial,
 * scaling by 2^n through the exponent bits; within 2 ulp of the exact value), written branch-free so
 * a softmax row vectorises; glibc's expf is a call per entry. Below −87.3 the result would be
 * subnormal: it is clamped to ~FLT_MIN, and such probabilities are flushed in the gradient anyway.
 */
static inline float exp_neg(float x) {
  x = x < -87.3f ? -87.3f : x;
  /* n = round(x / ln 2) by adding 1.5·2^23 (the sum's last bit is the integer), no floorf call */
  float t = x * 1.44269504088896341f + 12582912.0f;
  float n = t - 12582912.0f;
  int32_t tb;
  memcpy(&tb, &t, sizeof tb);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * (r * r) + r + 1.0f;
  int32_t sb = (tb - 0x4B400000 + 127) << 23;
  float scale;
  memcpy(&scale, &sb, sizeof scale);
  return y * scale;
}

void loss_grad(loss_kind k, const float *out, const data_t *d, int c, float *G) {
  const int n = d->n;
  if (k == LOSS_CE) {
    /* src/losses/cross-entropy.ts: the label entry is −Σ(other probabilities), never p − 1 (which
     * rounds to 0 once p rounds to 1), then entries below n·FLT_MIN are flushed before ÷ n */
    const float limit = (float)((double)n * FLT_MIN);
    const float fn = (float)n;
    for (int i = 0; i < n; i++) {
      const float *x = out + (size_t)i * c;
      float *restrict g = G + (size_t)i * c;
      const int y = d->labels[i];
      float mx = x[0];
      for (int j = 1; j < c; j++) mx = x[j] > mx ? x[j] : mx;
      for (int j = 0; j < c; j++) g[j] = exp_neg(x[j] - mx);
      /* sums in float64, class order: fixed, and no worse than tfjs's float32 */
      double se = 0;
      for (int j = 0; j < c; j++) se += g[j];
      const float inv = (float)(1.0 / se);
      g[y] = 0.0f;
      for (int j = 0; j < c; j++) g[j] = g[j] * inv;
      double others = 0;
      for (int j = 0; j < c; j++) others += g[j];
      g[y] = -(float)others;
      for (int j = 0; j < c; j++) g[j] = fabsf(g[j]) < limit ? 0.0f : g[j] / fn;
    }
  } else if (k == LOSS_MSE) {
    const float scale = (float)(2.0 / ((double)n * c));
    for (size_t i = 0; i < (size_t)n * c; i++) G[i] = (out[i] - d->targets[i]) * scale;
  } else {
    const float fn = (float)n;
    for (int i = 0; i < n; i++) {
      float z = out[i];
      float s = z >= 0 ? 1.0f / (1.0f + expf(-z)) : expf(z) / (1.0f + expf(z));
      G[i] = (s - (float)d->labels[i]) / fn;
    }
  }
}

/* torch 2.0 _single_tensor_adamw in float32, operation by operation as src/optim/adamw.ts (each
 * line one rounding; no contraction), so the same gradient gives the same bits as the tfjs engine.
 * The loop is plain elementwise float arithmetic, which the compiler vectorises without changing
 * any result (no reassociation: -ffp-contract=off, no fast-math; -fno-math-errno lets sqrtf vectorise). */
static void adamw_loop(size_t n, float *restrict theta, float *restrict m, float *restrict v, const float *restrict g, float decay, float omb1,
                       float b2, float omb2, float eps, float step_size, float bc2) {
  for (size_t i = 0; i < n; i++) {
    float gi = g[i];
    float th = theta[i] * decay;
    float mi = m[i] + (gi - m[i]) * omb1;
    float vi = v[i] * b2 + (gi * gi) * omb2;
    float denom = sqrtf(vi) / bc2 + eps;
    m[i] = mi;
    v[i] = vi;
    theta[i] = th - (mi / denom) * step_size;
  }
}

void adamw_step(const adamw_cfg *cfg, long step, size_t n, float *theta, float *m, float *v, const float *g) {
  const float decay = (float)(1.0 - cfg->lr_d * cfg->wd_d);
  const float omb1 = (float)(1.0 - cfg->beta1_d), b2 = (float)cfg->beta2_d, omb2 = (float)(1.0 - cfg->beta2_d);
  const float step_size = (float)(cfg->lr_d / (1.0 - pow(cfg->beta1_d, (double)step)));
  const float bc2 = (float)sqrt(1.0 - pow(cfg->beta2_d, (double)step));
  /* without weight decay θ is not multiplied at all (as the tfjs engine); θ·1 = θ exactly, so one loop serves */
  adamw_loop(n, theta, m, v, g, cfg->wd_d != 0 ? decay : 1.0f, omb1, b2, omb2, cfg->eps, step_size, bc2);
}
