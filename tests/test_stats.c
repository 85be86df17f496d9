#include <math.h>
#include <string.h>

#include "measure/record.h"
#include "measure/stats.h"
#include "test_util.h"

static void test_percentile_nearest_rank(void)
{
	/* 1..10: rank ceil(p/100*10). */
	double s[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 10, 50), 5);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 10, 90), 9);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 10, 95), 10);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 10, 91), 10);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 10, 0), 1);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 10, 100), 10);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 1, 50), 1);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 1, 99), 1);
	CU_ASSERT(isnan(cb_percentile_sorted(s, 0, 50)));
}

static void test_percentile_exact_ranks(void)
{
	/* 95% of 100 is exactly rank 95: floating point must not push it to 96. */
	double s[100];

	for (int i = 0; i < 100; i++)
		s[i] = i + 1;
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 100, 95), 95);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 100, 99), 99);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 100, 50), 50);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 100, 90), 90);
	CU_ASSERT_EQUAL(cb_percentile_sorted(s, 100, 95.5), 96);
}

static void test_dist_odd_even_nan(void)
{
	double odd[5] = {9, 1, 5, 3, 7};
	double even[6] = {60, 10, 40, 20, 50, 30};
	double withnan[7] = {NAN, 4, NAN, 2, 8, NAN, 6};
	double allnan[2] = {NAN, NAN};
	struct cb_dist d;

	cb_dist_compute(odd, 5, &d);
	CU_ASSERT_EQUAL(d.n, 5);
	CU_ASSERT_EQUAL(d.min, 1);
	CU_ASSERT_EQUAL(d.max, 9);
	CU_ASSERT_EQUAL(d.p50, 5);
	CU_ASSERT_EQUAL(d.p90, 9);
	CU_ASSERT_DOUBLE_EQUAL(d.mean, 5, 1e-12);
	CU_ASSERT_EQUAL(odd[0], 1); /* sorted in place */

	/* Even n: nearest rank picks the lower middle sample, never an average. */
	cb_dist_compute(even, 6, &d);
	CU_ASSERT_EQUAL(d.p50, 30);
	CU_ASSERT_EQUAL(d.p90, 60);
	CU_ASSERT_DOUBLE_EQUAL(d.mean, 35, 1e-12);

	cb_dist_compute(withnan, 7, &d);
	CU_ASSERT_EQUAL(d.n, 4);
	CU_ASSERT_EQUAL(d.min, 2);
	CU_ASSERT_EQUAL(d.p50, 4);
	CU_ASSERT_EQUAL(d.max, 8);
	CU_ASSERT_DOUBLE_EQUAL(d.mean, 5, 1e-12);

	cb_dist_compute(allnan, 2, &d);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT(isnan(d.min) && isnan(d.mean) && isnan(d.p50) && isnan(d.p99) && isnan(d.max));
	cb_dist_compute(NULL, 0, &d);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT(isnan(d.p95));
}

static void test_dist_single(void)
{
	double one[1] = {42.5};
	struct cb_dist d;

	cb_dist_compute(one, 1, &d);
	CU_ASSERT_EQUAL(d.n, 1);
	CU_ASSERT(d.min == 42.5 && d.mean == 42.5 && d.p50 == 42.5 && d.p90 == 42.5 &&
		  d.p95 == 42.5 && d.p99 == 42.5 && d.max == 42.5);
}

static void test_bands_at_limits(void)
{
	CU_ASSERT_EQUAL(cb_band_of(0), CB_BAND_EXCELLENT);
	CU_ASSERT_EQUAL(cb_band_of(100), CB_BAND_EXCELLENT);
	CU_ASSERT_EQUAL(cb_band_of(100.001), CB_BAND_GOOD);
	CU_ASSERT_EQUAL(cb_band_of(200), CB_BAND_GOOD);
	CU_ASSERT_EQUAL(cb_band_of(200.5), CB_BAND_ACCEPTABLE);
	CU_ASSERT_EQUAL(cb_band_of(500), CB_BAND_ACCEPTABLE);
	CU_ASSERT_EQUAL(cb_band_of(500.01), CB_BAND_POOR);
	CU_ASSERT_EQUAL(cb_band_of(1000), CB_BAND_POOR);
	CU_ASSERT_EQUAL(cb_band_of(1000.1), CB_BAND_UNUSABLE);
	CU_ASSERT_EQUAL(cb_band_of(1e9), CB_BAND_UNUSABLE);
	CU_ASSERT_EQUAL(cb_band_of(INFINITY), CB_BAND_UNUSABLE);
	CU_ASSERT_EQUAL(cb_band_of(NAN), CB_BAND_NONE);

	CU_ASSERT_STRING_EQUAL(cb_band_name(CB_BAND_EXCELLENT), "excellent");
	CU_ASSERT_STRING_EQUAL(cb_band_name(CB_BAND_UNUSABLE), "unusable");
	CU_ASSERT_STRING_EQUAL(cb_band_name(CB_BAND_NONE), "none");
	CU_ASSERT_STRING_EQUAL(cb_band_feel(CB_BAND_POOR), "noticeable lag");
	CU_ASSERT_EQUAL(cb_band_limit_ms(CB_BAND_GOOD), 200);
	CU_ASSERT_EQUAL(cb_band_limit_ms(CB_BAND_POOR), 1000);
	CU_ASSERT(isinf(cb_band_limit_ms(CB_BAND_UNUSABLE)));
	CU_ASSERT(isnan(cb_band_limit_ms(CB_BAND_NONE)));
}

