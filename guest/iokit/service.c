/* IOService: method dispatch, attach/detach, busy counts, the matching and
 * termination queue, the driver-matching loop and termination.  The
 * contract is guest/include/iokit/IOService.h.
 *
 * The queue: register_service and terminate put the service on one FIFO
 * (IOService.match_next, holding a reference and one busy count) and call
 * the platform's iokit_workloop_queue so the work loop wakes up;
 * IOService_run_matching, the work loop's body, drains the FIFO.  A queued
 * service that is inactive when its turn comes is terminated (stopped and
 * detached bottom-up); an active one is matched against gIOCatalogue.
 *
 * Single-threaded: everything here runs on the work loop (the kernel's
 * iokit-matching thread, or the host's caller). */
#include <libkern/platform.h>

#include "iokit_internal.h"

/* Private state bit: termination has stopped and detached this service. */
#define kIOServiceTerminatedPrivate 0x100u

/* --- Default methods ---------------------------------------------------- */

/* IOService_init has already copied the personality into the properties. */
static bool default_init(IOService *svc, OSDictionary *personality)
{
    (void)svc;
    (void)personality;
    return true;
}

static IOService *default_probe(IOService *svc, IOService *provider, int32_t *score)
{
    (void)provider;
    (void)score;
    return svc;
}

static bool default_start(IOService *svc, IOService *provider)
{
    (void)svc;
    (void)provider;
    return true;
}

static void default_stop(IOService *svc, IOService *provider)
{
    (void)svc;
    (void)provider;
}

/* The family keys of the nub's class chain. */
enum nub_family { FAMILY_NONE, FAMILY_PCI, FAMILY_USB_INTERFACE, FAMILY_USB_DEVICE };

/* The family whose keys apply to nubs of class meta, found by class name
 * in its chain.  Matching asks once per candidate, always for the same nub,
 * so the answer for the last class is kept (classes are never freed). */
static enum nub_family nub_family(IOService *nub)
{
    static const OSMetaClass *last_meta;
    static enum nub_family last_family;
    const OSMetaClass *meta = OSObject_get_meta_class(nub);

    if (meta != last_meta) {
        if (iokit_class_chain_has(nub, "IOPCIDevice"))
            last_family = FAMILY_PCI;
        else if (iokit_class_chain_has(nub, "IOUSBHostInterface"))
            last_family = FAMILY_USB_INTERFACE;
        else if (iokit_class_chain_has(nub, "IOUSBHostDevice"))
            last_family = FAMILY_USB_DEVICE;
        else
            last_family = FAMILY_NONE;
        last_meta = meta;
    }
    return last_family;
}

static bool default_match_property_table(IOService *nub, OSDictionary *table,
                                         int32_t *score, const char **rejected_key,
                                         char *reason, size_t reason_size)
{
    switch (nub_family(nub)) {
    case FAMILY_PCI:
        return IOMatch_pci_property_table(nub, table, score, rejected_key, reason,
                                          reason_size);
    case FAMILY_USB_INTERFACE:
        return IOMatch_usb_property_table(nub, table, true, score, rejected_key,
                                          reason, reason_size);
    case FAMILY_USB_DEVICE:
        return IOMatch_usb_property_table(nub, table, false, score, rejected_key,
                                          reason, reason_size);
    default:
        return true;
    }
}

static const IOServiceMethods IOService_methods = {
    .init = default_init,
    .probe = default_probe,
    .start = default_start,
    .stop = default_stop,
    .match_property_table = default_match_property_table,
    .will_terminate = NULL,
};

OSDefineMetaClass(IOService, IORegistryEntry, NULL, NULL, &IOService_methods);
OSDefineMetaClass(IOResources, IOService, NULL, NULL, NULL);

bool iokit_class_chain_has(const void *obj, const char *class_name)
{
    if (!obj || !class_name)
        return false;
    for (const OSMetaClass *m = OSObject_get_meta_class(obj); m; m = m->super) {
        if (strcmp(m->name, class_name) == 0)
            return true;
    }
    return false;
}

/* --- Dispatch ----------------------------------------------------------- */

/* The nearest non-NULL `field` up svc's class chain: each method is
 * inherited on its own, so a table that sets only start still gets its
 * superclass's probe.  IOService's table ends the walk. */
