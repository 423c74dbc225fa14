/* Host thread helpers. */
#ifndef PTO_UTIL_THREAD_H
#define PTO_UTIL_THREAD_H

#include <pthread.h>
#include <time.h>

/* Joins th, or detaches it if it has not ended by the deadline
 * (CLOCK_REALTIME; NULL: no deadline); returns 1 if it was abandoned. */
int pto_join_until(pthread_t th, const struct timespec *deadline);

#endif
