/* Test helpers for the tools' JSON outputs: read a whole file, fetch typed
 * members (each asserts the member exists and has the type). Include after
 * <cmocka.h> and <cjson/cJSON.h>. */
#ifndef PTO_TESTS_JSON_FILE_H
#define PTO_TESTS_JSON_FILE_H

#include <stdio.h>
#include <stdlib.h>

/* The file's bytes plus a NUL (caller frees). */
static inline char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    char *buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    buf[len] = '\0';
    fclose(f);
    return buf;
}

static inline const cJSON *item(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    assert_non_null(v);
    return v;
}

static inline double num(const cJSON *obj, const char *key)
{
    const cJSON *v = item(obj, key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static inline const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = item(obj, key);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

#endif
