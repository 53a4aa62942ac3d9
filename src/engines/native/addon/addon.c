/* N-API glue: a session holds one run's tensors in native memory; JS calls one function per step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <cblas.h>
#include "engine.h"

extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);
extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);

typedef struct {
  data_t d;
  int32_t *tok; float *x; int32_t *labels; float *targets;
  float *cache, *out;
  int cap;  /* examples the buffers hold */
} set_t;

typedef struct {
  model_t *model;
  loss_kind loss;
  size_t P;
  float *theta, *mask, *eff, *m, *v, *grad, *G;
  long step;
  adamw_cfg cfg;
  set_t sets[3];  /* train, test, a minibatch */
  int pending;    /* a forward on the training set waits for its update */
} session_t;

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "grok native: N-API call failed: " #call); return NULL; } } while (0)
#define FAIL(...) do { char msg_[512]; snprintf(msg_, sizeof msg_, __VA_ARGS__); napi_throw_error(env, NULL, msg_); return NULL; } while (0)

static void free_set(set_t *s) { free(s->tok); free(s->x); free(s->labels); free(s->targets); free(s->cache); free(s->out); memset(s, 0, sizeof *s); }

static void free_session(session_t *s) {
  if (!s) return;
  for (int i = 0; i < 3; i++) free_set(&s->sets[i]);
  free(s->theta); free(s->mask); free(s->eff); free(s->m); free(s->v); free(s->grad); free(s->G);
  if (s->model) s->model->destroy(s->model);
  free(s);
}

static void finalize(napi_env env, void *data, void *hint) { (void)env; (void)hint; free_session((session_t *)data); }

/* typed array of the given type and length (len < 0: any length); returns its data, NULL on mismatch */
static void *typed(napi_env env, napi_value v, napi_typedarray_type want, long want_len, size_t *len_out) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return NULL;
  napi_typedarray_type t; size_t len; void *data; napi_value ab; size_t off;
  if (napi_get_typedarray_info(env, v, &t, &len, &data, &ab, &off) != napi_ok || t != want) return NULL;
  if (want_len >= 0 && (long)len != want_len) return NULL;
  if (len_out) *len_out = len;
  return data;
}

static napi_value prop(napi_env env, napi_value obj, const char *name) {
  napi_value v = NULL; napi_get_named_property(env, obj, name, &v); return v;
}
static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t; if (!v || napi_typeof(env, v, &t) != napi_ok) return 1; return t == napi_null || t == napi_undefined;
}
static double num(napi_env env, napi_value obj, const char *name) {
  double x = NAN; napi_get_value_double(env, prop(env, obj, name), &x); return x;
}

static void *dup(const void *src, size_t bytes) { void *p = malloc(bytes ? bytes : 1); if (p && src) memcpy(p, src, bytes); return p; }

static int alloc_set_buffers(session_t *s, set_t *set, int cap) {
  set->cap = cap;
  set->cache = malloc(sizeof(float) * (s->model->cache_floats(s->model, cap) + 1));
  set->out = malloc(sizeof(float) * ((size_t)cap * s->model->out + 1));
  return set->cache && set->out;
}

/* {n, positions, tok, dim, x, labels, targets} → a set owning copies of its arrays */
static const char *read_set(napi_env env, napi_value o, session_t *s, set_t *set) {
  int n = (int)num(env, o, "n"), positions = (int)num(env, o, "positions"), dim = (int)num(env, o, "dim");
  if (!(n >= 1)) return "a data set needs n ≥ 1 examples";
  int out = s->model->out;
  set->d.n = n; set->d.positions = positions > 0 ? positions : 0; set->d.dim = dim > 0 ? dim : 0;
  if (set->d.positions) {
    int32_t *t = typed(env, prop(env, o, "tok"), napi_int32_array, (long)n * set->d.positions, NULL);
    if (!t) return "tok must be an Int32Array of positions·n tokens";
    set->tok = dup(t, sizeof(int32_t) * (size_t)n * set->d.positions);
  }
  if (set->d.dim) {
    float *x = typed(env, prop(env, o, "x"), napi_float32_array, (long)n * set->d.dim, NULL);
    if (!x) return "x must be a Float32Array of n·dim values";
    set->x = dup(x, sizeof(float) * (size_t)n * set->d.dim);
  }
  napi_value lab = prop(env, o, "labels"), tar = prop(env, o, "targets");
  if (!is_nullish(env, lab)) {
    int32_t *l = typed(env, lab, napi_int32_array, n, NULL);
    if (!l) return "labels must be an Int32Array of n labels";
    set->labels = dup(l, sizeof(int32_t) * n);
  }
  if (!is_nullish(env, tar)) {
    float *t = typed(env, tar, napi_float32_array, (long)n * out, NULL);
    if (!t) return "targets must be a Float32Array of n·outputs values";
    set->targets = dup(t, sizeof(float) * (size_t)n * out);
  }
  if ((s->loss == LOSS_CE || s->loss == LOSS_BCE) && !set->labels) return "this loss needs labels";
  if (s->loss == LOSS_MSE && !set->targets) return "mse needs targets";
  set->d.tok = set->tok; set->d.x = set->x; set->d.labels = set->labels; set->d.targets = set->targets;
  if (!alloc_set_buffers(s, set, n)) return "out of memory for a data set's buffers";
  return NULL;
}

