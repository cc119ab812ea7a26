/* SPDX-License-Identifier: MIT */
/*
 * Name tables systemd accepts in unit files: errno names (SystemCallErrorNumber=, SystemCallFilter=
 * name:ERRNO) and address families (RestrictAddressFamilies=).
 *
 * The errno rows were generated once with glibc's strerrorname_np(1..4095) on Debian 12 (glibc 2.36,
 * the libc systemd 252 is built with there), plus the three aliases glibc defines (EWOULDBLOCK,
 * EDEADLOCK, ENOTSUP). Printing uses the first row of a number: like systemd, which leaves the aliases
 * out of its number -> name table. Lookups by name ignore case, as systemd's gperf tables do
 * (checked: systemd-analyze verify accepts "eperm" and "af_inet").
 */
#include "syscalls/nametables.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct errno_row {
	const char *name;
	int value;
};

/* Canonical names first (one per number, in number order), then aliases. */
static const struct errno_row errno_rows[] = {
	{ "EPERM", EPERM },
	{ "ENOENT", ENOENT },
	{ "ESRCH", ESRCH },
	{ "EINTR", EINTR },
	{ "EIO", EIO },
	{ "ENXIO", ENXIO },
	{ "E2BIG", E2BIG },
	{ "ENOEXEC", ENOEXEC },
	{ "EBADF", EBADF },
	{ "ECHILD", ECHILD },
	{ "EAGAIN", EAGAIN },
	{ "ENOMEM", ENOMEM },
	{ "EACCES", EACCES },
	{ "EFAULT", EFAULT },
	{ "ENOTBLK", ENOTBLK },
	{ "EBUSY", EBUSY },
	{ "EEXIST", EEXIST },
	{ "EXDEV", EXDEV },
	{ "ENODEV", ENODEV },
	{ "ENOTDIR", ENOTDIR },
	{ "EISDIR", EISDIR },
	{ "EINVAL", EINVAL },
	{ "ENFILE", ENFILE },
	{ "EMFILE", EMFILE },
	{ "ENOTTY", ENOTTY },
	{ "ETXTBSY", ETXTBSY },
	{ "EFBIG", EFBIG },
	{ "ENOSPC", ENOSPC },
	{ "ESPIPE", ESPIPE },
	{ "EROFS", EROFS },
	{ "EMLINK", EMLINK },
	{ "EPIPE", EPIPE },
	{ "EDOM", EDOM },
	{ "ERANGE", ERANGE },
	{ "EDEADLK", EDEADLK },
	{ "ENAMETOOLONG", ENAMETOOLONG },
	{ "ENOLCK", ENOLCK },
	{ "ENOSYS", ENOSYS },
	{ "ENOTEMPTY", ENOTEMPTY },
	{ "ELOOP", ELOOP },
	{ "ENOMSG", ENOMSG },
	{ "EIDRM", EIDRM },
	{ "ECHRNG", ECHRNG },
	{ "EL2NSYNC", EL2NSYNC },
	{ "EL3HLT", EL3HLT },
	{ "EL3RST", EL3RST },
	{ "ELNRNG", ELNRNG },
	{ "EUNATCH", EUNATCH },
	{ "ENOCSI", ENOCSI },
	{ "EL2HLT", EL2HLT },
	{ "EBADE", EBADE },
	{ "EBADR", EBADR },
	{ "EXFULL", EXFULL },
	{ "ENOANO", ENOANO },
	{ "EBADRQC", EBADRQC },
	{ "EBADSLT", EBADSLT },
	{ "EBFONT", EBFONT },
	{ "ENOSTR", ENOSTR },
	{ "ENODATA", ENODATA },
	{ "ETIME", ETIME },
	{ "ENOSR", ENOSR },
	{ "ENONET", ENONET },
	{ "ENOPKG", ENOPKG },
	{ "EREMOTE", EREMOTE },
	{ "ENOLINK", ENOLINK },
	{ "EADV", EADV },
	{ "ESRMNT", ESRMNT },
	{ "ECOMM", ECOMM },
	{ "EPROTO", EPROTO },
	{ "EMULTIHOP", EMULTIHOP },
	{ "EDOTDOT", EDOTDOT },
	{ "EBADMSG", EBADMSG },
	{ "EOVERFLOW", EOVERFLOW },
	{ "ENOTUNIQ", ENOTUNIQ },
	{ "EBADFD", EBADFD },
	{ "EREMCHG", EREMCHG },
	{ "ELIBACC", ELIBACC },
	{ "ELIBBAD", ELIBBAD },
	{ "ELIBSCN", ELIBSCN },
	{ "ELIBMAX", ELIBMAX },
	{ "ELIBEXEC", ELIBEXEC },
	{ "EILSEQ", EILSEQ },
	{ "ERESTART", ERESTART },
	{ "ESTRPIPE", ESTRPIPE },
	{ "EUSERS", EUSERS },
	{ "ENOTSOCK", ENOTSOCK },
	{ "EDESTADDRREQ", EDESTADDRREQ },
	{ "EMSGSIZE", EMSGSIZE },
	{ "EPROTOTYPE", EPROTOTYPE },
	{ "ENOPROTOOPT", ENOPROTOOPT },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT },
	{ "ESOCKTNOSUPPORT", ESOCKTNOSUPPORT },
	{ "EOPNOTSUPP", EOPNOTSUPP },
	{ "EPFNOSUPPORT", EPFNOSUPPORT },
	{ "EAFNOSUPPORT", EAFNOSUPPORT },
	{ "EADDRINUSE", EADDRINUSE },
	{ "EADDRNOTAVAIL", EADDRNOTAVAIL },
	{ "ENETDOWN", ENETDOWN },
	{ "ENETUNREACH", ENETUNREACH },
	{ "ENETRESET", ENETRESET },
	{ "ECONNABORTED", ECONNABORTED },
	{ "ECONNRESET", ECONNRESET },
	{ "ENOBUFS", ENOBUFS },
	{ "EISCONN", EISCONN },
	{ "ENOTCONN", ENOTCONN },
	{ "ESHUTDOWN", ESHUTDOWN },
	{ "ETOOMANYREFS", ETOOMANYREFS },
	{ "ETIMEDOUT", ETIMEDOUT },
	{ "ECONNREFUSED", ECONNREFUSED },
	{ "EHOSTDOWN", EHOSTDOWN },
	{ "EHOSTUNREACH", EHOSTUNREACH },
	{ "EALREADY", EALREADY },
	{ "EINPROGRESS", EINPROGRESS },
	{ "ESTALE", ESTALE },
	{ "EUCLEAN", EUCLEAN },
	{ "ENOTNAM", ENOTNAM },
	{ "ENAVAIL", ENAVAIL },
	{ "EISNAM", EISNAM },
	{ "EREMOTEIO", EREMOTEIO },
	{ "EDQUOT", EDQUOT },
	{ "ENOMEDIUM", ENOMEDIUM },
	{ "EMEDIUMTYPE", EMEDIUMTYPE },
	{ "ECANCELED", ECANCELED },
	{ "ENOKEY", ENOKEY },
	{ "EKEYEXPIRED", EKEYEXPIRED },
	{ "EKEYREVOKED", EKEYREVOKED },
	{ "EKEYREJECTED", EKEYREJECTED },
	{ "EOWNERDEAD", EOWNERDEAD },
	{ "ENOTRECOVERABLE", ENOTRECOVERABLE },
	{ "ERFKILL", ERFKILL },
	{ "EHWPOISON", EHWPOISON },
	/* aliases: accepted when parsing, never printed */
	{ "EWOULDBLOCK", EWOULDBLOCK },
	{ "EDEADLOCK", EDEADLOCK },
	{ "ENOTSUP", ENOTSUP },
};

