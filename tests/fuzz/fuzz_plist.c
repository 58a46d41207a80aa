/* libFuzzer target for the plist parser and serializer (built with clang
 * -fsanitize=fuzzer when available; see tests/unit/libkern/meson.build).
 * Any input that parses must serialize, reparse equal, and serialize again
 * byte-identical; nothing may leak (ASan's leak checker) or crash.
 *
 * The first directory receives new inputs, so give it a scratch one:
 *   mkdir -p /tmp/fz && build/tests/unit/libkern/fuzz_plist \
 *       -max_total_time=60 /tmp/fz tests/unit/libkern/corpus/good \
 *       tests/unit/libkern/corpus/bad */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libkern/libkern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    OSSerialize s1, s2;
    OSObject *a, *b;

    if (!ready)
        ready = libkern_init();
    a = OSUnserializeXML((const char *)data, size, NULL);
    if (!a)
        return 0;
    OSSerialize_init(&s1);
    OSSerialize_init(&s2);
    if (!OSSerialize_object_xml(&s1, a, 0))
        abort();
    b = OSUnserializeXML(s1.text, s1.length, NULL);
    if (!b || !OSObject_is_equal_to(a, b))
        abort();
    if (!OSSerialize_object_xml(&s2, b, 0) || s1.length != s2.length ||
        memcmp(s1.text, s2.text, s1.length) != 0)
        abort();
    OSObject_release(a);
    OSObject_release(b);
    OSSerialize_free(&s1);
    OSSerialize_free(&s2);
    return 0;
}