#define DEFINE_LOOKUP(field, type)                                          \
    static type lookup_##field(const IOService *svc)                        \
    {                                                                       \
        for (const OSMetaClass *m = OSObject_get_meta_class(svc); m;        \
             m = m->super) {                                                \
            const IOServiceMethods *t = m->methods;                         \
            if (t && t->field)                                              \
                return t->field;                                            \
            if (m == OSTypeID(IOService))                                   \
                break;                                                      \
        }                                                                   \
        return NULL;                                                        \
    }

typedef bool (*init_fn)(IOService *, OSDictionary *);
typedef IOService *(*probe_fn)(IOService *, IOService *, int32_t *);
typedef bool (*start_fn)(IOService *, IOService *);
typedef void (*stop_fn)(IOService *, IOService *);
typedef bool (*match_fn)(IOService *, OSDictionary *, int32_t *, const char **,
                         char *, size_t);
typedef void (*will_terminate_fn)(IOService *, IOService *);

DEFINE_LOOKUP(init, init_fn)
DEFINE_LOOKUP(probe, probe_fn)
DEFINE_LOOKUP(start, start_fn)
DEFINE_LOOKUP(stop, stop_fn)
DEFINE_LOOKUP(match_property_table, match_fn)
DEFINE_LOOKUP(will_terminate, will_terminate_fn)

static bool is_service(const void *obj)
{
    return obj && OSDynamicCast(IOService, obj) != NULL;
}

/* Gives the entry its registry ID and copies the personality into its
 * properties, then runs the class's init. */
bool IOService_init(IOService *svc, OSDictionary *personality)
{
    init_fn fn;

    if (!is_service(svc) || !IORegistryEntry_init(&svc->entry, personality))
        return false;
    fn = lookup_init(svc);
    return fn ? fn(svc, personality) : true;
}

IOService *IOService_probe(IOService *svc, IOService *provider, int32_t *score)
{
    int32_t scratch = 0;
    probe_fn fn;

    if (!is_service(svc))
        return NULL;
    fn = lookup_probe(svc);
    return fn ? fn(svc, provider, score ? score : &scratch) : svc;
}

bool IOService_start(IOService *svc, IOService *provider)
{
    start_fn fn;

    if (!is_service(svc))
        return false;
    fn = lookup_start(svc);
    return fn ? fn(svc, provider) : true;
}

void IOService_stop(IOService *svc, IOService *provider)
{
    stop_fn fn;

    if (is_service(svc) && (fn = lookup_stop(svc)))
        fn(svc, provider);
}

bool IOService_match_property_table(IOService *nub, OSDictionary *table,
                                    int32_t *score, const char **rejected_key,
                                    char *reason, size_t reason_size)
{
    int32_t scratch = 0;
    const char *scratch_key = NULL;
    match_fn fn;

    if (!is_service(nub) || !table)
        return false;
    if (reason && reason_size)
        reason[0] = '\0';
    fn = lookup_match_property_table(nub);
    return fn ? fn(nub, table, score ? score : &scratch,
                   rejected_key ? rejected_key : &scratch_key, reason, reason_size)
              : true;
}

/* --- Busy counts -------------------------------------------------------- */

/* The sum of every adjust_busy: what waiting on the root waits for. */
static int32_t g_busy_total;

/* Add delta to svc and each of its providers. */
static void chain_add_busy(IOService *svc, int32_t delta)
{
    for (unsigned d = 0; svc && d <= IOKIT_MAX_DEPTH; d++, svc = svc->provider)
        svc->busy += delta;
}

void IOService_adjust_busy(IOService *svc, int32_t delta)
{
    if (!delta)
        return;
    if (is_service(svc))
        chain_add_busy(svc, delta);
    g_busy_total += delta;
    iokit_workloop_busy_changed();
}

/* A service's count, or for anything else (NULL, the registry root) the
 * whole system's. */
int32_t IOService_get_busy_state(const IOService *svc)
{
    return is_service(svc) ? svc->busy : g_busy_total;
}

/* --- Attach and detach -------------------------------------------------- */

bool IOService_attach(IOService *svc, IOService *provider)
{
    if (!is_service(svc) || !is_service(provider) || IOService_is_inactive(provider))
        return false;
    if (!IORegistryEntry_attach_to_parent(&svc->entry, &provider->entry, gIOServicePlane))
        return false;
    if (!svc->provider) {
        svc->provider = provider;
        chain_add_busy(provider, svc->busy);
    }
    return true;
}

