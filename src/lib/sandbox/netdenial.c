/* SPDX-License-Identifier: MIT */
#include "sandbox/netdenial.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The kernel's restart codes: what a tracer sees at a call's exit when a signal interrupted it (user space
 * gets EINTR, or the call again). Not in the user-space headers. */
#define K_ERESTARTSYS 512
#define K_ERESTARTNOINTR 513
#define K_ERESTARTNOHAND 514
#define K_ERESTART_RESTARTBLOCK 516

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* An IPv4-mapped IPv6 address leaves as an IPv4 packet: the filter and the routes see the IPv4 one. */
static void unmap(const struct hd_net_call *c, int *family, uint8_t addr[16])
{
	*family = c->family;
	memcpy(addr, c->addr, 16);
	if (c->family == AF_INET6 && memcmp(c->addr, v4_mapped, sizeof(v4_mapped)) == 0) {
		*family = AF_INET;
		memset(addr, 0, 16);
		memcpy(addr, c->addr + 12, 4);
	}
}

/* The namespace's own: loopback, and the unspecified address (a connect to it goes to the local host). */
static bool local_address(int family, const uint8_t *addr)
{
	static const uint8_t any6[16] = { 0 }, lo6[16] = { [15] = 1 };
	if (family == AF_INET)
		return addr[0] == 127 || memcmp(addr, any6, 4) == 0;
	return memcmp(addr, lo6, 16) == 0 || memcmp(addr, any6, 16) == 0;
}

