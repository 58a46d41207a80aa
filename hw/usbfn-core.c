/*
 * usbfn: descriptors and USB 2.0 standard requests.  See usbfn-core.h.
 *
 * Every request is decoded (recipient, wValue, wIndex, wLength, device
 * state) before it changes anything; anything out of place is a STALL with
 * a reason the glue logs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "usbfn-core.h"

static unsigned speed_slot(uint8_t speed)
{
    return speed == USBFN_SPEED_HIGH ? 1 : 0;
}

uint8_t usbfn_interval_code(uint8_t interval_ms, uint8_t speed)
{
    uint8_t code = 1;

    if (interval_ms == 0) {
        interval_ms = 1;
    }
    if (speed != USBFN_SPEED_HIGH) {
        return interval_ms;
    }
    /*
     * High speed: 2^(bInterval-1) microframes of 125 us.  Take the largest
     * period that is not longer than asked, so the host polls at least as
     * often as the device wants (10 ms -> 8 ms).  At most 16 (4.096 s).
     */
    while (code < 16 && (1u << code) <= interval_ms * 8u) {
        code++;
    }
    return code;
}

static uint16_t ep_mps_at(const UsbfnEndpoint *ep, uint8_t speed)
{
    return speed == USBFN_SPEED_HIGH ? ep->mps_high : ep->mps_full;
}

/* Build one configuration descriptor; returns its length. */
static uint16_t build_config(const UsbfnConfig *cfg, uint8_t speed,
                             uint8_t *d)
{
    uint16_t len = 9;

    for (unsigned i = 0; i < cfg->n_ifaces; i++) {
        const UsbfnInterface *ifc = &cfg->ifaces[i];
        uint8_t *p = d + len;

        p[0] = 9;
        p[1] = USBFN_DT_INTERFACE;
        p[2] = i;
        p[3] = 0;
        p[4] = ifc->n_eps;
        p[5] = ifc->cls;
        p[6] = ifc->subclass;
        p[7] = ifc->protocol;
        p[8] = ifc->istring;
        len += 9;
        memcpy(d + len, ifc->extra, ifc->extra_len);
        len += ifc->extra_len;
        for (unsigned e = 0; e < ifc->n_eps; e++) {
            const UsbfnEndpoint *ep = &ifc->eps[e];

            p = d + len;
            p[0] = 7;
            p[1] = USBFN_DT_ENDPOINT;
            p[2] = ep->address;
            p[3] = ep->type;
            usbfn_put16(p + 4, ep_mps_at(ep, speed));
            p[6] = ep->type == USBFN_EP_INTR ?
                   usbfn_interval_code(ep->interval_ms, speed) : 0;
            len += 7;
        }
    }
    d[0] = 9;
    d[1] = USBFN_DT_CONFIG;
    usbfn_put16(d + 2, len);
    d[4] = cfg->n_ifaces;
    d[5] = 1;                   /* bConfigurationValue */
    d[6] = 0;                   /* iConfiguration */
    d[7] = 0x80;                /* bus powered */
    d[8] = cfg->max_power_ma / 2;
    return len;
}

