/*
 * test_settings.c — the settings table (base/setting.h, call/settings.h).
 *
 * Most tests walk the call's table row by row and hold every row to the
 * same promises, so a row added later is tested with no change here: its
 * default parses back, a value of its type round-trips through format and
 * parse, an out-of-range value is refused with a message naming it (by the
 * parser and by cb_call_cfg_check), and it appears in summary.json and is
 * read back from it.  One test adds a row to a table of its own, the way
 * `--peers thread|process|netns` will be added, and finds it in every
 * reader.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "base/log.h"
#include "call/drive.h"
#include "call/settings.h"
#include "call/sweep_run.h"
#include "net/impair.h"
#include "report/report.h"
#include "report/sweep.h"
#include "test_util.h"

/* The value of a row as text, for messages and comparisons. */
static void text_of(const struct cb_setting *row, const struct cb_call_cfg *c, char *buf,
		    size_t len)
{
	if (cb_setting_format(row, c, buf, len) < 0)
		snprintf(buf, len, "(no value)");
}

static void test_table_is_well_formed(void)
{
	char why[256] = "";
	int rc = cb_settings_table_check(cb_call_settings, why, sizeof(why));

	if (rc)
		printf("\n      %s ", why);
	CU_ASSERT_EQUAL(rc, 0);
	/* The network's, which --net, the profiles and the summary read. */
	rc = cb_settings_table_check(cb_impair_settings, why, sizeof(why));
	if (rc)
		printf("\n      %s ", why);
	CU_ASSERT_EQUAL(rc, 0);
}

/* Every field of the network is a row: set by its --net key, written to
 * summary.json's settings.network, read back, and named by a profile. */
static void test_network_rows(void)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	struct cb_call_cfg c, back;
	char why[512] = "";
	json_t *s, *n;

	cb_call_cfg_default(&c);
	CU_ASSERT_EQUAL(
	    cb_settings_set(cb_call_settings, &c, "net",
			    "delay=12ms,jitter=3,dist=uniform,reorder,loss=1.5%,burst=2,"
			    "dup=0.5,rate=800kbps,queue=40,overhead=28,seed=9,"
			    "outage_at=2s,outage=0.25",
			    why, sizeof(why)),
	    0);
	s = cb_call_settings_json(&c);
	n = json_object_get(s, "network");
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	cb_settings_it_init(&it, cb_impair_settings);
	while ((row = cb_settings_next(&it, NULL))) {
		CU_ASSERT(!row->json || json_object_get(n, row->json));
		/* A spec key for every field but the gemodel parameters. */
		CU_ASSERT(row->alias || !strncmp(row->name, "ge_", 3));
	}
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(n, "profile")), "custom");
	CU_ASSERT(json_is_true(json_object_get(n, "reordering")));
	CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(n, "outage_s")), 0.25, 1e-12);
	cb_call_cfg_default(&back);
	cb_settings_from_json(cb_call_settings, &back, s);
	CU_ASSERT(memcmp(&back.net, &c.net, sizeof(c.net)) == 0);
	json_decref(s);
	/* The spec's messages name its key; a wrong unit is no number. */
	CU_ASSERT_EQUAL(cb_impair_parse("delay=5s", &c.net, why, sizeof(why)), -EINVAL);
	CU_ASSERT(strstr(why, "key 'delay': '5s' is not a number") != NULL);
	CU_ASSERT_EQUAL(cb_impair_parse("loss=0x10", &c.net, why, sizeof(why)), -EINVAL);
}