static bool prefix_matches(const struct hd_ip_prefix *p, int family, const uint8_t *addr)
{
	if (p->family != family)
		return false;
	unsigned full = p->prefixlen / 8, rest = p->prefixlen % 8;
	if (memcmp(p->addr, addr, full) != 0)
		return false;
	return rest == 0 || ((p->addr[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* The deny entry to name: the most specific one that matches (the one a reader finds in the unit). */
static const struct hd_ip_prefix *deny_entry(const struct hd_ipfilter *f, int family, const uint8_t *addr)
{
	const struct hd_ip_prefix *best = NULL;
	for (size_t i = 0; i < f->deny.n; i++)
		if (prefix_matches(&f->deny.v[i], family, addr) && (!best || f->deny.v[i].prefixlen > best->prefixlen))
			best = &f->deny.v[i];
	return best;
}

void hd_net_format(int family, const uint8_t *addr, unsigned port, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(family, addr, a, sizeof(a));
	snprintf(buf, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

int hd_net_denial_explain(bool private_network, const struct hd_ipfilter *ipf, const struct hd_net_call *c,
			  const struct hd_net_probe *probe, struct hd_net_denial *out)
{
	*out = (struct hd_net_denial){ .cause = HD_NET_NONE };
	if (c->family != AF_INET && c->family != AF_INET6)
		return 0;
	int family;
	uint8_t addr[16];
	unmap(c, &family, addr);
	bool local = local_address(family, addr);
	bool connect = c->call && strcmp(c->call, "connect") == 0;
	if (private_network) {
		/* the routing comes first: off loopback there is no route at all, whatever the filter says */
		if (!local && (c->err == ENETUNREACH || c->err == EHOSTUNREACH)) {
			out->cause = HD_NET_PRIVATE_NETWORK;
			out->why = "the private network namespace has only the loopback device: no route to the address";
		} else if (local && connect && c->err == ECONNREFUSED && probe && probe->listens &&
			   probe->listens(probe->ctx, family, addr, c->port)) {
			out->cause = HD_NET_PRIVATE_NETWORK;
			out->why = "the host's listener there is outside the private network namespace, whose loopback "
				   "is its own";
		}
		if (out->cause) {
			snprintf(out->setting, sizeof(out->setting), "PrivateNetwork=yes");
			snprintf(out->fix, sizeof(out->fix), "PrivateNetwork=no");
			return 1;
		}
	}
	if (!ipf || !hd_ipfilter_active(ipf) || hd_ipfilter_allows(ipf, family, addr))
		return 0;
	if (c->err == EPERM)
		out->why = "the cgroup's egress filter dropped the packet: the call failed with EPERM";
	else if (connect && c->err == ETIMEDOUT)
		out->why = "the filter dropped each SYN; the kernel retried it until connect() timed out";
	else if (connect && (c->err == EINPROGRESS || c->err == EALREADY))
		out->why = "the filter drops the SYN (retried, not an error): the non-blocking connect() cannot "
			   "complete";
	else if (connect && (c->err == EINTR || c->err == K_ERESTARTSYS || c->err == K_ERESTARTNOINTR ||
			     c->err == K_ERESTARTNOHAND || c->err == K_ERESTART_RESTARTBLOCK))
		out->why = "the filter drops the SYN (retried, not an error): connect() waited until interrupted";
	else
		return 0;
	const struct hd_ip_prefix *d = deny_entry(ipf, family, addr);
	char a[INET6_ADDRSTRLEN] = "?";
	if (!d || d->prefixlen == 0)
		snprintf(out->setting, sizeof(out->setting), "IPAddressDeny=any");
	else {
		inet_ntop(d->family, d->addr, a, sizeof(a));
		snprintf(out->setting, sizeof(out->setting), "IPAddressDeny=%s/%u", a, d->prefixlen);
	}
	inet_ntop(family, addr, a, sizeof(a));
	snprintf(out->fix, sizeof(out->fix), "IPAddressAllow=%s/%u", a, family == AF_INET ? 32 : 128);
	out->cause = HD_NET_IP_DENY;
	return 1;
}

/* ---- the host's listeners ---- */

/* One address column of /proc/net/tcp*: the address as 32-bit words printed in host order, then the
 * port. */
static bool parse_proc_addr(const char *s, int family, uint8_t addr[16], unsigned *port)
{
	size_t words = family == AF_INET ? 1 : 4;
	for (size_t w = 0; w < words; w++) {
		unsigned v;
		if (sscanf(s + 8 * w, "%8x", &v) != 1)
			return false;
		uint32_t v32 = v;
		memcpy(addr + 4 * w, &v32, 4);
	}
	return s[8 * words] == ':' && sscanf(s + 8 * words + 1, "%x", port) == 1;
}

static bool table_listens(const char *file, int tfamily, int family, const uint8_t *addr, unsigned port)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	static const uint8_t zero[16] = { 0 };
	while (!found && fgets(line, sizeof(line), f)) {
		char local[64];
		unsigned state;
		uint8_t la[16] = { 0 };
		unsigned lport;
		if (sscanf(line, " %*[0-9]: %63s %*s %x", local, &state) != 2 || state != 0x0A /* TCP_LISTEN */)
			continue;
		if (!parse_proc_addr(local, tfamily, la, &lport) || lport != port)
			continue;
		if (tfamily == family)
			found = memcmp(la, addr, family == AF_INET ? 4 : 16) == 0 ||
				memcmp(la, zero, family == AF_INET ? 4 : 16) == 0;
		else /* an IPv4 address reaches an IPv6 listener on :: or on its mapped form */
			found = memcmp(la, zero, 16) == 0 ||
				(memcmp(la, v4_mapped, sizeof(v4_mapped)) == 0 && memcmp(la + 12, addr, 4) == 0);
	}
	fclose(f);
	return found;
}

static bool host_listens(void *ctx, int family, const uint8_t *addr, unsigned port)
{
	(void)ctx;
	if (family == AF_INET)
		return table_listens("/proc/self/net/tcp", AF_INET, family, addr, port) ||
		       table_listens("/proc/self/net/tcp6", AF_INET6, family, addr, port);
	return table_listens("/proc/self/net/tcp6", AF_INET6, family, addr, port);
}

const struct hd_net_probe hd_net_probe_host = { .listens = host_listens, .ctx = NULL };
