/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/diag.h"
#include "util/strv.h"

/*
 * IPAddressAllow= and IPAddressDeny= as systemd 252 enforces them: two BPF_PROG_TYPE_CGROUP_SKB programs
 * on the service's cgroup, ingress (the packet's source address) and egress (its destination), each
 * looking the address up in LPM tries of the allowed and the denied prefixes; a packet is dropped when
 * a denied prefix matches it and no allowed one does (allow wins), else it passes. A dropped outgoing
 * packet makes the call that sent it fail with EPERM.
 *
 * The facts, from systemd 252's source:
 *  - in-addr-prefix-util.c config_parse_in_addr_prefixes: a list of words; "any" is 0.0.0.0/0 and ::/0,
 *    "localhost" (and the names is_localhost() knows: localhost.localdomain, *.localhost, ...)
 *    127.0.0.0/8 and ::1/128, "link-local" 169.254.0.0/16 and fe80::/64, "multicast" 224.0.0.0/4 and
 *    ff00::/8, else ADDRESS[/PREFIXLEN] (no length: the whole address); an invalid word is a warning
 *    and skipped, the others kept; an empty assignment clears the list.
 *  - bpf-firewall.c: a list holding both 0.0.0.0/0 and ::/0 needs no trie (the verdict is set for every
 *    packet); the denied tries are looked up first, then the allowed ones; verdict "denied" alone
 *    drops the packet. Both programs attached with BPF_F_ALLOW_MULTI.
 */

struct hd_ip_prefix {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];    /* network order; the first 4 bytes for AF_INET */
	unsigned prefixlen;
};

struct hd_ip_list {
	struct hd_ip_prefix *v;
	size_t n, cap;
};

struct hd_ipfilter {
	struct hd_ip_list allow, deny;
	hd_strv settings; /* the keys set (IPAddressAllow, IPAddressDeny), for messages */
};

bool hd_ipfilter_setting(const char *key);
/* One assignment: 1 taken (each invalid word a warning in diags, skipped as systemd skips it), -ENOMEM. */
int hd_ipfilter_add(struct hd_ipfilter *f, const char *key, const char *value, const char *file, unsigned line,
		    hd_diags *diags);
/* true when programs are to be attached (any prefix in either list) */
bool hd_ipfilter_active(const struct hd_ipfilter *f);
/* What the programs decide for a packet to or from this address (for tests and explanations). */
bool hd_ipfilter_allows(const struct hd_ipfilter *f, int family, const uint8_t *addr);
void hd_ipfilter_free(struct hd_ipfilter *f);

/* The maps and both programs loaded: fds in *ingress and *egress (the maps are held by the programs).
 * 0 or -errno; log (may be NULL) gets the verifier's words. */
int hd_ipfilter_load(const struct hd_ipfilter *f, int *ingress, int *egress, char *log, size_t log_size);
