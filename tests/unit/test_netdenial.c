/* SPDX-License-Identifier: MIT */
/* sandbox/netdenial: which network setting a failed connect or sendto names, and its fix, against a
 * made-up host. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "sandbox/netdenial.h"

/* The host listens on 127.0.0.1:8080 only. */
static bool h_listens(void *ctx, int family, const uint8_t *addr, unsigned port)
{
	(void)ctx;
	return family == AF_INET && addr[0] == 127 && addr[3] == 1 && port == 8080;
}
static const struct hd_net_probe probe = { .listens = h_listens };

static struct hd_net_call call(const char *name, const char *addr, unsigned port, int err)
{
	struct hd_net_call c = { .call = name, .port = port, .err = err };
	c.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(c.family, addr, c.addr), 1);
	return c;
}

static void filter(struct hd_ipfilter *f, const char *deny, const char *allow)
{
	*f = (struct hd_ipfilter){ 0 };
	hd_diags d = { 0 };
	if (deny)
		assert_int_equal(hd_ipfilter_add(f, "IPAddressDeny", deny, NULL, 0, &d), 1);
	if (allow)
		assert_int_equal(hd_ipfilter_add(f, "IPAddressAllow", allow, NULL, 0, &d), 1);
	hd_diags_free(&d);
}

static void test_private_network(void **state)
{
	(void)state;
	struct hd_net_denial d;
	struct hd_net_call c = call("connect", "192.0.2.1", 80, ENETUNREACH);
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, &probe, &d), 1);
	assert_int_equal(d.cause, HD_NET_PRIVATE_NETWORK);
	assert_string_equal(d.setting, "PrivateNetwork=yes");
	assert_string_equal(d.fix, "PrivateNetwork=no");
	assert_non_null(d.why);
	/* the same failure without the setting: the host's own routes */
	assert_int_equal(hd_net_denial_explain(false, NULL, &c, &probe, &d), 0);
	assert_int_equal(d.cause, HD_NET_NONE);
	c = call("sendto", "2001:db8::1", 53, EHOSTUNREACH);
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, &probe, &d), 1);
	c = call("sendto", "2001:db8::1", 53, ENETUNREACH);
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, &probe, &d), 1);
	/* unreachable loopback is not the namespace's doing */
	c = call("connect", "127.0.0.1", 80, ENETUNREACH);
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, &probe, &d), 0);
}

static void test_loopback_refused(void **state)
{
	(void)state;
	struct hd_net_denial d;
	/* the host listens there: the namespace's own loopback refused it */
	struct hd_net_call c = call("connect", "127.0.0.1", 8080, ECONNREFUSED);
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, &probe, &d), 1);
	assert_string_equal(d.setting, "PrivateNetwork=yes");
	assert_string_equal(d.fix, "PrivateNetwork=no");
	/* an IPv4-mapped address is the IPv4 one */
	c = call("connect", "::ffff:127.0.0.1", 8080, ECONNREFUSED);
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, &probe, &d), 1);
	/* nothing listens there on the host either: refused anyway */
	c = call("connect", "127.0.0.1", 8081, ECONNREFUSED);
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, &probe, &d), 0);
	/* no probe: nothing is known to listen */
	c = call("connect", "127.0.0.1", 8080, ECONNREFUSED);
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, NULL, &d), 0);
	/* without PrivateNetwork=: a refused connect is the host's */
	assert_int_equal(hd_net_denial_explain(false, NULL, &c, &probe, &d), 0);
	/* a refused connect off loopback is a remote host's answer */
	c = call("connect", "192.0.2.1", 8080, ECONNREFUSED);
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, &probe, &d), 0);
}

