/* npy_roundtrip IN OUT: reads IN with pto_npy_read and writes its array to
 * OUT with pto_npy_write (for tests/npy_interop.py, which checks both ends
 * against NumPy). Prints "DTYPE ndim d0 d1 ..."; exit 1 with the message on
 * an error. */
#include <stdio.h>

#include "pto/tools.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: npy_roundtrip IN OUT\n");
        return 2;
    }
    pto_npy a;
    pto_error err;
    if (pto_npy_read(argv[1], &a, &err) ||
        pto_npy_write(argv[2], a.dtype, a.ndim, a.shape, a.data, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        pto_npy_free(&a);
        return 1;
    }
    printf("%s %u", pto_npy_dtype_name(a.dtype), a.ndim);
    for (uint32_t i = 0; i < a.ndim; i++)
        printf(" %llu", (unsigned long long)a.shape[i]);
    printf("\n");
    pto_npy_free(&a);
    return 0;
}
