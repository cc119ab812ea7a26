/* SPDX-License-Identifier: MIT */
#include "explain/logparse.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "syscalls/syscalls.h"

#define SIGSYS_NR 31 /* the signal number in records; every architecture systemd-coredump runs on but MIPS/alpha/sparc */
#define MAX_DIAGS_PER_FILE 20 /* a log full of junk gives a readable report, not a million lines */
#define MAX_FIELD 4096        /* longest comm/exe/unit/cmdline kept */

struct ctx {
	const char *file;
	struct hd_evidence_list *out;
	hd_diags *diags;
	unsigned n_diags;
};

static void __attribute__((format(printf, 4, 5))) problem(struct ctx *c, hd_severity sev, unsigned line, const char *fmt, ...)
{
	if (c->n_diags++ >= MAX_DIAGS_PER_FILE) {
		if (c->n_diags == MAX_DIAGS_PER_FILE + 1)
			hd_diag_add(c->diags, sev, c->file, line, "further problems in this file are not shown");
		return;
	}
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r >= 0) {
		hd_diag_add(c->diags, sev, c->file, line, "%s", text);
		free(text);
	}
}

static struct hd_evidence *new_record(struct ctx *c, enum hd_ev_kind kind, unsigned line)
{
	if (c->out->n >= HD_LOG_MAX_RECORDS)
		return NULL;
	return hd_evidence_new(c->out, kind, c->file, line);
}

static int too_many_or_nomem(struct ctx *c, unsigned line)
{
	if (c->out->n >= HD_LOG_MAX_RECORDS) {
		hd_diag_add(c->diags, HD_ERROR, c->file, line, "more than %u records; split the input", HD_LOG_MAX_RECORDS);
		return -EFBIG;
	}
	return -ENOMEM;
}

static const char *memmem_s(const char *h, size_t hl, const char *needle)
{
	return memmem(h, hl, needle, strlen(needle));
}

static char *strndup_printable(const char *s, size_t n)
{
	if (n > MAX_FIELD)
		n = MAX_FIELD;
	char *r = strndup(s, n);
	if (r)
		for (char *p = r; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?'; /* never echo control bytes from a hostile log to a terminal */
	return r;
}

static void set_str(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = strndup_printable(s, n);
}

static bool parse_u64(const char *s, size_t n, int base, uint64_t *v)
{
	char buf[32];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (base == 16 && n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		memmove(buf, buf + 2, n - 1);
	for (char *p = buf; *p; p++)
		if (!(base == 16 ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p)))
			return false;
	if (!buf[0])
		return false;
	errno = 0;
	unsigned long long x = strtoull(buf, NULL, base);
	if (errno)
		return false;
	*v = x;
	return true;
}

/* ---------------------------------------------------------------------------------------------
 * Kernel audit SECCOMP records.
 */

/* The SECCOMP_RET_* actions a record's code= can carry (include/uapi/linux/seccomp.h), and the
 * names `ausearch -i` prints for them. */
static const struct {
	uint32_t ret; /* action bits (SECCOMP_RET_ACTION_FULL) */
	const char *name;
	enum hd_verdict verdict;
} seccomp_actions[] = {
	{ 0x80000000u, "kill-process", HD_VERDICT_SECCOMP_KILL },
	{ 0x00000000u, "kill-thread", HD_VERDICT_SECCOMP_KILL },
	{ 0x00000000u, "kill", HD_VERDICT_SECCOMP_KILL },
	{ 0x00030000u, "trap", HD_VERDICT_SECCOMP_OTHER },
	{ 0x00050000u, "errno", HD_VERDICT_SECCOMP_OTHER },
	{ 0x7fc00000u, "user-notif", HD_VERDICT_SECCOMP_OTHER },
	{ 0x7ff00000u, "trace", HD_VERDICT_SECCOMP_OTHER },
	{ 0x7ffc0000u, "log", HD_VERDICT_SECCOMP_LOG },
	{ 0x7fff0000u, "allow", HD_VERDICT_SECCOMP_OTHER },
};

/* Find key=value among the record's space-separated fields; the value without its quotes. */
static bool audit_field(const char *s, size_t n, const char *key, const char **val, size_t *vlen, bool *quoted)
{
	size_t kl = strlen(key), i = 0;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t start = i;
		while (i < n && s[i] != '=' && s[i] != ' ')
			i++;
		bool match = i < n && s[i] == '=' && i - start == kl && memcmp(s + start, key, kl) == 0;
		if (i >= n || s[i] != '=')
			continue; /* a word without '=' ("audit(...):", "SECCOMP") */
		i++;
		const char *v = s + i;
		size_t vl;
		bool q = i < n && (s[i] == '"' || s[i] == '\'');
		if (q) {
			char qc = s[i++];
			const char *end = memchr(s + i, qc, n - i);
			v = s + i;
			vl = end ? (size_t)(end - v) : n - i;
			i += vl + (end ? 1 : 0);
		} else {
			while (i < n && s[i] != ' ' && s[i] != '\t')
				i++;
			vl = (size_t)(s + i - v);
		}
		if (match) {
			*val = v, *vlen = vl;
			if (quoted)
				*quoted = q;
			return true;
		}
	}
	return false;
}

