#include <string.h>
#include "engine.h"

/* Each model file defines its constructor; a new model is one file and one line here. */
model_t *make_mlp(const int *dims, int ndims, char *err, size_t errlen);
model_t *make_transformer(const int *dims, int ndims, char *err, size_t errlen);

static const struct { const char *name; model_ctor make; } MODELS[] = {
  { "mlp", make_mlp },
  { "transformer", make_transformer },
};

model_ctor find_model(const char *name) {
  for (size_t i = 0; i < sizeof MODELS / sizeof MODELS[0]; i++) if (strcmp(MODELS[i].name, name) == 0) return MODELS[i].make;
  return NULL;
}