/* The defaults pass the table's own check, and the call's. */
static void test_defaults_in_range(void)
{
	struct cb_call_cfg c;
	char why[256] = "";

	cb_call_cfg_default(&c);
	CU_ASSERT_EQUAL(cb_settings_check(cb_call_settings, &c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(cb_call_cfg_check(&c, why, sizeof(why)), 0);
	if (why[0])
		printf("\n      %s ", why);
}

/*
 * Parse `val` into a copy of `from` and format it again: the text must
 * come back as `want` (NULL: as `val`), and parsing that text once more
 * must leave the settings as they were.
 */
static void round_trip(const struct cb_setting *row, const struct cb_call_cfg *from,
		       const char *val, const char *want)
{
	struct cb_call_cfg a = *from, b;
	char why[512] = "", out[1024] = "";
	int rc = cb_setting_parse(row, &a, val, why, sizeof(why));

	if (rc)
		printf("\n      %s '%s': %s ", row->name, val, why);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(cb_setting_format(row, &a, out, sizeof(out)), 0);
	if (strcmp(out, want ? want : val))
		printf("\n      %s: '%s' came back as '%s' ", row->name, val, out);
	CU_ASSERT_STRING_EQUAL(out, want ? want : val);
	b = a;
	CU_ASSERT_EQUAL(cb_setting_parse(row, &b, out, why, sizeof(why)), 0);
	CU_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
}

/* Every row with a value: its default parses back to itself. */
static void test_every_default_parses(void)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	struct cb_call_cfg d, c;
	char text[1024], why[512];
	size_t n = 0;

	cb_call_cfg_default(&d);
	cb_settings_it_init(&it, cb_call_settings);
	while ((row = cb_settings_next(&it, NULL))) {
		if (!cb_setting_has_value(row))
			continue;
		CU_ASSERT_EQUAL_FATAL(cb_setting_format(row, &d, text, sizeof(text)), 0);
		/* An empty string is "auto" (--run-id): not a value to give. */
		if (row->type == CB_SETTING_STR && !text[0])
			continue;
		c = d;
		why[0] = 0;
		if (cb_setting_parse(row, &c, text, why, sizeof(why)))
			printf("\n      %s: default '%s': %s ", row->name, text, why);
		CU_ASSERT(memcmp(&c, &d, sizeof(c)) == 0);
		n++;
	}
	CU_ASSERT(n >= 30);
}

/* Values of every kind the row's type allows, each one round trip. */
static void test_every_row_round_trips(void)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	struct cb_call_cfg d;
	char v[1024];
	const char *name;

	cb_call_cfg_default(&d);
	cb_settings_it_init(&it, cb_call_settings);
	while ((row = cb_settings_next(&it, NULL))) {
		switch (row->type) {
		case CB_SETTING_INT:
			snprintf(v, sizeof(v), "%g", row->min);
			round_trip(row, &d, v, NULL);
			snprintf(v, sizeof(v), "%g", row->max);
			round_trip(row, &d, v, NULL);
			break;
		case CB_SETTING_DOUBLE:
			snprintf(v, sizeof(v), "%.15g", row->min);
			round_trip(row, &d, v, NULL);
			snprintf(v, sizeof(v), "%.15g", (row->min + row->max) / 3);
			round_trip(row, &d, v, NULL);
			break;
		case CB_SETTING_U64:
			round_trip(row, &d, "18446744073709551615", NULL);
			round_trip(row, &d, "0", NULL);
			break;
		case CB_SETTING_SIZE:
			snprintf(v, sizeof(v), "%gx%g", row->min, row->max);
			round_trip(row, &d, v, NULL);
			break;
		case CB_SETTING_FLAG:
			round_trip(row, &d, "on", NULL);
			round_trip(row, &d, "off", NULL);
			round_trip(row, &d, "yes", "on");
			break;
		case CB_SETTING_STR:
		case CB_SETTING_ENUM:
			if (!row->choices && !row->names) {
				round_trip(row, &d, "x", NULL);
				break;
			}
			for (size_t i = 0; (name = row->choices ? row->choices[i] : row->names(i));
			     i++)
				round_trip(row, &d, name, NULL);
			break;
		case CB_SETTING_CUSTOM:
			if (!row->format)
				break;
			CU_ASSERT_EQUAL_FATAL(cb_setting_format(row, &d, v, sizeof(v)), 0);
			round_trip(row, &d, v, NULL);
			break;
		case CB_SETTING_TABLE:
			break;
		}
	}
	/* The custom rows with a value, on values not their default. */
	round_trip(cb_settings_find(cb_call_settings, "codec-time", 10, NULL), &d,
		   "fixed:5,1.5,0.25,0.1", NULL);
	round_trip(cb_settings_find(cb_call_settings, "codec-time", 10, NULL), &d, "fixed:5,1",
		   "fixed:5,1,0.5,0.1");
	round_trip(cb_settings_find(cb_call_settings, "net-profile", 11, NULL), &d, "4g", NULL);
}