/* Unquoted comm=/exe= values are hex-encoded by the kernel when they hold spaces or odd bytes. */
static char *audit_string(const char *v, size_t n, bool quoted)
{
	if (quoted || n == 0 || n % 2 || n > 2 * MAX_FIELD || (n == 6 && memcmp(v, "(null)", 6) == 0))
		return (n == 6 && memcmp(v, "(null)", 6) == 0) ? NULL : strndup_printable(v, n);
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i]))
			return strndup_printable(v, n);
	char *r = malloc(n / 2 + 1);
	if (!r)
		return NULL;
	for (size_t i = 0; i < n / 2; i++) {
		char h[3] = { v[2 * i], v[2 * i + 1], 0 };
		r[i] = (char)strtoul(h, NULL, 16);
		if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
			r[i] = '?';
	}
	r[n / 2] = 0;
	return r;
}

static bool is_audit_seccomp(const char *s, size_t n)
{
	return memmem_s(s, n, "type=1326") || memmem_s(s, n, "type=SECCOMP") ||
	       (memmem_s(s, n, "SECCOMP ") && memmem_s(s, n, "syscall="));
}

static int parse_audit(struct ctx *c, const char *s, size_t n, unsigned lineno, int64_t fallback_usec)
{
	const char *v;
	size_t vl;
	bool q;
	uint64_t x;

	if (!audit_field(s, n, "syscall", &v, &vl, NULL)) {
		problem(c, HD_WARNING, lineno, "SECCOMP audit record without syscall=: skipped");
		return -EBADMSG;
	}
	/* the number (raw log) or the name (`ausearch -i`) */
	int nr = -1;
	const char *sysname = NULL;
	char namebuf[64];
	if (parse_u64(v, vl, 10, &x) && x <= INT32_MAX)
		nr = (int)x;
	else if (vl < sizeof(namebuf)) {
		memcpy(namebuf, v, vl);
		namebuf[vl] = 0;
		sysname = namebuf;
	} else {
		problem(c, HD_WARNING, lineno, "SECCOMP audit record: bad syscall=%.*s: skipped", (int)(vl > 40 ? 40 : vl), v);
		return -EBADMSG;
	}

	uint32_t audit_arch = 0;
	hd_arch arch = HD_ARCH_INVALID;
	if (audit_field(s, n, "arch", &v, &vl, NULL)) {
		if (parse_u64(v, vl, 16, &x) && x <= UINT32_MAX) {
			audit_arch = (uint32_t)x;
			arch = hd_arch_from_audit(audit_arch);
		} else {
			char an[32];
			if (vl < sizeof(an)) {
				memcpy(an, v, vl);
				an[vl] = 0;
				arch = hd_arch_from_name(an);
				if (arch == HD_ARCH_INVALID && strcmp(an, "i386") == 0)
					arch = HD_ARCH_X86;
			}
			const struct hd_arch_info *ai = hd_arch_info(arch);
			audit_arch = ai ? ai->audit_arch : 0;
		}
		if (arch == HD_ARCH_INVALID)
			problem(c, HD_WARNING, lineno, "SECCOMP audit record: unknown arch=%.*s", (int)(vl > 40 ? 40 : vl), v);
	}

	struct hd_evidence *e = new_record(c, HD_EVIDENCE_AUDIT, lineno);
	if (!e)
		return too_many_or_nomem(c, lineno);
	if (nr >= 0)
		hd_evidence_set_syscall(e, audit_arch, nr);
	else {
		e->audit_arch = audit_arch;
		e->arch = arch;
		int num = arch != HD_ARCH_INVALID ? hd_syscall_nr(sysname, arch, NULL) : HD_NR_NONE;
		if (num != HD_NR_NONE)
			hd_evidence_set_syscall(e, audit_arch, num);
		else if (hd_syscall_name_known(sysname))
			hd_strv_push(&e->candidates, sysname); /* a name without a number on this arch */
		else
			problem(c, HD_WARNING, lineno, "SECCOMP audit record: unknown syscall=%s", sysname);
	}
	if (e->arch == HD_ARCH_INVALID)
		e->arch = arch;

	if (audit_field(s, n, "pid", &v, &vl, NULL) && parse_u64(v, vl, 10, &x) && x <= INT32_MAX)
		e->pid = (int64_t)x;
	if (audit_field(s, n, "comm", &v, &vl, &q))
		e->comm = audit_string(v, vl, q);
	if (audit_field(s, n, "exe", &v, &vl, &q))
		e->exe = audit_string(v, vl, q);
	if (audit_field(s, n, "ip", &v, &vl, NULL) && parse_u64(v, vl, 16, &x)) {
		e->call_addr = x;
		e->has_call_addr = true;
	}
	if (audit_field(s, n, "sig", &v, &vl, NULL)) {
		if (parse_u64(v, vl, 10, &x) && x < 256)
			e->signo = (int)x;
		else if ((vl == 6 && memcmp(v, "SIGSYS", 6) == 0) || (vl == 3 && memcmp(v, "SYS", 3) == 0))
			e->signo = SIGSYS_NR;
	}
	e->verdict = e->signo == SIGSYS_NR ? HD_VERDICT_SECCOMP_KILL : HD_VERDICT_SECCOMP_OTHER;
	if (audit_field(s, n, "code", &v, &vl, NULL)) {
		bool known = false;
		if (parse_u64(v, vl, 16, &x) && x <= UINT32_MAX) {
			e->seccomp_ret = (uint32_t)x;
			e->has_seccomp_ret = true;
		}
		for (size_t i = 0; i < sizeof(seccomp_actions) / sizeof(seccomp_actions[0]); i++) {
			bool m = e->has_seccomp_ret ? (e->seccomp_ret & 0xffff0000u) == seccomp_actions[i].ret
						    : strlen(seccomp_actions[i].name) == vl &&
							      memcmp(seccomp_actions[i].name, v, vl) == 0;
			if (m) {
				e->verdict = seccomp_actions[i].verdict;
				if (!e->has_seccomp_ret) {
					e->seccomp_ret = seccomp_actions[i].ret;
					e->has_seccomp_ret = true;
				}
				known = true;
				break;
			}
		}
		if (!known)
			problem(c, HD_WARNING, lineno, "SECCOMP audit record: unknown code=%.*s", (int)(vl > 40 ? 40 : vl), v);
	} else if (e->signo == 0) {
		e->verdict = HD_VERDICT_SECCOMP_LOG; /* old kernels: no code=, sig=0 means it was only logged */
	}

	/* audit(SECONDS.MILLIS:SERIAL) */
	const char *a = memmem_s(s, n, "audit(");
	e->time_usec = fallback_usec;
	if (a) {
		a += 6;
		const char *dot = memchr(a, '.', n - (size_t)(a - s));
		const char *colon = dot ? memchr(dot, ':', n - (size_t)(dot - s)) : NULL;
		uint64_t sec, ms;
		if (dot && colon && parse_u64(a, (size_t)(dot - a), 10, &sec) && parse_u64(dot + 1, (size_t)(colon - dot - 1), 10, &ms) &&
		    sec < (1ull << 40) && ms < 1000)
			e->time_usec = (int64_t)(sec * 1000000 + ms * 1000);
	}
	return 1;
}

