/* Host thread helpers (see thread.h). */
#include "util/thread.h"

int pto_join_until(pthread_t th, const struct timespec *deadline)
{
    if (!deadline)
        return pthread_join(th, 0), 0;
    if (pthread_timedjoin_np(th, 0, deadline) == 0)
        return 0;
    pthread_detach(th);
    return 1;
}
