/* SPDX-License-Identifier: MIT */
#include "sandbox/ipfilter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* the bits a lookup sets in r8, as bpf-firewall.c names them */
#define ACCESS_ALLOWED 1
#define ACCESS_DENIED 2

bool hd_ipfilter_setting(const char *key)
{
	return strcmp(key, "IPAddressAllow") == 0 || strcmp(key, "IPAddressDeny") == 0;
}

static int push(struct hd_ip_list *l, int family, const void *addr, unsigned prefixlen)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		struct hd_ip_prefix *nv = realloc(l->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	struct hd_ip_prefix p = { .family = family, .prefixlen = prefixlen };
	memcpy(p.addr, addr, family == AF_INET ? 4 : 16);
	l->v[l->n++] = p;
	return 0;
}

/* a shortcut's two prefixes: IPv4 and IPv6 */
static int push_pair(struct hd_ip_list *l, const char *v4, unsigned len4, const char *v6, unsigned len6)
{
	uint8_t a[16];
	if (inet_pton(AF_INET, v4, a) != 1 || push(l, AF_INET, a, len4) < 0)
		return -ENOMEM;
	if (inet_pton(AF_INET6, v6, a) != 1 || push(l, AF_INET6, a, len6) < 0)
		return -ENOMEM;
	return 0;
}

/* systemd's is_localhost(): the names RFC 6761 gives the local host, and the "localdomain" ones */
static bool is_localhost(const char *w)
{
	static const char *const names[] = { "localhost", "localhost.", "localhost.localdomain", "localhost.localdomain.", NULL };
	static const char *const suffixes[] = { ".localhost", ".localhost.", ".localhost.localdomain",
		".localhost.localdomain.", NULL };
	for (const char *const *n = names; *n; n++)
		if (strcasecmp(w, *n) == 0)
			return true;
	size_t wl = strlen(w);
	for (const char *const *s = suffixes; *s; s++) {
		size_t sl = strlen(*s);
		if (wl >= sl && strcasecmp(w + wl - sl, *s) == 0)
			return true;
	}
	return false;
}

