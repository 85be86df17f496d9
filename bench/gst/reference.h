/*
 * reference.h — the settings of the reference call that `callbench bench
 * call` runs beside GStreamer (issue 10), shared by the bench and by
 * callbench-gst, so that their defaults are one fact in one place.
 */
#ifndef CB_BENCH_GST_REFERENCE_H
#define CB_BENCH_GST_REFERENCE_H

#include <stdio.h>
#include <string.h>

struct cb_ref_call {
	int width, height, fps;
	int kbps;   /* VP8 CBR target */
	int speed;  /* VP8 cpu-used, deadline realtime */
	int keyint; /* at most this many frames between key frames */
	int mtu;    /* largest SRTP packet */
	char pattern[128]; /* GStreamer's picture: videotestsrc pattern and properties */
};

/* 640x480@30, 1 Mbps, cpu-used 4 (issue 10); callbench run's key frame
 * interval and MTU; videotestsrc's own default picture. */
static inline void cb_ref_call_default(struct cb_ref_call *r)
{
	r->width = 640;
	r->height = 480;
	r->fps = 30;
	r->kbps = 1000;
	r->speed = 4;
	r->keyint = 3000;
	r->mtu = 1200;
	snprintf(r->pattern, sizeof(r->pattern), "smpte");
}

/* A pattern spec goes into gst-launch text as is: a pattern name and
 * videotestsrc properties, no quotes, no '!'.  1 when it is only that. */
static inline int cb_ref_pattern_ok(const char *spec)
{
	return spec[0] && strspn(spec, "abcdefghijklmnopqrstuvwxyz0123456789-=. ") == strlen(spec);
}

#define CB_REF_PATTERN_RULE "a pattern name, then videotestsrc properties (a-z 0-9 - = . and spaces)"

#endif
