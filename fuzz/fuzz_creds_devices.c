/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a unit's credential, device and IP settings (User=, Group=, SupplementaryGroups=,
 * CapabilityBoundingSet=, AmbientCapabilities=, UMask=, WorkingDirectory=, DevicePolicy=, DeviceAllow=,
 * IPAddressAllow=, IPAddressDeny=) folded as harden run folds them, the device entries resolved against a
 * fixed /proc/devices and asked about, the IP lists asked about. Never a crash or leak. Nothing is applied,
 * loaded or attached. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sandbox/creds.h"
#include "sandbox/devices.h"
#include "sandbox/ipfilter.h"
#include "unit/unit.h"

static const char proc_devices[] = "Character devices:\n  1 mem\n  4 /dev/vc/0\n  5 /dev/tty\n 10 misc\n136 pts\n"
				   "\nBlock devices:\n  7 loop\n  8 sd\n254 virtblk\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hd_unit u = { 0 };
	hd_diags d = { 0 };
	struct hd_creds c;
	struct hd_devices dev = { 0 };
	struct hd_ipfilter ip = { 0 };
	struct hd_device_rules rules = { 0 };
	hd_creds_init(&c);
	u.name = strdup("fuzz.service");
	if (!u.name)
		goto out;
	(void)hd_unit_parse_text(&u, (const char *)data, size, "fuzz.service", &d);
	for (size_t i = 0; i < u.n; i++) {
		const struct hd_unit_assignment *a = &u.v[i];
		if (strcmp(a->section, "Service") != 0)
			continue;
		int r = 0;
		if (hd_creds_setting(a->key))
			r = hd_creds_add(&c, a->key, a->value, a->file, a->line, &d);
		else if (hd_devices_setting(a->key))
			r = hd_devices_add(&dev, a->key, a->value, a->file, a->line, &d);
		else if (hd_ipfilter_setting(a->key))
			r = hd_ipfilter_add(&ip, a->key, a->value, a->file, a->line, &d);
		if (r == -ENOMEM)
			goto out;
	}
	hd_creds_patch(&c, size & 1, size & 2, size & 4, size & 8);
	if (hd_devices_patch(&dev, size & 1, size & 8) < 0)
		goto out;
	if (hd_devices_resolve(&dev, proc_devices, &rules, &d) == 0) {
		(void)hd_device_rules_allow(&rules, 'c', 1, 3, 3);
		(void)hd_device_rules_allow(&rules, 'b', 7, 0, 1);
	}
	static const uint8_t v4[4] = { 127, 0, 0, 1 }, v6[16] = { [15] = 1 };
	(void)hd_ipfilter_allows(&ip, AF_INET, v4);
	(void)hd_ipfilter_allows(&ip, AF_INET6, v6);
out:
	hd_device_rules_free(&rules);
	hd_devices_free(&dev);
	hd_ipfilter_free(&ip);
	hd_creds_free(&c);
	hd_unit_free(&u);
	hd_diags_free(&d);
	return 0;
}