int hd_parse_audit_record(const char *line, size_t len, const char *file, unsigned lineno,
			  struct hd_evidence_list *out, hd_diags *diags)
{
	struct ctx c = { file, out, diags, 0 };
	if (!is_audit_seccomp(line, len))
		return 0;
	return parse_audit(&c, line, len, lineno, 0);
}

/* ---------------------------------------------------------------------------------------------
 * Stack traces (systemd-coredump's format, in coredumpctl info, the journal MESSAGE and short output).
 */
bool hd_parse_stack_frame(const char *s, size_t n, unsigned *index, uint64_t *addr, char **function,
			  char **object, uint64_t *offset)
{
	size_t i = 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i >= n || s[i] != '#')
		return false;
	i++;
	size_t d = i;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	uint64_t idx;
	if (!parse_u64(s + d, i - d, 10, &idx) || idx > 100000)
		return false;
	while (i < n && s[i] == ' ')
		i++;
	size_t a = i;
	while (i < n && s[i] != ' ')
		i++;
	if (!parse_u64(s + a, i - a, 16, addr))
		return false;
	while (i < n && s[i] == ' ')
		i++;
	/* function name up to " (" ; the object and offset inside the last parentheses */
	const char *paren = NULL;
	for (size_t k = n; k > i; k--)
		if (s[k - 1] == '(') {
			paren = s + k - 1;
			break;
		}
	if (!paren || paren == s + i)
		return false;
	size_t fl = (size_t)(paren - (s + i));
	while (fl && s[i + fl - 1] == ' ')
		fl--;
	const char *close = memchr(paren, ')', n - (size_t)(paren - s));
	if (!close)
		return false;
	const char *plus = memmem(paren, (size_t)(close - paren), " + ", 3);
	if (!plus)
		return false;
	*index = (unsigned)idx;
	if (!parse_u64(plus + 3, (size_t)(close - plus - 3), 16, offset))
		return false;
	bool na = fl == 3 && memcmp(s + i, "n/a", 3) == 0;
	*function = na || fl == 0 ? NULL : strndup_printable(s + i, fl);
	*object = strndup_printable(paren + 1, (size_t)(plus - paren - 1));
	return true;
}

/* Stack-trace state for one record: only the first thread's trace is the one that died. */
struct stack_state {
	bool in_stack, seen_stack, have_libc;
	char *top_function, *top_object; /* frame #0, used when no libc frame exists */
	uint64_t top_offset;
	bool have_top;
};

