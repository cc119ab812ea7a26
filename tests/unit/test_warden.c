/* SPDX-License-Identifier: MIT */
/* sandbox/warden: the command's processes end with harden when harden is killed, and only they. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/warden.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static bool gone(pid_t pid)
{
	unsigned long long start;
	return !hd_warden_proc_start(pid, &start, NULL);
}

/* pids the runner shares with the test: its command, an orphan of the command's, and a child of the
 * runner's from before the warden started (not the command's: it must survive) */
struct shared {
	pid_t command, orphan, before;
};

static pid_t sleeper(void)
{
	pid_t p = fork();
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, 0);
		for (int i = 0; i < 600; i++) /* bounded: 60 s at most, should the test fail to end it */
			sleep_ms(100);
		_exit(0);
	}
	return p;
}

/* The runner (harden's stand-in) is killed with SIGKILL: the command and its orphan are killed by the
 * warden, the runner's older child is not. */
static void test_killed_runner(void **state)
{
	(void)state;
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	pid_t runner = fork();
	assert_true(runner >= 0);
	if (runner == 0) {
		sh->before = sleeper();
		struct hd_warden w;
		if (hd_warden_start(&w) < 0)
			_exit(1);
		pid_t c = fork();
		if (c == 0) {
			/* the command: an orphan (its parent exits), then it sleeps */
			pid_t mid = fork();
			if (mid == 0) {
				sh->orphan = sleeper();
				_exit(0);
			}
			waitpid(mid, NULL, 0);
			for (int i = 0; i < 600; i++)
				sleep_ms(100);
			_exit(0);
		}
		sh->command = c;
		for (int i = 0; i < 600; i++)
			sleep_ms(100);
		_exit(0);
	}
	for (int i = 0; i < 200 && !(sh->command && sh->orphan && sh->before); i++)
		sleep_ms(10);
	assert_true(sh->command && sh->orphan && sh->before);
	sleep_ms(5 * HD_WARDEN_POLL_MS); /* seen by the warden */
	kill(runner, SIGKILL);
	waitpid(runner, NULL, 0);
	for (int i = 0; i < 100 && !(gone(sh->command) && gone(sh->orphan)); i++)
		sleep_ms(50);
	assert_true(gone(sh->command));
	assert_true(gone(sh->orphan));
	assert_false(gone(sh->before));
	kill(sh->before, SIGKILL);
	munmap(sh, sizeof(*sh));
}

/* A run that ends normally: nothing is killed; the tree is counted (orphans included, the caller's older
 * children not); a warden killed meanwhile does not take the caller down with SIGPIPE at the end. */
static void test_normal_end(void **state)
{
	(void)state;
	pid_t before = sleeper();
	struct hd_warden w;
	assert_int_equal(hd_warden_start(&w), 0);
	assert_int_equal(hd_warden_tree_alive(&w, 0, 0), 0);
	pid_t c = sleeper();
	pid_t *orphan = mmap(NULL, sizeof(*orphan), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(orphan != MAP_FAILED);
	*orphan = 0;
	pid_t mid = fork();
	if (mid == 0) {
		*orphan = sleeper();
		_exit(0);
	}
	waitpid(mid, NULL, 0);
	assert_true(*orphan > 0);
	/* the orphan is re-parented to us (child subreaper): command + orphan */
	size_t n = 0;
	for (int i = 0; i < 100 && (n = hd_warden_tree_alive(&w, 0, 0)) != 2; i++)
		sleep_ms(10);
	assert_int_equal(n, 2);
	assert_int_equal(hd_warden_tree_alive(&w, c, 0), 1);
	/* the warden dies first: ending the watch must still return */
	kill(w.pid, SIGKILL);
	waitpid(w.pid, NULL, 0);
	hd_warden_end(&w);
	assert_false(gone(c));
	assert_false(gone(before));
	hd_warden_tree_alive(&(struct hd_warden){ .pid = 0 }, 0, 0);
	kill(c, SIGKILL);
	kill(before, SIGKILL);
	kill(*orphan, SIGKILL);
	waitpid(c, NULL, 0);
	waitpid(before, NULL, 0);
	waitpid(*orphan, NULL, 0);
	munmap(orphan, sizeof(*orphan));
}

int main(void)
{
	signal(SIGPIPE, SIG_DFL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_killed_runner),
		cmocka_unit_test(test_normal_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