void IOService_detach(IOService *svc, IOService *provider)
{
    if (!is_service(svc) || !provider)
        return;
    OSObject_retain(svc);
    IORegistryEntry_detach_from_parent(&svc->entry, &provider->entry, gIOServicePlane);
    if (svc->provider == provider) {
        /* Pending work moves with the service to its next provider. */
        chain_add_busy(provider, -svc->busy);
        svc->provider = OSDynamicCast(
            IOService, IORegistryEntry_get_parent_entry(&svc->entry, gIOServicePlane));
        chain_add_busy(svc->provider, svc->busy);
    }
    OSObject_release(svc);
}

IOService *IOService_get_provider(const IOService *svc)
{
    return is_service(svc) ? svc->provider : NULL;
}

/* --- State -------------------------------------------------------------- */

bool IOService_is_inactive(const IOService *svc)
{
    return !is_service(svc) || (svc->state & kIOServiceInactiveState);
}

uint32_t IOService_get_state(const IOService *svc)
{
    return is_service(svc) ? svc->state : 0;
}

void IOService_state_string(const IOService *svc, char *buf, size_t size)
{
    uint32_t s = IOService_get_state(svc);

    if (!buf || !size)
        return;
    snprintf(buf, size, "%sregistered, %smatched, %s",
             (s & kIOServiceRegisteredState) ? "" : "!",
             (s & kIOServiceMatchedState) ? "" : "!",
             (s & kIOServiceInactiveState) ? "inactive" : "active");
}

/* --- The queue ---------------------------------------------------------- */

static IOService *g_queue_head, *g_queue_tail;

static void queue_work(IOService *svc)
{
    if (svc->match_queued)
        return;
    OSObject_retain(svc);
    svc->match_queued = true;
    svc->match_next = NULL;
    if (g_queue_tail)
        g_queue_tail->match_next = svc;
    else
        g_queue_head = svc;
    g_queue_tail = svc;
    IOService_adjust_busy(svc, 1);
    iokit_workloop_queue(svc);
}

void IOService_register_service(IOService *svc)
{
    if (!is_service(svc) || IOService_is_inactive(svc))
        return;
    if (IORegistryEntry_get_depth(&svc->entry, gIOServicePlane) < 0) {
        lk_log("IOKit: %s is not in the registry at register_service",
               IORegistryEntry_get_name(&svc->entry));
        return;
    }
    svc->state |= kIOServiceRegisteredState;
    queue_work(svc);
}

/* --- Termination -------------------------------------------------------- */

/* Are all of svc's providers inactive (so svc goes with them)? */
static bool providers_inactive(const IOService *svc)
{
    OSArray *parents = IORegistryEntry_get_parent_array(&svc->entry, gIOServicePlane);

    for (unsigned i = 0; parents && i < OSArray_get_count(parents); i++) {
        if (!IOService_is_inactive((IOService *)OSArray_get_object(parents, i)))
            return false;
    }
    return true;
}

/* Phase 1, synchronous: svc and every client that has no other active
 * provider become inactive, top-down. */
static void mark_inactive(IOService *svc, unsigned depth)
{
    OSArray *kids = IORegistryEntry_get_child_array(&svc->entry, gIOServicePlane);

    svc->state |= kIOServiceInactiveState;
    if (depth >= IOKIT_MAX_DEPTH)
        return;
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        IOService *c = OSDynamicCast(IOService, OSArray_get_object(kids, i));

        if (c && !IOService_is_inactive(c) && providers_inactive(c))
            mark_inactive(c, depth + 1);
    }
}

bool IOService_terminate(IOService *svc)
{
    if (!is_service(svc) || IOService_is_inactive(svc))
        return false;
    mark_inactive(svc, 0);
    queue_work(svc);
    return true;
}

/* Will this client be terminated with the subtree being torn down? */
static bool terminating(const IOService *c)
{
    return c && (c->state & kIOServiceInactiveState)
           && !(c->state & kIOServiceTerminatedPrivate);
}

/* Phase 2a, on the work loop: will_terminate top-down. */
static void will_terminate_subtree(IOService *svc, unsigned depth)
{
    OSArray *kids = IORegistryEntry_get_child_array(&svc->entry, gIOServicePlane);
    will_terminate_fn fn = lookup_will_terminate(svc);

    if (fn)
        fn(svc, svc->provider);
    if (depth >= IOKIT_MAX_DEPTH)
        return;
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        IOService *c = OSDynamicCast(IOService, OSArray_get_object(kids, i));

        if (terminating(c))
            will_terminate_subtree(c, depth + 1);
    }
}