static void stack_line(struct stack_state *st, struct hd_evidence *e, const char *s, size_t n)
{
	if (memmem_s(s, n, "Stack trace of thread ")) {
		st->in_stack = !st->seen_stack;
		st->seen_stack = true;
		return;
	}
	if (!st->in_stack)
		return;
	const char *h = memchr(s, '#', n);
	unsigned idx;
	uint64_t addr, off;
	char *fn = NULL, *obj = NULL;
	if (!h || !hd_parse_stack_frame(h, n - (size_t)(h - s), &idx, &addr, &fn, &obj, &off)) {
		size_t k = 0;
		while (k < n && isspace((unsigned char)s[k]))
			k++;
		if (k == n || !h)
			st->in_stack = false; /* blank line / other text ends the trace */
		return;
	}
	if (!st->have_top) {
		st->have_top = true;
		st->top_function = fn ? strdup(fn) : NULL;
		st->top_object = obj ? strdup(obj) : NULL;
		st->top_offset = off;
	}
	if (!st->have_libc && hd_is_libc_object(obj) && fn) {
		st->have_libc = true;
		hd_evidence_set_frame(e, fn, obj, off);
	}
	free(fn);
	free(obj);
}

static void stack_finish(struct stack_state *st, struct hd_evidence *e)
{
	if (e && !st->have_libc && st->have_top)
		hd_evidence_set_frame(e, st->top_function, st->top_object, st->top_offset);
	free(st->top_function);
	free(st->top_object);
	*st = (struct stack_state){ 0 };
}

static void stack_text(struct hd_evidence *e, const char *s, size_t n)
{
	struct stack_state st = { 0 };
	while (n) {
		const char *nl = memchr(s, '\n', n);
		size_t ll = nl ? (size_t)(nl - s) : n;
		stack_line(&st, e, s, ll);
		s += ll + (nl ? 1 : 0);
		n -= ll + (nl ? 1 : 0);
	}
	stack_finish(&st, e);
}

static void signal_verdict(struct hd_evidence *e)
{
	free(e->verdict_reason);
	e->verdict_reason = NULL;
	if (e->signo == SIGSYS_NR) {
		e->verdict = HD_VERDICT_SIGSYS;
		e->verdict_reason = strdup("died of SIGSYS; this record does not say whether seccomp sent it "
					   "(the core file's NT_SIGINFO would)");
	} else if (e->signo > 0) {
		e->verdict = HD_VERDICT_NOT_SECCOMP;
		/* The stack was read before the signal was known, and a libc frame at the top (a SIGSEGV
		 * while blocked in read or epoll_wait) was taken for the syscall a filter refused. For
		 * another signal that call is only where the process was: keep the frame, infer nothing,
		 * so no fix is offered for a syscall no filter stopped. */
		hd_strv_free(&e->candidates);
		e->inferred = false;
		if (asprintf(&e->verdict_reason, "killed by signal %d (%s), not SIGSYS: not a seccomp death", e->signo,
			     sigabbrev_np(e->signo) ? sigabbrev_np(e->signo) : "?") < 0)
			e->verdict_reason = NULL;
	} else {
		e->verdict = HD_VERDICT_SIGSYS;
		e->verdict_reason = strdup("the signal is not recorded; assuming SIGSYS");
	}
}

/* ---------------------------------------------------------------------------------------------
 * Line text: audit records, coredumpctl info, systemd-coredump's messages.
 */

/* `coredumpctl info` field names (right-aligned before ": "). */
enum cd_field { CD_PID, CD_SIGNAL, CD_TIMESTAMP, CD_CMDLINE, CD_EXE, CD_UNIT, CD_USER_UNIT, CD_OTHER };
static const struct {
	const char *name;
	enum cd_field f;
} coredumpctl_fields[] = {
	{ "PID", CD_PID }, { "Signal", CD_SIGNAL }, { "Timestamp", CD_TIMESTAMP }, { "Command Line", CD_CMDLINE },
	{ "Executable", CD_EXE }, { "Unit", CD_UNIT }, { "User Unit", CD_USER_UNIT }, { "UID", CD_OTHER },
	{ "GID", CD_OTHER }, { "Control Group", CD_OTHER }, { "Slice", CD_OTHER }, { "Owner UID", CD_OTHER },
	{ "Boot ID", CD_OTHER }, { "Machine ID", CD_OTHER }, { "Hostname", CD_OTHER }, { "Storage", CD_OTHER },
	{ "Size on Disk", CD_OTHER }, { "Message", CD_OTHER }, { "Package", CD_OTHER },
};

static int cd_field(const char *s, size_t n, const char **val, size_t *vl)
{
	size_t i = 0;
	while (i < n && s[i] == ' ')
		i++;
	const char *colon = memmem(s + i, n - i, ": ", 2);
	if (!colon)
		return -1;
	size_t kl = (size_t)(colon - (s + i));
	for (size_t k = 0; k < sizeof(coredumpctl_fields) / sizeof(coredumpctl_fields[0]); k++)
		if (strlen(coredumpctl_fields[k].name) == kl && memcmp(coredumpctl_fields[k].name, s + i, kl) == 0) {
			*val = colon + 2;
			*vl = n - (size_t)(colon + 2 - s);
			return (int)coredumpctl_fields[k].f;
		}
	return -1;
}

