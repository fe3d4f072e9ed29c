/* store.h - until every file includes registry.h. */
#include "registry.h"