/* A value beside the range (or not of the type) must be refused by name. */
static void refused(const struct cb_setting *row, const char *val)
{
	struct cb_call_cfg c, before;
	char why[512] = "";

	cb_call_cfg_default(&c);
	before = c;
	CU_ASSERT(cb_settings_set(cb_call_settings, &c, row->name, val, why, sizeof(why)) < 0);
	if (!strstr(why, row->name))
		printf("\n      %s '%s': '%s' ", row->name, val, why);
	CU_ASSERT(strstr(why, row->name) == why);
	if (row->type != CB_SETTING_CUSTOM)
		CU_ASSERT(memcmp(&c, &before, sizeof(c)) == 0);
}

static void test_every_row_refuses_out_of_range(void)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	char v[64];

	cb_settings_it_init(&it, cb_call_settings);
	while ((row = cb_settings_next(&it, NULL))) {
		switch (row->type) {
		case CB_SETTING_INT:
		case CB_SETTING_DOUBLE:
			snprintf(v, sizeof(v), "%g", row->min - 1);
			refused(row, v);
			/* Past the top; 0 is "none" for some, so half a step then. */
			snprintf(v, sizeof(v), "%g", row->max + (row->max == -1 ? 0.5 : 1));
			refused(row, v);
			refused(row, "0x10");
			refused(row, "inf");
			if (row->type == CB_SETTING_INT)
				refused(row, "1.5");
			break;
		case CB_SETTING_SIZE:
			snprintf(v, sizeof(v), "%gx%g", row->min - 2, row->min);
			refused(row, v);
			snprintf(v, sizeof(v), "%gx%g", row->max, row->max + 2);
			refused(row, v);
			refused(row, "641x480");
			break;
		case CB_SETTING_U64:
			refused(row, "-1");
			refused(row, "0x10");
			break;
		case CB_SETTING_FLAG:
			refused(row, "maybe");
			break;
		case CB_SETTING_STR:
			refused(row, "");
			if (row->choices || row->names)
				refused(row, "no-such-thing");
			break;
		case CB_SETTING_ENUM:
			refused(row, "no-such-thing");
			break;
		case CB_SETTING_CUSTOM:
			refused(row, "{not: a value/");
			break;
		case CB_SETTING_TABLE:
			break;
		}
	}
}

/* A struct filled by a library caller, not the parser: the call's check
 * names the setting that is out of its row's range. */
static void test_check_names_the_setting(void)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	struct cb_call_cfg c;
	char why[512];
	size_t n = 0;

	cb_settings_it_init(&it, cb_call_settings);
	while ((row = cb_settings_next(&it, NULL))) {
		char *p;

		if (row->type != CB_SETTING_INT && row->type != CB_SETTING_DOUBLE &&
		    row->type != CB_SETTING_SIZE)
			continue;
		cb_call_cfg_default(&c);
		p = (char *)&c + row->offset;
		if (row->type == CB_SETTING_DOUBLE)
			*(double *)p = row->max + (row->max == -1 ? 0.5 : 1);
		else
			*(int *)p = (int)row->max + 2;
		why[0] = 0;
		CU_ASSERT_EQUAL(cb_call_cfg_check(&c, why, sizeof(why)), -EINVAL);
		if (strncmp(why, row->name, strlen(row->name)))
			printf("\n      %s: '%s' ", row->name, why);
		CU_ASSERT(strncmp(why, row->name, strlen(row->name)) == 0);
		n++;
	}
	CU_ASSERT(n >= 20);
	/* The checks that are more than one setting stay as they were. */
	cb_call_cfg_default(&c);
	c.min_playout_delay_ms = 300;
	c.max_playout_delay_ms = 200;
	CU_ASSERT_EQUAL(cb_call_cfg_check(&c, why, sizeof(why)), -EINVAL);
	CU_ASSERT(strstr(why, "playout") != NULL);
	cb_call_cfg_default(&c);
	c.audio_frame_ms = 30;
	CU_ASSERT_EQUAL(cb_call_cfg_check(&c, why, sizeof(why)), -EINVAL);
	CU_ASSERT(strstr(why, "audio-frame") != NULL);
}