/* "Sat 2026-11-28 12:00:00 UTC (...)" -> usec; the zone is honoured for UTC only (else local time). */
static int64_t parse_timestamp(const char *v, size_t vl)
{
	char buf[64];
	if (vl >= sizeof(buf))
		vl = sizeof(buf) - 1;
	memcpy(buf, v, vl);
	buf[vl] = 0;
	struct tm tm = { 0 };
	const char *p = strchr(buf, ' ');
	p = p ? p + 1 : buf;
	const char *end = strptime(p, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end)
		return 0;
	tm.tm_isdst = -1;
	time_t t = strncmp(end, " UTC", 4) == 0 ? timegm(&tm) : mktime(&tm);
	return t == (time_t)-1 ? 0 : (int64_t)t * 1000000;
}

/* "Process 1234 (sed) of user 0 dumped core." -> pid, comm */
static bool process_dumped(const char *s, size_t n, int64_t *pid, const char **comm, size_t *cl)
{
	const char *p = memmem_s(s, n, "Process ");
	if (!p || !memmem_s(s, n, " dumped core"))
		return false;
	p += 8;
	const char *end = s + n, *q = p;
	while (q < end && isdigit((unsigned char)*q))
		q++;
	uint64_t x;
	if (!parse_u64(p, (size_t)(q - p), 10, &x) || x > INT32_MAX || end - q < 3 || q[0] != ' ' || q[1] != '(')
		return false;
	*pid = (int64_t)x;
	*comm = q + 2;
	const char *close = memmem_s(*comm, (size_t)(end - *comm), ") of user ");
	*cl = close ? (size_t)(close - *comm) : 0;
	return true;
}

/* Binary data in a text log: a NUL or control byte (tab, CR, ESC and form feed are fine). */
static const char *binary_byte(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 && ch != '\t' && ch != '\r' && ch != 0x1b && ch != '\f')
			return s + i;
	}
	return NULL;
}

static void finish_record(struct stack_state *st, struct hd_evidence *cur)
{
	stack_finish(st, cur);
	if (cur)
		signal_verdict(cur);
}

static int parse_lines(struct ctx *c, const char *text, size_t len)
{
	struct hd_evidence *cur = NULL; /* the coredumpctl / journal record being read */
	size_t cur_idx = 0;
	struct stack_state st = { 0 };
	unsigned lineno = 0;
	int ret = 0;
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t ll = nl ? (size_t)(nl - text) : len;
		const char *s = text;
		text += ll + (nl ? 1 : 0);
		len -= ll + (nl ? 1 : 0);
		lineno++;
		if (ll && s[ll - 1] == '\r')
			ll--;
		if (cur)
			cur = &c->out->v[cur_idx]; /* the list may have moved */

		const char *bad = binary_byte(s, ll);
		if (bad) {
			problem(c, HD_ERROR, lineno, "binary data (byte 0x%02x at column %zu): not a text log",
				(unsigned char)*bad, (size_t)(bad - s) + 1);
			ret = -EBADMSG;
			continue;
		}
		if (is_audit_seccomp(s, ll)) {
			int r = parse_audit(c, s, ll, lineno, 0);
			if (r == -ENOMEM || r == -EFBIG) {
				ret = r;
				break;
			}
			continue;
		}
		const char *v;
		size_t vl;
		int f = cd_field(s, ll, &v, &vl);
		int64_t pid;
		const char *comm;
		size_t cl;
		if (f == CD_PID) {
			finish_record(&st, cur);
			cur = new_record(c, HD_EVIDENCE_COREDUMPCTL, lineno);
			if (!cur) {
				ret = too_many_or_nomem(c, lineno);
				break;
			}
			cur_idx = c->out->n - 1;
			uint64_t x;
			size_t dl = 0;
			while (dl < vl && isdigit((unsigned char)v[dl]))
				dl++;
			if (parse_u64(v, dl, 10, &x) && x <= INT32_MAX)
				cur->pid = (int64_t)x;
			const char *o = memchr(v, '(', vl), *cp = o ? memchr(o, ')', vl - (size_t)(o - v)) : NULL;
			if (o && cp)
				set_str(&cur->comm, o + 1, (size_t)(cp - o - 1));
			continue;
		}
		if (f >= 0 && cur && cur->kind == HD_EVIDENCE_COREDUMPCTL) {
			uint64_t x;
			size_t dl = 0;
			switch ((enum cd_field)f) {
			case CD_SIGNAL:
				while (dl < vl && isdigit((unsigned char)v[dl]))
					dl++;
				if (parse_u64(v, dl, 10, &x) && x < 256)
					cur->signo = (int)x;
				break;
			case CD_TIMESTAMP: cur->time_usec = parse_timestamp(v, vl); break;
			case CD_CMDLINE: set_str(&cur->cmdline, v, vl); break;
			case CD_EXE: set_str(&cur->exe, v, vl); break;
			case CD_UNIT:
			case CD_USER_UNIT:
				if (!cur->unit)
					set_str(&cur->unit, v, vl);
				break;
			default: break;
			}
			/* "Message: Process N (comm) ... dumped core." belongs to this record */
			if (!process_dumped(s, ll, &pid, &comm, &cl))
				continue;
		}
		if (process_dumped(s, ll, &pid, &comm, &cl)) {
			if (!cur || cur->pid != pid) {
				finish_record(&st, cur);
				cur = new_record(c, HD_EVIDENCE_JOURNAL, lineno);
				if (!cur) {
					ret = too_many_or_nomem(c, lineno);
					break;
				}
				cur_idx = c->out->n - 1;
				cur->pid = pid;
				if (cl)
					set_str(&cur->comm, comm, cl);
			}
			continue;
		}
		if (cur)
			stack_line(&st, cur, s, ll);
	}
	if (cur)
		cur = &c->out->v[cur_idx];
	finish_record(&st, cur);
	return ret;
}

