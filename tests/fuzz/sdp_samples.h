/*
 * sdp_samples.h — what the SDP tests, the sdp fuzz target and its seed
 * writer share: session descriptions (tests/test_sdp.c's round trips and
 * errors, seeds for tests/fuzz/seeds.c) and a repeatable random source.
 */
#ifndef CB_SDP_SAMPLES_H
#define CB_SDP_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

/* A cb_sdp_random_fn that repeats: bytes counting up from *(uint8_t *)user. */
static inline int sdp_counting_random(void *user, uint8_t *buf, size_t len)
{
	uint8_t *next = user;

	for (size_t i = 0; i < len; i++)
		buf[i] = (*next)++;
	return 0;
}

/* Descriptions the parser accepts. */
static const char *const sdp_good[] = {
    /* the least there is */
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n",
    /* plain RTP, LF line ends, no final line end */
    "v=0\n"
    "o=alice 2890844526 2890842807 IN IP4 10.47.16.5\n"
    "s=plain call\n"
    "c=IN IP4 198.18.0.1\n"
    "b=AS:2000\n"
    "t=0 0\n"
    "m=video 5004 RTP/AVP 96 97\n"
    "b=AS:1500\n"
    "b=TIAS:1400000\n"
    "a=rtpmap:96 VP8/90000\n"
    "a=rtpmap:97 VP9/90000\n"
    "a=fmtp:97 profile-id=0\n"
    "a=rtcp:5005\n"
    "a=sendonly\n"
    "m=audio 5006 RTP/AVP 111 0\n"
    "a=rtpmap:111 opus/48000/2\n"
    "a=fmtp:111 minptime=10;useinbandfec=1;stereo=0\n"
    "a=ptime:20\n"
    "a=recvonly",
    /* an SDES-keyed callbench call */
    "v=0\r\n"
    "o=- 7205128765241238372 3 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "m=video 5004 RTP/SAVPF 96 97 100 101\r\n"
    "a=mid:0\r\n"
    "a=msid:stream-a track-v\r\n"
    "a=sendrecv\r\n"
    "a=rtcp-mux\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\r\n"
    "a=crypto:2 AEAD_AES_128_GCM inline:Y9rnVO9LeE9yvMfhVmUhDeEBEnHuAt2+OVmT7A==\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:100 H264/90000\r\n"
    "a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:101 rtx/90000\r\n"
    "a=fmtp:101 apt=100\r\n"
    "a=rtcp-fb:* transport-cc\r\n"
    "a=ssrc-group:FID 1111 2222\r\n"
    "a=ssrc:1111 cname:cb-peer-a\r\n"
    "a=ssrc:1111 msid:stream-a track-v\r\n"
    "a=ssrc:2222 cname:cb-peer-a\r\n"
    "a=x-callbench-source:kind=camera;pattern=bars;width=640;height=480;fps=30;seed=7\r\n"
    "m=audio 5004 RTP/SAVPF 111\r\n"
    "a=mid:1\r\n"
    "a=sendrecv\r\n"
    "a=rtcp-mux\r\n"
    "a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj "
    "KDR=1 UNENCRYPTED_SRTCP\r\n"
    "a=crypto:8 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1;stereo=0\r\n"
    "a=ssrc:3333 cname:cb-peer-a\r\n"
    "a=ssrc:3333 label:kept-as-unknown\r\n"
    "a=x-callbench-source:kind=microphone;tone=440;marks=chirp;empty=\r\n",
    /* the rarer lines: i= u= e= p= r= z=, port counts, rejected and data
     * sections, a session-level direction */
    "v=0\n"
    "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\n"
    "s=Call to John Smith\n"
    "i=SDP Offer #1\n"
    "u=http://www.jdoe.example.com/home.html\n"
    "e=Jane Doe <jane@jdoe.example.com>\n"
    "p=+1 617 555-6011\n"
    "c=IN IP4 198.51.100.1\n"
    "t=3724394400 3724398000\n"
    "r=604800 3600 0 90000\n"
    "t=0 0\n"
    "z=2882844526 -1h 2898848070 0\n"
    "a=inactive\n"
    "a=tool:hand\n"
    "m=audio 49170/2 RTP/AVP 0\n"
    "i=the voice\n"
    "m=video 0 RTP/AVP 99\n"
    "a=rtpmap:99 h263-1998/90000\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
    "c=IN IP6 ::1\n"
    "a=sctp-port:5000\n"
    "a=rtpmap:5000 kept/1\n"
    "a=max-message-size:262144\n",
};