/*
 * Address families by number, from glibc 2.36's <bits/socket.h> (the kernel ABI numbers). Aliases
 * (AF_LOCAL and AF_FILE for AF_UNIX, AF_ROUTE for AF_NETLINK) come after the canonical name and are
 * only accepted, like systemd's af_from_name(); AF_UNSPEC and AF_MAX are not families systemd accepts
 * (checked with systemd-analyze verify: "Failed to parse address family, ignoring: AF_UNSPEC").
 */
struct af_row {
	int value;
	const char *name;
	bool alias;
};

static const struct af_row af_rows[] = {
	{ 1, "AF_FILE", true },
	{ 1, "AF_LOCAL", true },
	{ 1, "AF_UNIX", false },
	{ 2, "AF_INET", false },
	{ 3, "AF_AX25", false },
	{ 4, "AF_IPX", false },
	{ 5, "AF_APPLETALK", false },
	{ 6, "AF_NETROM", false },
	{ 7, "AF_BRIDGE", false },
	{ 8, "AF_ATMPVC", false },
	{ 9, "AF_X25", false },
	{ 10, "AF_INET6", false },
	{ 11, "AF_ROSE", false },
	{ 12, "AF_DECnet", false },
	{ 13, "AF_NETBEUI", false },
	{ 14, "AF_SECURITY", false },
	{ 15, "AF_KEY", false },
	{ 16, "AF_ROUTE", true },
	{ 16, "AF_NETLINK", false },
	{ 17, "AF_PACKET", false },
	{ 18, "AF_ASH", false },
	{ 19, "AF_ECONET", false },
	{ 20, "AF_ATMSVC", false },
	{ 21, "AF_RDS", false },
	{ 22, "AF_SNA", false },
	{ 23, "AF_IRDA", false },
	{ 24, "AF_PPPOX", false },
	{ 25, "AF_WANPIPE", false },
	{ 26, "AF_LLC", false },
	{ 27, "AF_IB", false },
	{ 28, "AF_MPLS", false },
	{ 29, "AF_CAN", false },
	{ 30, "AF_TIPC", false },
	{ 31, "AF_BLUETOOTH", false },
	{ 32, "AF_IUCV", false },
	{ 33, "AF_RXRPC", false },
	{ 34, "AF_ISDN", false },
	{ 35, "AF_PHONET", false },
	{ 36, "AF_IEEE802154", false },
	{ 37, "AF_CAIF", false },
	{ 38, "AF_ALG", false },
	{ 39, "AF_NFC", false },
	{ 40, "AF_VSOCK", false },
	{ 41, "AF_KCM", false },
	{ 42, "AF_QIPCRTR", false },
	{ 43, "AF_SMC", false },
	{ 44, "AF_XDP", false },
	{ 45, "AF_MCTP", false },
};