static bool check_config(const UsbfnConfig *cfg, unsigned speed_mask,
                         char **err)
{
    unsigned len = 9, seen = 0;

    if (speed_mask == 0 ||
        (speed_mask & ~(USBFN_SPEED_MASK(USBFN_SPEED_LOW) |
                        USBFN_SPEED_MASK(USBFN_SPEED_FULL) |
                        USBFN_SPEED_MASK(USBFN_SPEED_HIGH)))) {
        *err = g_strdup("no supported speed (low, full or high)");
        return false;
    }
    if (cfg->n_ifaces == 0 || cfg->n_ifaces > USBFN_MAX_IFACES) {
        *err = g_strdup_printf("%u interfaces; a function has 1 to %u",
                               cfg->n_ifaces, USBFN_MAX_IFACES);
        return false;
    }
    if (cfg->imanufacturer >= USBFN_MAX_STRINGS ||
        cfg->iproduct >= USBFN_MAX_STRINGS ||
        cfg->iserial >= USBFN_MAX_STRINGS) {
        *err = g_strdup_printf("string index above %u",
                               USBFN_MAX_STRINGS - 1);
        return false;
    }
    for (unsigned i = 1; i < USBFN_MAX_STRINGS; i++) {
        /* Name the property the string came from, so the user can fix it. */
        const char *role = i == cfg->imanufacturer ? "manufacturer" :
                           i == cfg->iproduct ? "product" :
                           i == cfg->iserial ? "serial" : "interface";

        if (cfg->strings[i] && strlen(cfg->strings[i]) > USBFN_STRING_MAX) {
            *err = g_strdup_printf("%s string '%.20s...' is longer than %u "
                                   "characters", role, cfg->strings[i],
                                   USBFN_STRING_MAX);
            return false;
        }
        for (const char *c = cfg->strings[i]; c && *c; c++) {
            if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) {
                *err = g_strdup_printf("%s string '%s' has a character that "
                                       "is not printable ASCII", role,
                                       cfg->strings[i]);
                return false;
            }
        }
    }
    for (unsigned i = 0; i < cfg->n_ifaces; i++) {
        const UsbfnInterface *ifc = &cfg->ifaces[i];

        if (ifc->n_eps > USBFN_MAX_EPS || ifc->extra_len > USBFN_MAX_EXTRA ||
            ifc->istring >= USBFN_MAX_STRINGS) {
            *err = g_strdup_printf("interface %u is malformed", i);
            return false;
        }
        len += 9 + ifc->extra_len + 7 * ifc->n_eps;
        for (unsigned e = 0; e < ifc->n_eps; e++) {
            const UsbfnEndpoint *ep = &ifc->eps[e];
            unsigned bit = (ep->address & 0x0f) +
                           (ep->address & USBFN_DIR_IN ? 0 : 16);

            if ((ep->address & 0x0f) == 0 || (ep->address & 0x70) ||
                (seen & (1u << bit))) {
                *err = g_strdup_printf("interface %u: endpoint address "
                                       "0x%02x is invalid or used twice",
                                       i, ep->address);
                return false;
            }
            seen |= 1u << bit;
            if (ep->type != USBFN_EP_BULK && ep->type != USBFN_EP_INTR) {
                *err = g_strdup_printf("endpoint 0x%02x: type %u is not "
                                       "bulk or interrupt", ep->address,
                                       ep->type);
                return false;
            }
            if ((speed_mask & USBFN_SPEED_MASK(USBFN_SPEED_LOW)) &&
                (ep->type != USBFN_EP_INTR || ep->mps_full > 8)) {
                *err = g_strdup_printf("low speed allows only interrupt "
                                       "endpoints of at most 8 bytes; "
                                       "endpoint 0x%02x is %s of %u bytes",
                                       ep->address,
                                       ep->type == USBFN_EP_BULK ?
                                       "bulk" : "interrupt", ep->mps_full);
                return false;
            }
            if (ep->mps_full == 0 || ep->mps_full > 64 ||
                ep->mps_high == 0 ||
                ep->mps_high > (ep->type == USBFN_EP_BULK ? 512 : 1024)) {
                *err = g_strdup_printf("endpoint 0x%02x: impossible "
                                       "wMaxPacketSize", ep->address);
                return false;
            }
            /*
             * USB 2.0 5.8.3: full-speed bulk 8, 16, 32 or 64; high-speed
             * bulk exactly 512.
             */
            if (ep->type == USBFN_EP_BULK &&
                ((ep->mps_full & (ep->mps_full - 1)) || ep->mps_full < 8 ||
                 ((speed_mask & USBFN_SPEED_MASK(USBFN_SPEED_HIGH)) &&
                  ep->mps_high != 512))) {
                *err = g_strdup_printf("bulk endpoint 0x%02x: wMaxPacketSize "
                                       "must be 8, 16, 32 or 64 at full "
                                       "speed and 512 at high speed",
                                       ep->address);
                return false;
            }
        }
    }
    if (len > USBFN_CFG_MAX) {
        *err = g_strdup_printf("configuration descriptor of %u bytes is "
                               "larger than %u", len, USBFN_CFG_MAX);
        return false;
    }
    return true;
}

