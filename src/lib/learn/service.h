/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <sys/types.h>
#include "util/diag.h"
#include "learn/profile.h"
#include "learn/trace/trace.h"
#include "learn/unitdirs.h"

struct hd_service_spec;

/*
 * Learning a service while a workload runs (harden learn --while CMD -- DAEMON, or --unit FILE):
 *
 *   1. the daemon starts under the tracer (o->trace: argv, and exec: its own process group, directory,
 *      ids, environment), with harden as child subreaper, so that a forking daemon's processes stay
 *      harden's descendants ("the traced tree");
 *   2. a companion process (not traced) waits until the daemon is up: the tree holds a listening socket
 *      (TCP or unix), or ready_after_ms has passed; for a forking daemon, the main process has also
 *      exited (and PIDFile= names a live process of the tree, if given; a pid of any other process is
 *      refused, as systemd refuses one from a file an unprivileged user could write, and the start
 *      fails: outcome PID_REFUSED). A daemon gone before that is "died early",
 *      and the workload is not run;
 *   3. the workload runs as /bin/sh -c CMD in its own process group, untraced, and is waited for;
 *   4. the daemon is stopped as systemd's KillMode=control-group would: kill_signal to every process of
 *      the tree (and the main process group, and PIDFile='s pid if it is a process of the tree), then
 *      SIGKILL to what is left after
 *      stop_timeout_ms; with kill_main_only (KillMode=mixed) kill_signal to the main process alone, and
 *      SIGKILL to the rest once it has exited.
 * INT or TERM to harden (o->trace.stop) ends the workload and stops the daemon the same way. If harden
 * itself is killed, the companion (PR_SET_PDEATHSIG) stops the processes it last saw, checked by start
 * time so that a reused pid is not hit; the ptrace backend's tracees die with harden anyway.
 */
struct hd_service_options {
	struct hd_trace_options trace; /* backend, argv, exec, stop; on_spawn and companion are set here */
	const char *workload;          /* run with /bin/sh -c once the daemon is up */
	unsigned ready_after_ms;       /* the longest wait for readiness */
	unsigned stop_timeout_ms;      /* kill_signal -> SIGKILL */
	int kill_signal;               /* 0 = SIGTERM */
	bool kill_main_only;           /* KillMode=mixed/process/none: kill_signal to the main process alone;
	                                * SIGKILL to what is left once it has exited (or after the timeout) */
	bool forking;                  /* Type=forking: the main process exits once the daemon is up */
	const char *pid_file;          /* Type=forking's PIDFile= (NULL = none) */
	/* --unit: its ExecStop= commands are run (with $MAINPID) to stop it, before kill_signal goes to what
	 * is left; NULL or none: kill_signal at once */
	const struct hd_service_spec *unit;
	/* --reload: the unit's ExecReload= once the service is up, observed like ExecStop=, before the
	 * workload (which then shows the reloaded service works) */
	bool reload;
};

enum hd_service_outcome {
	HD_SERVICE_RAN,          /* the workload ran and the daemon was stopped */
	HD_SERVICE_DIED_EARLY,   /* the daemon was gone before it was up: the workload did not run */
	HD_SERVICE_INTERRUPTED,  /* INT/TERM to harden (or harden's parent asked): stopped early */
	HD_SERVICE_NOT_STARTED,  /* tracing failed before the daemon ran (see the return value) */
	HD_SERVICE_PID_REFUSED,  /* PIDFile= named a process not of the service: stopped, the workload not run */
};

struct hd_service_result {
	struct hd_trace_result trace;  /* the daemon's main process: wait status, exec failure */
	enum hd_service_outcome outcome;
	bool ready_by_socket;          /* readiness came from a listening socket (else the timeout) */
	unsigned ready_ms;             /* how long until ready */
	bool workload_ran;
	int workload_status;           /* wait status of /bin/sh -c CMD */
	bool daemon_gone_before_stop;  /* the daemon ended by itself while the workload ran */
	bool needed_sigkill;           /* something outlived kill_signal for stop_timeout_ms */
	bool stop_unobserved;          /* an ExecStop= ran but could not be traced: its calls are unknown */
	unsigned processes_stopped;    /* processes of the tree that were signalled at the stop */
	bool left_running;             /* something survived even SIGKILL (should not happen) */
	unsigned stop_commands_run;    /* ExecStop= commands started */
	int stop_failed_index;         /* the first ExecStop= that failed (-1: none) */
	int stop_failed_status;        /* its wait status (or 127 << 8: could not be started) */
	unsigned reload_commands_run;  /* ExecReload= commands started (--reload) */
	int reload_failed_index;       /* the first ExecReload= that failed (-1: none) */
	int reload_failed_status;
	pid_t pid_refused;             /* PIDFile= named this live process, not one of the service's: it was
	                                * not signalled (nor $MAINPID); 0: none */
	bool pid_file_unsafe;          /* ... and a user other than root could have written the file: */
	char pid_file_why[128];        /* "is owned by uid 65534", "is in /run/x, writable by ..." */
};

/* 0 or -errno (with a diag). p must be hd_profile_init'ed. Changes the caller's child-subreaper flag only
 * while it runs, and reaps children of the caller that are left as zombies afterwards. */
int hd_learn_service(const struct hd_service_options *o, struct hd_profile *p, struct hd_service_result *res,
		     hd_diags *d);

