/* SPDX-License-Identifier: MIT */
/* libFuzzer: hostile profile JSON must give errors, never crashes; what parses must round-trip, merge
 * and feed the suggestion engine. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syscalls/groups.h"
#include "learn/profile.h"
#include "learn/suggest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_profile p;
	hd_diags d = { 0 };
	hd_profile_init(&p);
	int r = hd_profile_from_json(&p, (const char *)data, size, "fuzz.json", &d);
	if (r == 0) {
		if (hd_diags_count(&d, HD_ERROR) != 0)
			abort(); /* success means no errors */
		char *j = NULL;
		if (hd_profile_to_json(&p, &j) == 0) {
			struct hd_profile q;
			hd_diags d2 = { 0 };
			hd_profile_init(&q);
			/* our own output must always parse back */
			if (hd_profile_from_json(&q, j, strlen(j), "roundtrip", &d2) != 0)
				abort();
			/* the capabilities learned survive the round trip */
			if (q.caps_source != p.caps_source || hd_profile_caps_used(&q) != hd_profile_caps_used(&p))
				abort();
			/* and so do the records of "observed" (/proc names, modes created, devices' access, peers) */
			if (q.observed != p.observed || memcmp(q.created_modes, p.created_modes, sizeof(p.created_modes)) ||
			    q.proc_read.n != p.proc_read.n || q.tmp_created.n != p.tmp_created.n ||
			    q.devices_readonly.n != p.devices_readonly.n || q.ip_peers.n != p.ip_peers.n ||
			    q.ip_served.n != p.ip_served.n)
				abort();
			hd_profile_merge(&q, &p);
			struct hd_suggestion s;
			hd_strv extra = { 0 };
			hd_strv_push(&extra, "10.0.0.0/8");
			struct hd_suggest_options o = { .sdver = HD_SYSTEMD_LATEST, .ip_allow = size & 1,
							.ip_allow_extra = size & 2 ? &extra : NULL };
			if (hd_suggest(&q, &o, &s) == 0) {
				char *t = NULL;
				if (hd_suggestion_to_dropin(&s, "h", "f", &t) == 0)
					free(t);
				hd_suggestion_free(&s);
			}
			hd_strv_free(&extra);
			hd_profile_free(&q);
			hd_diags_free(&d2);
			free(j);
		}
	} else if (r == -EINVAL && hd_diags_count(&d, HD_ERROR) == 0)
		abort(); /* rejected without saying why */
	hd_profile_free(&p);
	hd_diags_free(&d);
	return 0;
}
