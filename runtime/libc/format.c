/* vsnprintf for the guest: small, bounded, no floating point. */
#include <format.h>
#include <stdint.h>
#include <stdbool.h>

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width,
                       bool left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;

    if (!left) {
        while (fill-- > 0)
            put(o, pad);
    }
    while (n--)
        put(o, *s++);
    if (left) {
        while (fill-- > 0)
            put(o, ' ');
    }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        int prec = -1;
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            while (*fmt >= '0' && *fmt <= '9')
                prec = prec * 10 + (*fmt++ - '0');
        }
        int lng = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }

        char tmp[24];
        size_t n = 0;
        uint64_t u;
        bool neg = false;
        unsigned base = 10;
        const char *digits = "0123456789abcdef";

        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            neg = v < 0;
            u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            goto number;
        }
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            put(&o, '0');
            put(&o, 'x');
            base = 16;
            pad = '0';
            width = 16;
            goto digits_only;
        case 'X':
            digits = "0123456789ABCDEF";
            /* fall through */
        case 'x':
            base = 16;
            /* fall through */
        case 'u':
            u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
        number:
        digits_only:
            do {
                tmp[n++] = digits[u % base];
                u /= base;
            } while (u);
            if (neg)
                tmp[n++] = '-';
            {
                char rev[24];
                for (size_t i = 0; i < n; i++)
                    rev[i] = tmp[n - 1 - i];
                if (neg && pad == '0' && !left) {
                    put(&o, '-');
                    put_padded(&o, rev + 1, n - 1, width - 1, left, pad);
                } else {
                    put_padded(&o, rev, n, width, left, pad);
                }
            }
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t len = 0;
            while (s[len] && (prec < 0 || (int)len < prec))
                len++;
            put_padded(&o, s, len, width, left, ' ');
            break;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_padded(&o, tmp, 1, width, left, ' ');
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
