/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "sandbox/ipfilter.h"

/*
 * Which network setting made a call that names an address fail (connect, sendto), and what to change:
 * harden run's report of the calls its tracer saw fail under PrivateNetwork= or IPAddressDeny=. A pure
 * function of the settings, the failed call and what the host has (asked through a probe, so that tests
 * can give any host).
 *
 * PrivateNetwork=yes puts the command in a network namespace with only the loopback device:
 *  - any address off loopback has no route there: ENETUNREACH (or EHOSTUNREACH);
 *  - a loopback address is the namespace's own loopback, where nothing of the host listens: ECONNREFUSED,
 *    blamed only when the host has a listener at that address and port (else it failed on the host too).
 * IPAddressDeny= (with IPAddressAllow=) drops the packets to an address it denies at the cgroup's egress:
 *  - a datagram (UDP sendto) fails with EPERM at once;
 *  - a TCP SYN that is dropped is not an error to connect(): the kernel retries it until the connect
 *    times out (ETIMEDOUT, about two minutes), a non-blocking connect says EINPROGRESS and never
 *    completes, and an interrupted one EINTR: those are blamed when the filter denies the address.
 * Nothing else is a network setting's doing: ECONNREFUSED from a host without a listener, EPERM to an
 * address the filter allows (a firewall, an LSM), a refused connect without PrivateNetwork=.
 *
 * The fix, by the setting: PrivateNetwork=yes -> PrivateNetwork=no; IPAddressDeny= -> IPAddressAllow= the
 * address alone (/32, /128; allow wins over deny in systemd's filter).
 */

/* What the host has, seen from harden's own network namespace. */
struct hd_net_probe {
	/* a TCP listener that a connect to addr:port from the host would reach */
	bool (*listens)(void *ctx, int family, const uint8_t *addr, unsigned port);
	void *ctx;
};
/* The host's /proc/net/tcp and tcp6 (listeners at the probe's time). */
extern const struct hd_net_probe hd_net_probe_host;

/* A call that named an address and failed. */
struct hd_net_call {
	const char *call;  /* the syscall's name: "connect", "sendto" */
	int family;        /* AF_INET or AF_INET6 (an IPv4-mapped IPv6 address is taken as the IPv4 one) */
	uint8_t addr[16];  /* network order; the first 4 bytes for AF_INET */
	unsigned port;
	int err;           /* the errno it failed with */
};

enum hd_net_cause { HD_NET_NONE = 0, HD_NET_PRIVATE_NETWORK, HD_NET_IP_DENY };

struct hd_net_denial {
	enum hd_net_cause cause;
	char setting[96];  /* "PrivateNetwork=yes", "IPAddressDeny=any", "IPAddressDeny=192.0.2.0/24" */
	char fix[96];      /* "PrivateNetwork=no", "IPAddressAllow=192.0.2.2/32" */
	const char *why;   /* a sentence: how the setting made the call fail */
};

/* 1 and *out filled when PrivateNetwork= (private_network) or the IP filter (ipf, may be NULL or
 * inactive) made the call fail, else 0 (*out cleared). probe may be NULL: no host listener is known. */
int hd_net_denial_explain(bool private_network, const struct hd_ipfilter *ipf, const struct hd_net_call *c,
			  const struct hd_net_probe *probe, struct hd_net_denial *out);

/* "192.0.2.1:80", "[::1]:443" into buf (at least 64 bytes). */
void hd_net_format(int family, const uint8_t *addr, unsigned port, char *buf, size_t size);
