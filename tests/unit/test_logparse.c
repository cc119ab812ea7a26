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

/* Issue 25 item 4: a death by another signal in a libc wrapper (blocked in read or epoll_wait) is
 * not a seccomp death, and that wrapper's syscall is no syscall a filter refused: nothing is
 * inferred from it (explain used to print the inferred name through a NULL fix line and crash). */
static void expect_segv_in_wrapper(const struct hd_evidence *e, const char *function)
{
	assert_int_equal(e->signo, 11);
	assert_int_equal(e->verdict, HD_VERDICT_NOT_SECCOMP);
	assert_non_null(strstr(e->verdict_reason, "signal 11 (SEGV)"));
	assert_false(e->inferred);
	assert_int_equal(e->candidates.n, 0);
	assert_string_equal(e->frame_function, function); /* where it was stays known */
}

static void test_other_signal_in_wrapper(void **state)
{
	(void)state;
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	/* journal JSON: SIGSEGV in read, then a SIGSYS record that must still be read and inferred */
	assert_int_equal(parse("{\"COREDUMP_PID\":\"7\",\"COREDUMP_SIGNAL\":\"11\",\"COREDUMP_SIGNAL_NAME\":\"SIGSEGV\","
			       "\"MESSAGE\":\"Process 7 (srv) of user 0 dumped core.\\n\\nStack trace of thread 7:\\n"
			       "#0  0x00007f0000001000 read (libc.so.6 + 0x1000)\\n#1  0x0000555500001000 n/a (srv + 0x1000)\\n\"}\n"
			       "{\"COREDUMP_PID\":\"8\",\"COREDUMP_SIGNAL\":\"31\",\"MESSAGE\":\"Stack trace of thread 8:\\n"
			       "#0  0x00007f0000002000 fchown (libc.so.6 + 0x2000)\\n\"}\n",
			       &ev, &d),
			 0);
	assert_int_equal(ev.n, 2);
	expect_segv_in_wrapper(&ev.v[0], "read");
	assert_true(ev.v[1].inferred);
	assert_string_equal(ev.v[1].candidates.v[0], "fchown");
	hd_evidence_list_free(&ev);
	/* COREDUMP_SIGNAL_NAME alone names the signal */
	assert_int_equal(parse("{\"COREDUMP_PID\":\"7\",\"COREDUMP_SIGNAL_NAME\":\"SIGSEGV\",\"MESSAGE\":\"Stack trace of thread 7:\\n"
			       "#0  0x00007f0000001000 epoll_wait (libc.so.6 + 0x1000)\\n\"}",
			       &ev, &d),
			 0);
	assert_int_equal(ev.n, 1);
	expect_segv_in_wrapper(&ev.v[0], "epoll_wait");
	hd_evidence_list_free(&ev);
	/* export format */
	assert_int_equal(parse("__CURSOR=a\nCOREDUMP_PID=7\nCOREDUMP_SIGNAL=11\nMESSAGE=Stack trace of thread 7:\n\n"
			       "__CURSOR=b\nCOREDUMP_PID=8\nCOREDUMP_SIGNAL=31\n\n",
			       &ev, &d),
			 0);
	assert_int_equal(ev.n, 2);
	hd_evidence_list_free(&ev);
	static const char msg[] = "Stack trace of thread 7:\n#0  0x00007f0000001000 __GI___libc_read (libc.so.6 + 0x1000)\n";
	char buf[512];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "__CURSOR=a\nCOREDUMP_PID=7\nCOREDUMP_SIGNAL=11\nMESSAGE\n");
	for (int i = 0; i < 8; i++)
		buf[n++] = (char)((sizeof(msg) - 1) >> (8 * i));
	memcpy(buf + n, msg, sizeof(msg) - 1);
	n += sizeof(msg) - 1;
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\n\n__CURSOR=b\nCOREDUMP_PID=8\nCOREDUMP_SIGNAL=31\n");
	assert_int_equal(hd_evidence_parse_text(buf, n, "e", &ev, &d), 0);
	assert_int_equal(ev.n, 2);
	expect_segv_in_wrapper(&ev.v[0], "__GI___libc_read");
	assert_int_equal(ev.v[1].pid, 8);
	hd_evidence_list_free(&ev);
	/* coredumpctl info */
	assert_int_equal(parse("           PID: 7 (srv)\n        Signal: 11 (SEGV)\n       Message: Process 7 (srv) of user 0 dumped core.\n"
			       "                Stack trace of thread 7:\n"
			       "                #0  0x00007f0000001000 epoll_wait (libc.so.6 + 0x1000)\n\n"
			       "           PID: 8 (sed)\n        Signal: 31 (SYS)\n",
			       &ev, &d),
			 0);
	assert_int_equal(ev.n, 2);
	expect_segv_in_wrapper(&ev.v[0], "epoll_wait");
	assert_int_equal(ev.v[1].verdict, HD_VERDICT_SIGSYS);
	hd_evidence_list_free(&ev);
	assert_int_equal(d.n, 0);
	hd_diags_free(&d);
}