static napi_value open_session(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value spec;
  CHECK(napi_get_cb_info(env, info, &argc, &spec, NULL, NULL));
  char name[64]; size_t nl;
  if (napi_get_value_string_utf8(env, prop(env, spec, "model"), name, sizeof name, &nl) != napi_ok) FAIL("grok native: spec.model must be a string");
  model_ctor make = find_model(name);
  if (!make) FAIL("grok native: no native kernel for model %s", name);
  size_t ndims; int32_t *dims = typed(env, prop(env, spec, "dims"), napi_int32_array, -1, &ndims);
  if (!dims) FAIL("grok native: spec.dims must be an Int32Array");
  session_t *s = calloc(1, sizeof *s);
  if (!s) FAIL("grok native: out of memory");
  char err[256] = "";
  s->model = make(dims, (int)ndims, err, sizeof err);
  if (!s->model) { free_session(s); FAIL("grok native: %s", err); }
  s->loss = (loss_kind)(int)num(env, spec, "loss");
  s->P = s->model->nparams;
  const size_t P = s->P;
  float *theta = typed(env, prop(env, spec, "theta"), napi_float32_array, (long)P, NULL);
  if (!theta) { free_session(s); FAIL("grok native: theta must be a Float32Array of %zu weights", P); }
  s->theta = dup(theta, sizeof(float) * P);
  napi_value mk = prop(env, spec, "mask");
  if (!is_nullish(env, mk)) {
    float *mask = typed(env, mk, napi_float32_array, (long)P, NULL);
    if (!mask) { free_session(s); FAIL("grok native: mask must be a Float32Array of %zu entries", P); }
    s->mask = dup(mask, sizeof(float) * P);
  }
  s->eff = malloc(sizeof(float) * P); s->grad = malloc(sizeof(float) * P);
  s->m = calloc(P, sizeof(float)); s->v = calloc(P, sizeof(float));
  napi_value mv = prop(env, spec, "m"), vv = prop(env, spec, "v");
  if (!is_nullish(env, mv)) {
    float *m = typed(env, mv, napi_float32_array, (long)P, NULL), *v = typed(env, vv, napi_float32_array, (long)P, NULL);
    if (!m || !v) { free_session(s); FAIL("grok native: m and v must be Float32Arrays of %zu entries", P); }
    memcpy(s->m, m, sizeof(float) * P); memcpy(s->v, v, sizeof(float) * P);
  }
  s->step = (long)num(env, spec, "step");
  napi_value o = prop(env, spec, "optim");
  s->cfg.lr_d = num(env, o, "lr"); s->cfg.beta1_d = num(env, o, "beta1"); s->cfg.beta2_d = num(env, o, "beta2"); s->cfg.wd_d = num(env, o, "weightDecay");
  s->cfg.eps = (float)num(env, o, "eps");
  const char *why;
  if ((why = read_set(env, prop(env, spec, "train"), s, &s->sets[0])) || (why = read_set(env, prop(env, spec, "test"), s, &s->sets[1]))) {
    free_session(s); FAIL("grok native: %s", why);
  }
  s->G = malloc(sizeof(float) * ((size_t)s->sets[0].d.n * s->model->out + 1));
  if (!s->eff || !s->grad || !s->m || !s->v || !s->G) { free_session(s); FAIL("grok native: out of memory"); }
  napi_value ext;
  CHECK(napi_create_external(env, s, finalize, NULL, &ext));
  return ext;
}

static session_t *get_session(napi_env env, napi_value v) {
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || !p) { napi_throw_error(env, NULL, "grok native: not an open session"); return NULL; }
  session_t *s = p;
  if (!s->model) { napi_throw_error(env, NULL, "grok native: session is closed"); return NULL; }
  return s;
}

