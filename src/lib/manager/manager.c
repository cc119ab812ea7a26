/* SPDX-License-Identifier: MIT */
/* A live systemd over sd-bus, and its journal over sd-journal (see manager.h). */
#include "manager/manager.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-journal.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
#define SD_SERVICE "org.freedesktop.systemd1.Service"

struct hd_manager {
	sd_bus *bus;
};

/* why <- "WHAT: the bus error's message, else strerror" */
static int fail(int r, const sd_bus_error *e, char *why, size_t why_len, const char *what)
{
	if (why_len)
		snprintf(why, why_len, "%s: %s", what, e && sd_bus_error_is_set(e) && e->message ? e->message : strerror(-r));
	return r < 0 ? r : -EIO;
}

int hd_manager_open(struct hd_manager **out, char *why, size_t why_len)
{
	*out = NULL;
	if (access("/run/systemd/system", F_OK) < 0) {
		snprintf(why, why_len, "no systemd runs here as the service manager (/run/systemd/system is missing)");
		return -ENOMEDIUM;
	}
	struct hd_manager *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	int r;
	if (geteuid() == 0 && access("/run/systemd/private", F_OK) == 0) {
		r = sd_bus_new(&m->bus);
		if (r >= 0)
			r = sd_bus_set_address(m->bus, "unix:path=/run/systemd/private");
		if (r >= 0)
			r = sd_bus_start(m->bus);
		if (r < 0)
			fail(r, NULL, why, why_len, "cannot connect to systemd's private socket /run/systemd/private");
	} else {
		r = sd_bus_open_system(&m->bus);
		if (r < 0) {
			const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS");
			char what[512];
			snprintf(what, sizeof(what), "cannot connect to the system bus (%s)",
				 address ? address : "unix:path=/run/dbus/system_bus_socket");
			fail(r, NULL, why, why_len, what);
		}
	}
	if (r < 0) {
		hd_manager_close(m);
		return r;
	}
	*out = m;
	return 0;
}

void hd_manager_close(struct hd_manager *m)
{
	if (!m)
		return;
	sd_bus_flush_close_unref(m->bus);
	free(m);
}

void hd_unit_state_free(struct hd_unit_state *s)
{
	free(s->load_state);
	free(s->active_state);
	free(s->sub_state);
	free(s->result);
	free(s->fragment_path);
	free(s->control_group);
	hd_strv_free(&s->dropin_paths);
	memset(s, 0, sizeof(*s));
}

/* the unit's object path (loading it if the manager has not yet), malloc'ed */
static int unit_path(struct hd_manager *m, const char *unit, char **path, char *why, size_t why_len)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *p;
	int r = sd_bus_call_method(m->bus, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit", &e, &reply, "s", unit);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &p);
	if (r >= 0 && !(*path = strdup(p)))
		r = -ENOMEM;
	if (r < 0) {
		char what[600];
		snprintf(what, sizeof(what), "cannot load %s", unit);
		fail(r, &e, why, why_len, what);
	}
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	return r < 0 ? r : 0;
}