/* ADDRESS[/PREFIXLEN]: 0, or -EINVAL */
static int parse_prefix(const char *w, int *family, uint8_t *addr, unsigned *prefixlen)
{
	char a[64];
	const char *slash = strchr(w, '/');
	size_t al = slash ? (size_t)(slash - w) : strlen(w);
	if (al == 0 || al >= sizeof(a))
		return -EINVAL;
	memcpy(a, w, al);
	a[al] = 0;
	if (inet_pton(AF_INET, a, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, a, addr) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	unsigned max = *family == AF_INET ? 32 : 128;
	*prefixlen = max;
	if (slash) {
		char *end;
		errno = 0;
		unsigned long n = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || n > max || slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		*prefixlen = (unsigned)n;
	}
	return 0;
}

int hd_ipfilter_add(struct hd_ipfilter *f, const char *key, const char *value, const char *file, unsigned line,
		    hd_diags *diags)
{
	struct hd_ip_list *l = strcmp(key, "IPAddressAllow") == 0 ? &f->allow : &f->deny;
	if (hd_strv_push_unique(&f->settings, key) < 0)
		return -ENOMEM;
	const char *p = value + strspn(value, " \t\n");
	if (!*p) { /* an empty assignment clears the list */
		l->n = 0;
		return 1;
	}
	while (*p) {
		size_t n = strcspn(p, " \t\n");
		char w[256];
		snprintf(w, sizeof(w), "%.*s", (int)(n < sizeof(w) ? n : sizeof(w) - 1), p);
		p += n;
		p += strspn(p, " \t\n");
		int r = 0;
		if (strcmp(w, "any") == 0)
			r = push_pair(l, "0.0.0.0", 0, "::", 0);
		else if (is_localhost(w))
			r = push_pair(l, "127.0.0.0", 8, "::1", 128);
		else if (strcmp(w, "link-local") == 0)
			r = push_pair(l, "169.254.0.0", 16, "fe80::", 64);
		else if (strcmp(w, "multicast") == 0)
			r = push_pair(l, "224.0.0.0", 4, "ff00::", 8);
		else {
			int family;
			uint8_t a[16];
			unsigned len;
			if (n >= sizeof(w) || parse_prefix(w, &family, a, &len) < 0) {
				hd_diag_add(diags, HD_WARNING, file, line, "%s=: address prefix '%s' is invalid, ignored", key, w);
				continue;
			}
			r = push(l, family, a, len);
		}
		if (r < 0)
			return -ENOMEM;
	}
	return 1;
}

bool hd_ipfilter_active(const struct hd_ipfilter *f)
{
	return f->allow.n > 0 || f->deny.n > 0;
}

void hd_ipfilter_free(struct hd_ipfilter *f)
{
	free(f->allow.v);
	free(f->deny.v);
	hd_strv_free(&f->settings);
	*f = (struct hd_ipfilter){ 0 };
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

static bool list_matches(const struct hd_ip_list *l, int family, const uint8_t *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (prefix_matches(&l->v[i], family, addr))
			return true;
	return false;
}

bool hd_ipfilter_allows(const struct hd_ipfilter *f, int family, const uint8_t *addr)
{
	return list_matches(&f->allow, family, addr) || !list_matches(&f->deny, family, addr);
}

/* ---- the maps and the programs ---- */

/* both 0.0.0.0/0 and ::/0 are in the list: systemd sets the verdict for every packet, no trie */
static bool list_is_any(const struct hd_ip_list *l)
{
	bool v4 = false, v6 = false;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].prefixlen == 0)
			*(l->v[i].family == AF_INET ? &v4 : &v6) = true;
	return v4 && v6;
}

static size_t count_family(const struct hd_ip_list *l, int family)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].family == family;
	return n;
}

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* an LPM trie of the list's prefixes of one family: its fd, or -errno */
static int make_trie(const struct hd_ip_list *l, int family)
{
	size_t n = count_family(l, family), alen = family == AF_INET ? 4 : 16;
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_LPM_TRIE;
	a.key_size = (uint32_t)(sizeof(uint32_t) + alen); /* struct bpf_lpm_trie_key: prefixlen, then the address */
	a.value_size = sizeof(uint64_t);
	a.max_entries = (uint32_t)n;
	a.map_flags = BPF_F_NO_PREALLOC;
	int fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0)
		return -errno;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].family != family)
			continue;
		uint8_t key[20];
		uint32_t plen = l->v[i].prefixlen;
		memcpy(key, &plen, sizeof(plen));
		memcpy(key + 4, l->v[i].addr, alen);
		uint64_t value = 1;
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd;
		a.key = (uint64_t)(uintptr_t)key;
		a.value = (uint64_t)(uintptr_t)&value;
		a.flags = BPF_ANY;
		if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a) < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
	}
	return fd;
}

struct prog {
	struct bpf_insn v[128];
	size_t n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n < sizeof(p->v) / sizeof(p->v[0]))
		p->v[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* when the packet is of this family: its source (ingress) or destination (egress) address looked up in
 * the trie; a match sets the verdict bit in r8 */
static void emit_lookup(struct prog *p, int map_fd, int family, bool ingress, int verdict)
{
	int32_t alen = family == AF_INET ? 4 : 16;
	int32_t off = family == AF_INET ? (ingress ? (int32_t)offsetof(struct iphdr, saddr) : (int32_t)offsetof(struct iphdr, daddr))
					: (ingress ? (int32_t)offsetof(struct ip6_hdr, ip6_src) : (int32_t)offsetof(struct ip6_hdr, ip6_dst));
	size_t start = p->n;
	/* skb->protocol is in network order */
	emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_7, 0, 0, htons(family == AF_INET ? ETH_P_IP : ETH_P_IPV6));
	/* bpf_skb_load_bytes(skb, off, fp - alen, alen): the address, after the key's prefix length */
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0);
	emit(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, off);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -alen);
	emit(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, alen);
	emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_load_bytes);
	/* bpf_map_lookup_elem(map, fp - alen - 4) with the key's prefix length the whole address */
	emit(p, BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map_fd);
	emit(p, 0, 0, 0, 0, 0);
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	emit(p, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -alen - 4);
	emit(p, BPF_ST | BPF_MEM | BPF_W, BPF_REG_2, 0, 0, alen * 8);
	emit(p, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 1, 0);
	emit(p, BPF_ALU | BPF_OR | BPF_K, BPF_REG_8, 0, 0, verdict);
	p->v[start].off = (int16_t)(p->n - start - 1); /* another family: past the block */
}

