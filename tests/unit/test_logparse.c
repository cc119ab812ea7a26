/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain/logparse.h"

static int parse(const char *text, struct hd_evidence_list *ev, hd_diags *d)
{
	return hd_evidence_parse_text(text, strlen(text), "t", ev, d);
}

static bool diag_has(const hd_diags *d, hd_severity sev, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].severity == sev && strstr(d->v[i].text, needle))
			return true;
	return false;
}

static void test_stack_frame(void **state)
{
	(void)state;
	const char *l = "                #0  0x00007f8e4c91051b fchown (libc.so.6 + 0x11051b)";
	unsigned idx;
	uint64_t addr, off;
	char *fn, *obj;
	assert_true(hd_parse_stack_frame(l, strlen(l), &idx, &addr, &fn, &obj, &off));
	assert_int_equal(idx, 0);
	assert_int_equal(addr, 0x00007f8e4c91051bull);
	assert_string_equal(fn, "fchown");
	assert_string_equal(obj, "libc.so.6");
	assert_int_equal(off, 0x11051b);
	free(fn);
	free(obj);
	l = "#1  0x000055d0c6a09fa2 n/a (sed + 0x9fa2)";
	assert_true(hd_parse_stack_frame(l, strlen(l), &idx, &addr, &fn, &obj, &off));
	assert_null(fn);
	assert_string_equal(obj, "sed");
	free(obj);
	static const char *const bad[] = { "", "#", "#x 0x1 f (a + 0x1)", "#0 zz f (a + 0x1)", "#0 0x1 f (a)",
					   "#0 0x1 f a + 0x1", "#0 0x1 f (a + 0xZZ)", "#99999999999 0x1 f (a + 0x1)" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(hd_parse_stack_frame(bad[i], strlen(bad[i]), &idx, &addr, &fn, &obj, &off));
}

static void test_audit_records(void **state)
{
	(void)state;
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(parse("type=SECCOMP msg=audit(1764148443.512:881): auid=4294967295 uid=0 pid=41523 comm=\"sed\" "
			       "exe=\"/usr/bin/sed\" sig=31 arch=c000003e syscall=93 compat=0 ip=0x7f8e4c91051b code=0x80000000\n"
			       "[ 1.2] audit: type=1326 audit(1764148444.000:882): pid=7 comm=\"cp\" exe=\"/bin/cp\" sig=31 "
			       "arch=40000003 syscall=95 compat=1 ip=0xf7f5a549 code=0x80000000\n"
			       "type=SECCOMP msg=audit(1.5:1): pid=8 comm=7A20 exe=\"/x\" sig=0 arch=c000003e syscall=1073741917 code=0x7ffc0000\n"
			       "type=SECCOMP msg=audit(11/26/2025 09:14:03.512:881) : auid=unset pid=9 comm=sed exe=/usr/bin/sed "
			       "sig=SIGSYS arch=x86_64 syscall=fchown compat=0 ip=0x7f code=kill-process\n"
			       "type=SYSCALL msg=audit(1.0:2): arch=c000003e syscall=93 success=no\n",
			       &ev, &d),
			 0);
	assert_int_equal(ev.n, 4);
	assert_string_equal(ev.v[0].syscall, "fchown");
	assert_int_equal(ev.v[0].arch, HD_ARCH_X86_64);
	assert_int_equal(ev.v[0].verdict, HD_VERDICT_SECCOMP_KILL);
	assert_int_equal(ev.v[0].time_usec, 1764148443512000LL);
	assert_int_equal(ev.v[0].pid, 41523);
	assert_string_equal(ev.v[0].exe, "/usr/bin/sed");
	assert_int_equal(ev.v[0].call_addr, 0x7f8e4c91051bull);
	assert_int_equal(ev.v[1].arch, HD_ARCH_X86);
	assert_string_equal(ev.v[1].syscall, "fchown");
	assert_int_equal(ev.v[2].arch, HD_ARCH_X32);
	assert_string_equal(ev.v[2].syscall, "fchown");
	assert_int_equal(ev.v[2].verdict, HD_VERDICT_SECCOMP_LOG);
	assert_string_equal(ev.v[2].comm, "z "); /* hex-encoded by the kernel */
	/* ausearch -i: names instead of numbers */
	assert_string_equal(ev.v[3].syscall, "fchown");
	assert_int_equal(ev.v[3].arch, HD_ARCH_X86_64);
	assert_int_equal(ev.v[3].verdict, HD_VERDICT_SECCOMP_KILL);
	assert_int_equal(d.n, 0);
	hd_evidence_list_free(&ev);

	/* one record at a time, as a caller with its own line source would */
	static const char one[] = "audit: type=1326 audit(5.000:9): pid=3 comm=\"a\" sig=31 arch=c000003e syscall=2 code=0x0";
	assert_int_equal(hd_parse_audit_record(one, sizeof(one) - 1, "x", 7, &ev, &d), 1);
	assert_int_equal(ev.v[ev.n - 1].line, 7);
	assert_string_equal(ev.v[ev.n - 1].syscall, "open");
	assert_int_equal(ev.v[ev.n - 1].verdict, HD_VERDICT_SECCOMP_KILL); /* code 0: kill-thread */
	assert_int_equal(hd_parse_audit_record("type=SYSCALL syscall=2", 22, "x", 8, &ev, &d), 0);
	hd_evidence_list_free(&ev);

	/* no syscall=: a warning, no record */
	assert_int_equal(parse("type=SECCOMP msg=audit(1.0:1): pid=1 sig=31 arch=c000003e\n", &ev, &d), 0);
	assert_int_equal(ev.n, 0);
	assert_true(diag_has(&d, HD_WARNING, "without syscall="));
	assert_int_equal(d.v[0].line, 1);
	hd_evidence_list_free(&ev);
	hd_diags_free(&d);
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(hd_text_detect("{\"a\":1}", 7), HD_TEXT_JSON);
	assert_int_equal(hd_text_detect("  [ {}]", 7), HD_TEXT_JSON);
	assert_int_equal(hd_text_detect("[ 4211.734201] audit: type=1326", 31), HD_TEXT_LINES);
	assert_int_equal(hd_text_detect("__CURSOR=s\n", 11), HD_TEXT_EXPORT);
	assert_int_equal(hd_text_detect("type=SECCOMP msg=", 17), HD_TEXT_LINES);
	assert_int_equal(hd_text_detect("           PID: 1 (x)", 21), HD_TEXT_LINES);
}

static void test_export(void **state)
{
	(void)state;
	static const char msg[] = "Process 5 (sed) of user 0 dumped core.\n\nStack trace of thread 5:\n"
				  "#0  0x00007f0000001000 __GI___fchown (libc.so.6 + 0x1000)\n";
	char buf[1024];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "__CURSOR=c\nCOREDUMP_PID=5\nCOREDUMP_SIGNAL=31\nCOREDUMP_UNIT=u.service\nMESSAGE\n");
	uint64_t len = sizeof(msg) - 1;
	for (int i = 0; i < 8; i++)
		buf[n++] = (char)(len >> (8 * i));
	memcpy(buf + n, msg, len);
	n += len;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\nCOREDUMP_COMM=sed\n\n");
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(hd_evidence_parse_text(buf, n, "e", &ev, &d), 0);
	assert_int_equal(ev.n, 1);
	assert_int_equal(ev.v[0].kind, HD_EVIDENCE_JOURNAL);
	assert_int_equal(ev.v[0].pid, 5);
	assert_string_equal(ev.v[0].unit, "u.service");
	assert_string_equal(ev.v[0].comm, "sed");
	assert_true(ev.v[0].inferred);
	assert_string_equal(ev.v[0].candidates.v[0], "fchown");
	assert_string_equal(ev.v[0].frame_function, "__GI___fchown");
	hd_evidence_list_free(&ev);

	/* the binary size lies: an error naming the line */
	buf[n - 20 - len - 8] = 0x7f; /* the size's low byte: now larger than what follows */
	assert_int_equal(hd_evidence_parse_text(buf, n, "e", &ev, &d), -EBADMSG);
	assert_true(diag_has(&d, HD_ERROR, "claims"));
	hd_diags_free(&d);
	assert_int_equal(parse("__CURSOR=x\nbad key=1\n", &ev, &d), -EBADMSG);
	assert_true(diag_has(&d, HD_ERROR, "bad field name"));
	assert_int_equal(d.v[0].line, 2);
	hd_evidence_list_free(&ev);
	hd_diags_free(&d);
}