/* the weights the network computes with: θ ⊙ M, or θ itself without a mask (no copy) */
static const float *effective(session_t *s) {
  if (!s->mask) return s->theta;
  for (size_t i = 0; i < s->P; i++) s->eff[i] = s->theta[i] * s->mask[i];
  return s->eff;
}

static napi_value metrics_value(napi_env env, metrics_t r) {
  napi_value ab, arr; void *data;
  if (napi_create_arraybuffer(env, 3 * sizeof(double), &data, &ab) != napi_ok) return NULL;
  double *d = data; d[0] = r.loss; d[1] = r.acc; d[2] = r.finite;
  if (napi_create_typedarray(env, napi_float64_array, 3, ab, 0, &arr) != napi_ok) return NULL;
  return arr;
}

/* forward(s, which: 0 train | 1 test, wantLoss) → Float64Array [loss, accuracy, finite] */
static napi_value forward(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value a[3];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  session_t *s = get_session(env, a[0]); if (!s) return NULL;
  int which; bool want; CHECK(napi_get_value_int32(env, a[1], &which)); CHECK(napi_get_value_bool(env, a[2], &want));
  if (which != 0 && which != 1) FAIL("grok native: forward on set %d (0 train, 1 test)", which);
  set_t *set = &s->sets[which];
  s->model->forward(s->model, effective(s), &set->d, set->cache, set->out);
  if (which == 0) s->pending = 1;
  return metrics_value(env, loss_metrics(s->loss, set->out, &set->d, s->model->out, want));
}

/* after a forward on `set` at the current θ: ∂L/∂θ_eff, masked, then AdamW */
static void descend(session_t *s, set_t *set) {
  loss_grad(s->loss, set->out, &set->d, s->model->out, s->G);
  s->model->backward(s->model, s->mask ? s->eff : s->theta, &set->d, set->cache, s->G, s->grad);
  if (s->mask) for (size_t i = 0; i < s->P; i++) s->grad[i] *= s->mask[i];
  s->step += 1;
  adamw_step(&s->cfg, s->step, s->P, s->theta, s->m, s->v, s->grad);
}

/* update(s): the optimiser step from the last forward on the training set */
static napi_value update(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  session_t *s = get_session(env, a[0]); if (!s) return NULL;
  if (!s->pending) FAIL("grok native: update without a forward on the training set");
  s->pending = 0;
  descend(s, &s->sets[0]);
  return NULL;
}

/* stepOn(s, idx Int32Array): one step on these training examples (a minibatch) */
static napi_value step_on(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value a[2];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  session_t *s = get_session(env, a[0]); if (!s) return NULL;
  size_t k; int32_t *idx = typed(env, a[1], napi_int32_array, -1, &k);
  const data_t *tr = &s->sets[0].d;
  if (!idx || k < 1 || (int)k > tr->n) FAIL("grok native: stepOn needs 1…%d training indices", tr->n);
  for (size_t i = 0; i < k; i++) if (idx[i] < 0 || idx[i] >= tr->n) FAIL("grok native: index %d outside the training set", idx[i]);
  set_t *mb = &s->sets[2];
  const int out = s->model->out;
  if (mb->cap < (int)k) {
    free_set(mb);
    mb->tok = tr->positions ? malloc(sizeof(int32_t) * k * tr->positions) : NULL;
    mb->x = tr->dim ? malloc(sizeof(float) * k * tr->dim) : NULL;
    mb->labels = tr->labels ? malloc(sizeof(int32_t) * k) : NULL;
    mb->targets = tr->targets ? malloc(sizeof(float) * k * out) : NULL;
    if (!alloc_set_buffers(s, mb, (int)k)) FAIL("grok native: out of memory for a minibatch");
  }
  data_t *d = &mb->d;
  *d = (data_t){ (int)k, tr->positions, mb->tok, tr->dim, mb->x, mb->labels, mb->targets };
  for (size_t i = 0; i < k; i++) {
    int r = idx[i];
    for (int j = 0; j < tr->positions; j++) mb->tok[(size_t)j * k + i] = tr->tok[(size_t)j * tr->n + r];
    if (tr->dim) memcpy(mb->x + i * tr->dim, tr->x + (size_t)r * tr->dim, sizeof(float) * tr->dim);
    if (tr->labels) mb->labels[i] = tr->labels[r];
    if (tr->targets) memcpy(mb->targets + i * out, tr->targets + (size_t)r * out, sizeof(float) * out);
  }
  s->model->forward(s->model, effective(s), d, mb->cache, mb->out);
  descend(s, mb);
  s->pending = 0;
  return NULL;
}