int hd_manager_unit_state(struct hd_manager *m, const char *unit, struct hd_unit_state *out, char *why, size_t why_len)
{
	memset(out, 0, sizeof(*out));
	char *path = NULL;
	int r = unit_path(m, unit, &path, why, why_len);
	if (r < 0)
		return r;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	struct {
		const char *iface, *name;
		char **slot;
	} strings[] = {
		{ SD_UNIT, "LoadState", &out->load_state }, { SD_UNIT, "ActiveState", &out->active_state },
		{ SD_UNIT, "SubState", &out->sub_state }, { SD_UNIT, "FragmentPath", &out->fragment_path },
	};
	for (size_t i = 0; r >= 0 && i < sizeof(strings) / sizeof(strings[0]); i++)
		r = sd_bus_get_property_string(m->bus, SD_DEST, path, strings[i].iface, strings[i].name, &e, strings[i].slot);
	char **dropins = NULL;
	if (r >= 0)
		r = sd_bus_get_property_strv(m->bus, SD_DEST, path, SD_UNIT, "DropInPaths", &e, &dropins);
	for (char **d = dropins; r >= 0 && d && *d; d++)
		r = hd_strv_push(&out->dropin_paths, *d);
	for (char **d = dropins; d && *d; d++)
		free(*d);
	free(dropins);
	sd_bus_message *reply = NULL;
	const char *job_path;
	if (r >= 0 && (r = sd_bus_get_property(m->bus, SD_DEST, path, SD_UNIT, "Job", &e, &reply, "(uo)")) >= 0)
		r = sd_bus_message_read(reply, "(uo)", &out->job_id, &job_path);
	sd_bus_message_unref(reply);
	if (r < 0) {
		char what[600];
		snprintf(what, sizeof(what), "cannot read %s's state", unit);
		fail(r, &e, why, why_len, what);
		sd_bus_error_free(&e);
		free(path);
		hd_unit_state_free(out);
		return r;
	}
	/* the service's own (a unit that is not loaded has none: left zero) */
	if (strcmp(out->load_state, "loaded") == 0) {
		sd_bus_error_free(&e);
		sd_bus_get_property_string(m->bus, SD_DEST, path, SD_SERVICE, "Result", &e, &out->result);
		sd_bus_error_free(&e);
		sd_bus_get_property_string(m->bus, SD_DEST, path, SD_SERVICE, "ControlGroup", &e, &out->control_group);
		sd_bus_error_free(&e);
		sd_bus_get_property_trivial(m->bus, SD_DEST, path, SD_SERVICE, "NRestarts", &e, 'u', &out->n_restarts);
		sd_bus_error_free(&e);
		sd_bus_get_property_trivial(m->bus, SD_DEST, path, SD_SERVICE, "MainPID", &e, 'u', &out->main_pid);
		sd_bus_error_free(&e);
		sd_bus_get_property_trivial(m->bus, SD_DEST, path, SD_SERVICE, "ExecMainCode", &e, 'i', &out->exec_main_code);
		sd_bus_error_free(&e);
		sd_bus_get_property_trivial(m->bus, SD_DEST, path, SD_SERVICE, "ExecMainStatus", &e, 'i', &out->exec_main_status);
	}
	sd_bus_error_free(&e);
	free(path);
	return 0;
}

int hd_manager_reload(struct hd_manager *m, char *why, size_t why_len)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	/* the reply comes once the reload is done; it may take a while on a big system */
	uint64_t old = 0;
	sd_bus_get_method_call_timeout(m->bus, &old);
	sd_bus_set_method_call_timeout(m->bus, 90ull * 1000 * 1000);
	int r = sd_bus_call_method(m->bus, SD_DEST, SD_PATH, SD_MANAGER, "Reload", &e, NULL, NULL);
	sd_bus_set_method_call_timeout(m->bus, old);
	if (r < 0)
		fail(r, &e, why, why_len, "daemon-reload failed");
	sd_bus_error_free(&e);
	return r < 0 ? r : 0;
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Queue method (RestartUnit, StopUnit, StartUnit) for unit in mode, and wait up to timeout_ms for its job to
 * finish. 0, -ETIMEDOUT, or -errno (why set). */
static int unit_job(struct hd_manager *m, const char *method, const char *verb, const char *unit, const char *mode,
		    unsigned timeout_ms, char *why, size_t why_len)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *job;
	uint32_t id = 0;
	int r = sd_bus_call_method(m->bus, SD_DEST, SD_PATH, SD_MANAGER, method, &e, &reply, "ss", unit, mode);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &job);
	/* the job's number is the last element of its path (/org/freedesktop/systemd1/job/123) */
	if (r >= 0)
		id = (uint32_t)strtoul(strrchr(job, '/') + 1, NULL, 10);
	sd_bus_message_unref(reply);
	if (r < 0) {
		char what[600];
		snprintf(what, sizeof(what), "cannot %s %s", verb, unit);
		fail(r, &e, why, why_len, what);
		sd_bus_error_free(&e);
		return r;
	}
	sd_bus_error_free(&e);
	/* the job is done when the unit no longer has it */
	for (uint64_t t0 = now_ms();;) {
		struct hd_unit_state s;
		r = hd_manager_unit_state(m, unit, &s, why, why_len);
		if (r < 0)
			return r;
		bool done = s.job_id != id;
		hd_unit_state_free(&s);
		if (done)
			return 0;
		if (now_ms() - t0 > timeout_ms) {
			snprintf(why, why_len, "%s: its %s job did not finish in %u ms", unit, verb, timeout_ms);
			return -ETIMEDOUT;
		}
		usleep(50 * 1000);
	}
}

int hd_manager_restart(struct hd_manager *m, const char *unit, unsigned timeout_ms, char *why, size_t why_len)
{
	return unit_job(m, "RestartUnit", "restart", unit, "replace", timeout_ms, why, why_len);
}