static void test_ip_deny(void **state)
{
	(void)state;
	struct hd_ipfilter f;
	struct hd_net_denial d;
	filter(&f, "any", "localhost");
	struct hd_net_call c = call("sendto", "192.0.2.2", 53, EPERM);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 1);
	assert_int_equal(d.cause, HD_NET_IP_DENY);
	assert_string_equal(d.setting, "IPAddressDeny=any");
	assert_string_equal(d.fix, "IPAddressAllow=192.0.2.2/32");
	/* allowed: the EPERM came from elsewhere */
	c = call("sendto", "127.0.0.1", 53, EPERM);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 0);
	/* a TCP SYN dropped: connect() times out, or a non-blocking one never completes */
	c = call("connect", "2001:db8::5", 443, ETIMEDOUT);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 1);
	assert_string_equal(d.fix, "IPAddressAllow=2001:db8::5/128");
	assert_non_null(strstr(d.why, "timed out"));
	c = call("connect", "192.0.2.9", 443, EINPROGRESS);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 1);
	c = call("connect", "192.0.2.9", 443, EINTR);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 1);
	/* a sendto that timed out is no dropped SYN */
	c = call("sendto", "192.0.2.9", 443, ETIMEDOUT);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 0);
	/* a refused connect to a denied address is not the filter's (it drops; it does not refuse) */
	c = call("connect", "192.0.2.9", 443, ECONNREFUSED);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 0);
	hd_ipfilter_free(&f);

	/* the entry named is the most specific deny that matches; allow wins */
	filter(&f, "10.0.0.0/8 10.1.0.0/16", "10.1.2.3");
	c = call("sendto", "10.1.9.9", 53, EPERM);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 1);
	assert_string_equal(d.setting, "IPAddressDeny=10.1.0.0/16");
	assert_string_equal(d.fix, "IPAddressAllow=10.1.9.9/32");
	c = call("sendto", "10.1.2.3", 53, EPERM);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 0);
	c = call("sendto", "192.0.2.1", 53, EPERM); /* not denied at all */
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 0);
	/* an IPv4-mapped destination leaves as IPv4: the IPv4 entries judge it */
	c = call("sendto", "::ffff:10.1.9.9", 53, EPERM);
	assert_int_equal(hd_net_denial_explain(false, &f, &c, &probe, &d), 1);
	assert_string_equal(d.fix, "IPAddressAllow=10.1.9.9/32");
	hd_ipfilter_free(&f);
}

static void test_both(void **state)
{
	(void)state;
	struct hd_ipfilter f;
	struct hd_net_denial d;
	filter(&f, "any", NULL);
	/* off loopback under both: no route comes first */
	struct hd_net_call c = call("sendto", "192.0.2.2", 53, ENETUNREACH);
	assert_int_equal(hd_net_denial_explain(true, &f, &c, &probe, &d), 1);
	assert_string_equal(d.setting, "PrivateNetwork=yes");
	/* loopback in the namespace, denied by the filter */
	c = call("sendto", "127.0.0.1", 53, EPERM);
	assert_int_equal(hd_net_denial_explain(true, &f, &c, &probe, &d), 1);
	assert_string_equal(d.setting, "IPAddressDeny=any");
	assert_string_equal(d.fix, "IPAddressAllow=127.0.0.1/32");
	hd_ipfilter_free(&f);
}

static void test_format(void **state)
{
	(void)state;
	char b[64];
	struct hd_net_call c = call("connect", "::1", 443, 0);
	hd_net_format(c.family, c.addr, c.port, b, sizeof(b));
	assert_string_equal(b, "[::1]:443");
	c = call("connect", "192.0.2.1", 80, 0);
	hd_net_format(c.family, c.addr, c.port, b, sizeof(b));
	assert_string_equal(b, "192.0.2.1:80");
	/* other families are never blamed */
	c.family = AF_UNIX;
	struct hd_net_denial d;
	assert_int_equal(hd_net_denial_explain(true, NULL, &c, &probe, &d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_network), cmocka_unit_test(test_loopback_refused),
		cmocka_unit_test(test_ip_deny),         cmocka_unit_test(test_both),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