/* Issue 25 item 11a: a record with too many fields used to end the parse with -EFBIG and no word,
 * dropping every record after it. Now: an error naming its line and byte, the others kept. */
static void test_too_many_fields(void **state)
{
	(void)state;
	size_t nf = 70000, cap = nf * 16 + 256, n = 0;
	char *b = malloc(cap);
	assert_non_null(b);
	struct hd_evidence_list ev = { 0 };
	hd_diags d = { 0 };
	/* JSON: a record at line 2 with 70000 fields between two good ones; then the same as an array */
	for (int array = 0; array < 2; array++) {
		const char *sep = array ? "," : "\n";
		n = (size_t)snprintf(b, cap, "%s{\"COREDUMP_PID\":\"1\",\"COREDUMP_SIGNAL\":\"31\"}%s{", array ? "[" : "", sep);
		for (size_t i = 0; i < nf; i++)
			n += (size_t)snprintf(b + n, cap - n, "%s\"F%zu\":\"x\"", i ? "," : "", i);
		n += (size_t)snprintf(b + n, cap - n, "}%s{\"COREDUMP_PID\":\"3\",\"COREDUMP_SIGNAL\":\"31\"}%s\n", sep,
				      array ? "]" : "");
		assert_int_equal(hd_evidence_parse_text(b, n, "j", &ev, &d), -EBADMSG);
		assert_int_equal(ev.n, 2);
		assert_int_equal(ev.v[0].pid, 1);
		assert_int_equal(ev.v[1].pid, 3);
		assert_int_equal(d.n, 1);
		assert_int_equal(d.v[0].severity, HD_ERROR);
		assert_int_equal(d.v[0].line, array ? 1 : 2);
		assert_non_null(strstr(d.v[0].text, array ? "JSON record 2 of the array at byte 0 has more than 65536 fields: skipped"
							  : "JSON record at byte 44 has more than 65536 fields: skipped"));
		hd_evidence_list_free(&ev);
		hd_diags_free(&d);
	}
	/* export, with a binary field holding a blank line inside the skipped record */
	n = (size_t)snprintf(b, cap, "__CURSOR=a\nCOREDUMP_PID=1\nCOREDUMP_SIGNAL=31\n\n__CURSOR=b\n");
	for (size_t i = 0; i < nf; i++)
		n += (size_t)snprintf(b + n, cap - n, "F%zu=x\n", i);
	n += (size_t)snprintf(b + n, cap - n, "MESSAGE\n");
	static const char bin[] = "a\n\nCOREDUMP_PID=666\n";
	for (int i = 0; i < 8; i++)
		b[n++] = (char)((sizeof(bin) - 1) >> (8 * i));
	memcpy(b + n, bin, sizeof(bin) - 1);
	n += sizeof(bin) - 1;
	n += (size_t)snprintf(b + n, cap - n, "\n\n__CURSOR=c\nCOREDUMP_PID=3\nCOREDUMP_SIGNAL=31\n");
	assert_int_equal(hd_evidence_parse_text(b, n, "e", &ev, &d), -EBADMSG);
	assert_int_equal(ev.n, 2);
	assert_int_equal(ev.v[0].pid, 1);
	assert_int_equal(ev.v[1].pid, 3);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 5);
	assert_non_null(strstr(d.v[0].text, "journal export: the record at byte 46 has more than 65536 fields: skipped"));
	hd_evidence_list_free(&ev);
	hd_diags_free(&d);
	free(b);
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
		cmocka_unit_test(test_other_signal_in_wrapper),
		cmocka_unit_test(test_too_many_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