static void test_json(void **state)
{
	(void)state;
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	/* json-pretty, several objects, one not a core dump */
	assert_int_equal(parse("{\n \"MESSAGE\" : \"hello\"\n}\n{\n \"COREDUMP_PID\" : \"9\",\n \"COREDUMP_SIGNAL\" : \"6\"\n}\n",
			       &ev, &d),
			 0);
	assert_int_equal(ev.n, 1);
	assert_int_equal(ev.v[0].line, 4);
	assert_int_equal(ev.v[0].verdict, HD_VERDICT_NOT_SECCOMP);
	hd_evidence_list_free(&ev);
	/* an array; a byte-array value (journalctl's form for non-UTF-8 data) */
	assert_int_equal(parse("[{\"COREDUMP_PID\":\"9\",\"COREDUMP_SIGNAL\":\"31\",\"COREDUMP_COMM\":[115,101,100]}]", &ev, &d), 0);
	assert_int_equal(ev.n, 1);
	assert_string_equal(ev.v[0].comm, "sed");
	hd_evidence_list_free(&ev);
	assert_int_equal(parse("{\"COREDUMP_PID\": \"9\"", &ev, &d), -EBADMSG);
	assert_true(diag_has(&d, HD_ERROR, "truncated"));
	hd_diags_free(&d);
	assert_int_equal(parse("{\"a\":1}\n{]", &ev, &d), -EBADMSG);
	assert_true(diag_has(&d, HD_ERROR, "invalid JSON"));
	assert_int_equal(d.v[0].line, 2);
	hd_evidence_list_free(&ev);
	hd_diags_free(&d);
}

static void test_junk_bounded(void **state)
{
	(void)state;
	size_t n = 100000;
	char *junk = malloc(n);
	for (size_t i = 0; i < n; i++)
		junk[i] = (char)(i % 7 == 0 ? '\n' : i % 5 == 0 ? 1 : 'a');
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	assert_int_equal(hd_evidence_parse_text(junk, n, "junk", &ev, &d), -EBADMSG);
	assert_true(diag_has(&d, HD_ERROR, "binary data"));
	assert_true(d.n <= 21); /* bounded, with one "further problems" line */
	free(junk);
	hd_evidence_list_free(&ev);
	hd_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stack_frame),
		cmocka_unit_test(test_audit_records),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_junk_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