/* Every setting in a non-default state, for the JSON round trip. */
static void away_from_defaults(struct cb_call_cfg *c)
{
	char why[256];
	static const char *const set[][2] = {
	    {"duration", "2.5"},
	    {"size", "320x240"},
	    {"fps", "15"},
	    {"video-bitrate", "400"},
	    {"keyint", "60"},
	    {"speed", "4"},
	    {"audio-bitrate", "24"},
	    {"audio-frame", "40"},
	    {"opus-complexity", "3"},
	    {"mark-period", "200"},
	    {"no-video", "on"},
	    {"echo-cancellation", "on"},
	    {"noise-suppression", "on"},
	    {"auto-gain-control", "on"},
	    {"echo", "-20"},
	    {"echo-delay", "80"},
	    {"noise", "-50"},
	    {"net-profile", "4g"},
	    {"net", "loss=2,outage_at=3,outage=0.5"},
	    {"mtu", "1000"},
	    {"srtp", "AEAD_AES_128_GCM"},
	    {"no-nack", "on"},
	    {"no-opus-fec", "on"},
	    {"rtcp-interval", "250"},
	    {"min-playout-delay", "10"},
	    {"max-playout-delay", "900"},
	    {"audio-jb-min", "5"},
	    {"audio-jb-initial", "40"},
	    {"clock", "sim"},
	    {"codec-time", "fixed:4,2,1,0.5"},
	    {"seed", "77"},
	    {"out", "elsewhere"},
	    {"run-id", "r1"},
	    {"percentile", "90"},
	};

	cb_call_cfg_default(c);
	for (size_t i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		why[0] = 0;
		if (cb_settings_set(cb_call_settings, c, set[i][0], set[i][1], why, sizeof(why)))
			printf("\n      %s ", why);
	}
}

/*
 * summary.json: every row with a key writes it (or its members), in a
 * summary the report builds too, and reading the object back gives every
 * setting its value again.
 */
static void test_summary_json_both_ways(void)
{
	struct cb_settings_it it;
	const struct cb_setting *row;
	struct cb_call_cfg c, back;
	struct cb_run_result empty;
	json_t *s, *sum;

	away_from_defaults(&c);
	s = cb_call_settings_json(&c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memset(&empty, 0, sizeof(empty));
	empty.cfg = c;
	empty.audio.enabled = 1;
	empty.audio.media = CB_MEDIA_AUDIO;
	sum = cb_report_summary_build(&empty);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
	CU_ASSERT(json_equal(json_object_get(sum, "settings"), s));
	cb_settings_it_init(&it, cb_call_settings);
	while ((row = cb_settings_next(&it, NULL))) {
		if (row->json && !json_object_get(s, row->json))
			printf("\n      %s: no '%s' in summary.json ", row->name, row->json);
		CU_ASSERT(!row->json || json_object_get(s, row->json));
		CU_ASSERT(!row->json2 || json_object_get(s, row->json2));
		/* A row without a key of its own has a writer, or is written by
		 * another (net-profile by net) or sets others (settings). */
		CU_ASSERT(row->json || row->to_json || row->format ||
			  row->type == CB_SETTING_CUSTOM);
	}
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "video_codec")), "vp8");
	CU_ASSERT(json_is_false(json_object_get(s, "video")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "srtp")), "AEAD_AES_128_GCM");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "clock")), "sim");
	CU_ASSERT_STRING_EQUAL(
	    json_string_value(json_object_get(json_object_get(s, "network"), "profile")), "4g+");

	cb_call_cfg_default(&back);
	cb_settings_from_json(cb_call_settings, &back, s);
	cb_settings_it_init(&it, cb_call_settings);
	while ((row = cb_settings_next(&it, NULL))) {
		char a[1024], b[1024];

		if (!cb_setting_has_value(row))
			continue;
		text_of(row, &c, a, sizeof(a));
		text_of(row, &back, b, sizeof(b));
		if (strcmp(a, b))
			printf("\n      %s: '%s' read back as '%s' ", row->name, a, b);
		CU_ASSERT_STRING_EQUAL(a, b);
	}
	CU_ASSERT(memcmp(&c.net, &back.net, sizeof(c.net)) == 0);
	json_decref(sum);
	json_decref(s);
}

