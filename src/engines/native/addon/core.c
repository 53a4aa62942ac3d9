/* What every native model shares: the products, the losses of src/losses, and AdamW as src/optim. */
#include <math.h>
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

void loss_grad(loss_kind k, const float *out, const data_t *d, int c, float *G) {
  const int n = d->n;
  if (k == LOSS_CE) {
    /* src/losses/cross-entropy.ts: the label entry is −Σ(other probabilities), never p − 1 (which
     * rounds to 0 once p rounds to 1), then entries below n·FLT_MIN are flushed before ÷ n */
    const float limit = (float)((double)n * FLT_MIN);
    const float fn = (float)n;
    for (int i = 0; i < n; i++) {
      const float *x = out + (size_t)i * c;
      float *g = G + (size_t)i * c;
      const int y = d->labels[i];
      float mx = x[0];
      for (int j = 1; j < c; j++) if (x[j] > mx) mx = x[j];
      /* one float32 exp per entry (as the tfjs softmax), summed in float64 in class order */
      double se = 0;
      for (int j = 0; j < c; j++) { g[j] = expf(x[j] - mx); se += g[j]; }
      double others = 0;
      for (int j = 0; j < c; j++) {
        float p = j == y ? 0.0f : (float)(g[j] / se);
        g[j] = p;
        others += p;
      }
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
 * line one rounding; no contraction), so the same gradient gives the same bits as the tfjs engine */
void adamw_step(const adamw_cfg *cfg, long step, size_t n, float *theta, float *m, float *v, const float *g) {
  const float decay = (float)(1.0 - cfg->lr_d * cfg->wd_d);
  const float omb1 = (float)(1.0 - cfg->beta1_d), b2 = (float)cfg->beta2_d, omb2 = (float)(1.0 - cfg->beta2_d);
  const float eps = cfg->eps;
  const float step_size = (float)(cfg->lr_d / (1.0 - pow(cfg->beta1_d, (double)step)));
  const float bc2 = (float)sqrt(1.0 - pow(cfg->beta2_d, (double)step));
  const int decays = cfg->wd_d != 0;
  for (size_t i = 0; i < n; i++) {
    float gi = g[i];
    float th = decays ? theta[i] * decay : theta[i];
    float mi = m[i] + (gi - m[i]) * omb1;
    float vi = v[i] * b2 + (gi * gi) * omb2;
    float denom = sqrtf(vi) / bc2 + eps;
    m[i] = mi;
    v[i] = vi;
    theta[i] = th - (mi / denom) * step_size;
  }
}
