#include <string.h>
#include "engine.h"

/* Each model file defines its constructor; a new model is one file and one line here. */
model_t *make_mnist_mlp(const int *, int, char *, size_t), *make_poly_mlp(const int *, int, char *, size_t), *make_relu_mlp(const int *, int, char *, size_t);
model_t *make_mlp(const int *dims, int ndims, char *err, size_t errlen);
model_t *make_transformer(const int *dims, int ndims, char *err, size_t errlen);
model_t *make_lstm(const int *dims, int ndims, char *err, size_t errlen);

static const struct { const char *name; model_ctor make; } MODELS[] = {
  { "mnist-mlp", make_mnist_mlp }, { "poly-mlp", make_poly_mlp }, { "relu-mlp", make_relu_mlp },
  { "mlp", make_mlp },
  { "transformer", make_transformer },
  { "lstm", make_lstm },
};

model_ctor find_model(const char *name) {
  for (size_t i = 0; i < sizeof MODELS / sizeof MODELS[0]; i++) if (strcmp(MODELS[i].name, name) == 0) return MODELS[i].make;
  return NULL;
}
