/*
 * Inside the driver: the listed inputs, the members a group reads, and
 * the accounting shared by driver.c (listing, opening, pieces, groups)
 * and account.c (what the reading of a member came to).
 */
#ifndef WCSCAN_DRIVER_PRIVATE_H
#define WCSCAN_DRIVER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wcscan/driver.h"
#include "wcscan/input.h"

/* How an input was named, until it is read. */
struct pending {
	unsigned kind_mask;
	bool top_level; /* named by the caller, not found in a directory */
	bool failed; /* could not even be listed */
	uint64_t dev, ino; /* the file listed: opening checks it is that */
	const void *mem; /* wcs_driver_add_mem's bytes; NULL for a file */
	size_t mem_len;
};

/*
 * An input of the group being read, or a piece of one: big plain files of
 * formats whose lines stand alone are read in pieces at once.
 */
struct member {
	size_t index;
	struct wcs_ctx ctx; /* its own: it may be read on a thread */
	struct wcs_input *in;
	struct wcs_input_stats st; /* merged into the input's when done */
	bool last; /* the input's last piece (or the whole input) */
};

struct wcs_driver {
	struct wcs_ctx *ctx;
	struct wcs_driver_opts o;
	unsigned threads; /* resolved from o.threads */
	uint64_t piece_size; /* resolved from o.piece_size */
	struct wcs_walk *walk; /* one for every path listed; NULL once read */
	unsigned kind_mask; /* of the path being listed */
	/* Inputs found so far; paths[], pend[] parallel stats[]. */
	struct wcs_input_stats *stats;
	char **paths;
	struct pending *pend;
	size_t n, cap;
	bool ran; /* wcs_driver_run was called */
	bool error; /* something was said as an error */
	/* While running: where events go. */
	struct wcs_engine *eng;
	wcs_event_cb cb;
	void *cb_arg;
	bool stopped; /* eng or cb returned other than WCS_OK */
};

/* A message through the say hook; an error sets drv->error. */
void drv_say(struct wcs_driver *drv, enum wcs_driver_level level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Input st could not be (fully) read: why goes to its error (the first
 * reason stays) and is said, as an error when counts, else a warning.
 */
void drv_input_error(struct wcs_driver *drv, struct wcs_input_stats *st,
    const char *why, bool counts);
/* What the reading of member m came to (rc: its last status), said once
 * it is over; its input is closed. */
void drv_close_member(struct wcs_driver *drv, struct member *m, int rc);

#endif /* WCSCAN_DRIVER_PRIVATE_H */
