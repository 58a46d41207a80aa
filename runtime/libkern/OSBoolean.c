/* OSBoolean: two immortal singletons, never allocated or freed. */
#include "lk_internal.h"

OSDefineMetaClass(OSBoolean, OSObject, NULL, NULL, NULL);

static OSBoolean boolean_true = {
    .obj = { .meta = &OSBoolean_metaClass, .retain_count = OS_RETAIN_IMMORTAL },
    .value = true,
};
static OSBoolean boolean_false = {
    .obj = { .meta = &OSBoolean_metaClass, .retain_count = OS_RETAIN_IMMORTAL },
    .value = false,
};

OSBoolean *const kOSBooleanTrue = &boolean_true;
OSBoolean *const kOSBooleanFalse = &boolean_false;

OSBoolean *OSBoolean_with_value(bool value)
{
    return value ? kOSBooleanTrue : kOSBooleanFalse;
}

bool OSBoolean_get_value(const OSBoolean *b)
{
    return b && b->value;
}
