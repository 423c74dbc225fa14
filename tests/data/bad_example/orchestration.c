/* bad_example: a test fixture whose golden deliberately disagrees with its
 * kernel. The kernel computes c = a + b (= 5 with a = 2, b = 3); check()
 * expects a * b (= 6), so `pto run` must print FAIL and exit non-zero. */
#include <pto/example.h>
#include <pto/pto.h>

#define N 1024
#define BYTES (N * sizeof(float))

/* dev_* are NULL until allocated; host_c receives the copy-back. */
typedef struct bad_ctx {
    float *dev_a, *dev_b, *dev_c;
    float host_a[N], host_b[N], host_c[N];
} bad_ctx;

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        pto_status s_ = (expr);                                                                    \
        if (s_ != PTO_OK)                                                                          \
            return s_;                                                                             \
    } while (0)

static pto_status alloc(pto_device *dev, float **out, pto_error *err)
{
    void *p = NULL;
    pto_status s = pto_malloc(dev, BYTES, &p, err);
    *out = p;
    return s;
}

static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    bad_ctx *c = vctx;
    pto_device *dev = pto_run_device(run);
    TRY(alloc(dev, &c->dev_a, err));
    TRY(alloc(dev, &c->dev_b, err));
    TRY(alloc(dev, &c->dev_c, err));
    for (int i = 0; i < N; i++) {
        c->host_a[i] = 2.0f;
        c->host_b[i] = 3.0f;
    }
    TRY(pto_copy_to_device(dev, c->dev_a, c->host_a, BYTES, err));
    TRY(pto_copy_to_device(dev, c->dev_b, c->host_b, BYTES, err));
    uint64_t args[] = {pto_ptr_bits(c->dev_a), pto_ptr_bits(c->dev_b), pto_ptr_bits(c->dev_c), N};
    pto_task_id t;
    TRY(pto_add_task(run, 0, PTO_CORE_AIV, args, 4, &t, err));
    return pto_copy_back(run, c->host_c, c->dev_c, BYTES, err);
}

static pto_status check(void *vctx, double *max_err, double *tolerance, pto_error *err)
{
    (void)err;
    const bad_ctx *c = vctx;
    double worst = 0.0;
    for (int i = 0; i < N; i++) {
        double golden = (double)c->host_a[i] * (double)c->host_b[i]; /* wrong on purpose */
        double diff = (double)c->host_c[i] - golden;
        if (diff < 0)
            diff = -diff;
        if (diff > worst)
            worst = diff;
    }
    *max_err = worst;
    *tolerance = 1e-5;
    return PTO_OK;
}

static void teardown(pto_device *dev, void *vctx)
{
    bad_ctx *c = vctx;
    float **ptrs[] = {&c->dev_a, &c->dev_b, &c->dev_c};
    for (int i = 0; i < 3; i++) {
        if (*ptrs[i])
            pto_free(dev, *ptrs[i], NULL);
        *ptrs[i] = NULL;
    }
}

static const pto_example_kernel kernels[] = {
    {0, PTO_CORE_AIV, "kernels/kernel_add.c", "bad_kernel_add"},
};

static const pto_example example = {
    .name = "bad_example",
    .kernels = kernels,
    .nkernels = 1,
    .ctx_size = sizeof(bad_ctx),
    .orchestrate = orchestrate,
    .check = check,
    .teardown = teardown,
};

const pto_example *pto_example_get(void);
const pto_example *pto_example_get(void) { return &example; }