/* ---------------------------------------------------------------------------------------------
 * Journal records (json and export share this): fields -> evidence.
 */
struct jfield {
	const char *k, *v;
	size_t kl, vl;
};
struct jrec {
	struct jfield *f;
	size_t n, cap;
};

static const struct jfield *jget(const struct jrec *r, const char *key)
{
	size_t kl = strlen(key);
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].kl == kl && memcmp(r->f[i].k, key, kl) == 0)
			return &r->f[i];
	return NULL;
}

static bool jnum(const struct jrec *r, const char *key, uint64_t *x)
{
	const struct jfield *f = jget(r, key);
	return f && parse_u64(f->v, f->vl, 10, x);
}

/* COREDUMP_SIGNAL_NAME ("SIGSEGV"), for a record whose COREDUMP_SIGNAL is missing or not a number. 0 unknown. */
static int signal_by_name(const struct jfield *f)
{
	if (!f || f->vl < 4 || f->vl > 16 || memcmp(f->v, "SIG", 3) != 0)
		return 0;
	for (int sig = 1; sig < 65; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && strlen(abbrev) == f->vl - 3 && memcmp(abbrev, f->v + 3, f->vl - 3) == 0)
			return sig;
	}
	return 0;
}

static int journal_record(struct ctx *c, const struct jrec *r, unsigned lineno)
{
	uint64_t x;
	int64_t rt = jnum(r, "__REALTIME_TIMESTAMP", &x) && x < (1ull << 62) ? (int64_t)x : 0;
	const struct jfield *msg = jget(r, "MESSAGE");
	const struct jfield *at = jget(r, "_AUDIT_TYPE"), *atn = jget(r, "_AUDIT_TYPE_NAME");
	bool audit = (at && at->vl == 4 && memcmp(at->v, "1326", 4) == 0) ||
		     (atn && atn->vl == 7 && memcmp(atn->v, "SECCOMP", 7) == 0);
	if (msg && (audit || is_audit_seccomp(msg->v, msg->vl))) {
		if (jnum(r, "_SOURCE_REALTIME_TIMESTAMP", &x) && x < (1ull << 62))
			rt = (int64_t)x;
		int ret = parse_audit(c, msg->v, msg->vl, lineno, rt);
		return ret == -ENOMEM || ret == -EFBIG ? ret : 0;
	}
	if (!jget(r, "COREDUMP_SIGNAL") && !jget(r, "COREDUMP_SIGNAL_NAME") && !jget(r, "COREDUMP_PID"))
		return 0; /* not a core dump record */
	struct hd_evidence *e = new_record(c, HD_EVIDENCE_JOURNAL, lineno);
	if (!e)
		return too_many_or_nomem(c, lineno);
	if (jnum(r, "COREDUMP_PID", &x) && x <= INT32_MAX)
		e->pid = (int64_t)x;
	if (jnum(r, "COREDUMP_SIGNAL", &x) && x < 256)
		e->signo = (int)x;
	else
		e->signo = signal_by_name(jget(r, "COREDUMP_SIGNAL_NAME"));
	e->time_usec = jnum(r, "COREDUMP_TIMESTAMP", &x) && x < (1ull << 62) ? (int64_t)x : rt;
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
		{ "COREDUMP_COMM", offsetof(struct hd_evidence, comm) },
		{ "COREDUMP_EXE", offsetof(struct hd_evidence, exe) },
		{ "COREDUMP_UNIT", offsetof(struct hd_evidence, unit) },
		{ "COREDUMP_USER_UNIT", offsetof(struct hd_evidence, unit) },
		{ "COREDUMP_CMDLINE", offsetof(struct hd_evidence, cmdline) },
	};
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const struct jfield *f = jget(r, strs[i].key);
		char **dst = (char **)((char *)e + strs[i].off);
		if (f && !*dst)
			*dst = strndup_printable(f->v, f->vl);
	}
	if (msg)
		stack_text(e, msg->v, msg->vl);
	signal_verdict(e);
	return 0;
}