/* One Exec*= command of a unit (ExecStartPre=, ExecStart=, ExecStop=). */
struct hd_service_command {
	unsigned flags;      /* HD_EXEC_* prefixes */
	char *path;          /* the file executed (resolved as systemd does; NULL: "-" and not found) */
	hd_strv argv;        /* the words as written; $VAR is expanded when it is started */
	char *file;          /* where it was set, for messages */
	unsigned line;
};

struct hd_service_commands {
	struct hd_service_command *v;
	size_t n;
};

/* How systemd would start a unit, for a learning run (--unit FILE --while CMD). */
struct hd_service_spec {
	struct hd_service_command start; /* ExecStart= (the last one's first command) */
	struct hd_service_commands start_pre; /* ExecStartPre=, in order */
	struct hd_service_commands stop;      /* ExecStop=, in order */
	struct hd_service_commands reload;    /* ExecReload=, in order (run with hd_service_options.reload) */
	bool set_ids;        /* User=/Group= given */
	uid_t uid;
	gid_t gid;
	uint64_t ambient;    /* AmbientCapabilities=, folded as systemd folds its lines (raised with User=) */
	char *cwd;           /* WorkingDirectory=, or "/" as systemd starts a system service without it ("-" prefix: a
	                      * missing directory is skipped, and "/" it is) */
	hd_strv env;         /* PATH (systemd's default), USER/LOGNAME/HOME/SHELL with User=, Environment= */
	hd_strv env_files;   /* EnvironmentFile= paths as given ("-" prefix kept), read when each command
	                      * starts, as systemd does; they override env */
	hd_strv env_files_where; /* "FILE:LINE" of each, for messages */
	bool forking;        /* Type=forking */
	char *pid_file;      /* PIDFile= */
	int kill_signal;     /* KillSignal= (SIGTERM) */
	bool kill_main_only; /* KillMode= mixed, process or none (not control-group, the default) */
	hd_strv not_done;    /* what the unit asks for that this run does not do, for the user */
	struct hd_service_dirs dirs; /* RuntimeDirectory= and its kin: made before ExecStartPre= */
	/* A command line put before every command systemd runs under the unit's sandbox (all but "+" ones):
	 * harden run --unit --while's own "harden run --unit FILE ... --", so that each command enforces the
	 * unit's sandbox itself. Empty: the commands run as they are (learn). The wrapped command is the
	 * resolved file with its arguments ("@"'s separate argv[0] is not kept). Its last word must be "--":
	 * "--exec-ids=UID:GID" goes before it for a command that takes User=/Group=, and the wrapper itself
	 * runs as root (it takes the ids once its mount namespace is set up). */
	hd_strv wrap;
	unsigned stop_timeout_ms;    /* TimeoutStopSec= (0: not set) */
};

/* 0, or -errno with a diag naming FILE:LINE: no ExecStart=, not executable (-ENOEXEC/-EACCES), an unknown
 * User=/Group= (-ESRCH), User= without root (-EPERM), a bad KillSignal= (-EINVAL). */
int hd_service_from_unit(const char *path, int sdver, struct hd_service_spec *out, hd_diags *d);
void hd_service_spec_free(struct hd_service_spec *s);
/* One of l's commands runs under the unit's sandbox (not "+"): systemd filters it. */
bool hd_service_commands_sandboxed(const struct hd_service_commands *l);

/* A command as systemd would exec it now: the environment (s->env, then every EnvironmentFile= read
 * now, later ones overriding, then extra: "MAINPID=N" or NULL) and argv with $VAR expanded in it (not
 * with the ":" prefix). Both NULL-terminated. 0; -ENOENT (a file without "-" is missing) or -EINVAL (a
 * bad file), with a diag naming FILE:LINE; -ENOMEM. */
struct hd_service_exec {
	hd_strv argv, env;
};
int hd_service_prepare(const struct hd_service_spec *s, const struct hd_service_command *c, const char *extra,
		       struct hd_service_exec *out, hd_diags *d);
void hd_service_exec_free(struct hd_service_exec *x);

/* The credentials and directory a command runs with: the unit's, but "+" and "!" keep root. */
struct hd_trace_exec hd_service_exec_options(const struct hd_service_spec *s, const struct hd_service_command *c,
					     const struct hd_service_exec *x);

/* How long an ExecStartPre= may run (systemd's default TimeoutStartSec=) before it is ended, and how long
 * it is given to end after SIGTERM. */
#define HD_SERVICE_PRE_TIMEOUT_MS 90000u
/* The longest stop harden waits for (TimeoutStopSec=infinity or 0 included): a learning run must end. */
#define HD_SERVICE_STOP_TIMEOUT_MAX_MS 300000u
#define HD_SERVICE_PRE_KILL_MS 5000u

/* ExecStartPre= as systemd runs it: each in order, before ExecStart=, with the unit's user, environment
 * and directory, observed by the learner like the main process (systemd's filter applies to them), but
 * "+" ones run unobserved (no sandbox applies to them under systemd either). A command that fails
 * (non-zero exit, a signal, cannot be executed, over HD_SERVICE_PRE_TIMEOUT_MS) without "-" stops the
 * start: -ECANCELED with an error diag naming its FILE:LINE. notes gets a line for each command that was
 * not observed or whose failure was ignored, or that left processes in its process group (they are
 * ended then: they would outlive the learn). trace: the backend and stop flag to use (argv and exec are
 * set here). 0, -ECANCELED, -EINTR (*trace->stop was set), or -errno from tracing. */
int hd_service_run_pre(const struct hd_service_spec *s, const struct hd_trace_options *trace, struct hd_profile *p,
		       hd_strv *notes, hd_diags *d);
