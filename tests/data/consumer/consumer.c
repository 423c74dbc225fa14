/* A program built against an installed libpto (tests/install_consumer.cmake):
 * opens a device, runs two tasks (a C function setting 1, then a kernel
 * compiled from argv[1], which needs the installed headers, adding 41),
 * prints what they computed. */
#include <stdio.h>

#include <pto/pto.h>

static void k_set(const uint64_t *args) { *(float *)pto_bits_ptr(args[0]) = 1.0f; }

static pto_status build(pto_run *run, void *ctx, pto_error *err)
{
    uint64_t arg = pto_ptr_bits(ctx);
    pto_task_id a, b;
    pto_status st = pto_add_task(run, 0, PTO_CORE_AIV, &arg, 1, &a, err);
    if (!st)
        st = pto_add_task(run, 1, PTO_CORE_AIV, &arg, 1, &b, err);
    return st ? st : pto_add_dep(run, a, b, err);
}

int main(int argc, char **argv)
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
        (argc > 1 &&
         pto_kernel_register_source(dev, 1, PTO_CORE_AIV, argv[1], "set41", NULL, &err)) ||
        pto_malloc(dev, sizeof out, &buf, &err) || pto_launch(dev, NULL, build, buf, NULL, &err) ||
        pto_copy_from_device(dev, &out, buf, sizeof out, &err)) {
        fprintf(stderr, "consumer: %s\n", err.msg);
        return 1;
    }
    pto_device_close(dev);
    printf("consumer: %.1f\n", out);
    return out == 42.0f ? 0 : 1;
}
