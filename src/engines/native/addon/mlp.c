/* The paper MLP (src/models/mlp.ts has the math and the layout): θ = [W_U (d_emb×p), W_Eᵀ (p×d_emb),
 * W_inᵀ (d_emb×d_model), W_outᵀ (d_model×d_emb)], logits = ReLU(Pt[a] + Pt[b]) Qt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine.h"

typedef struct { model_t base; int p, dEmb, dModel; } mlp_t;

/* cache: Pt [p, dModel] | Qt [dModel, p] | Z [n, dModel] | H [n, dModel] | backward scratch */
static size_t mlp_cache(const model_t *mm_, int n) {
  const mlp_t *m = (const mlp_t *)mm_;
  size_t pm = (size_t)m->p * m->dModel;
  return 2 * pm + 2 * (size_t)n * m->dModel + /* dQt, dPt, dZ */ 2 * pm + (size_t)n * m->dModel;
}

static void mlp_forward(const model_t *mm_, const float *eff, const data_t *d, float *cache, float *out) {
  const mlp_t *m = (const mlp_t *)mm_;
  const int p = m->p, E = m->dEmb, D = m->dModel, n = d->n;
  const float *U = eff, *Et = U + (size_t)E * p, *Ain = Et + (size_t)p * E, *Bt = Ain + (size_t)E * D;
  float *Pt = cache, *Qt = Pt + (size_t)p * D, *Z = Qt + (size_t)D * p, *H = Z + (size_t)n * D;
  mm(0, 0, p, D, E, Et, Ain, Pt, 0);
  mm(0, 0, D, p, E, Bt, U, Qt, 0);
  const int32_t *a = d->tok, *b = d->tok + n;
  for (int i = 0; i < n; i++) {
    const float *pa = Pt + (size_t)a[i] * D, *pb = Pt + (size_t)b[i] * D;
    float *z = Z + (size_t)i * D, *h = H + (size_t)i * D;
    for (int j = 0; j < D; j++) { z[j] = pa[j] + pb[j]; h[j] = z[j] > 0 ? z[j] : 0.0f; }
  }
  mm(0, 0, n, p, D, H, Qt, out, 0);
}

static void mlp_backward(const model_t *mm_, const float *eff, const data_t *d, float *cache, const float *G, float *grad) {
  const mlp_t *m = (const mlp_t *)mm_;
  const int p = m->p, E = m->dEmb, D = m->dModel, n = d->n;
  const float *U = eff, *Et = U + (size_t)E * p, *Ain = Et + (size_t)p * E, *Bt = Ain + (size_t)E * D;
  float *Pt = cache, *Qt = Pt + (size_t)p * D, *Z = Qt + (size_t)D * p, *H = Z + (size_t)n * D;
  float *dQt = H + (size_t)n * D, *dPt = dQt + (size_t)D * p, *dZ = dPt + (size_t)p * D;
  (void)Pt;
  float *dU = grad, *dEt = dU + (size_t)E * p, *dAin = dEt + (size_t)p * E, *dBt = dAin + (size_t)E * D;
  mm(1, 0, D, p, n, H, G, dQt, 0);        /* dQt = Hᵀ G */
  mm(0, 1, n, D, p, G, Qt, dZ, 0);        /* G Qtᵀ */
  for (size_t i = 0; i < (size_t)n * D; i++) if (!(Z[i] > 0)) dZ[i] = 0.0f;
  /* scatter-add: rows a, then rows b, in example order (the order of the tfjs scatterND's AB) */
  memset(dPt, 0, sizeof(float) * (size_t)p * D);
  for (int t = 0; t < 2; t++) {
    const int32_t *tok = d->tok + (size_t)t * n;
    for (int i = 0; i < n; i++) {
      float *row = dPt + (size_t)tok[i] * D;
      const float *dz = dZ + (size_t)i * D;
      for (int j = 0; j < D; j++) row[j] += dz[j];
    }
  }
  mm(1, 0, E, p, D, Bt, dQt, dU, 0);      /* dU   = Btᵀ dQt   [E, p] */
  mm(0, 1, p, E, D, dPt, Ain, dEt, 0);    /* dEt  = dPt Ainᵀ  [p, E] */
  mm(1, 0, E, D, p, Et, dPt, dAin, 0);    /* dAin = Etᵀ dPt   [E, D] */
  mm(0, 1, D, E, p, dQt, U, dBt, 0);      /* dBt  = dQt Uᵀ    [D, E] */
}

static void mlp_destroy(model_t *m) { free(m); }

model_t *make_mlp(const int *dims, int ndims, char *err, size_t errlen) {
  if (ndims != 3 || dims[0] < 1 || dims[1] < 1 || dims[2] < 1) { snprintf(err, errlen, "mlp: dims must be [p, dEmb, dModel] ≥ 1"); return NULL; }
  mlp_t *m = calloc(1, sizeof *m);
  if (!m) { snprintf(err, errlen, "mlp: out of memory"); return NULL; }
  m->p = dims[0]; m->dEmb = dims[1]; m->dModel = dims[2];
  m->base = (model_t){ "mlp", m->p, (size_t)m->dEmb * m->p * 2 + (size_t)m->dEmb * m->dModel * 2, mlp_cache, mlp_forward, mlp_backward, mlp_destroy };
  return &m->base;
}
