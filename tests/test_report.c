#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "report/report.h"
#include "report_check.h"
#include "test_util.h"

#define NVIDEO 300
#define NAUDIO 500

static int gnuplot_available(void)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)n, path);
		if (access(buf, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

/* Stage durations in µs for frame i: known, varied, and summing to e2e. */
static void fill_frame(struct cb_frame_rec *r, cb_ns cap, int i, int audio)
{
	static const int base_us[CB_SG_COUNT] = {300, 4000, 200,  50,  100,  1000,
						 150, 40,   2000, 100, 1500, 800};
	cb_ns t = cap;

	r->st[CB_ST_CAPTURED] = cap;
	r->rtp_ts = (uint32_t)(i * (audio ? 960 : 3000));
	r->first_seq = (uint16_t)(audio ? i : 2 * i);
	r->npackets = audio ? 1 : 2;
	r->bytes = audio ? 80 : 2400 + (i % 7) * 10;
	r->keyframe = !audio && i % 60 == 0;
	r->encoded = r->sent = 1;
	for (int s = 0; s < CB_SG_COUNT; s++) {
		/* The network stage carries most of the spread, as on a real path. */
		int us = base_us[s] + (s == CB_SG_NETWORK ? (i * 7919 % 50) * 1000 + 333 : 0);

		if (audio && s == CB_SG_CAPTURE_WAIT)
			us += 20000; /* Opus framing */
		if (audio && s == CB_SG_JITTER_BUFFER)
			us += 80000; /* an audio buffer deep enough to make the band "good" */
		t += (cb_ns)us * 1000;
		r->st[cb_stage_to((enum cb_stage)s)] = t;
	}
	r->st[CB_ST_FIRST_SENT] = r->st[CB_ST_PROTECTED] + 50000;
	r->st[CB_ST_FIRST_RECV] = r->st[CB_ST_LAST_SENT] + 500000;
	r->received = r->decoded = r->identified = 1;
	r->content_id = audio ? i / 5 : i;
	r->e2e_ms = cb_ns_diff_ms(r->st[CB_ST_IDENTIFIED], cap);
	if (audio)
		r->algo_ms = 26.5;
}

/* Drop a frame after it was sent: no stamp from arrived on. */
static void lose_frame(struct cb_frame_rec *r)
{
	for (int s = CB_ST_ARRIVED; s < CB_ST_COUNT; s++)
		r->st[s] = CB_NS_NONE;
	r->received = r->decoded = r->identified = 0;
	r->content_id = -1;
	r->e2e_ms = NAN;
	r->algo_ms = NAN;
}

static void add_packets(struct cb_packet_log *pl, const struct cb_frame_rec *r, int n)
{
	for (int k = 0; k < r->npackets; k++) {
		struct cb_packet_rec *p = cb_packet_log_add(pl);

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		p->media = r->media;
		p->seq = (uint16_t)(r->first_seq + k);
		p->rtp_ts = r->rtp_ts;
		p->size = (uint16_t)(r->bytes / r->npackets + 22);
		p->marker = k == r->npackets - 1;
		p->sent = r->st[CB_ST_LAST_SENT];
		if (r->received) {
			p->received = r->st[CB_ST_LAST_RECV];
			/* Every tenth video frame had its first packet back by RTX. */
			p->fate = r->media == CB_MEDIA_VIDEO && n % 10 == 3 && k == 0
				      ? CB_PKT_RECOVERED
				      : CB_PKT_DELIVERED;
		} else {
			p->fate = CB_PKT_LOST;
		}
	}
}

/*
 * Recovery figures and six reception reports, three per media, every 0.5 s:
 * the first of each media before an SR reached the receiver (no RTT).
 */
static void make_recovery(struct cb_run_result *res, cb_ns t0)
{
	struct cb_recovery *rc = &res->recovery;
	double rec[4] = {40, 45, 50, 200}, kw[2] = {120, 300};

	rc->nack_enabled = 1;
	rc->packets_missing = 31;
	rc->nack_requested = 30;
	rc->nack_requests_sent = 36;
	rc->recovered = 27;
	rc->recovered_late = 1;
	rc->never_recovered = 2;
	rc->pli_sent = 3;
	rc->rtcp_sent = 44;
	rc->rtcp_rejected = 0;
	cb_dist_compute(rec, 4, &rc->recovery_ms);
	cb_dist_compute(kw, 2, &rc->keyframe_wait_ms);
	rc->nack_received = 35;
	rc->rtx_sent = 29;
	rc->rtx_bytes = 34800;
	rc->rtx_refused = 1;
	rc->pli_received = 3;
	rc->keyframes_on_request = 2;

	res->rtcp = calloc(6, sizeof(*res->rtcp));
	CU_ASSERT_PTR_NOT_NULL_FATAL(res->rtcp);
	res->n_rtcp = 6;
	for (int k = 0; k < 6; k++) {
		struct cb_rtcp_sample *s = &res->rtcp[k];

		s->t = t0 + (cb_ns)(k / 2 + 1) * 500000000;
		s->media = k % 2 ? CB_MEDIA_AUDIO : CB_MEDIA_VIDEO;
		s->rtt_ms = k < 2 ? NAN : 60.0 + k; /* video 62, 64; audio 63, 65 */
		s->fraction_lost = 0.01 * k;	    /* video mean 0.02, audio 0.03 */
		s->cumulative_lost = k;
		s->jitter_ms = 2.0 + k;
	}
}

static void make_result(struct cb_run_result *res, const char *out_dir, const char *run_id,
			enum cb_run_status status, int audio_identified)
{
	const cb_ns t0 = 123456789000LL; /* an arbitrary monotonic origin */

	memset(res, 0, sizeof(*res));
	res->cfg.duration_s = 10;
	res->cfg.video = res->cfg.audio = 1;
	res->cfg.width = 640;
	res->cfg.height = 480;
	res->cfg.fps = 30;
	res->cfg.video_kbps = 1000;
	res->cfg.audio_kbps = 32;
	res->cfg.keyint = 60;
	res->cfg.speed = 8;
	res->cfg.opus_complexity = 5;
	res->cfg.audio_frame_ms = 20;
	res->cfg.mark_period_ms = 100;
	strcpy(res->cfg.video_codec, "vp8");
	strcpy(res->cfg.audio_codec, "opus");
	res->cfg.srtp = CB_SRTP_AES128_CM_SHA1_80;
	strcpy(res->cfg.transport, "udp");
	res->cfg.mtu = 1200;
	res->cfg.verdict_pct = 95;
	res->cfg.seed = 7;
	res->cfg.max_playout_delay_ms = 10000;
	res->cfg.render_delay_ms = 10;
	snprintf(res->cfg.out_dir, sizeof(res->cfg.out_dir), "%s", out_dir);
	snprintf(res->run_id, sizeof(res->run_id), "%s", run_id);
	strcpy(res->started_utc, "2024-05-01T12:00:00Z");
	res->status = status;
	strcpy(res->clock, "real");
	res->wall_s = 10.3;
	res->media_s = 10;
	res->n_versions = 2;
	strcpy(res->versions[0].name, "libvpx");
	strcpy(res->versions[0].version, "v1.12.0");
	strcpy(res->versions[1].name, "libopus");
	strcpy(res->versions[1].version, "libopus 1.3.1");

	res->video.media = CB_MEDIA_VIDEO;
	res->video.enabled = 1;
	strcpy(res->video.codec, "vp8");
	res->audio.media = CB_MEDIA_AUDIO;
	res->audio.enabled = 1;
	strcpy(res->audio.codec, "opus");

	/* Audio starts 5 ms after video, so t0 is the first video capture. */
	for (int i = 0; i < NVIDEO; i++) {
		struct cb_frame_rec *r = cb_frame_log_add(&res->video.frames, CB_MEDIA_VIDEO, i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		fill_frame(r, t0 + (cb_ns)i * 1000000000 / 30, i, 0);
		r->psnr = 35.0 + (i % 10) * 0.5;
		r->ssim = 0.95;
		if (i % 37 == 5) {
			lose_frame(r);
			r->psnr = r->ssim = NAN;
		}
		if (i == 100 || i == 200) {
			r->mismatch = 1;
			res->video.mismatch_examples[res->video.n_mismatch_examples].expected = i;
			res->video.mismatch_examples[res->video.n_mismatch_examples++].found =
			    i - 1;
		}
		add_packets(&res->packets, r, i);
	}
	for (int i = 0; i < NAUDIO; i++) {
		struct cb_frame_rec *r = cb_frame_log_add(&res->audio.frames, CB_MEDIA_AUDIO, i);

		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		fill_frame(r, t0 + 5000000 + (cb_ns)i * 20000000, i, 1);
		/* Marks every 100 ms: one audio frame in five carries one. */
		if (i % 5) {
			r->identified = 0;
			r->content_id = -1;
			r->e2e_ms = NAN;
		}
		if (!audio_identified)
			lose_frame(r);
		add_packets(&res->packets, r, i);
	}
	/* The stamp never reached is shown as an empty cell. */
	res->video.frames.v[3].st[CB_ST_JB_OUT] = CB_NS_NONE;

	/* Refusals are counted by the receiver, not rows of the packet log. */
	res->video.rejected_auth = 5;
	res->video.rejected_replay = 2;
	CU_ASSERT_EQUAL(cb_media_result_compute(&res->video, &res->packets, 95), 0);
	CU_ASSERT_EQUAL(cb_media_result_compute(&res->audio, &res->packets, 95), 0);
	res->video.target_kbps = 1000;
	res->video.achieved_kbps = res->video.payload_bytes * 8.0 / 1000 / 10;
	res->audio.target_kbps = 32;
	res->audio.achieved_kbps = res->audio.payload_bytes * 8.0 / 1000 / 10;
	res->audio.marks_sent = NAUDIO / 5;
	res->audio.marks_identified = audio_identified ? NAUDIO / 5 : 0;
	{
		double *v = malloc(NVIDEO * sizeof(*v));

		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		for (int i = 0; i < NVIDEO; i++)
			v[i] = res->video.frames.v[i].psnr;
		cb_dist_compute(v, NVIDEO, &res->video.psnr);
		free(v);
	}
	make_recovery(res, t0);
}

static char *make_tmpdir(void)
{
	static const char tmpl[] = "/tmp/cb-report-XXXXXX";
	char *d = malloc(sizeof(tmpl));

	if (!d)
		return NULL;
	memcpy(d, tmpl, sizeof(tmpl));
	if (!mkdtemp(d)) {
		free(d);
		return NULL;
	}
	return d;
}

static int contains(const char *path, const char *needle)
{
	char *s = cb_slurp(path, NULL);
	int yes = s && strstr(s, needle);

	free(s);
	return yes;
}

/* summary.json of the run folder `dir`, parsed; the caller json_decref()s it. */
static json_t *load_summary(const char *dir)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *root;

	snprintf(path, sizeof(path), "%s/summary.json", dir);
	root = json_load_file(path, 0, &jerr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	return root;
}

/* <out>/latest must be a link to just `run_id` (relative, so the folder can move). */
static void assert_latest(const char *out, const char *run_id)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/latest", out);
	n = readlink(path, link, sizeof(link) - 1);
	CU_ASSERT_EQUAL_FATAL(n, (ssize_t)strlen(run_id));
	link[n] = '\0';
	CU_ASSERT_STRING_EQUAL(link, run_id);
}

static void test_media_result_compute(void)
{
	struct cb_run_result res;

	make_result(&res, "/nonexistent", "x", CB_RUN_COMPLETE, 1);
	CU_ASSERT_EQUAL(res.video.captured, NVIDEO);
	CU_ASSERT_EQUAL(res.video.identified, NVIDEO - 8); /* i % 37 == 5: 8 frames */
	CU_ASSERT_EQUAL(res.video.mismatches, 2);
	CU_ASSERT_EQUAL(res.video.e2e.n, NVIDEO - 8);
	CU_ASSERT_EQUAL(res.audio.identified, NAUDIO / 5);
	/* Every stage's mean adds up to the e2e mean (the stamps telescope). */
	{
		double sum = 0;

		for (int s = 0; s < CB_SG_COUNT; s++)
			sum += res.video.stage[s].mean;
		CU_ASSERT_DOUBLE_EQUAL(sum, res.video.stage_total_ms, 1e-6);
	}
	CU_ASSERT_DOUBLE_EQUAL(res.video.stage[CB_SG_ENCODE].p50, 4.0, 1e-9);
	CU_ASSERT_EQUAL(res.video.verdict, CB_BAND_EXCELLENT);
	CU_ASSERT_EQUAL(res.video.packets_sent, 2 * NVIDEO);
	CU_ASSERT_EQUAL(res.video.packets_received + res.video.packets_lost, 2 * NVIDEO);
	CU_ASSERT(res.video.packets_lost > 0);
	CU_ASSERT_EQUAL(res.video.packets_rejected, 7);
	CU_ASSERT_DOUBLE_EQUAL(res.audio.algo_ms, 26.5, 1e-12);
	CU_ASSERT(isnan(res.video.algo_ms));
	CU_ASSERT_EQUAL(cb_run_t0(&res), 123456789000LL);
	CU_ASSERT_EQUAL(cb_media_result_compute(&res.video, NULL, 101), -EINVAL);
	cb_run_result_free(&res);
	CU_ASSERT_PTR_NULL(res.video.frames.v);
	CU_ASSERT_PTR_NULL(res.packets.v);
	cb_run_result_free(&res);
}

static void test_write_atomic(void)
{
	char *tmp = make_tmpdir(), path[PATH_MAX], *s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	snprintf(path, sizeof(path), "%s/a.txt", tmp);
	CU_ASSERT_EQUAL(cb_write_file_atomic(path, "one", 3), 0);
	CU_ASSERT_EQUAL(cb_write_file_atomic(path, "second", 6), 0);
	s = cb_slurp(path, NULL);
	CU_ASSERT_STRING_EQUAL(s, "second");
	free(s);
	CU_ASSERT_EQUAL(cb_write_file_atomic(path, NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(cb_write_file_atomic(NULL, "x", 1), -EINVAL);
	snprintf(path, sizeof(path), "%s/missing/a.txt", tmp);
	CU_ASSERT_EQUAL(cb_write_file_atomic(path, "x", 1), -ENOENT);
	/* The folder holds only a.txt: no temporary survived the failures. */
	snprintf(path, sizeof(path), "%s/a.txt", tmp);
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_EQUAL(rmdir(tmp), 0);
	free(tmp);
}

/* The entries of folder `dir`, dot files apart. */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * A streamed report file appears under its name only when committed; a
 * discarded one, a failed write and a failed rename leave nothing behind.
 */
static void test_out_stream(void)
{
	char *tmp = make_tmpdir(), path[PATH_MAX], *s;
	struct cb_out o;
	struct stat st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	snprintf(path, sizeof(path), "%s/t.csv", tmp);
	CU_ASSERT_EQUAL_FATAL(cb_out_open(&o, path), 0);
	fputs("a,b\n", o.f);
	fflush(o.f);
	CU_ASSERT(stat(path, &st) < 0 && errno == ENOENT);
	CU_ASSERT_EQUAL(count_files(tmp), 1); /* the temporary, under another name */
	CU_ASSERT_EQUAL(cb_out_commit(&o), 0);
	s = cb_slurp(path, NULL);
	CU_ASSERT_STRING_EQUAL(s, "a,b\n");
	free(s);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644);
	/* Discarded: the old file stays, no temporary. */
	CU_ASSERT_EQUAL_FATAL(cb_out_open(&o, path), 0);
	fputs("x", o.f);
	cb_out_discard(&o);
	cb_out_discard(&o);
	s = cb_slurp(path, NULL);
	CU_ASSERT_STRING_EQUAL(s, "a,b\n");
	free(s);
	/* A write that fails under the stream (its descriptor gone) fails the
	 * commit, which removes the temporary. */
	CU_ASSERT_EQUAL_FATAL(cb_out_open(&o, path), 0);
	close(fileno(o.f));
	fputs("y", o.f);
	CU_ASSERT(cb_out_commit(&o) < 0);
	s = cb_slurp(path, NULL);
	CU_ASSERT_STRING_EQUAL(s, "a,b\n");
	free(s);
	CU_ASSERT_EQUAL(count_files(tmp), 1);
	/* A rename that cannot replace a non-empty folder. */
	snprintf(path, sizeof(path), "%s/d", tmp);
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/d/x", tmp);
	CU_ASSERT_EQUAL(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/d", tmp);
	CU_ASSERT_EQUAL_FATAL(cb_out_open(&o, path), 0);
	fputs("z", o.f);
	CU_ASSERT(cb_out_commit(&o) < 0);
	CU_ASSERT_EQUAL(count_files(tmp), 2);
	/* A missing folder: nothing opened. */
	snprintf(path, sizeof(path), "%s/missing/a.txt", tmp);
	CU_ASSERT_EQUAL(cb_out_open(&o, path), -ENOENT);
	CU_ASSERT_PTR_NULL(o.f);
	cb_out_discard(&o);
	CU_ASSERT_EQUAL(cb_out_open(&o, NULL), -EINVAL);
	cb_test_rm_rf(tmp);
	free(tmp);
}

static double jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static json_int_t jint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	CU_ASSERT(json_is_integer(v));
	return json_integer_value(v);
}

/* "recovery" carries every field of struct cb_recovery, "rtcp" the reports by media. */
static void check_recovery_json(json_t *root, const struct cb_run_result *res)
{
	const struct cb_recovery *r = &res->recovery;
	json_t *rc = json_object_get(root, "recovery"), *rt = json_object_get(root, "rtcp"), *m, *d;

	CU_ASSERT_FATAL(json_is_object(rc) && json_is_object(rt));
	CU_ASSERT(json_is_true(json_object_get(rc, "nack_enabled")));
	CU_ASSERT_EQUAL(jint(rc, "packets_missing"), (json_int_t)r->packets_missing);
	CU_ASSERT_EQUAL(jint(rc, "nack_requested"), (json_int_t)r->nack_requested);
	CU_ASSERT_EQUAL(jint(rc, "nack_requests_sent"), (json_int_t)r->nack_requests_sent);
	CU_ASSERT_EQUAL(jint(rc, "recovered"), (json_int_t)r->recovered);
	CU_ASSERT_EQUAL(jint(rc, "recovered_late"), (json_int_t)r->recovered_late);
	CU_ASSERT_EQUAL(jint(rc, "never_recovered"), (json_int_t)r->never_recovered);
	CU_ASSERT_EQUAL(jint(rc, "pli_sent"), (json_int_t)r->pli_sent);
	CU_ASSERT_EQUAL(jint(rc, "rtcp_sent"), (json_int_t)r->rtcp_sent);
	CU_ASSERT_EQUAL(jint(rc, "rtcp_rejected"), (json_int_t)r->rtcp_rejected);
	CU_ASSERT_EQUAL(jint(rc, "nack_received"), (json_int_t)r->nack_received);
	CU_ASSERT_EQUAL(jint(rc, "rtx_sent"), (json_int_t)r->rtx_sent);
	CU_ASSERT_EQUAL(jint(rc, "rtx_bytes"), (json_int_t)r->rtx_bytes);
	CU_ASSERT_EQUAL(jint(rc, "rtx_refused"), (json_int_t)r->rtx_refused);
	CU_ASSERT_EQUAL(jint(rc, "pli_received"), (json_int_t)r->pli_received);
	CU_ASSERT_EQUAL(jint(rc, "keyframes_on_request"), (json_int_t)r->keyframes_on_request);
	d = json_object_get(rc, "recovery_ms");
	CU_ASSERT_EQUAL(jint(d, "n"), 4);
	CU_ASSERT_DOUBLE_EQUAL(jnum(d, "p50"), 45.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(jnum(d, "max"), 200.0, 1e-9);
	d = json_object_get(rc, "keyframe_wait_ms");
	CU_ASSERT_EQUAL(jint(d, "n"), 2);
	CU_ASSERT_DOUBLE_EQUAL(jnum(d, "mean"), 210.0, 1e-9);

	m = json_object_get(rt, "video");
	CU_ASSERT_EQUAL(jint(m, "reports"), 3);
	d = json_object_get(m, "rtt_ms");
	CU_ASSERT_EQUAL(jint(d, "n"), 2); /* the report without an RTT is left out */
	CU_ASSERT_DOUBLE_EQUAL(jnum(d, "min"), 62.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(jnum(d, "max"), 64.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(jnum(m, "fraction_lost_mean"), 0.02, 1e-9);
	CU_ASSERT_EQUAL(jint(m, "cumulative_lost_last"), 4);
	d = json_object_get(m, "jitter_ms");
	CU_ASSERT_EQUAL(jint(d, "n"), 3);
	CU_ASSERT_DOUBLE_EQUAL(jnum(d, "p50"), 4.0, 1e-9);
	m = json_object_get(rt, "audio");
	CU_ASSERT_EQUAL(jint(m, "reports"), 3);
	CU_ASSERT_DOUBLE_EQUAL(jnum(json_object_get(m, "rtt_ms"), "p50"), 63.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(jnum(m, "fraction_lost_mean"), 0.03, 1e-9);

	d = json_object_get(
	    json_object_get(json_object_get(json_object_get(root, "media"), "video"), "quality"),
	    "psnr_db");
	CU_ASSERT_EQUAL(jint(d, "n"), res->video.psnr.n);
	CU_ASSERT_DOUBLE_EQUAL(jnum(d, "mean"), res->video.psnr.mean, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(jnum(d, "max"), 39.5, 1e-9);
}

static void test_complete_run(void)
{
	struct cb_run_result res;
	char *tmp = make_tmpdir(), out[1024], dir[2048], path[PATH_MAX];
	json_t *root, *v;
	static const char *const sections[] = {
	    "## Verdict",
	    "**Overall: good**",
	    "| excellent | ≤ 100 ms | very good call |",
	    "| unusable | > 1000 ms |",
	    "## Video (vp8)",
	    "## Audio (opus)",
	    "### Counts",
	    "### Latency (ms)",
	    "### Stage breakdown",
	    "| network |",
	    "### Bitrate",
	    "### Packets",
	    "### Mismatches",
	    "| 100 | 99 |",
	    "## Settings",
	    "| srtp | AES_CM_128_HMAC_SHA1_80 |",
	    "## Library versions",
	    "| libvpx | v1.12.0 |",
	    "algorithmic_ms",
	    "cross-correlation",
	    "## How latency is measured",
	    "## Recovery",
	    "NACK/RTX (video): **on**",
	    "| 31 | 30 (36) | 27 | 1 | 2 | 29 (34800 B, 1) | 3 / 2 |",
	    "| 45.0 / 200.0 / 200.0 (n 4) |",
	    "| 120.0 / 300.0 / 300.0 (n 2) |",
	    "| video | 3 | 62.0 | 2.00 | 4.00 | 6.00 |",
	    "| audio | 3 | 63.0 | 3.00 | 5.00 | 7.00 |",
	    "**PLI**",
	};

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	snprintf(out, sizeof(out), "%s/results/nested", tmp);
	make_result(&res, out, "run-1", CB_RUN_COMPLETE, 1);
	cb_test_write_checked(&res, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/run-1", out);
	CU_ASSERT_STRING_EQUAL(dir, path);

	root = load_summary(dir);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "schema")),
			       "callbench.summary/1");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "status")), "complete");
	CU_ASSERT_PTR_NULL(json_object_get(root, "error"));
	v = json_object_get(root, "verdict");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "band")), "good");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(v, "media")), "audio");
	v = json_object_get(json_object_get(root, "media"), "video");
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(json_object_get(v, "verdict"), "band")), "excellent");
	CU_ASSERT_EQUAL(
	    json_integer_value(json_object_get(json_object_get(v, "counts"), "identified")),
	    NVIDEO - 8);
	CU_ASSERT_DOUBLE_EQUAL(
	    json_number_value(
		json_object_get(json_object_get(json_object_get(v, "stages_ms"), "encode"), "p50")),
	    4.0, 1e-9);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(v, "mismatch_examples")), 2);
	CU_ASSERT_PTR_NULL(json_object_get(v, "algorithmic_ms"));
	v = json_object_get(json_object_get(root, "media"), "audio");
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(v, "algorithmic_ms")), 26.5, 1e-9);
	CU_ASSERT_EQUAL(
	    json_integer_value(json_object_get(json_object_get(v, "counts"), "marks_identified")),
	    NAUDIO / 5);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(json_object_get(root, "settings"), "srtp")),
	    "AES_CM_128_HMAC_SHA1_80");
	/* The jitter buffers' settings, as set. */
	CU_ASSERT_EQUAL(json_integer_value(
			    json_object_get(json_object_get(root, "settings"), "render_delay_ms")),
			10);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(root, "settings"),
							   "max_playout_delay_ms")),
			10000);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(json_object_get(root, "versions"), "libopus")),
	    "libopus 1.3.1");
	check_recovery_json(root, &res);
	json_decref(root);

	/* Times are relative to the first capture, to the µs; unreached is empty. */
	snprintf(path, sizeof(path), "%s/frames.csv", dir);
	{
		struct cb_csv csv;
		int cap, jb, e2e;

		CU_ASSERT_EQUAL_FATAL(cb_csv_read(path, &csv), 0);
		CU_ASSERT_EQUAL(csv.nrows, NVIDEO + NAUDIO);
		CU_ASSERT_STRING_EQUAL(csv.head[0], "media");
		CU_ASSERT_STRING_EQUAL(csv.head[14], "captured_ms");
		CU_ASSERT_STRING_EQUAL(csv.head[csv.ncols - 1], "concealed");
		CU_ASSERT(cb_csv_col(&csv, "band") > 0);
		cap = cb_csv_col(&csv, "captured_ms");
		jb = cb_csv_col(&csv, "jitter_buffer_out_ms");
		e2e = cb_csv_col(&csv, "e2e_ms");
		CU_ASSERT_STRING_EQUAL(cb_csv_at(&csv, 0, cap), "0.000");
		CU_ASSERT_STRING_EQUAL(cb_csv_at(&csv, 1, cap), "33.333");
		CU_ASSERT_STRING_EQUAL(cb_csv_at(&csv, NVIDEO, 0), "audio");
		CU_ASSERT_STRING_EQUAL(cb_csv_at(&csv, NVIDEO, cap), "5.000");
		CU_ASSERT_STRING_EQUAL(cb_csv_at(&csv, 3, jb), "");
		CU_ASSERT_STRING_EQUAL(cb_csv_at(&csv, 5, e2e), "");
		CU_ASSERT_STRING_EQUAL(cb_csv_at(&csv, 5, cb_csv_col(&csv, "band")), "");
		cb_csv_free(&csv);
	}
	snprintf(path, sizeof(path), "%s/packets.csv", dir);
	CU_ASSERT(contains(path, "media,seq,rtp_ts,size,marker,fate,duplicated,sent_ms,received_ms,"
				 "transit_ms,net_delay_ms,queue_delay_ms\n"));
	CU_ASSERT(contains(path, ",lost,"));

	snprintf(path, sizeof(path), "%s/report.md", dir);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (!contains(path, sections[i]))
			printf("\n      report.md lacks: %s ", sections[i]);
		CU_ASSERT(contains(path, sections[i]));
	}
	CU_ASSERT_FALSE(contains(path, "INTERRUPTED"));

	assert_latest(out, "run-1");

	if (!gnuplot_available()) {
		snprintf(path, sizeof(path), "%s/report.md", dir);
		CU_ASSERT(contains(path, "No plots"));
		cb_run_result_free(&res);
		cb_test_rm_rf(tmp);
		free(tmp);
		CB_SKIP("gnuplot is not installed: plots not checked");
	}
	{
		static const char *const plots[] = {
		    "latency.png", "latency.svg",      "cdf.png",	    "cdf.svg",
		    "stages.png",  "stages.svg",       "jitter_buffer.png", "jitter_buffer.svg",
		    "psnr.png",	   "psnr.svg",	       "rtcp.png",	    "rtcp.svg",
		    "plots.gp",	   "events_video.dat", "rtcp_video.dat"};
		struct stat st;

		for (size_t i = 0; i < sizeof(plots) / sizeof(plots[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", dir, plots[i]);
			CU_ASSERT(stat(path, &st) == 0 && st.st_size > 100);
		}
		snprintf(path, sizeof(path), "%s/report.md", dir);
		CU_ASSERT(contains(path, "](latency.svg)"));
		CU_ASSERT(contains(path, "](stages.svg)"));
		CU_ASSERT(contains(path, "](jitter_buffer.svg)"));
		CU_ASSERT(contains(path, "](psnr.svg)"));
		CU_ASSERT(contains(path, "](rtcp.svg)"));
		/* Lost frames are red marks, RTX-recovered packets green ones. */
		snprintf(path, sizeof(path), "%s/plots.gp", dir);
		CU_ASSERT(contains(path, "video packet lost"));
		CU_ASSERT(contains(path, "video packet recovered by RTX"));
		snprintf(path, sizeof(path), "%s/events_video.dat", dir);
		CU_ASSERT(contains(path, " 0\n"));
		CU_ASSERT(contains(path, " 1\n"));
		snprintf(path, sizeof(path), "%s/latency.svg", dir);
		CU_ASSERT(contains(path, "excellent &lt;= 100 ms") ||
			  contains(path, "excellent <= 100 ms"));
	}
	cb_run_result_free(&res);
	cb_test_rm_rf(tmp);
	free(tmp);
}

static void test_interrupted_and_failed(void)
{
	struct cb_run_result res;
	char *tmp = make_tmpdir(), dir[2048], path[PATH_MAX];
	json_t *root, *a;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	make_result(&res, tmp, "run-int", CB_RUN_INTERRUPTED, 1);
	res.media_s = 4.2;
	cb_test_write_checked(&res, dir, sizeof(dir));
	root = load_summary(dir);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "status")), "interrupted");
	json_decref(root);
	snprintf(path, sizeof(path), "%s/report.md", dir);
	CU_ASSERT(contains(path, "**INTERRUPTED**"));
	CU_ASSERT(contains(path, "Status: **interrupted**"));
	cb_run_result_free(&res);

	/* A failed run whose audio was never identified: nulls and verdict "none". */
	make_result(&res, tmp, "run-fail", CB_RUN_FAILED, 0);
	strcpy(res.error, "receiver socket closed");
	res.video.enabled = 1;
	cb_test_write_checked(&res, dir, sizeof(dir));
	root = load_summary(dir);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "status")), "failed");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(root, "error")),
			       "receiver socket closed");
	a = json_object_get(json_object_get(root, "media"), "audio");
	CU_ASSERT(json_is_null(json_object_get(json_object_get(a, "latency_ms"), "p50")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_object_get(a, "latency_ms"), "n")),
			0);
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(json_object_get(a, "verdict"), "band")), "none");
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(json_object_get(root, "verdict"), "band")), "none");
	json_decref(root);
	snprintf(path, sizeof(path), "%s/report.md", dir);
	CU_ASSERT(contains(path, "**FAILED** — receiver socket closed"));
	CU_ASSERT(contains(path, "**Overall: none**"));
	CU_ASSERT_FALSE(contains(path, "nan"));

	/* latest follows the newest run. */
	assert_latest(tmp, "run-fail");

	/* A run id that would leave the results folder is refused. */
	strcpy(res.run_id, "../escape");
	CU_ASSERT_EQUAL(cb_report_write(&res, NULL, NULL, NULL, 0), -EINVAL);
	cb_run_result_free(&res);
	cb_test_rm_rf(tmp);
	free(tmp);
}

