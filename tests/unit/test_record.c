/* SPDX-License-Identifier: MIT */
/* manager/: harden apply's records (written, read back, refused when changed) and unit names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manager/manager.h"
#include "manager/record.h"

static const char *const text = "[Service]\nPrivateTmp=yes\n";

static void fill(struct hd_apply_record *r, char hex[65])
{
	assert_int_equal(hd_sha256_hex(text, strlen(text), hex), 0);
	*r = (struct hd_apply_record){ .unit = (char *)"a.service",
				       .dropin_path = (char *)"/etc/systemd/system/a.service.d/zz-harden.conf",
				       .had_previous = true, .previous = (char *)"[Service]\nUser=x\n", .applied = (char *)text,
				       .applied_sha256 = hex, .started_usec = 5, .state = HD_APPLY_APPLYING,
				       .exposure_before = 96, .exposure_after = 41 };
}

static void test_round_trip(void **state)
{
	(void)state;
	char dir[] = "/tmp/hd-record-test.XXXXXX", hex[65];
	assert_non_null(mkdtemp(dir));
	struct hd_apply_record w, r;
	fill(&w, hex);
	assert_string_equal(hex, "0031a7d4532e86e0da4fe10aa1708fa5f622412cd0ec17decb12119feaba1251");
	assert_int_equal(hd_apply_record_write(dir, &w), 0);
	hd_diags d = { 0 };
	assert_int_equal(hd_apply_record_read(dir, "a.service", &r, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(r.dropin_path, w.dropin_path);
	assert_true(r.had_previous);
	assert_string_equal(r.previous, w.previous);
	assert_string_equal(r.applied, text);
	assert_int_equal(r.state, HD_APPLY_APPLYING);
	assert_int_equal(r.exposure_after, 41);
	hd_apply_record_free(&r);
	/* none yet for another unit */
	assert_int_equal(hd_apply_record_read(dir, "b.service", &r, &d), -ENOENT);
	char *p = hd_apply_record_path(dir, "a.service");
	unlink(p);
	free(p);
	p = NULL;
	assert_int_not_equal(asprintf(&p, "%s/apply", dir), -1);
	rmdir(p);
	free(p);
	rmdir(dir);
	hd_diags_free(&d);
}

/* a record changed by hand (or by anyone) is refused, field named */
static void refused(const char *json, const char *unit, const char *want)
{
	struct hd_apply_record r;
	hd_diags d = { 0 };
	assert_int_equal(hd_apply_record_parse(json, strlen(json), "r.json", unit, &r, &d), -EINVAL);
	assert_true(d.n >= 1);
	if (!strstr(d.v[0].text, want))
		fail_msg("diag '%s' does not name '%s'", d.v[0].text, want);
	hd_diags_free(&d);
}

static void test_refused(void **state)
{
	(void)state;
	const char *ok_hash = "0031a7d4532e86e0da4fe10aa1708fa5f622412cd0ec17decb12119feaba1251";
	char buf[2048];
#define REC(dropin, hash, st) \
	(snprintf(buf, sizeof(buf), \
		  "{\"unit\":\"a.service\",\"dropin\":\"%s\",\"previous\":null,\"applied\":\"[Service]\\nPrivateTmp=yes\\n\"," \
		  "\"applied_sha256\":\"%s\",\"state\":\"%s\",\"reason\":null,\"started_usec\":1,\"finished_usec\":0," \
		  "\"exposure_before\":-1,\"exposure_after\":-1}", dropin, hash, st), buf)
	struct hd_apply_record r;
	hd_diags d = { 0 };
	const char *good = REC("/etc/systemd/system/a.service.d/zz.conf", ok_hash, "kept");
	assert_int_equal(hd_apply_record_parse(good, strlen(good), "r.json", "a.service", &r, &d), 0);
	assert_false(r.had_previous);
	hd_apply_record_free(&r);
	/* anywhere else than a .conf in the unit's own .d/: --undo would write there */
	refused(REC("/etc/passwd", ok_hash, "kept"), "a.service", "dropin");
	refused(REC("/etc/systemd/system/a.service.d/../../../passwd.conf", ok_hash, "kept"), "a.service", "dropin");
	refused(REC("/etc/systemd/system/b.service.d/zz.conf", ok_hash, "kept"), "a.service", "dropin");
	refused(REC("/etc/systemd/system/xa.service.d/zz.conf", ok_hash, "kept"), "a.service", "dropin");
	refused(REC("etc/a.service.d/zz.conf", ok_hash, "kept"), "a.service", "dropin");
	/* the text is not what was hashed; a state that does not exist; another unit's record */
	refused(REC("/etc/systemd/system/a.service.d/zz.conf", "00", "kept"), "a.service", "applied_sha256");
	refused(REC("/etc/systemd/system/a.service.d/zz.conf", ok_hash, "done"), "a.service", "state");
	refused(REC("/etc/systemd/system/a.service.d/zz.conf", ok_hash, "kept"), "c.service", "unit");
	refused("{\"unit\": 3}", "a.service", "unit");
	refused("[]", "a.service", "JSON object");
	refused("{} trailing", "a.service", "after");
	hd_diags_free(&d);
#undef REC
}

static void test_service_names(void **state)
{
	(void)state;
	assert_null(hd_manager_service_name_problem("nginx.service"));
	assert_null(hd_manager_service_name_problem("getty@tty1.service"));
	assert_non_null(hd_manager_service_name_problem("getty@.service"));
	assert_non_null(hd_manager_service_name_problem("nginx.socket"));
	assert_non_null(hd_manager_service_name_problem("nginx"));
	assert_non_null(hd_manager_service_name_problem("../x.service"));
	assert_non_null(hd_manager_service_name_problem(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_service_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
