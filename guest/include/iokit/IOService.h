/* IOService: a registry entry that takes part in matching and the driver
 * lifecycle.
 *
 * A nub (a provider) calls IOService_register_service; the matching engine
 * (IOCatalogue.h) finds the personalities whose IOProviderClass is in the
 * nub's class chain, tests each passively, ranks the matches per
 * IOMatchCategory by score and, for each category, instantiates the
 * candidates (IOClass) in score order: init(personality), attach(nub),
 * probe (which may change the score or refuse); then start in the order of
 * the probed scores; the first start that succeeds wins the category, the
 * rest are detached and freed.  Termination walks the subtree: every
 * client is marked inactive top-down, then stopped and detached bottom-up.
 *
 * A driver is a class whose struct embeds IOService (or a subclass) first,
 * defined with OSDefineMetaClass and an IOServiceMethods table; methods it
 * leaves NULL are inherited.  Example: tests/guest/iokit/testdrivers.c.
 *
 * Busy state: a service is busy while matching on it is pending or
 * running, and the count propagates to its providers (IOKit's
 * adjustBusy), so IOService_wait_quiet on the root waits for all matching.
 *
 * State changes happen only on the matching work loop (the kernel's
 * iokit-matching thread; on the host, IOService_run_matching). */
#ifndef IOKIT_IOSERVICE_H
#define IOKIT_IOSERVICE_H

#include "iokit/IOKitKeys.h"
#include "iokit/IORegistryEntry.h"

typedef struct IOService IOService;

/* State bits (IOService.state). */
#define kIOServiceRegisteredState   0x1u    /* register_service called */
#define kIOServiceMatchedState      0x2u    /* matching has run on it */
#define kIOServiceStartedState      0x4u    /* a driver: start succeeded */
#define kIOServiceInactiveState     0x8u    /* terminating or terminated */

struct IOService {
    IORegistryEntry entry;
    uint32_t state;
    int32_t busy;                   /* own + descendants' pending work */
    IOService *provider;            /* the nub a driver is attached to */
    IOService *match_next;          /* matching queue link */
    bool match_queued;
};

/* Virtual methods.  Each may be NULL (inherit).  Defaults (IOService's):
 * init copies the personality into the properties; probe returns the
 * service unchanged; start returns true; stop does nothing;
 * match_property_table applies the family keys of the nub's class chain
 * (PCI for IOPCIDevice, USB for IOUSBHostDevice/IOUSBHostInterface). */
typedef struct IOServiceMethods {
    bool (*init)(IOService *svc, OSDictionary *personality);
    /* Return svc (or another instance) to stay a candidate, NULL to drop
     * out; *score may be raised or lowered. */
    IOService *(*probe)(IOService *svc, IOService *provider, int32_t *score);
    bool (*start)(IOService *svc, IOService *provider);
    void (*stop)(IOService *svc, IOService *provider);
    /* Called on the nub: does table (a personality) match this nub on the
     * nub family's keys?  May add to *score.  On a mismatch set
     * *rejected_key (a key of table) and write why into reason. */
    bool (*match_property_table)(IOService *nub, OSDictionary *table,
                                 int32_t *score, const char **rejected_key,
                                 char *reason, size_t reason_size);
    /* Called on a service before its subtree is stopped (may be NULL). */
    void (*will_terminate)(IOService *svc, IOService *provider);
} IOServiceMethods;

OSDeclareMetaClass(IOService);
/* IOResources: the nub for drivers with no hardware; its properties are
 * the published resources (IOResourceMatch). */
typedef struct IOResources { IOService service; } IOResources;
OSDeclareMetaClass(IOResources);

/* Create IOResources under the root and register it.  After IORegistry_init
 * and IOCatalogue_init. */
bool IOService_init_resources(void);
IOService *IOService_get_resource_service(void);
/* Publish (or replace) a resource: a property of IOResources; IOResources is
 * matched again, so drivers waiting on IOResourceMatch start. */
bool IOService_publish_resource(const char *key, const void *value);

/* The dispatchers (call through the class's IOServiceMethods). */
bool IOService_init(IOService *svc, OSDictionary *personality);
IOService *IOService_probe(IOService *svc, IOService *provider, int32_t *score);
bool IOService_start(IOService *svc, IOService *provider);
void IOService_stop(IOService *svc, IOService *provider);
bool IOService_match_property_table(IOService *nub, OSDictionary *table,
                                    int32_t *score, const char **rejected_key,
                                    char *reason, size_t reason_size);

/* attach: svc becomes a client of provider in the IOService plane (and
 * svc->provider is set). */
bool IOService_attach(IOService *svc, IOService *provider);
void IOService_detach(IOService *svc, IOService *provider);
IOService *IOService_get_provider(const IOService *svc);

/* Publish svc and queue matching on it (asynchronous). */
void IOService_register_service(IOService *svc);
/* Terminate svc and everything under it in the IOService plane: marked
 * inactive top-down, stopped and detached bottom-up, svc detached from
 * its provider.  Asynchronous like register_service.  false if already
 * inactive. */
bool IOService_terminate(IOService *svc);
bool IOService_is_inactive(const IOService *svc);
uint32_t IOService_get_state(const IOService *svc);
/* "registered, matched, active" as ioreg shows it. */
void IOService_state_string(const IOService *svc, char *buf, size_t size);

int32_t IOService_get_busy_state(const IOService *svc);
/* Add delta to svc's busy count and each of its providers' (up to the
 * root). */
void IOService_adjust_busy(IOService *svc, int32_t delta);
/* Wait until svc is not busy: kIOReturnSuccess, or kIOReturnTimeout after
 * timeout_ms.  Kernel: sleeps; host: runs the pending matching. */
IOReturn IOService_wait_quiet(IOService *svc, uint64_t timeout_ms);

/* The registered, active services that match `matching` (a personality-
 * style dictionary: IOProviderClass and any other matching key), in
 * registry ID order.  +1 array (possibly empty); NULL if out of memory. */
OSArray *IOService_copy_matching_services(OSDictionary *matching);
/* { IOProviderClass: name } (+1). */
OSDictionary *IOService_service_matching(const char *class_name);
/* { IONameMatch: name } (+1). */
OSDictionary *IOService_name_matching(const char *name);

/* --- The platform's work loop (kernel: guest/iokit/workloop.c; host:
 * guest/iokit/host/workloop_host.c) --- */
/* Queue matching or termination work for svc; busy has been raised. */
void iokit_workloop_queue(IOService *svc);
/* Wake anyone in IOService_wait_quiet (busy counts changed). */
void iokit_workloop_busy_changed(void);

/* Run queued matching until the queue is empty (the work loop's body);
 * returns how many services it processed. */
unsigned IOService_run_matching(void);

#endif