/*
 * An audio-only run without reception reports has no PSNR, no RTCP and no
 * loss marks to plot: those plots and their embeds are left out cleanly,
 * the rest is made, and the recovery figures are null, not 0.
 */
static void test_plots_without_data(void)
{
	struct cb_run_result res;
	char *tmp = make_tmpdir(), dir[2048], path[PATH_MAX];
	struct stat st;
	json_t *root, *rt;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	make_result(&res, tmp, "run-audio", CB_RUN_COMPLETE, 1);
	res.cfg.video = res.video.enabled = 0;
	free(res.rtcp);
	res.rtcp = NULL;
	res.n_rtcp = 0;
	memset(&res.recovery, 0, sizeof(res.recovery));
	cb_dist_compute(NULL, 0, &res.recovery.recovery_ms);
	cb_dist_compute(NULL, 0, &res.recovery.keyframe_wait_ms);
	CU_ASSERT_FALSE(cb_report_plot_wanted(&res, "psnr"));
	CU_ASSERT_FALSE(cb_report_plot_wanted(&res, "rtcp"));
	CU_ASSERT(cb_report_plot_wanted(&res, "jitter_buffer"));
	CU_ASSERT(cb_report_plot_wanted(&res, "latency"));
	CU_ASSERT_FALSE(cb_report_plot_wanted(&res, "nonsense"));
	cb_test_write_checked(&res, dir, sizeof(dir));

	root = load_summary(dir);
	rt = json_object_get(json_object_get(root, "rtcp"), "audio");
	CU_ASSERT_PTR_NULL(json_object_get(json_object_get(root, "rtcp"), "video"));
	CU_ASSERT_EQUAL(jint(rt, "reports"), 0);
	CU_ASSERT(json_is_null(json_object_get(rt, "fraction_lost_mean")));
	CU_ASSERT(json_is_null(json_object_get(json_object_get(rt, "rtt_ms"), "p50")));
	CU_ASSERT(
	    json_is_false(json_object_get(json_object_get(root, "recovery"), "nack_enabled")));
	CU_ASSERT(json_is_null(json_object_get(
	    json_object_get(json_object_get(root, "recovery"), "recovery_ms"), "p50")));
	json_decref(root);
	snprintf(path, sizeof(path), "%s/report.md", dir);
	CU_ASSERT(contains(path, "this run has no video track"));
	CU_ASSERT_FALSE(contains(path, "| packets missing |"));
	CU_ASSERT(contains(path, "| audio | 0 | – | – | – | – |"));
	CU_ASSERT_FALSE(contains(path, "nan"));
	CU_ASSERT_FALSE(contains(path, "](psnr.svg)"));
	CU_ASSERT_FALSE(contains(path, "](rtcp.svg)"));
	CU_ASSERT_FALSE(contains(path, "psnr.png"));

	if (!gnuplot_available()) {
		cb_run_result_free(&res);
		cb_test_rm_rf(tmp);
		free(tmp);
		CB_SKIP("gnuplot is not installed: plot files not checked");
	}
	CU_ASSERT(contains(path, "](jitter_buffer.svg)"));
	snprintf(path, sizeof(path), "%s/psnr.png", dir);
	CU_ASSERT(stat(path, &st) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/rtcp.svg", dir);
	CU_ASSERT(stat(path, &st) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/events_video.dat", dir);
	CU_ASSERT(stat(path, &st) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/jitter_buffer.png", dir);
	CU_ASSERT(stat(path, &st) == 0 && st.st_size > 100);
	snprintf(path, sizeof(path), "%s/latency.png", dir);
	CU_ASSERT(stat(path, &st) == 0 && st.st_size > 100);
	cb_run_result_free(&res);
	cb_test_rm_rf(tmp);
	free(tmp);
}

/*
 * A plot gnuplot fails on costs only itself, and says so: the psnr plot's
 * output cannot be opened (a folder is in the way), the reception reports
 * have no RTT at all (which once ended gnuplot and lost every plot); the
 * rest is made, the psnr plot is marked missing in report.md, report.html
 * and summary.json.
 */
static void test_plot_failure_isolated(void)
{
	struct cb_run_result res;
	char *tmp = make_tmpdir(), dir[2048], path[PATH_MAX];
	json_t *root, *failed, *made;
	struct stat st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	if (!gnuplot_available()) {
		cb_test_rm_rf(tmp);
		free(tmp);
		CB_SKIP("gnuplot is not installed");
	}
	make_result(&res, tmp, "run-plotfail", CB_RUN_COMPLETE, 1);
	for (size_t i = 0; i < res.n_rtcp; i++)
		res.rtcp[i].rtt_ms = NAN;
	snprintf(path, sizeof(path), "%s/run-plotfail/psnr.png.tmp", tmp);
	CU_ASSERT_EQUAL_FATAL(cb_mkdir_p(path), 0);
	CU_ASSERT_EQUAL_FATAL(cb_report_write(&res, NULL, NULL, dir, sizeof(dir)), 0);
	CU_ASSERT_EQUAL(res.plots_failed, 1u << CB_PLOT_PSNR);
	for (int p = 0; p < CB_PLOT_COUNT; p++)
		if (p != CB_PLOT_PSNR && cb_report_plot_wanted(&res, cb_report_plot_name(p)))
			CU_ASSERT(res.plots_made >> p & 1u);
	CU_ASSERT(res.plots_made >> CB_PLOT_RTCP & 1u);
	snprintf(path, sizeof(path), "%s/rtcp.png", dir);
	CU_ASSERT(stat(path, &st) == 0 && st.st_size > 100);
	snprintf(path, sizeof(path), "%s/latency.svg", dir);
	CU_ASSERT(stat(path, &st) == 0 && st.st_size > 100);
	snprintf(path, sizeof(path), "%s/psnr.svg", dir);
	CU_ASSERT(stat(path, &st) < 0 && errno == ENOENT);
	snprintf(path, sizeof(path), "%s/report.md", dir);
	CU_ASSERT(contains(path, "**Plot missing: psnr**"));
	CU_ASSERT(contains(path, "](rtcp.svg)"));
	CU_ASSERT_FALSE(contains(path, "](psnr.svg)"));
	snprintf(path, sizeof(path), "%s/report.html", dir);
	CU_ASSERT(contains(path, "Plot missing: psnr"));
	snprintf(path, sizeof(path), "%s/plots.log", dir);
	CU_ASSERT(contains(path, "cannot open file"));
	root = load_summary(dir);
	failed = json_object_get(json_object_get(root, "plots"), "failed");
	made = json_object_get(json_object_get(root, "plots"), "made");
	CU_ASSERT_EQUAL(json_array_size(failed), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(failed, 0)), "psnr");
	CU_ASSERT(json_array_size(made) >= 5);
	json_decref(root);
	cb_run_result_free(&res);
	cb_test_rm_rf(tmp);
	free(tmp);
}

/*
 * gnuplot runs in a process group of its own: a Ctrl-C at the terminal goes
 * to the program's group, and must not kill gnuplot under a report that
 * would then call itself complete.  The script prints the process group of
 * a command it runs, which is gnuplot's.
 */
static void test_gnuplot_own_group(void)
{
	char *tmp = make_tmpdir(), script[PATH_MAX], path[PATH_MAX], text[64] = "";
	FILE *f;
	long pg = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	if (!gnuplot_available()) {
		cb_test_rm_rf(tmp);
		free(tmp);
		CB_SKIP("gnuplot is not installed");
	}
	snprintf(script, sizeof(script), "%s/pg.gp", tmp);
	f = fopen(script, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("print system(\"cut -d' ' -f5 /proc/self/stat\")\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(cb_gnuplot_run(tmp, script, NULL, "pg.log", "test", NULL, NULL), 0);
	snprintf(path, sizeof(path), "%s/pg.log", tmp);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	if (fgets(text, sizeof(text), f))
		pg = strtol(text, NULL, 10);
	fclose(f);
	CU_ASSERT(pg > 0);
	CU_ASSERT(pg != (long)getpgrp());
	cb_test_rm_rf(tmp);
	free(tmp);
}

static void test_check_catches_disagreement(void)
{
	struct cb_run_result res;
	char *tmp = make_tmpdir(), dir[2048], path[PATH_MAX], why[512] = "";

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	make_result(&res, tmp, "run-bad", CB_RUN_COMPLETE, 1);
	/* A summary that claims one frame more than the rows show must fail. */
	res.video.identified++;
	res.video.e2e.p95 += 1.0;
	CU_ASSERT_EQUAL_FATAL(cb_report_write(&res, NULL, NULL, dir, sizeof(dir)), 0);
	CU_ASSERT_EQUAL(cb_check_run_folder(dir, why, sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "identified"));
	/* And a leftover temporary file is reported. */
	res.video.identified--;
	res.video.e2e.p95 -= 1.0;
	CU_ASSERT_EQUAL_FATAL(cb_report_write(&res, NULL, NULL, dir, sizeof(dir)), 0);
	CU_ASSERT_EQUAL(cb_check_run_folder(dir, why, sizeof(why)), 0);
	snprintf(path, sizeof(path), "%s/x.tmp", dir);
	CU_ASSERT_EQUAL(cb_write_file_atomic(path, "x", 1), 0);
	CU_ASSERT_EQUAL(cb_check_run_folder(dir, why, sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "x.tmp"));
	cb_run_result_free(&res);
	cb_test_rm_rf(tmp);
	free(tmp);
}

/*
 * A report that fails part-way (here report.html cannot be put in place)
 * leaves no summary.json: a folder whose summary says "complete" always has
 * its report.md and report.html beside it.  Rewriting a folder that had a
 * summary removes it before anything else is written.
 */
static void test_summary_written_last(void)
{
	char *tmp = make_tmpdir(), path[PATH_MAX], blocker[PATH_MAX];
	struct cb_run_result res;
	struct stat st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	make_result(&res, tmp, "half", CB_RUN_COMPLETE, 1);
	CU_ASSERT_EQUAL_FATAL(cb_report_write(&res, NULL, NULL, NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/half/summary.json", tmp);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	/* A non-empty folder where report.html must go: the rename fails. */
	snprintf(blocker, sizeof(blocker), "%s/half/report.html", tmp);
	CU_ASSERT_EQUAL(unlink(blocker), 0);
	CU_ASSERT_EQUAL(mkdir(blocker, 0700), 0);
	snprintf(blocker, sizeof(blocker), "%s/half/report.html/x", tmp);
	CU_ASSERT_EQUAL(mkdir(blocker, 0700), 0);
	CU_ASSERT(cb_report_write(&res, NULL, NULL, NULL, 0) < 0);
	CU_ASSERT_NOT_EQUAL(stat(path, &st), 0);
	cb_run_result_free(&res);
	cb_test_rm_rf(tmp);
	free(tmp);
}

/* A plot gnuplot cut short (a full disk: it still exits 0) is told from a whole one. */
static void test_plot_output_whole(void)
{
	static const uint8_t png_end[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
	char tmpl[] = "/tmp/cb-plotw-XXXXXX", path[600];
	char *dir = mkdtemp(tmpl);
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof(path), "%s/a.png", dir);
	f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
	fwrite(png_end, 1, sizeof(png_end), f);
	fclose(f);
	CU_ASSERT(cb_gnuplot_output_whole(path, "png"));
	CU_ASSERT_EQUAL(truncate(path, 15), 0);
	CU_ASSERT(!cb_gnuplot_output_whole(path, "png"));
	CU_ASSERT_EQUAL(truncate(path, 0), 0);
	CU_ASSERT(!cb_gnuplot_output_whole(path, "png"));
	snprintf(path, sizeof(path), "%s/a.svg", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("<svg width=\"10\">\n<g></g>\n</svg>\n\n", f);
	fclose(f);
	CU_ASSERT(cb_gnuplot_output_whole(path, "svg"));
	CU_ASSERT_EQUAL(truncate(path, 20), 0);
	CU_ASSERT(!cb_gnuplot_output_whole(path, "svg"));
	CU_ASSERT(!cb_gnuplot_output_whole("/nonexistent/x.svg", "svg"));
	cb_test_rm_rf(dir);
}

int cb_suite_report(void)
{
	static const struct cb_test_case cases[] = {
	    {"media figures follow from the frame log", test_media_result_compute},
	    {"atomic file write", test_write_atomic},
	    {"a plot gnuplot cut short is not taken for a whole one", test_plot_output_whole},
	    {"streamed file write", test_out_stream},
	    {"complete run: files agree, tables, latest, plots", test_complete_run},
	    {"interrupted and failed runs are marked", test_interrupted_and_failed},
	    {"plots without data are skipped, with their embeds", test_plots_without_data},
	    {"a plot gnuplot fails on costs only itself, and is marked missing",
	     test_plot_failure_isolated},
	    {"gnuplot runs in a process group of its own", test_gnuplot_own_group},
	    {"the folder check catches a disagreement", test_check_catches_disagreement},
	    {"a report that fails part-way leaves no summary.json", test_summary_written_last},
	    {NULL, NULL},
	};
	return cb_add_suite("report", cases);
}