/* A table of the test's own: the call's rows and one new one, as the
 * `--peers` setting will be added. */
struct with_peers {
	struct cb_call_cfg call;
	int peers;
};

static const struct cb_setting with_peers_table[] = {
    {.name = "call",
     .type = CB_SETTING_TABLE,
     .offset = offsetof(struct with_peers, call),
     .table = cb_call_settings},
    {.name = "peers",
     .arg = "MODE",
     .help = "where the two peers run",
     .group = "network",
     .type = CB_SETTING_ENUM,
     CB_SETTING_AT(struct with_peers, peers),
     .choices = (const char *const[]){"thread", "process", "netns", NULL},
     .what = "peer mode",
     .json = "peers"},
    {.name = NULL},
};

static void test_one_row_is_all_it_takes(void)
{
	struct with_peers w = {.peers = 0}, back;
	char why[512] = "", text[64];
	size_t off = 99;
	const struct cb_setting *row;
	json_t *j, *file;

	cb_call_cfg_default(&w.call);
	CU_ASSERT_EQUAL(cb_settings_table_check(with_peers_table, why, sizeof(why)), 0);
	/* Found by name (the command line, a sweep axis), near names suggest it. */
	row = cb_settings_find(with_peers_table, "peers", 5, &off);
	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	CU_ASSERT_EQUAL(off, 0);
	CU_ASSERT_PTR_EQUAL(cb_settings_nearest(with_peers_table, "peer", 4), row);
	/* The call's rows are found through the include, at its offset. */
	CU_ASSERT_PTR_NOT_NULL(cb_settings_find(with_peers_table, "fps", 3, &off));
	CU_ASSERT_EQUAL(off, offsetof(struct with_peers, call));
	/* Parsed, formatted, checked, refused with its name and choices. */
	CU_ASSERT_EQUAL(cb_settings_set(with_peers_table, &w, "peers", "netns", why, sizeof(why)),
			0);
	CU_ASSERT_EQUAL(w.peers, 2);
	CU_ASSERT_EQUAL(cb_setting_format(row, &w, text, sizeof(text)), 0);
	CU_ASSERT_STRING_EQUAL(text, "netns");
	CU_ASSERT_EQUAL(cb_settings_set(with_peers_table, &w, "peers", "fork", why, sizeof(why)),
			-EINVAL);
	CU_ASSERT(strstr(why, "peers: unknown peer mode 'fork'") != NULL);
	CU_ASSERT(strstr(why, "thread, process, netns") != NULL);
	CU_ASSERT_EQUAL(w.peers, 2);
	CU_ASSERT_EQUAL(cb_settings_check(with_peers_table, &w, why, sizeof(why)), 0);
	w.peers = 7;
	CU_ASSERT_EQUAL(cb_settings_check(with_peers_table, &w, why, sizeof(why)), -EINVAL);
	CU_ASSERT(strstr(why, "peers") == why);
	w.peers = 1;
	/* In the JSON beside the call's settings, and read back. */
	j = json_object();
	CU_ASSERT_EQUAL(cb_settings_to_json(with_peers_table, &w, j), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "peers")), "process");
	CU_ASSERT_PTR_NOT_NULL(json_object_get(j, "video_kbps"));
	back = (struct with_peers){.peers = 0};
	cb_call_cfg_default(&back.call);
	cb_settings_from_json(with_peers_table, &back, j);
	CU_ASSERT_EQUAL(back.peers, 1);
	json_decref(j);
	/* In a settings file, beside the call's. */
	file = json_pack("{s:s, s:i}", "peers", "netns", "fps", 15);
	CU_ASSERT_EQUAL(
	    cb_settings_read_json(with_peers_table, &back, file, "f.json", why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(back.peers, 2);
	CU_ASSERT_EQUAL(back.call.fps, 15);
	json_decref(file);
	/* Its help line. */
	cb_setting_describe(row, &back, text, sizeof(text));
	CU_ASSERT_STRING_EQUAL(text, "[netns]");
}

static void test_settings_file(void)
{
	char tmpl[] = "/tmp/cb-settings-XXXXXX", path[600], why[600] = "";
	char *dir = mkdtemp(tmpl);
	struct cb_call_cfg c;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof(path), "%s/call.json", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"size\": \"320x240\", \"fps\": 15, \"no-audio\": true, \"net-profile\": \"4g\",\n"
	      " \"percentile\": 99.5, \"codec-time\": \"fixed:5,1\", \"clock\": \"sim\"}\n",
	      f);
	fclose(f);
	cb_call_cfg_default(&c);
	CU_ASSERT_EQUAL(cb_settings_set(cb_call_settings, &c, "settings", path, why, sizeof(why)),
			0);
	CU_ASSERT_EQUAL(c.width, 320);
	CU_ASSERT_EQUAL(c.height, 240);
	CU_ASSERT_EQUAL(c.fps, 15);
	CU_ASSERT_EQUAL(c.audio, 0);
	CU_ASSERT_EQUAL(c.video, 1);
	CU_ASSERT_STRING_EQUAL(c.net.name, "4g");
	CU_ASSERT_DOUBLE_EQUAL(c.verdict_pct, 99.5, 1e-12);
	CU_ASSERT_EQUAL(c.sim, 1);
	CU_ASSERT_EQUAL(c.codec_time_fixed, 1);

	/* A bad member: the file, the member and what is wrong; nothing applied. */
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"{\"fps\": 15, \"size\": \"641x480\"}", "member 'size': '641x480' is not a size"},
	    {"{\"vidoe-codec\": \"vp8\"}", "did you mean video-codec?"},
	    {"{\"fps\": 500}", "member 'fps': 500 is out of range"},
	    /* JSON types are the values' types: a number is a number. */
	    {"{\"fps\": [1]}", "member 'fps': must be a number"},
	    {"{\"fps\": \"15\"}", "member 'fps': must be a number"},
	    {"{\"size\": 640}", "member 'size': must be a string"},
	    {"{\"no-video\": \"on\"}", "member 'no-video': must be true or false"},
	    {"{\"settings\": \"x.json\"}", "cannot name another"},
	    {"{\"fps\": 15,}", ":1:"},
	    {"[1, 2]", "must be a JSON object"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cb_call_cfg before;

		f = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fputs(bad[i].text, f);
		fclose(f);
		cb_call_cfg_default(&c);
		before = c;
		why[0] = 0;
		CU_ASSERT_EQUAL(
		    cb_settings_set(cb_call_settings, &c, "settings", path, why, sizeof(why)),
		    -EINVAL);
		if (!strstr(why, bad[i].want) || !strstr(why, path))
			printf("\n      %s -> '%s' ", bad[i].text, why);
		CU_ASSERT(strstr(why, bad[i].want) != NULL);
		CU_ASSERT(strstr(why, path) != NULL);
		CU_ASSERT(memcmp(&c, &before, sizeof(c)) == 0);
	}
	cb_test_rm_rf(dir);
}

