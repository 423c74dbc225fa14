/* Which sanitizer this translation unit is built with, the same way under
 * gcc (__SANITIZE_*__) and clang (__has_feature): PTO_ASAN, PTO_TSAN. */
#ifndef PTO_UTIL_SANITIZERS_H
#define PTO_UTIL_SANITIZERS_H

#if defined(__SANITIZE_ADDRESS__)
#define PTO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PTO_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define PTO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PTO_TSAN 1
#endif
#endif

#endif