#define ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

int hd_errno_from_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTS(errno_rows); i++)
		if (strcasecmp(errno_rows[i].name, name) == 0)
			return errno_rows[i].value;
	return -EINVAL;
}

const char *hd_errno_name(int value)
{
	for (size_t i = 0; i < ELEMENTS(errno_rows); i++)
		if (errno_rows[i].value == value)
			return errno_rows[i].name;
	return NULL;
}

/* systemd's safe_atoi(): strtol with base 0 (so "0x1", "010" and "+1" are numbers, checked with
 * systemd-analyze verify), the whole string, no overflow. */
static int parse_int(const char *s, int *out)
{
	if (!*s)
		return -EINVAL;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || *end || end == s)
		return -EINVAL;
	if (v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*out = (int)v;
	return 0;
}

int hd_errno_parse(const char *s)
{
	if (!s)
		return -EINVAL;
	int v = hd_errno_from_name(s);
	if (v > 0)
		return v;
	int r = parse_int(s, &v);
	if (r < 0)
		return r;
	if (v < 0 || v > HD_ERRNO_MAX)
		return -ERANGE;
	return v;
}

int hd_af_from_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTS(af_rows); i++)
		if (strcasecmp(af_rows[i].name, name) == 0)
			return af_rows[i].value;
	return -EINVAL;
}

const char *hd_af_name(int af)
{
	for (size_t i = 0; i < ELEMENTS(af_rows); i++)
		if (af_rows[i].value == af && !af_rows[i].alias)
			return af_rows[i].name;
	return NULL;
}

int hd_af_max(void)
{
	int max = 0;
	for (size_t i = 0; i < ELEMENTS(af_rows); i++)
		if (af_rows[i].value > max)
			max = af_rows[i].value;
	return max + 1;
}
