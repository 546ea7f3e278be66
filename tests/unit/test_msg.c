/*
 * cli/msg.c: every message reaches stderr whole, in one write(2).  stderr
 * is pointed at a datagram socket for the test, so each write is one
 * datagram and the writes can be counted and read back one by one (up
 * to the queue's length: a message in many writes counts as many).
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cli.h"

#define DGRAM_MAX 65536

struct capture {
	int sv[2]; /* [0] read here, [1] becomes fd 2 */
	int saved; /* the real stderr */
};

static void
capture_start(struct capture *c)
{
	int size = 4 * DGRAM_MAX;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, c->sv), 0);
	(void)setsockopt(c->sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	(void)setsockopt(c->sv[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* A full queue (10 datagrams) must fail a write, not block it. */
	assert_int_equal(fcntl(c->sv[1], F_SETFL, O_NONBLOCK), 0);
	(void)fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(c->sv[1], STDERR_FILENO), STDERR_FILENO);
}

/* Restore stderr; returns the number of writes, the last one in buf. */
static unsigned
capture_end(struct capture *c, char *buf, size_t len)
{
	unsigned n = 0;
	ssize_t got;

	(void)fflush(stderr);
	assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
	(void)close(c->saved);
	(void)close(c->sv[1]);
	buf[0] = '\0';
	while ((got = recv(c->sv[0], buf, len - 1, MSG_DONTWAIT)) >= 0) {
		buf[got] = '\0';
		n++;
	}
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	(void)close(c->sv[0]);
	return (n);
}

static void
test_one_write_per_message(void **state)
{
	struct wcs_msg m = { false };
	struct capture c;
	static char buf[DGRAM_MAX];

	(void)state;
	capture_start(&c);
	wcs_warnx(&m, "%s:%d: %s", "logs/fw.log", 12, "bad \x1b[31m field");
	assert_int_equal(capture_end(&c, buf, sizeof(buf)), 1);
	/* Whole, escaped, one line. */
	assert_string_equal(
	    buf, "wcscan: warning: logs/fw.log:12: bad \\x1b[31m field\n");

	capture_start(&c);
	wcs_errx(&m, "%s", "cannot open x");
	assert_int_equal(capture_end(&c, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "wcscan: cannot open x\n");
}

static void
test_long_message_is_one_write(void **state)
{
	struct wcs_msg m = { false };
	struct capture c;
	static char buf[DGRAM_MAX], text[20000];
	size_t len;

	(void)state;
	/* Longer than a message may be: cut, still one line, one write. */
	memset(text, '\x01', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	capture_start(&c);
	wcs_warnx(&m, "%s", text);
	assert_int_equal(capture_end(&c, buf, sizeof(buf)), 1);
	len = strlen(buf);
	assert_true(len > 8000);
	assert_int_equal(buf[len - 1], '\n');
	assert_null(memchr(buf, '\n', len - 1));
	assert_memory_equal(buf, "wcscan: warning: \\x01\\x01", 25);
}

static void
test_quiet_and_usage(void **state)
{
	struct wcs_msg quiet = { true };
	struct capture c;
	static char buf[DGRAM_MAX];

	(void)state;
	capture_start(&c);
	wcs_warnx(&quiet, "not shown");
	assert_int_equal(capture_end(&c, buf, sizeof(buf)), 0);

	/* The message and the pointer to --help: one write a line. */
	capture_start(&c);
	wcs_usage_error("unknown option '%s'", "--bogus");
	assert_int_equal(capture_end(&c, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "Try 'wcscan --help' for more information.\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_write_per_message),
		cmocka_unit_test(test_long_message_is_one_write),
		cmocka_unit_test(test_quiet_and_usage),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