static napi_value f32(napi_env env, const float *src, size_t n) {
  napi_value ab, arr; void *data;
  if (napi_create_arraybuffer(env, n * sizeof(float), &data, &ab) != napi_ok) return NULL;
  memcpy(data, src, n * sizeof(float));
  if (napi_create_typedarray(env, napi_float32_array, n, ab, 0, &arr) != napi_ok) return NULL;
  return arr;
}

/* state(s) → {theta, m, v, step}: copies */
static napi_value state(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1], o, st;
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  session_t *s = get_session(env, a[0]); if (!s) return NULL;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_set_named_property(env, o, "theta", f32(env, s->theta, s->P)));
  CHECK(napi_set_named_property(env, o, "m", f32(env, s->m, s->P)));
  CHECK(napi_set_named_property(env, o, "v", f32(env, s->v, s->P)));
  CHECK(napi_create_double(env, (double)s->step, &st));
  CHECK(napi_set_named_property(env, o, "step", st));
  return o;
}

/* theta(s) → θ only (snapshots and norms) */
static napi_value theta(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  session_t *s = get_session(env, a[0]); if (!s) return NULL;
  return f32(env, s->theta, s->P);
}

/* output(s, which) → the last forward's output on that set (tests compare it with tfjs) */
static napi_value output(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value a[2];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  session_t *s = get_session(env, a[0]); if (!s) return NULL;
  int which; CHECK(napi_get_value_int32(env, a[1], &which));
  if (which != 0 && which != 1) FAIL("grok native: output of set %d (0 train, 1 test)", which);
  return f32(env, s->sets[which].out, (size_t)s->sets[which].d.n * s->model->out);
}

/* gradient(s) → ∂L/∂θ_eff (masked) of the training set at the current θ, without stepping */
static napi_value gradient(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  session_t *s = get_session(env, a[0]); if (!s) return NULL;
  set_t *set = &s->sets[0];
  const float *eff = effective(s);
  s->model->forward(s->model, eff, &set->d, set->cache, set->out);
  loss_grad(s->loss, set->out, &set->d, s->model->out, s->G);
  s->model->backward(s->model, eff, &set->d, set->cache, s->G, s->grad);
  if (s->mask) for (size_t i = 0; i < s->P; i++) s->grad[i] *= s->mask[i];
  s->pending = 0;
  return f32(env, s->grad, s->P);
}

static napi_value close_session(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value a[1];
  CHECK(napi_get_cb_info(env, info, &argc, a, NULL, NULL));
  void *p = NULL;
  if (napi_get_value_external(env, a[0], &p) != napi_ok || !p) return NULL;
  session_t *s = p;
  /* the external's finalizer frees the struct; here only what it points to */
  for (int i = 0; i < 3; i++) free_set(&s->sets[i]);
  free(s->theta); free(s->mask); free(s->eff); free(s->m); free(s->v); free(s->grad); free(s->G);
  if (s->model) s->model->destroy(s->model);
  memset(s, 0, sizeof *s);
  return NULL;
}

static napi_value lib_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o, v;
  CHECK(napi_create_object(env, &o));
  CHECK(napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, o, "corename", v));
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &v));
  CHECK(napi_set_named_property(env, o, "config", v));
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &v));
  CHECK(napi_set_named_property(env, o, "threads", v));
  return o;
}

static napi_value init(napi_env env, napi_value exports) {
  /* one thread: fixed summation order, and two runs share the two cores as two workers */
  openblas_set_num_threads(1);
  napi_property_descriptor d[] = {
    { "open", NULL, open_session, NULL, NULL, NULL, napi_default, NULL },
    { "forward", NULL, forward, NULL, NULL, NULL, napi_default, NULL },
    { "update", NULL, update, NULL, NULL, NULL, napi_default, NULL },
    { "stepOn", NULL, step_on, NULL, NULL, NULL, napi_default, NULL },
    { "state", NULL, state, NULL, NULL, NULL, napi_default, NULL },
    { "theta", NULL, theta, NULL, NULL, NULL, napi_default, NULL },
    { "output", NULL, output, NULL, NULL, NULL, napi_default, NULL },
    { "gradient", NULL, gradient, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, close_session, NULL, NULL, NULL, napi_default, NULL },
    { "info", NULL, lib_info, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
