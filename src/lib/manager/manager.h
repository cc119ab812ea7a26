/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "util/strv.h"

/*
 * A live systemd, over D-Bus (libsystemd's sd-bus), and its journal (sd-journal): what harden apply asks
 * and tells the service manager. Nothing here parses systemctl's or journalctl's text.
 *
 * The connection: as root, systemd's own private socket (/run/systemd/private, what systemctl uses as root:
 * it works without a D-Bus daemon); else, or where that socket is not there, the system bus.
 */

struct hd_manager;

/* Connect. 0, or -errno with why (which bus, what failed) written for the user. */
int hd_manager_open(struct hd_manager **out, char *why, size_t why_len);
void hd_manager_close(struct hd_manager *m);

/* The state of a unit as the manager holds it (strings owned by the struct). */
struct hd_unit_state {
	char *load_state;    /* loaded, not-found, masked, bad-setting, error */
	char *active_state;  /* active, reloading, inactive, failed, activating, deactivating */
	char *sub_state;     /* running, exited, dead, auto-restart, ... */
	char *result;        /* Service.Result: success, exit-code, signal, core-dump, ... */
	char *fragment_path; /* the unit file ("" when none) */
	hd_strv dropin_paths;
	char *control_group;
	uint32_t n_restarts; /* Service.NRestarts */
	uint32_t main_pid;
	int32_t exec_main_code;   /* CLD_EXITED (1), CLD_KILLED (2), CLD_DUMPED (3), 0 if never ran */
	int32_t exec_main_status; /* exit status, or the signal */
	uint32_t job_id;     /* a job queued or running for it (0: none) */
};
void hd_unit_state_free(struct hd_unit_state *s);

/* Load the unit (the manager loads it on demand, as systemctl does) and read its state. 0 or -errno (why
 * set). */
int hd_manager_unit_state(struct hd_manager *m, const char *unit, struct hd_unit_state *out, char *why, size_t why_len);
/* daemon-reload; returns once the manager has reloaded. 0 or -errno (why set). */
int hd_manager_reload(struct hd_manager *m, char *why, size_t why_len);
/* restart (start if inactive) the unit, and wait up to timeout_ms for its job to finish. 0, -ETIMEDOUT, or
 * -errno (why set). The job finishing says nothing about the unit's health: read its state. */
int hd_manager_restart(struct hd_manager *m, const char *unit, unsigned timeout_ms, char *why, size_t why_len);
/* The restart in two steps, for a caller that must act while the unit is down (harden apply makes the
 * unit's next cgroup before its start, to follow it from its first call: a restart removes the cgroup and
 * makes a new one). The stop ignores dependencies: units that need this one go on running through it, as
 * through a restart (which would restart them, not stop them). Then a start (mode replace). Each waits
 * for its job as hd_manager_restart does. */
int hd_manager_stop_alone(struct hd_manager *m, const char *unit, unsigned timeout_ms, char *why, size_t why_len);
int hd_manager_start(struct hd_manager *m, const char *unit, unsigned timeout_ms, char *why, size_t why_len);

/* The journal: the unit's messages and its processes' core dumps since a time (CLOCK_REALTIME, usec). */
struct hd_journal_entry {
	uint64_t usec;
	char *message;
	char *coredump_filename; /* COREDUMP_FILENAME= (a core systemd-coredump stored), or NULL */
	int coredump_signal;     /* COREDUMP_SIGNAL=, 0 if none */
	char *coredump_exe;
};
struct hd_journal_entries {
	struct hd_journal_entry *v;
	size_t n;
};
/* At most max entries (the last ones). 0 or -errno (why set). */
int hd_journal_unit_since(const char *unit, uint64_t since_usec, size_t max, struct hd_journal_entries *out, char *why,
			  size_t why_len);
void hd_journal_entries_free(struct hd_journal_entries *e);

/* Is name a unit name apply can take: NAME.service, not a template without its instance (foo@.service).
 * NULL if yes, else why not. */
const char *hd_manager_service_name_problem(const char *name);
