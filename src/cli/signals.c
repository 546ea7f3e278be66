/*
 * SIGINT, SIGTERM and SIGHUP while outputs are open: the handler only
 * records the signal; the main path sees it, removes its temporary files
 * and then dies of the same signal, so the caller learns the run was
 * interrupted (exit status 128 + N in a shell).
 */
#include <signal.h>
#include <string.h>

#include "cli.h"

/*
 * The one mutable global of the program: a signal handler can reach
 * nothing else.
 */
static volatile sig_atomic_t caught_signal;

static void
record_signal(int sig)
{
	if (caught_signal == 0)
		caught_signal = sig;
}

void
wcs_signals_catch(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = record_signal;
	(void)sigemptyset(&sa.sa_mask);
	/* Restarted: a write must not fail half-way for a signal. */
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, NULL);
}

int
wcs_signals_caught(void)
{
	return (caught_signal);
}

void
wcs_signals_die(int sig)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(sig, &sa, NULL);
	(void)sigemptyset(&set);
	(void)sigaddset(&set, sig);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)raise(sig);
}