/* The errors a sweep's log gets. */
static void keep_log(void *user, enum cb_log_level level, const char *module, const char *msg)
{
	(void)level;
	(void)module;
	snprintf(user, 512, "%s", msg);
}

static void test_sweep_axes_are_settings(void)
{
	char why[256] = "", logged[512] = "", tmpl[] = "/tmp/cb-settings-XXXXXX";
	char *dir = mkdtemp(tmpl);
	const char *vals[2] = {"200", "400"};
	struct cb_sweep sw = {.id = ""};
	struct cb_call_cfg base;
	struct cb_sweep_hooks hooks = {
	    .log = {.fn = keep_log, .user = logged, .max_level = CB_LOG_ERROR}};

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	CU_ASSERT_PTR_NOT_NULL(cb_call_setting_axis("video-bitrate", why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(cb_call_setting_axis("no-nack", why, sizeof(why)));
	CU_ASSERT_PTR_NULL(cb_call_setting_axis("vido-codec", why, sizeof(why)));
	CU_ASSERT(strstr(why, "no setting 'vido-codec': did you mean video-codec?") != NULL);
	CU_ASSERT_PTR_NULL(cb_call_setting_axis("out", why, sizeof(why)));
	CU_ASSERT(strstr(why, "cannot vary") != NULL);
	CU_ASSERT_PTR_NULL(cb_call_setting_axis("quiet", why, sizeof(why))); /* the program's */

	/* An axis that is no setting stops the sweep before anything runs. */
	cb_call_cfg_default(&base);
	CU_ASSERT_EQUAL_FATAL(cb_sweep_axis_add(&sw, "video-bitrat", vals, 2), 0);
	CU_ASSERT_EQUAL_FATAL(cb_sweep_plan(&sw), 0);
	CU_ASSERT_EQUAL(cb_sweep_run(&sw, &base, dir, &hooks), -EINVAL);
	CU_ASSERT(strstr(logged, "did you mean video-bitrate?") != NULL);
	CU_ASSERT(access(dir, F_OK) == 0);
	cb_sweep_free(&sw);
	/* So does a value its row refuses, naming the axis. */
	vals[1] = "20";
	CU_ASSERT_EQUAL_FATAL(cb_sweep_axis_add(&sw, "video-bitrate", vals, 2), 0);
	CU_ASSERT_EQUAL_FATAL(cb_sweep_plan(&sw), 0);
	CU_ASSERT_EQUAL(cb_sweep_run(&sw, &base, dir, &hooks), -EINVAL);
	CU_ASSERT(strstr(logged, "--video-bitrate 20: 20 is out of range") != NULL);
	cb_sweep_free(&sw);
	cb_test_rm_rf(dir);
}

/* The program reads the same table: its messages name the option. */
static void test_cli(void)
{
	char prog[512], out[16384];

	cb_test_program_path(prog, sizeof(prog));
	if (!prog[0])
		CB_SKIP("build/callbench not built");
	CU_ASSERT_EQUAL(cb_test_sh(prog, "callbench run --fps 500 2>&1", out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "callbench run: --fps: 500 is out of range (allowed: 1 to 240)") !=
		  NULL);
	CU_ASSERT_EQUAL(cb_test_sh(prog, "callbench run --vdeo-codec vp8 2>&1", out, sizeof(out)),
			2);
	CU_ASSERT(strstr(out, "did you mean --video-codec?") != NULL);
	CU_ASSERT_EQUAL(cb_test_sh(prog, "callbench run --srtp AES 2>&1", out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "--srtp: unknown SRTP profile 'AES' (allowed: "
			      "AES_CM_128_HMAC_SHA1_80, AEAD_AES_128_GCM)") != NULL);
	CU_ASSERT_EQUAL(cb_test_sh(prog,
				   "callbench sweep --axis vido-codec=vp8 --emit-jobs --out "
				   "/tmp/cb-settings-never 2>&1",
				   out, sizeof(out)),
			2);
	CU_ASSERT(strstr(out, "did you mean video-codec?") != NULL);
	CU_ASSERT(access("/tmp/cb-settings-never", F_OK) != 0);
	/* Every row is an option of run's help, under its heading. */
	CU_ASSERT_EQUAL(cb_test_sh(prog, "callbench run --help", out, sizeof(out)), 0);
	CU_ASSERT(strstr(out, "  --no-opus-fec ") != NULL);
	CU_ASSERT(strstr(out, "\nplayout:\n  --min-playout-delay MS") != NULL);
}

int cb_suite_settings(void)
{
	static const struct cb_test_case cases[] = {
	    {"the tables are well formed", test_table_is_well_formed},
	    {"every network field is a row of the network's table", test_network_rows},
	    {"the defaults are in every row's range", test_defaults_in_range},
	    {"every row parses its default", test_every_default_parses},
	    {"every row round-trips through format and parse", test_every_row_round_trips},
	    {"every row refuses what is out of range, by name",
	     test_every_row_refuses_out_of_range},
	    {"cb_call_cfg_check names the setting out of range", test_check_names_the_setting},
	    {"every row is in summary.json and read back from it", test_summary_json_both_ways},
	    {"a new setting is one row (as --peers will be)", test_one_row_is_all_it_takes},
	    {"settings files: keys are setting names", test_settings_file},
	    {"sweep axes are settings, with a did-you-mean", test_sweep_axes_are_settings},
	    {"callbench run and sweep read the same table", test_cli},
	    {NULL, NULL},
	};
	return cb_add_suite("settings", cases);
}