bool usbfn_init(UsbfnState *s, const UsbfnConfig *cfg, unsigned speed_mask,
                char **err)
{
    uint8_t *d = s->dev_desc;

    *err = NULL;
    if (!check_config(cfg, speed_mask, err)) {
        return false;
    }
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    s->speed_mask = speed_mask;
    for (unsigned i = 1; i < USBFN_MAX_STRINGS; i++) {
        if (cfg->strings[i]) {
            g_strlcpy(s->strings[i], cfg->strings[i], sizeof(s->strings[i]));
        }
        s->cfg.strings[i] = NULL;   /* never keep the caller's pointers */
    }

    d[0] = 18;
    d[1] = USBFN_DT_DEVICE;
    usbfn_put16(d + 2, 0x0200);
    d[4] = cfg->dev_class;
    d[5] = cfg->dev_subclass;
    d[6] = cfg->dev_protocol;
    d[7] = (speed_mask & USBFN_SPEED_MASK(USBFN_SPEED_LOW)) ? 8 : 64;
    usbfn_put16(d + 8, cfg->vid);
    usbfn_put16(d + 10, cfg->pid);
    usbfn_put16(d + 12, cfg->bcd_device);
    d[14] = s->strings[cfg->imanufacturer % USBFN_MAX_STRINGS][0] ?
            cfg->imanufacturer : 0;
    d[15] = s->strings[cfg->iproduct % USBFN_MAX_STRINGS][0] ?
            cfg->iproduct : 0;
    d[16] = s->strings[cfg->iserial % USBFN_MAX_STRINGS][0] ?
            cfg->iserial : 0;
    d[17] = 1;

    s->cfg_len = build_config(cfg, USBFN_SPEED_FULL, s->cfg_desc[0]);
    build_config(cfg, USBFN_SPEED_HIGH, s->cfg_desc[1]);
    usbfn_reset(s, (speed_mask & USBFN_SPEED_MASK(USBFN_SPEED_HIGH)) ?
                USBFN_SPEED_HIGH : USBFN_SPEED_FULL);
    return true;
}

void usbfn_reset(UsbfnState *s, uint8_t speed)
{
    s->speed = speed;
    s->address = 0;
    s->configuration = 0;
    s->remote_wakeup = 0;
    s->halted = 0;
}

const UsbfnInterface *usbfn_find_ep(const UsbfnState *s, uint8_t ep_addr,
                                    const UsbfnEndpoint **ep)
{
    for (unsigned i = 0; i < s->cfg.n_ifaces; i++) {
        const UsbfnInterface *ifc = &s->cfg.ifaces[i];

        for (unsigned e = 0; e < ifc->n_eps; e++) {
            if (ifc->eps[e].address == ep_addr) {
                if (ep) {
                    *ep = &ifc->eps[e];
                }
                return ifc;
            }
        }
    }
    return NULL;
}

uint16_t usbfn_ep_mps(const UsbfnState *s, uint8_t ep_addr)
{
    const UsbfnEndpoint *ep;

    if (!usbfn_find_ep(s, ep_addr, &ep)) {
        return 0;
    }
    return ep_mps_at(ep, s->speed);
}

static uint32_t halt_bit(uint8_t ep_addr)
{
    return 1u << ((ep_addr & 0x0f) + (ep_addr & USBFN_DIR_IN ? 0 : 16));
}

bool usbfn_ep_halted(const UsbfnState *s, uint8_t ep_addr)
{
    return (s->halted & halt_bit(ep_addr)) != 0;
}

void usbfn_ep_set_halt(UsbfnState *s, uint8_t ep_addr, bool halt)
{
    if (halt) {
        s->halted |= halt_bit(ep_addr);
    } else {
        s->halted &= ~halt_bit(ep_addr);
    }
}

int usbfn_reply(const uint8_t *src, size_t len, const UsbfnSetup *st,
                uint8_t *data, size_t cap)
{
    len = MIN(len, st->length);
    len = MIN(len, cap);
    memcpy(data, src, len);
    return len;
}

static int get_string(UsbfnState *s, uint8_t index, const UsbfnSetup *st,
                      uint8_t *data, size_t cap, const char **why)
{
    uint8_t buf[2 + 2 * USBFN_STRING_MAX];
    size_t n;

    if (index == 0) {
        static const uint8_t langids[] = { 4, USBFN_DT_STRING, 0x09, 0x04 };

        return usbfn_reply(langids, sizeof(langids), st, data, cap);
    }
    if (index >= USBFN_MAX_STRINGS || !s->strings[index][0]) {
        *why = "GET_DESCRIPTOR: no such string index";
        return USBFN_STALL;
    }
    if (st->index != 0x0409) {
        *why = "GET_DESCRIPTOR: string in a language other than 0x0409";
        return USBFN_STALL;
    }
    n = strlen(s->strings[index]);
    buf[0] = 2 + 2 * n;
    buf[1] = USBFN_DT_STRING;
    for (size_t i = 0; i < n; i++) {
        buf[2 + 2 * i] = s->strings[index][i];
        buf[3 + 2 * i] = 0;
    }
    return usbfn_reply(buf, buf[0], st, data, cap);
}

