/* Placeholder: bids 0 until the reader is written. */
#include "readers_private.h"

static int
stub_bid(const unsigned char *p, size_t len, int best)
{
	(void)p, (void)len, (void)best;
	return (0);
}

static int
stub_open(struct wcs_ctx *ctx, struct wcs_input *in,
    const struct wcs_read_opts *o, void **state)
{
	(void)in, (void)o, (void)state;
	wcs_set_error(ctx, WCS_EFORMAT, "reader not implemented");
	return (WCS_FAILED);
}

static int
stub_next(struct wcs_ctx *ctx, void *state, struct wcs_event *ev)
{
	(void)ctx, (void)state, (void)ev;
	return (WCS_EOF);
}

static void
stub_close(void *state)
{
	(void)state;
}

const struct wcs_reader_ops wcs_reader_dnsmasq = { "dnsmasq", "dnsmasq query log (not yet)",
	WCS_KIND_DNS, 0, stub_bid, stub_open, stub_next, stub_close };
