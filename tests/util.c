/*
 * Helpers shared by several suites (declared in test_util.h): they live in
 * one object rather than as static inlines because they pull in headers
 * (ftw.h, the transport API) that most suites do not need.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "call/call.h"
#include "call/session.h"
#include "base/rng.h"
#include "net/transport.h"
#include "report/report.h"
#include "report_check.h"
#include "test_util.h"

/* The test binary's one counter, written by CB_SKIP, read by the runner. */
unsigned cb_test_skipped;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void cb_test_rm_rf(const char *dir)
{
	/* Depth first, so each folder is empty when it is removed; links are not followed. */
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

size_t cb_test_recv_all(struct cb_transport *t, struct cb_net_pkt *p, size_t want)
{
	size_t got = 0;

	for (int tries = 0; got < want && tries < 200; tries++) {
		int rc = cb_transport_recv(t, p + got, want - got, 20 * CB_NS_PER_MS);
		CU_ASSERT_FATAL(rc >= 0);
		got += (size_t)rc;
	}
	return got;
}

void cb_test_check_folder(const char *dir)
{
	char why[512] = "";
	int rc = cb_check_run_folder(dir, why, sizeof(why));

	if (rc)
		printf("\n      report check: %s ", why);
	CU_ASSERT_EQUAL(rc, 0);
}

void cb_test_write_checked(struct cb_run_result *res, char *dir, size_t dir_len)
{
	CU_ASSERT_EQUAL_FATAL(cb_report_write(res, NULL, NULL, dir, dir_len), 0);
	cb_test_check_folder(dir);
}

/* The built program beside this test binary, or "" when it is not there. */
void cb_test_program_path(char *out, size_t room)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	out[0] = 0;
	if (n <= 0)
		return;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = 0;
	snprintf(out, room, "%s/callbench", exe);
	if (access(out, X_OK) != 0)
		out[0] = 0;
}

/* Run `cmd` in sh with callbench's folder first on PATH; its exit status. */
int cb_test_sh(const char *prog, const char *cmd, char *output, size_t room)
{
	char line[8192], bindir[512];
	FILE *p;
	size_t n = 0;
	int st;

	snprintf(bindir, sizeof(bindir), "%s", prog);
	*strrchr(bindir, '/') = 0;
	snprintf(line, sizeof(line), "PATH='%s':\"$PATH\"; %s", bindir, cmd);
	p = popen(line, "r");
	if (!p)
		return -1;
	if (output && room) {
		n = fread(output, 1, room - 1, p);
		output[n] = 0;
	} else {
		while (fread(line, 1, sizeof(line), p) > 0)
			;
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void cb_test_sim_cfg(struct cb_call_cfg *c, double duration_s, const double codec_ms[4],
		     uint64_t seed)
{
	cb_call_cfg_default(c);
	c->duration_s = duration_s;
	c->width = 320;
	c->height = 240;
	c->video_kbps = 500;
	c->sim = 1;
	c->codec_time_fixed = 1;
	for (int i = 0; i < 4; i++)
		c->codec_ms[i] = codec_ms[i];
	c->seed = seed;
}

int cb_test_slow(void)
{
	const char *v = getenv("CB_TEST_SLOW");

	return v && *v && strcmp(v, "0") != 0;
}

void cb_test_audio_rx_session(struct cb_session *ss, const struct cb_call_cfg *cfg)
{
	cb_session_init(ss, cfg, NULL);
	ss->media[CB_MEDIA_AUDIO] =
	    (struct cb_stream){.on = 1, .codec = "opus", .pt = 111, .rtx_pt = -1};
	CU_ASSERT_FATAL(cb_random_bytes(ss->key_remote, ss->key_len) == 0);
	CU_ASSERT_FATAL(cb_random_bytes(ss->key_local, ss->key_len) == 0);
}

double cb_test_json_num(const char *path, const char *const *keys, size_t n)
{
	json_t *root = json_load_file(path, 0, NULL), *v = root;
	double x = NAN;

	for (size_t i = 0; v && i < n; i++)
		v = json_object_get(v, keys[i]);
	if (v && json_is_number(v))
		x = json_number_value(v);
	json_decref(root);
	return x;
}