static bool dual_speed(const UsbfnState *s)
{
    return (s->speed_mask & USBFN_SPEED_MASK(USBFN_SPEED_HIGH)) != 0;
}

static int get_descriptor(UsbfnState *s, const UsbfnSetup *st,
                          uint8_t *data, size_t cap, const char **why)
{
    uint8_t type = st->value >> 8, index = st->value & 0xff;
    uint8_t buf[USBFN_CFG_MAX];

    switch (type) {
    case USBFN_DT_DEVICE:
        return usbfn_reply(s->dev_desc, sizeof(s->dev_desc), st, data, cap);
    case USBFN_DT_CONFIG:
    case USBFN_DT_OTHER_SPEED:
        if (index != 0) {
            *why = "GET_DESCRIPTOR: configuration index other than 0";
            return USBFN_STALL;
        }
        if (type == USBFN_DT_OTHER_SPEED && !dual_speed(s)) {
            *why = "GET_DESCRIPTOR: other-speed configuration of a "
                   "full-speed-only device";
            return USBFN_STALL;
        }
        memcpy(buf, s->cfg_desc[speed_slot(s->speed) ^
                                (type == USBFN_DT_OTHER_SPEED)], s->cfg_len);
        buf[1] = type;
        return usbfn_reply(buf, s->cfg_len, st, data, cap);
    case USBFN_DT_STRING:
        return get_string(s, index, st, data, cap, why);
    case USBFN_DT_QUALIFIER:
        if (!dual_speed(s)) {
            *why = "GET_DESCRIPTOR: device qualifier of a full-speed-only "
                   "device";
            return USBFN_STALL;
        }
        buf[0] = 10;
        buf[1] = USBFN_DT_QUALIFIER;
        memcpy(buf + 2, s->dev_desc + 2, 6);   /* bcdUSB .. bMaxPacketSize0 */
        buf[8] = 1;
        buf[9] = 0;
        return usbfn_reply(buf, 10, st, data, cap);
    default:
        *why = "GET_DESCRIPTOR: unknown descriptor type";
        return USBFN_STALL;
    }
}

/* The interface numbered @index in the current configuration, or NULL. */
static const UsbfnInterface *configured_iface(const UsbfnState *s,
                                              uint16_t index)
{
    if (!s->configuration || index >= s->cfg.n_ifaces) {
        return NULL;
    }
    return &s->cfg.ifaces[index];
}

/* An endpoint address that exists now (ep 0 always does). */
static bool ep_exists(const UsbfnState *s, uint16_t index)
{
    if ((index & ~(uint16_t)USBFN_DIR_IN) == 0) {
        return true;
    }
    return s->configuration && index < 0x100 &&
           usbfn_find_ep(s, index, NULL) != NULL;
}

static int do_status(UsbfnState *s, const UsbfnSetup *st, uint8_t *data,
                     size_t cap, const char **why)
{
    uint8_t buf[2] = { 0, 0 };
    uint8_t recip = st->type & USBFN_REQ_RECIP_MASK;

    if (st->value != 0 || st->length != 2) {
        *why = "GET_STATUS: wValue must be 0 and wLength 2";
        return USBFN_STALL;
    }
    switch (recip) {
    case USBFN_RECIP_DEVICE:
        if (st->index != 0) {
            *why = "GET_STATUS: device wIndex must be 0";
            return USBFN_STALL;
        }
        buf[0] = s->remote_wakeup ? 2 : 0;
        break;
    case USBFN_RECIP_INTERFACE:
        if (!configured_iface(s, st->index)) {
            *why = "GET_STATUS: no such interface, or not configured";
            return USBFN_STALL;
        }
        break;
    case USBFN_RECIP_ENDPOINT:
        if (!ep_exists(s, st->index)) {
            *why = "GET_STATUS: no such endpoint, or not configured";
            return USBFN_STALL;
        }
        buf[0] = usbfn_ep_halted(s, st->index) ? 1 : 0;
        break;
    default:
        *why = "GET_STATUS: bad recipient";
        return USBFN_STALL;
    }
    return usbfn_reply(buf, 2, st, data, cap);
}

