/*
 * Conclude: the phases in order (see conclude.h for where each lives).
 */
#include "conclude.h"

int
engine_conclude(struct wcs_engine *eng)
{
	struct conclude c = { .eng = eng, .outbreak = WCS_TIME_NONE };
	int rc = WCS_FATAL;

	if (identity_fold_joins(eng) != WCS_OK ||
	    fanout_finish(eng->fanout, eng->opts.fanout_window_us,
		eng->opts.fanout_threshold) != WCS_OK ||
	    engine_estimate_skew(eng) != WCS_OK || !collect_live(&c))
		goto out;
	if (attach_fanout(&c) != WCS_OK || timing_join(&c) != WCS_OK)
		goto out;
	presume_answers(&c);
	if (verdicts_own_evidence(&c) != WCS_OK ||
	    verdicts_network(&c) != WCS_OK || verdicts_behaviour(&c) != WCS_OK)
		goto out;
	if (build_graph(&c) != WCS_OK || join_second_cards(&c) != WCS_OK)
		goto out;
	verdicts_decide(&c);
	if (rank_hosts(&c) != WCS_OK || describe_result(&c) != WCS_OK)
		goto out;
	rc = WCS_OK;
out:
	wcs_free(eng->ctx, c.live);
	return (rc);
}