static void test_record_names_and_chain(void)
{
	CU_ASSERT_STRING_EQUAL(cb_stamp_name(CB_ST_CAPTURED), "captured");
	CU_ASSERT_STRING_EQUAL(cb_stamp_name(CB_ST_JB_OUT), "jitter_buffer_out");
	CU_ASSERT_STRING_EQUAL(cb_stamp_name(CB_ST_IDENTIFIED), "identified");
	CU_ASSERT_STRING_EQUAL(cb_stage_name(CB_SG_NETWORK), "network");
	CU_ASSERT_STRING_EQUAL(cb_media_name(CB_MEDIA_AUDIO), "audio");
	CU_ASSERT_STRING_EQUAL(cb_pkt_fate_name(CB_PKT_RECOVERED), "recovered");
	CU_ASSERT_STRING_EQUAL(cb_pkt_fate_name(CB_PKT_DELIVERED), "delivered");
	/* The stages form one chain from captured to identified. */
	CU_ASSERT_EQUAL(cb_stage_from(0), CB_ST_CAPTURED);
	for (int s = 1; s < CB_SG_COUNT; s++)
		CU_ASSERT_EQUAL(cb_stage_from(s), cb_stage_to(s - 1));
	CU_ASSERT_EQUAL(cb_stage_to(CB_SG_COUNT - 1), CB_ST_IDENTIFIED);
	for (int s = 0; s < CB_ST_COUNT; s++)
		CU_ASSERT(strcmp(cb_stamp_name(s), "?") != 0);
}

static void test_frame_and_packet_logs(void)
{
	struct cb_frame_log fl = {0};
	struct cb_packet_log pl = {0};
	struct cb_frame_rec *r = NULL;

	for (uint32_t i = 0; i < 1000; i++) {
		r = cb_frame_log_add(&fl, CB_MEDIA_VIDEO, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		r->st[CB_ST_CAPTURED] = i;
	}
	CU_ASSERT_EQUAL(fl.n, 1000);
	CU_ASSERT(fl.cap >= 1000);
	CU_ASSERT_EQUAL(fl.v[999].index, 999);
	CU_ASSERT_EQUAL(fl.v[500].st[CB_ST_CAPTURED], 500);
	CU_ASSERT_EQUAL(fl.v[500].st[CB_ST_IDENTIFIED], CB_NS_NONE);
	CU_ASSERT_EQUAL(fl.v[500].content_id, -1);
	CU_ASSERT(isnan(fl.v[500].e2e_ms) && isnan(fl.v[500].algo_ms));
	CU_ASSERT_FALSE(fl.v[500].identified || fl.v[500].decoded || fl.v[500].encoded);
	cb_frame_log_free(&fl);
	CU_ASSERT_PTR_NULL(fl.v);
	CU_ASSERT_EQUAL(fl.n, 0);
	cb_frame_log_free(&fl); /* twice is harmless */
	CU_ASSERT_PTR_NULL(cb_frame_log_add(NULL, CB_MEDIA_AUDIO, 0));

	for (int i = 0; i < 300; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(cb_packet_log_add(&pl));
	CU_ASSERT_EQUAL(pl.n, 300);
	CU_ASSERT_EQUAL(pl.v[299].received, CB_NS_NONE);
	CU_ASSERT_EQUAL(pl.v[299].fate, CB_PKT_DELIVERED);
	cb_packet_log_free(&pl);
	CU_ASSERT_PTR_NULL(pl.v);
}

int cb_suite_stats(void)
{
	static const struct cb_test_case cases[] = {
	    {"nearest-rank percentiles", test_percentile_nearest_rank},
	    {"percentiles at exact ranks", test_percentile_exact_ranks},
	    {"distribution: odd, even, NaN skipped", test_dist_odd_even_nan},
	    {"distribution of one sample", test_dist_single},
	    {"bands at their exact limits", test_bands_at_limits},
	    {"record names and the stage chain", test_record_names_and_chain},
	    {"frame and packet logs grow", test_frame_and_packet_logs},
	    {NULL, NULL},
	};
	return cb_add_suite("stats", cases);
}
