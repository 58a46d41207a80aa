/* Virtual test drivers for the in-kernel IOKit tests: IOTestNub (a nub the
 * tests create) and IOTestDriver with its subclasses IOTestGenericDriver and
 * IOTestVendorDriver.  Behaviour comes from the personality
 * (TestDrivers.kext/Info.plist):
 *   TestProbeScore  <integer>  probe() sets the score to it
 *   TestProbeFail   <true/>    probe() drops out
 *   TestStartFail   <true/>    start() fails
 *   TestChildren    <integer>  start() publishes that many IOTestNub
 *                              children of test-kind "leaf"
 * Every probe, start and stop is logged, in order, for the tests. */
#ifndef TESTS_GUEST_IOKIT_TESTDRIVERS_H
#define TESTS_GUEST_IOKIT_TESTDRIVERS_H

#include "iokit/IOService.h"

typedef struct IOTestNub {
    IOService service;
} IOTestNub;

typedef struct IOTestDriver {
    IOService service;
    bool started;
} IOTestDriver;

typedef struct IOTestGenericDriver { IOTestDriver driver; } IOTestGenericDriver;
typedef struct IOTestVendorDriver { IOTestDriver driver; } IOTestVendorDriver;

OSDeclareMetaClass(IOTestNub);
OSDeclareMetaClass(IOTestDriver);
OSDeclareMetaClass(IOTestGenericDriver);
OSDeclareMetaClass(IOTestVendorDriver);

#define IOTEST_LOG_MAX 64

struct iotest_event {
    char what[8];               /* "probe", "start", "stop" */
    char personality[24];       /* IOPersonalityName */
    uint64_t nub_id;            /* the provider's registry ID */
    uint64_t id;                /* the driver's registry ID */
};

extern struct iotest_event iotest_log[IOTEST_LOG_MAX];
extern unsigned iotest_log_count;
void iotest_log_reset(void);
/* Index of the first event what/personality at or after start, or -1. */
int iotest_log_find(const char *what, const char *personality, unsigned start);

#endif