/* Descriptions the parser refuses, with the start of its message. */
struct sdp_bad {
	const char *sdp;
	const char *why; /* what the message must contain, "line N: ..." */
	int range;	 /* 1: a limit (CB_E_RANGE), 0: malformed (CB_E_FORMAT) */
};

#define SDP_HEAD  "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n"
#define SDP_KEY30 "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"

static const struct sdp_bad sdp_bad[] = {
    {"o=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\n", "line 1: expected v= here", 0},
    {"", "line 1: the description is empty", 0},
    {"v=1\n", "line 1: version must be 0", 0},
    {"v=0\ns=-\n", "line 2: expected o= here", 0},
    {"v=0\no=- 1 1 IN IP4\ns=-\n", "line 2: o= needs 6 fields", 0},
    {"v=0\no=- x 1 IN IP4 1.2.3.4\ns=-\n", "line 2: o= session id \"x\"", 0},
    {"v=0\no=- 1 1 IN IP4 1.2.3.4\n", "line 2: the description ends before its s= line", 0},
    {"v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nc=IN IP4 1.2.3.4\n",
     "line 4: the description has no t= line", 0},
    {SDP_HEAD "m=video abc RTP/AVP 96\n", "line 6: m= port \"abc\" is not a number", 0},
    {SDP_HEAD "m=video 70000 RTP/AVP 96\n", "line 6: m= port \"70000\"", 0},
    {SDP_HEAD "m=video 9/0 RTP/AVP 96\n", "line 6: m= port count \"0\"", 0},
    {SDP_HEAD "m=video 9 RTP/AVP\n", "line 6: m= line needs at least 4 fields", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 128\n", "line 6: payload type \"128\"", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96 96\n", "line 6: payload type 96 is listed twice", 0},
    {"v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nm=video 9 RTP/AVP 96\n",
     "line 4: m= line before any t= line", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=rtpmap:96 VP8\n",
     "line 7: a=rtpmap for payload type 96 needs <encoding name>/<clock rate>", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=rtpmap:96 VP8/0\n", "line 7: a=rtpmap clock rate \"0\"", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=rtpmap:97 VP8/90000\n",
     "line 7: a=rtpmap for payload type 97, which the m= line does not list", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=rtpmap:96 VP8/90000\na=rtpmap:96 VP9/90000\n",
     "line 8: a second a=rtpmap for payload type 96", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=fmtp:96\n",
     "line 7: a=fmtp for payload type 96 needs parameters", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=rtcp-fb:98 nack\n",
     "line 7: a=rtcp-fb for payload type 98, which the m= line does not list", 0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:@@@@\n",
     "line 7: a=crypto key \"@@@@\" is not valid base64", 0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jd\n",
     "line 7: a=crypto key \"WVNfX19zZW1jd\" is not valid base64", 0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WV=fX19z\n",
     "line 7: a=crypto key \"WV=fX19z\" is not valid base64", 0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\n"
	      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:MDEyMzQ1Njc4OWFiY2RlZg==\n",
     "line 7: a=crypto key for AES_CM_128_HMAC_SHA1_80 must be 30 bytes (master key and salt), "
     "got 16",
     0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\na=crypto:1 AEAD_AES_128_GCM " SDP_KEY30 "\n",
     "line 7: a=crypto key for AEAD_AES_128_GCM must be 28 bytes", 0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\na=crypto:1 AES_CM_128_HMAC_SHA1_80 key\n",
     "line 7: a=crypto key must be inline:", 0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\na=crypto:1 AES_CM_128_HMAC_SHA1_80 " SDP_KEY30
	      "\na=crypto:1 AES_CM_128_HMAC_SHA1_80 " SDP_KEY30 "\n",
     "line 8: a=crypto tag 1 is used twice", 0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\na=crypto:1 AES_CM_128_HMAC_SHA1_80 " SDP_KEY30 "|1:0\n",
     "line 7: a=crypto MKI must be <value>:<length>", 0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\na=crypto:1 AES_CM_128_HMAC_SHA1_80 " SDP_KEY30 "|x\n",
     "line 7: a=crypto lifetime \"x\"", 0},
    {SDP_HEAD "m=video 9 RTP/SAVP 96\na=crypto:1 AES_CM_128_HMAC_SHA1_80 " SDP_KEY30 ";" SDP_KEY30
	      "\n",
     "line 7: more than one key in one a=crypto", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=mid:0\nm=audio 9 RTP/AVP 0\na=mid:0\n",
     "line 9: mid \"0\" is already used by the m= section on line 6", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=mid:0\na=mid:1\n",
     "line 8: a second a=mid in this m= section", 0},
    {SDP_HEAD "a=group:BUNDLE 0 1\nm=video 9 RTP/AVP 96\na=mid:0\n",
     "line 6: a=group:BUNDLE names mid \"1\", which no m= section has", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=group:BUNDLE 0\n", "line 7: a=group belongs to the session",
     0},
    {SDP_HEAD "a=rtpmap:96 VP8/90000\n", "line 6: a=rtpmap belongs to an m= section", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=sendonly\na=recvonly\n",
     "line 8: a second direction attribute (recvonly after sendonly)", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=rtcp-mux:yes\n", "line 7: a=rtcp-mux takes no value", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=rtcp:0\n", "line 7: a=rtcp port \"0\"", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=ssrc:x cname:a\n", "line 7: a=ssrc \"x\"", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=ssrc:1 cname:a\na=ssrc:1 cname:b\n",
     "line 8: a second cname for SSRC 1", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=x-callbench-source:kind\n",
     "line 7: a=x-callbench-source entry \"kind\" is not <key>=<value>", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=x-callbench-source:a=1;;b=2\n",
     "line 7: a=x-callbench-source entry \"\" is not <key>=<value>", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=x-callbench-source:a=1\na=x-callbench-source:b=1\n",
     "line 8: a second a=x-callbench-source", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=fo o:1\n", "line 7: attribute name \"fo o\" is not a token",
     0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=\n", "line 7: a= needs an attribute name", 0},
    {"v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nt=0 0\nm=video 9 RTP/AVP 96\n",
     "line 5: this m= section has no c= line, and the session has none", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\nc=IN IP4\n", "line 7: c= needs 3 fields", 0},
    {SDP_HEAD "c=IN IP4 1.1.1.1\n", "line 6: a second c= line for the session", 0},
    {SDP_HEAD "\nm=video 9 RTP/AVP 96\n", "line 6: empty line", 0},
    {SDP_HEAD "s=again\n", "line 6: s= only on line 3", 0},
    {SDP_HEAD "x=1\n", "line 6: unknown line type 'x'", 0},
    {SDP_HEAD "k=clear:secret\n", "line 6: k= (encryption key) is obsolete", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\nt=0 0\n", "line 7: t= belongs to the session", 0},
    {SDP_HEAD "a=x\nr=1 2\n", "line 7: r= must follow its t= line", 0},
    {SDP_HEAD "a=x\rb\n", "line 6: carriage return inside the line", 0},
    {SDP_HEAD "a=x\tb\n", "line 6: control character 0x09", 0},
    {SDP_HEAD "hello\n", "line 6: expected <letter>=<value>", 0},
    {SDP_HEAD "b=AS\n", "line 6: b= needs <type>:<bandwidth>", 0},
    {SDP_HEAD "m=video 9 RTP/AVP 96\nm=video 9 RTP/AVP 96\nm=video 9 RTP/AVP 96\n"
	      "m=video 9 RTP/AVP 96\nm=video 9 RTP/AVP 96\nm=video 9 RTP/AVP 96\n"
	      "m=video 9 RTP/AVP 96\nm=video 9 RTP/AVP 96\nm=video 9 RTP/AVP 96\n",
     "line 14: more than 8 m= sections", 1},
    {SDP_HEAD "m=video 9 RTP/AVP 96\na=rtcp-fb:96 a\na=rtcp-fb:96 b\na=rtcp-fb:96 c\n"
	      "a=rtcp-fb:96 d\na=rtcp-fb:96 e\n",
     "line 11: more than 4 other a=rtcp-fb types for payload type 96", 1},
};

#endif