/* Unlink svc from every provider in the IOService plane. */
static void detach_from_providers(IOService *svc)
{
    OSArray *parents;

    while ((parents = IORegistryEntry_get_parent_array(&svc->entry, gIOServicePlane))) {
        IORegistryEntry *p = (IORegistryEntry *)OSArray_get_object(parents, 0);

        if (is_service(p))
            IOService_detach(svc, (IOService *)p);
        else
            IORegistryEntry_detach_from_parent(&svc->entry, p, gIOServicePlane);
    }
}

/* Phase 2b: clients first, then svc: stop (if it was started) and detach.
 * A client that still has an active provider is only unlinked from svc. */
static void stop_subtree(IOService *svc, unsigned depth)
{
    OSArray *kids;
    unsigned i = 0;

    OSObject_retain(svc);
    svc->state |= kIOServiceTerminatedPrivate;
    while ((kids = IORegistryEntry_get_child_array(&svc->entry, gIOServicePlane))
           && i < OSArray_get_count(kids)) {
        IORegistryEntry *e = (IORegistryEntry *)OSArray_get_object(kids, i);
        IOService *c = OSDynamicCast(IOService, e);

        if (c && terminating(c) && depth < IOKIT_MAX_DEPTH)
            stop_subtree(c, depth + 1);
        else if (c)
            IOService_detach(c, svc);
        else
            IORegistryEntry_detach_from_parent(e, &svc->entry, gIOServicePlane);
        if ((kids = IORegistryEntry_get_child_array(&svc->entry, gIOServicePlane))
            && i < OSArray_get_count(kids) && OSArray_get_object(kids, i) == (OSObject *)e)
            i++;                        /* could not unlink it: move on */
    }
    if (svc->state & kIOServiceStartedState) {
        IOService_stop(svc, svc->provider);
        svc->state &= ~kIOServiceStartedState;
    }
    detach_from_providers(svc);
    OSObject_release(svc);
}

static void terminate_work(IOService *svc)
{
    will_terminate_subtree(svc, 0);
    stop_subtree(svc, 0);
}

/* --- Matching ----------------------------------------------------------- */

/* Does an active client of nub hold category? */
static bool category_held(IOService *nub, const OSSymbol *category)
{
    OSArray *kids = IORegistryEntry_get_child_array(&nub->entry, gIOServicePlane);

    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        IOService *c = OSDynamicCast(IOService, OSArray_get_object(kids, i));
        OSString *cat;

        if (!c || IOService_is_inactive(c))
            continue;
        cat = OSDynamicCast(OSString,
                            IORegistryEntry_get_property(&c->entry, kIOMatchCategoryKey));
        if (cat && strcmp(OSString_get_cstring(cat), OSSymbol_get_cstring(category)) == 0)
            return true;
    }
    return false;
}

static const char *dict_cstring(const OSDictionary *d, const char *key)
{
    OSString *s = OSDynamicCast(OSString, OSDictionary_get_object(d, key));

    return s ? OSString_get_cstring(s) : "?";
}

/* A driver instance for one candidate: IOClass allocated, init with the
 * personality, the properties IOKit sets, attached to nub.  +1, or NULL
 * (logged). */