/* Fields per journal record: journald writes a few dozen; more is hostile input, and the record
 * is skipped with an error (jrec_add's -EFBIG) while the records after it are still read. */
#define JOURNAL_MAX_FIELDS 65536u

static int jrec_add(struct jrec *r, const char *k, size_t kl, const char *v, size_t vl)
{
	if (r->n >= JOURNAL_MAX_FIELDS)
		return -EFBIG;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct jfield *f = realloc(r->f, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		r->f = f;
		r->cap = cap;
	}
	r->f[r->n++] = (struct jfield){ k, v, kl, vl };
	return 0;
}

static unsigned count_lines(const char *s, size_t n)
{
	unsigned l = 1;
	for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))); p++)
		l++;
	return l;
}

/* journalctl -o export */
static int parse_export(struct ctx *c, const char *text, size_t len)
{
	struct jrec r = { 0 };
	size_t i = 0, rec_off = 0;
	unsigned lineno = 1, rec_line = 1;
	int ret = 0;
	bool too_many = false, skipped = false; /* this record has too many fields; some record had */
	while (i <= len) {
		if (i == len || text[i] == '\n') {
			/* blank line (or end): the record is complete */
			if (r.n && !too_many) {
				ret = journal_record(c, &r, rec_line);
				if (ret < 0)
					break;
			}
			r.n = 0;
			too_many = false;
			if (i == len)
				break;
			i++;
			lineno++;
			rec_line = lineno;
			rec_off = i;
			continue;
		}
		const char *nl = memchr(text + i, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - (text + i)) : len - i;
		const char *eq = memchr(text + i, '=', ll);
		size_t kl = eq ? (size_t)(eq - (text + i)) : ll;
		for (size_t k = 0; k < kl; k++) {
			char ch = text[i + k];
			if (!(isupper((unsigned char)ch) || isdigit((unsigned char)ch) || ch == '_') || kl > 256) {
				problem(c, HD_ERROR, lineno, "journal export: bad field name (byte 0x%02x at column %zu)",
					(unsigned char)ch, k + 1);
				ret = -EBADMSG;
				goto out;
			}
		}
		if (kl == 0) {
			problem(c, HD_ERROR, lineno, "journal export: empty field name");
			ret = -EBADMSG;
			goto out;
		}
		if (eq) {
			ret = too_many ? 0 : jrec_add(&r, text + i, kl, eq + 1, ll - kl - 1);
			i += ll + (nl ? 1 : 0);
			lineno++;
		} else {
			/* binary field: NAME \n le64 size, data, \n */
			size_t p = i + ll + 1;
			if (!nl || len - p < 8) {
				problem(c, HD_ERROR, lineno, "journal export: binary field %.*s is truncated", (int)kl, text + i);
				ret = -EBADMSG;
				goto out;
			}
			uint64_t sz = 0;
			for (int b = 7; b >= 0; b--)
				sz = sz << 8 | (unsigned char)text[p + (size_t)b];
			p += 8;
			if (sz >= len - p || text[p + sz] != '\n') {
				problem(c, HD_ERROR, lineno,
					"journal export: binary field %.*s claims %llu bytes, %zu remain (or no newline after it)",
					(int)kl, text + i, (unsigned long long)sz, len - p);
				ret = -EBADMSG;
				goto out;
			}
			ret = too_many ? 0 : jrec_add(&r, text + i, kl, text + p, (size_t)sz);
			lineno += count_lines(text + p, (size_t)sz) + 1;
			i = p + (size_t)sz + 1;
		}
		if (ret == -EFBIG) {
			/* the rest of this record is still parsed (a binary field may hold blank lines),
			 * only not kept: the records after it are read as usual */
			problem(c, HD_ERROR, rec_line, "journal export: the record at byte %zu has more than %u fields: skipped",
				rec_off, JOURNAL_MAX_FIELDS);
			too_many = skipped = true;
			ret = 0;
		}
		if (ret < 0)
			break;
	}
out:
	free(r.f);
	return ret < 0 ? ret : skipped ? -EBADMSG : 0;
}

/* journalctl -o json / json-pretty / json-seq / an array of them */
static int json_value_bytes(struct json_object *v, const char **s, size_t *n, char **owned)
{
	if (json_object_is_type(v, json_type_string)) {
		*s = json_object_get_string(v);
		*n = (size_t)json_object_get_string_len(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_array)) {
		/* journalctl writes non-UTF-8 field values as arrays of byte values */
		size_t len = json_object_array_length(v);
		char *b = malloc(len + 1);
		if (!b)
			return -ENOMEM;
		for (size_t i = 0; i < len; i++)
			b[i] = (char)json_object_get_int(json_object_array_get_idx(v, i));
		b[len] = 0;
		*owned = b;
		*s = b;
		*n = len;
		return 0;
	}
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		*s = json_object_get_string(v);
		*n = strlen(*s);
		return 0;
	}
	return -EINVAL;
}

/* One journal record: 0 (also when skipped with a problem), -EBADMSG skipped with an error, -ENOMEM, -EFBIG.
 * off: the byte where its JSON value starts, idx: its index in an array (or -1), for the error. */