static int do_feature(UsbfnState *s, const UsbfnSetup *st, const char **why)
{
    bool set = st->request == USBFN_SET_FEATURE;
    uint8_t recip = st->type & USBFN_REQ_RECIP_MASK;

    if (st->length != 0) {
        *why = "SET/CLEAR_FEATURE: wLength must be 0";
        return USBFN_STALL;
    }
    if (recip == USBFN_RECIP_DEVICE &&
        st->value == USBFN_FEAT_REMOTE_WAKEUP && st->index == 0) {
        s->remote_wakeup = set;
        return 0;
    }
    if (recip == USBFN_RECIP_ENDPOINT &&
        st->value == USBFN_FEAT_ENDPOINT_HALT) {
        if (!ep_exists(s, st->index)) {
            *why = "SET/CLEAR_FEATURE: no such endpoint, or not configured";
            return USBFN_STALL;
        }
        if (st->index & 0x0f) {
            usbfn_ep_set_halt(s, st->index, set);
        }
        return 0;
    }
    *why = "SET/CLEAR_FEATURE: unsupported feature or recipient";
    return USBFN_STALL;
}

int usbfn_control(UsbfnState *s, const UsbfnSetup *st, uint8_t *data,
                  size_t cap, const char **why)
{
    bool in = st->type & USBFN_REQ_DIR_IN;
    uint8_t recip = st->type & USBFN_REQ_RECIP_MASK;
    int r;

    *why = NULL;
    if ((st->type & USBFN_REQ_TYPE_MASK) != USBFN_REQ_STANDARD ||
        (st->request == USBFN_GET_DESCRIPTOR &&
         recip == USBFN_RECIP_INTERFACE)) {
        return USBFN_NOT_MINE;
    }

    switch (st->request) {
    case USBFN_GET_STATUS:
        r = in ? do_status(s, st, data, cap, why) : USBFN_STALL;
        break;
    case USBFN_CLEAR_FEATURE:
    case USBFN_SET_FEATURE:
        r = in ? USBFN_STALL : do_feature(s, st, why);
        break;
    case USBFN_SET_ADDRESS:
        if (in || recip != USBFN_RECIP_DEVICE || st->value > 127 ||
            st->index != 0 || st->length != 0) {
            *why = "SET_ADDRESS: malformed (address above 127?)";
            r = USBFN_STALL;
        } else if (s->configuration) {
            *why = "SET_ADDRESS: device is configured";
            r = USBFN_STALL;
        } else {
            s->address = st->value;
            r = 0;
        }
        break;
    case USBFN_GET_DESCRIPTOR:
        r = in && recip == USBFN_RECIP_DEVICE ?
            get_descriptor(s, st, data, cap, why) : USBFN_STALL;
        break;
    case USBFN_GET_CONFIGURATION:
        if (!in || recip != USBFN_RECIP_DEVICE || st->value || st->index ||
            st->length != 1) {
            *why = "GET_CONFIGURATION: malformed";
            r = USBFN_STALL;
        } else {
            r = usbfn_reply(&s->configuration, 1, st, data, cap);
        }
        break;
    case USBFN_SET_CONFIGURATION:
        if (in || recip != USBFN_RECIP_DEVICE || st->value > 1 ||
            st->index || st->length) {
            *why = "SET_CONFIGURATION: malformed or no such configuration";
            r = USBFN_STALL;
        } else if (s->address == 0) {
            *why = "SET_CONFIGURATION: device has no address yet";
            r = USBFN_STALL;
        } else {
            s->configuration = st->value;
            s->halted = 0;
            r = 0;
        }
        break;
    case USBFN_GET_INTERFACE:
        if (!in || recip != USBFN_RECIP_INTERFACE || st->value ||
            st->length != 1 || !configured_iface(s, st->index)) {
            *why = "GET_INTERFACE: malformed, no such interface, or not "
                   "configured";
            r = USBFN_STALL;
        } else {
            static const uint8_t alt;

            r = usbfn_reply(&alt, 1, st, data, cap);
        }
        break;
    case USBFN_SET_INTERFACE: {
        const UsbfnInterface *ifc = configured_iface(s, st->index);

        if (in || recip != USBFN_RECIP_INTERFACE || st->length || !ifc ||
            st->value != 0) {
            *why = "SET_INTERFACE: malformed, no such interface or "
                   "alternate setting, or not configured";
            r = USBFN_STALL;
        } else {
            for (unsigned e = 0; e < ifc->n_eps; e++) {
                usbfn_ep_set_halt(s, ifc->eps[e].address, false);
            }
            r = 0;
        }
        break;
    }
    default:
        *why = "unsupported standard request";
        r = USBFN_STALL;
        break;
    }
    if (r == USBFN_STALL) {
        if (!*why) {
            *why = "standard request with the wrong direction or recipient";
        }
        s->stalls++;
    }
    return r;
}