static IOService *instantiate(IOService *nub, const IOMatchCandidate *cand)
{
    OSDictionary *p = cand->personality;
    OSString *cls = OSDynamicCast(OSString, OSDictionary_get_object(p, kIOClassKey));
    OSObject *names = OSDictionary_get_object(p, kIONameMatchKey);
    const OSString *matched = NULL;
    OSObject *obj;
    IOService *drv;

    if (!cls) {
        lk_log("IOKit: %s personality %s has no IOClass", dict_cstring(p, kCFBundleIdentifierKey),
               dict_cstring(p, kIOPersonalityNameKey));
        return NULL;
    }
    if (!OSMetaClass_get_class_with_name(OSString_get_cstring(cls))) {
        lk_log("IOKit: %s personality %s: no class named %s",
               dict_cstring(p, kCFBundleIdentifierKey), dict_cstring(p, kIOPersonalityNameKey),
               OSString_get_cstring(cls));
        return NULL;
    }
    obj = OSMetaClass_alloc_class_with_name(OSString_get_cstring(cls));
    if (!(drv = OSDynamicCast(IOService, obj))) {
        lk_log("IOKit: %s personality %s: %s %s", dict_cstring(p, kCFBundleIdentifierKey),
               dict_cstring(p, kIOPersonalityNameKey), OSString_get_cstring(cls),
               obj ? "is not an IOService" : "could not be allocated");
        OSSafeReleaseNULL(obj);
        return NULL;
    }
    if (!IOService_init(drv, p)
        || !IORegistryEntry_set_property(&drv->entry, kIOMatchCategoryKey, cand->category)
        || (names && IOMatch_compare_names(nub, names, &matched) && matched
            && !IORegistryEntry_set_property(&drv->entry, kIONameMatchedKey, matched))) {
        lk_log("IOKit: %s personality %s: %s init failed", dict_cstring(p, kCFBundleIdentifierKey),
               dict_cstring(p, kIOPersonalityNameKey), OSString_get_cstring(cls));
        OSObject_release(drv);
        return NULL;
    }
    if (!IOService_attach(drv, nub)) {
        OSObject_release(drv);
        return NULL;
    }
    return drv;
}

static bool is_client_of(const IOService *svc, const IOService *nub)
{
    OSArray *kids = IORegistryEntry_get_child_array(&nub->entry, gIOServicePlane);

    return kids && OSArray_get_next_index_of_object(kids, svc, 0) >= 0;
}

typedef struct Probed {
    IOService *drv;                     /* +1, attached to the nub */
    int32_t score;
} Probed;

/* Probe then start the candidates of one category (cands[0..n), ranked);
 * the first start that succeeds wins it. */
static void match_category(IOService *nub, const IOMatchCandidate *cands, unsigned n)
{
    Probed *probed;
    unsigned np = 0;
    bool won = false;

    if (category_held(nub, cands[0].category))
        return;
    if (!(probed = lk_alloc(n * sizeof(*probed)))) {
        lk_log("IOKit: out of memory matching %s", IORegistryEntry_get_name(&nub->entry));
        return;
    }
    for (unsigned k = 0; k < n && !IOService_is_inactive(nub); k++) {
        IOService *drv = instantiate(nub, &cands[k]), *res;
        int32_t score = cands[k].score;
        OSNumber *num;
        unsigned at;

        if (!drv)
            continue;
        res = IOService_probe(drv, nub, &score);
        if (res != drv) {
            /* Dropped out, or handed over to another instance. */
            if (res && is_service(res)) {
                OSObject_retain(res);
                if (!is_client_of(res, nub) && !IOService_attach(res, nub)) {
                    OSObject_release(res);
                    res = NULL;
                }
            } else {
                res = NULL;
            }
            IOService_detach(drv, nub);
            OSObject_release(drv);
            if (!(drv = res))
                continue;
        }
        if ((num = OSNumber_with_signed(score, 32))) {
            IORegistryEntry_set_property(&drv->entry, kIOProbeScoreKey, num);
            OSObject_release(num);
        }
        /* Insert by probed score, highest first; ties keep the passive
         * order. */
        for (at = np; at > 0 && probed[at - 1].score < score; at--)
            probed[at] = probed[at - 1];
        probed[at].drv = drv;
        probed[at].score = score;
        np++;
    }
    for (unsigned k = 0; k < np; k++) {
        IOService *drv = probed[k].drv;

        if (!won && !IOService_is_inactive(nub) && IOService_start(drv, nub)) {
            drv->state |= kIOServiceStartedState;
            won = true;
            lk_log("IOKit: started %s on %s id 0x%llx (%s %s, score %d)",
                   IORegistryEntry_get_name(&drv->entry),
                   IORegistryEntry_get_name(&nub->entry),
                   (unsigned long long)nub->entry.registry_id,
                   dict_cstring(drv->entry.properties, kCFBundleIdentifierKey),
                   dict_cstring(drv->entry.properties, kIOPersonalityNameKey),
                   (int)probed[k].score);
        } else {
            if (!won)
                lk_log("IOKit: %s::start on %s id 0x%llx failed%s",
                       IORegistryEntry_get_name(&drv->entry),
                       IORegistryEntry_get_name(&nub->entry),
                       (unsigned long long)nub->entry.registry_id,
                       k + 1 < np ? "; trying the next candidate" : "");
            IOService_detach(drv, nub);
        }
        OSObject_release(drv);
    }
    lk_free(probed, n * sizeof(*probed));
}

