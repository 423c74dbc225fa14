/* A program built against an installed libpto (tests/install_consumer.cmake):
 * opens a device, runs one task, prints what it computed. */
#include <stdio.h>

#include <pto/pto.h>

static void k_set(const uint64_t *args) { *(float *)pto_bits_ptr(args[0]) = 42.0f; }

static pto_status build(pto_run *run, void *ctx, pto_error *err)
{
    uint64_t arg = pto_ptr_bits(ctx);
    pto_task_id t;
    return pto_add_task(run, 0, PTO_CORE_AIV, &arg, 1, &t, err);
}

int main(void)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    pto_device *dev;
    pto_error err;
    void *buf;
    float out = 0;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err) ||
        pto_kernel_register(dev, 0, PTO_CORE_AIV, k_set, "set", &err) ||
        pto_malloc(dev, sizeof out, &buf, &err) ||
        pto_launch(dev, NULL, build, buf, NULL, &err) ||
        pto_copy_from_device(dev, &out, buf, sizeof out, &err)) {
        fprintf(stderr, "consumer: %s\n", err.msg);
        return 1;
    }
    pto_device_close(dev);
    printf("consumer: %.1f\n", out);
    return out == 42.0f ? 0 : 1;
}
