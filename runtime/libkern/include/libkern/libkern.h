/* libkern: the object model, value types, collections and XML plists. */
#ifndef LIBKERN_LIBKERN_H
#define LIBKERN_LIBKERN_H

#include "libkern/OSObject.h"
#include "libkern/OSTypes.h"
#include "libkern/OSCollections.h"
#include "libkern/OSSerialize.h"

#endif