static void do_match(IOService *nub)
{
    IOMatchCandidates cands = { 0 };
    unsigned n = 0;

    if (gIOCatalogue)
        n = IOCatalogue_find_candidates(gIOCatalogue, nub, &cands, NULL, NULL, false);
    for (unsigned i = 0; i < n && !IOService_is_inactive(nub);) {
        unsigned j = i + 1;

        while (j < n && cands.items[j].category == cands.items[i].category)
            j++;
        match_category(nub, &cands.items[i], j - i);
        i = j;
    }
    IOMatchCandidates_free(&cands);
    nub->state |= kIOServiceMatchedState;
}

unsigned IOService_run_matching(void)
{
    static bool running;
    unsigned n = 0;

    if (running)                        /* called from a driver's start */
        return 0;
    running = true;
    while (g_queue_head) {
        IOService *svc = g_queue_head;

        g_queue_head = svc->match_next;
        if (!g_queue_head)
            g_queue_tail = NULL;
        svc->match_next = NULL;
        svc->match_queued = false;
        if (!(svc->state & kIOServiceInactiveState))
            do_match(svc);
        else if (!(svc->state & kIOServiceTerminatedPrivate))
            terminate_work(svc);
        IOService_adjust_busy(svc, -1);
        OSObject_release(svc);
        n++;
    }
    running = false;
    return n;
}

/* --- Finding services --------------------------------------------------- */

static bool apply_subtree(IORegistryEntry *e, IOServiceApplier fn, void *ctx,
                          unsigned depth)
{
    OSArray *kids;
    IOService *svc = OSDynamicCast(IOService, e);

    if (svc && (svc->state & kIOServiceRegisteredState) && !IOService_is_inactive(svc)
        && !fn(svc, ctx))
        return false;
    if (depth >= IOKIT_MAX_DEPTH)
        return true;
    kids = IORegistryEntry_get_child_array(e, gIOServicePlane);
    for (unsigned i = 0; kids && i < OSArray_get_count(kids); i++) {
        if (!apply_subtree((IORegistryEntry *)OSArray_get_object(kids, i), fn, ctx,
                           depth + 1))
            return false;
        kids = IORegistryEntry_get_child_array(e, gIOServicePlane);
    }
    return true;
}

void IOService_apply_registered(IOServiceApplier fn, void *ctx)
{
    if (fn && IORegistryEntry_get_root())
        apply_subtree(IORegistryEntry_get_root(), fn, ctx, 0);
}

struct copy_ctx {
    OSDictionary *matching;
    OSArray *out;
    bool failed;
};

/* Insert svc into ctx->out by registry ID (once). */
static bool copy_applier(IOService *svc, void *arg)
{
    struct copy_ctx *ctx = arg;
    IOMatchResult r;
    unsigned lo = 0, hi = OSArray_get_count(ctx->out);
    uint64_t id = svc->entry.registry_id;

    if (!IOCatalogue_match_personality(svc, ctx->matching, &r))
        return true;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        uint64_t mid_id = ((IORegistryEntry *)OSArray_get_object(ctx->out, mid))->registry_id;

        if (mid_id == id)
            return true;
        if (mid_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!OSArray_insert_object(ctx->out, lo, svc)) {
        ctx->failed = true;
        return false;
    }
    return true;
}

OSArray *IOService_copy_matching_services(OSDictionary *matching)
{
    struct copy_ctx ctx = { matching, NULL, false };

    if (!matching || !(ctx.out = OSArray_with_capacity(4)))
        return NULL;
    IOService_apply_registered(copy_applier, &ctx);
    if (ctx.failed)
        OSSafeReleaseNULL(ctx.out);
    return ctx.out;
}

/* { key: value } (+1). */
static OSDictionary *one_key_dict(const char *key, const char *value)
{
    OSDictionary *d = OSDictionary_with_capacity(1);
    OSString *s = value ? OSString_with_cstring(value) : NULL;

    if (!d || !s || !OSDictionary_set_object(d, key, s))
        OSSafeReleaseNULL(d);
    OSSafeReleaseNULL(s);
    return d;
}

OSDictionary *IOService_service_matching(const char *class_name)
{
    return one_key_dict(kIOProviderClassKey, class_name);
}

OSDictionary *IOService_name_matching(const char *name)
{
    return one_key_dict(kIONameMatchKey, name);
}
