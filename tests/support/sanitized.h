/* SANITIZED is defined when the test is built with ASan or TSan (gcc's
 * __SANITIZE_*__ or clang's __has_feature): tests scale their work down. */
#ifndef PTO_TESTS_SANITIZED_H
#define PTO_TESTS_SANITIZED_H

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif

#endif