int hd_manager_stop_alone(struct hd_manager *m, const char *unit, unsigned timeout_ms, char *why, size_t why_len)
{
	return unit_job(m, "StopUnit", "stop", unit, "ignore-dependencies", timeout_ms, why, why_len);
}

int hd_manager_start(struct hd_manager *m, const char *unit, unsigned timeout_ms, char *why, size_t why_len)
{
	return unit_job(m, "StartUnit", "start", unit, "replace", timeout_ms, why, why_len);
}

void hd_journal_entries_free(struct hd_journal_entries *x)
{
	for (size_t i = 0; i < x->n; i++) {
		free(x->v[i].message);
		free(x->v[i].coredump_filename);
		free(x->v[i].coredump_exe);
	}
	free(x->v);
	memset(x, 0, sizeof(*x));
}

/* FIELD's value in the current entry, malloc'ed (NULL: not there) */
static char *field(sd_journal *j, const char *name)
{
	const void *d;
	size_t len, n = strlen(name);
	if (sd_journal_get_data(j, name, &d, &len) < 0 || len <= n || ((const char *)d)[n] != '=')
		return NULL;
	return strndup((const char *)d + n + 1, len - n - 1);
}

int hd_journal_unit_since(const char *unit, uint64_t since_usec, size_t max, struct hd_journal_entries *out, char *why,
			  size_t why_len)
{
	memset(out, 0, sizeof(*out));
	if (!max)
		return 0;
	sd_journal *j = NULL;
	int r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	if (r < 0) {
		snprintf(why, why_len, "cannot open the journal: %s", strerror(-r));
		return r;
	}
	/* its processes' messages, the manager's about it, and systemd-coredump's about its processes */
	static const char *const keys[] = { "_SYSTEMD_UNIT", "UNIT", "COREDUMP_UNIT" };
	for (size_t i = 0; r >= 0 && i < 3; i++) {
		char match[512];
		snprintf(match, sizeof(match), "%s=%s", keys[i], unit);
		if (i)
			r = sd_journal_add_disjunction(j);
		if (r >= 0)
			r = sd_journal_add_match(j, match, 0);
	}
	if (r >= 0)
		r = sd_journal_seek_realtime_usec(j, since_usec);
	if (r >= 0 && !(out->v = calloc(max, sizeof(*out->v))))
		r = -ENOMEM;
	size_t total = 0;
	while (r >= 0 && (r = sd_journal_next(j)) > 0) {
		uint64_t t = 0;
		if (sd_journal_get_realtime_usec(j, &t) < 0 || t < since_usec)
			continue;
		/* a ring of the last max entries */
		struct hd_journal_entry *x = &out->v[total % max];
		free(x->message);
		free(x->coredump_filename);
		free(x->coredump_exe);
		memset(x, 0, sizeof(*x));
		x->usec = t;
		x->message = field(j, "MESSAGE");
		x->coredump_filename = field(j, "COREDUMP_FILENAME");
		x->coredump_exe = field(j, "COREDUMP_EXE");
		char *sig = field(j, "COREDUMP_SIGNAL");
		x->coredump_signal = sig ? atoi(sig) : 0;
		free(sig);
		total++;
	}
	sd_journal_close(j);
	if (r < 0) {
		snprintf(why, why_len, "cannot read the journal: %s", strerror(-r));
		hd_journal_entries_free(out);
		return r;
	}
	out->n = total < max ? total : max;
	if (total > max) { /* oldest first */
		struct hd_journal_entry *v = malloc(max * sizeof(*v));
		if (!v) {
			hd_journal_entries_free(out);
			return -ENOMEM;
		}
		for (size_t i = 0; i < max; i++)
			v[i] = out->v[(total + i) % max];
		free(out->v);
		out->v = v;
	}
	return 0;
}

const char *hd_manager_service_name_problem(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 255)
		return "not a unit name (empty, or longer than 255 bytes)";
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr(":-_.\\@", *c)))
			return "not a unit name (only letters, digits and :-_.\\@ may appear in one)";
	if (n < 9 || strcmp(name + n - 8, ".service") != 0)
		return "not a service (apply takes NAME.service)";
	if (name[0] == '.' || name[0] == '@')
		return "not a unit name";
	const char *at = strchr(name, '@');
	if (at && at[1] == '.')
		return "a template without an instance (NAME@INSTANCE.service is a unit; NAME@.service is not)";
	return NULL;
}
