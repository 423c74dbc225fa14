/* PTO_API marks the functions of the public API. libpto is compiled with
 * -fvisibility=hidden: only what carries PTO_API is exported from
 * libpto.so, and everything else in src/ stays internal (the `exports`
 * test checks that the two sets agree). */
#ifndef PTO_EXPORT_H
#define PTO_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define PTO_API __attribute__((visibility("default")))
#else
#define PTO_API
#endif

#endif