static int json_record(struct ctx *c, struct json_object *o, unsigned lineno, size_t off, long idx)
{
	if (!json_object_is_type(o, json_type_object)) {
		problem(c, HD_WARNING, lineno, "JSON value is not a journal record (an object): skipped");
		return 0;
	}
	struct jrec r = { 0 };
	hd_strv owned = { 0 };
	int ret = 0;
	json_object_object_foreach(o, key, val) {
		const char *s;
		size_t n;
		char *own = NULL;
		if (json_value_bytes(val, &s, &n, &own) < 0)
			continue;
		if (own) {
			/* keep the buffer alive until the record is processed */
			ret = hd_strv_push(&owned, "");
			if (ret < 0) {
				free(own);
				break;
			}
			free(owned.v[owned.n - 1]);
			owned.v[owned.n - 1] = own;
		}
		ret = jrec_add(&r, key, strlen(key), s, n);
		if (ret < 0)
			break;
	}
	if (ret == -EFBIG) {
		if (idx >= 0)
			problem(c, HD_ERROR, lineno, "JSON record %ld of the array at byte %zu has more than %u fields: skipped",
				idx + 1, off, JOURNAL_MAX_FIELDS);
		else
			problem(c, HD_ERROR, lineno, "JSON record at byte %zu has more than %u fields: skipped", off,
				JOURNAL_MAX_FIELDS);
		ret = -EBADMSG; /* the caller goes on with the next record */
	} else if (ret >= 0)
		ret = journal_record(c, &r, lineno);
	free(r.f);
	hd_strv_free(&owned);
	return ret;
}

static int parse_json(struct ctx *c, const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	size_t off = 0, counted = 0;
	unsigned lineno = 1;
	int ret = 0;
	bool skipped = false; /* a record was skipped with an error: -EBADMSG at the end */
	while (off < len) {
		while (off < len && (isspace((unsigned char)text[off]) || text[off] == 0x1e /* json-seq */))
			off++;
		if (off >= len)
			break;
		size_t chunk = len - off > 0x7fffffff ? 0x7fffffff : len - off;
		/* line numbers counted forward only: a big journal stays linear */
		lineno += count_lines(text + counted, off - counted) - 1;
		counted = off;
		json_tokener_reset(tok);
		struct json_object *o = json_tokener_parse_ex(tok, text + off, (int)chunk);
		enum json_tokener_error err = json_tokener_get_error(tok);
		if (!o) {
			problem(c, HD_ERROR, lineno, "invalid JSON (byte %zu): %s", off + json_tokener_get_parse_end(tok),
				err == json_tokener_continue ? "truncated" : json_tokener_error_desc(err));
			ret = -EBADMSG;
			break;
		}
		size_t start = off;
		off += json_tokener_get_parse_end(tok);
		if (json_object_is_type(o, json_type_array)) {
			size_t n = json_object_array_length(o);
			for (size_t i = 0; i < n && (ret >= 0 || ret == -EBADMSG); i++) {
				ret = json_record(c, json_object_array_get_idx(o, i), lineno, start, (long)i);
				skipped |= ret == -EBADMSG;
			}
		} else {
			ret = json_record(c, o, lineno, start, -1);
			skipped |= ret == -EBADMSG;
		}
		json_object_put(o);
		if (ret == -EBADMSG)
			ret = 0;
		if (ret < 0)
			break;
	}
	json_tokener_free(tok);
	return ret < 0 ? ret : skipped ? -EBADMSG : 0;
}

enum hd_text_format hd_text_detect(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && (isspace((unsigned char)text[i]) || text[i] == 0x1e))
		i++;
	if (i < len && text[i] == '{')
		return HD_TEXT_JSON;
	if (i < len && text[i] == '[') {
		/* a JSON array of records, not dmesg's "[ 4211.734201] ..." */
		size_t k = i + 1;
		while (k < len && isspace((unsigned char)text[k]))
			k++;
		if (k < len && (text[k] == '{' || text[k] == ']'))
			return HD_TEXT_JSON;
	}
	/* export: the first line is an upper-case FIELD=value (journalctl starts with __CURSOR=) */
	size_t k = i;
	while (k < len && (isupper((unsigned char)text[k]) || isdigit((unsigned char)text[k]) || text[k] == '_'))
		k++;
	if (k > i && k < len && text[k] == '=' && (text[i] == '_' || isupper((unsigned char)text[i])))
		return HD_TEXT_EXPORT;
	return HD_TEXT_LINES;
}

int hd_evidence_parse_text(const char *text, size_t len, const char *file, struct hd_evidence_list *out,
			   hd_diags *diags)
{
	struct ctx c = { file, out, diags, 0 };
	switch (hd_text_detect(text, len)) {
	case HD_TEXT_JSON: return parse_json(&c, text, len);
	case HD_TEXT_EXPORT: return parse_export(&c, text, len);
	case HD_TEXT_LINES: break;
	}
	return parse_lines(&c, text, len);
}