static int load_prog(const struct prog *p, char *log, size_t log_size)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	a.insns = (uint64_t)(uintptr_t)p->v;
	a.insn_cnt = (uint32_t)p->n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	snprintf(a.prog_name, sizeof(a.prog_name), "hd_ipfilter");
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	int e = errno;
	if (fd < 0 && e != EPERM && log && log_size) { /* again, for the verifier's words */
		log[0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)log_size;
		a.log_level = 1;
		fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
		e = errno;
	}
	return fd < 0 ? -e : fd;
}

int hd_ipfilter_load(const struct hd_ipfilter *f, int *ingress, int *egress, char *log, size_t log_size)
{
	*ingress = *egress = -1;
	/* deny tries first, then allow, as bpf-firewall.c orders them (the order does not change the verdict) */
	const struct {
		const struct hd_ip_list *l;
		int verdict;
	} lists[] = { { &f->deny, ACCESS_DENIED }, { &f->allow, ACCESS_ALLOWED } };
	int maps[2][2] = { { -1, -1 }, { -1, -1 } }; /* [list][0: IPv4, 1: IPv6] */
	int r = 0;
	for (size_t i = 0; r >= 0 && i < 2; i++) {
		if (list_is_any(lists[i].l))
			continue;
		for (int k = 0; r >= 0 && k < 2; k++) {
			int family = k ? AF_INET6 : AF_INET;
			if (count_family(lists[i].l, family) == 0)
				continue;
			r = maps[i][k] = make_trie(lists[i].l, family);
		}
	}
	for (int dir = 0; r >= 0 && dir < 2; dir++) {
		bool in = dir == 0;
		struct prog p = { .n = 0 };
		emit(&p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0); /* r6 = skb */
		emit(&p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_7, BPF_REG_6, (int16_t)offsetof(struct __sk_buff, protocol), 0);
		emit(&p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_8, 0, 0, 0); /* the verdict bits */
		for (size_t i = 0; i < 2; i++) {
			if (list_is_any(lists[i].l)) {
				emit(&p, BPF_ALU | BPF_OR | BPF_K, BPF_REG_8, 0, 0, lists[i].verdict);
				continue;
			}
			for (int k = 0; k < 2; k++)
				if (maps[i][k] >= 0)
					emit_lookup(&p, maps[i][k], k ? AF_INET6 : AF_INET, in, lists[i].verdict);
		}
		/* denied and not allowed: drop (0); else pass (1) */
		emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
		emit(&p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_8, 0, 1, ACCESS_DENIED);
		emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
		emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		r = load_prog(&p, log, log_size);
		if (r >= 0)
			*(in ? ingress : egress) = r;
	}
	for (int i = 0; i < 2; i++) /* the programs hold their maps */
		for (int k = 0; k < 2; k++)
			if (maps[i][k] >= 0)
				close(maps[i][k]);
	if (r < 0) {
		if (*ingress >= 0)
			close(*ingress);
		*ingress = *egress = -1;
		return r;
	}
	return 0;
}
