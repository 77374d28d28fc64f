/*
 * wssec_time_parse / wssec_time_format.
 */
#include <string.h>

#include "helpers.h"

static const struct {
    const char *text;
    wssec_time ms;
} good[] = {
    { "2025-06-01T12:00:00Z", H_NOW },
    { "2025-06-01T12:00:00.1Z", H_NOW + 100 },
    { "2025-06-01T12:00:00.12Z", H_NOW + 120 },
    { "2025-06-01T12:00:00.123Z", H_NOW + 123 },
    { "2025-06-01T12:00:00.007Z", H_NOW + 7 },
    { "2025-06-01T12:00:00+00:00", H_NOW },
    { "2025-06-01T12:00:00.5+00:00", H_NOW + 500 },
    { " \t\n2025-06-01T12:00:00Z\r\n ", H_NOW },
    { "1970-01-01T00:00:00Z", 0 },
    { "1970-01-01T00:00:00.001Z", 1 },
    { "2024-02-29T00:00:00Z", 1709164800000LL }, /* leap year */
    { "2000-02-29T23:59:59.999Z", 951868799999LL },
    { "2025-12-31T23:59:59Z", 1767225599000LL },
};

static const char *const bad[] = {
    "",
    "   ",
    "2025-06-01T12:00:00",        /* no zone */
    "2025-06-01T12:00:00+01:00",  /* not UTC */
    "2025-06-01T12:00:00-05:00",
    "2025-06-01T12:00:00.1234Z",  /* more than milliseconds */
    "2025-06-01T12:00:00.123456Z",
    "2025-06-01T12:00:00.Z",      /* empty fraction */
    "2025-06-30T23:59:60Z",       /* leap second */
    "2025-02-29T00:00:00Z",       /* not a leap year */
    "1900-02-29T00:00:00Z",
    "2025-13-01T00:00:00Z",       /* month 13 */
    "2025-00-01T00:00:00Z",
    "2025-04-31T00:00:00Z",
    "2025-06-00T00:00:00Z",
    "2025-06-01T24:00:00Z",
    "2025-06-01T12:60:00Z",
    "1969-12-31T23:59:59Z",       /* before 1970 */
    "garbage",
    "2025-06-01 12:00:00Z",
    "2025-6-01T12:00:00Z",
    "2025-06-01T12:00:00ZZ",
    "2025-06-01T12:00:00Z x",
    "+2025-06-01T12:00:00Z",
    "2025-06-01",
    "2025-06-01T12:00Z",
};

static void test_parse_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(good); i++) {
        wssec_time t = -42;
        int rc = wssec_time_parse(&t, good[i].text);
        if (rc) print_error("rejected '%s'\n", good[i].text);
        assert_int_equal(rc, 0);
        assert_int_equal(t, good[i].ms);
    }
}

static void test_parse_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(bad); i++) {
        wssec_time t = -42;
        int rc = wssec_time_parse(&t, bad[i]);
        if (rc != WSSEC_EINVALID) print_error("accepted '%s'\n", bad[i]);
        assert_int_equal(rc, WSSEC_EINVALID);
        assert_int_equal(t, -42); /* untouched on failure */
    }
}

static void test_format(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(wssec_time_format(buf, sizeof(buf), H_NOW + 123, 1), 0);
    assert_string_equal(buf, "2025-06-01T12:00:00.123Z");
    assert_int_equal(wssec_time_format(buf, sizeof(buf), H_NOW + 123, 0), 0);
    assert_string_equal(buf, "2025-06-01T12:00:00Z");
    assert_int_equal(wssec_time_format(buf, sizeof(buf), 7, 1), 0);
    assert_string_equal(buf, "1970-01-01T00:00:00.007Z");
    assert_int_equal(wssec_time_format(buf, 25, H_NOW, 1), 0);
    assert_int_equal(wssec_time_format(buf, 24, H_NOW, 1), WSSEC_EINVALID);
    assert_int_equal(wssec_time_format(buf, sizeof(buf), -1, 1), WSSEC_EINVALID);
    /* year 10000 does not fit the format */
    assert_int_equal(wssec_time_format(buf, sizeof(buf), 253402300800000LL, 0), WSSEC_EINVALID);
}

static void test_round_trip(void **state)
{
    (void)state;
    const wssec_time samples[] = { 0, 1, 999, H_NOW, H_NOW + 1, H_NOW + 999, 951868799999LL,
                                   253402300799999LL };
    for (size_t i = 0; i < WSSEC_ARRAY_LEN(samples); i++) {
        char buf[32];
        wssec_time t = -1;
        assert_int_equal(wssec_time_format(buf, sizeof(buf), samples[i], 1), 0);
        assert_int_equal(wssec_time_parse(&t, buf), 0);
        assert_int_equal(t, samples[i]);
        /* without millis the value truncates to the second */
        assert_int_equal(wssec_time_format(buf, sizeof(buf), samples[i], 0), 0);
        assert_int_equal(strlen(buf), 20);
        assert_int_equal(wssec_time_parse(&t, buf), 0);
        assert_int_equal(t, samples[i] - samples[i] % 1000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
