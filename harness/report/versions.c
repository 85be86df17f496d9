#include <stdio.h>

#include <bpf/libbpf.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <libyuv/version.h>
#include <openssl/crypto.h>

#include "codec/codec.h"
#include "report/versions.h"
#include "srtp/srtp.h"

#define STR2(x) #x
#define STR(x)	STR2(x)

#ifndef CB_SPEEXDSP_VERSION
#define CB_SPEEXDSP_VERSION "unknown"
#endif
#ifndef CB_LIBXDP_VERSION
#define CB_LIBXDP_VERSION "unknown"
#endif
#ifndef CB_GIT_REV
#define CB_GIT_REV ""
#endif

size_t cb_versions(struct cb_version *v, size_t max)
{
	const struct cb_version all[] = {
	    {"callbench", CB_VERSION CB_GIT_REV},
	    {"libvpx", cb_codec_vp8.version()},
	    {"openh264", cb_codec_h264.version()},
	    {"libopus", cb_codec_opus.version()},
	    {"libsrtp2", cb_srtp_version()},
	    {"jansson", jansson_version_str()},
	    {"libbpf", libbpf_version_string()},
	    {"libxdp", CB_LIBXDP_VERSION " (build)"},
	    {"speexdsp", CB_SPEEXDSP_VERSION " (build)"},
	    {"libyuv", STR(LIBYUV_VERSION) " (build)"},
	    {"libwebsockets", lws_get_library_version()},
	    {"libcrypto", OpenSSL_version(OPENSSL_VERSION)},
	};
	size_t n = 0;

	for (; n < max && n < sizeof(all) / sizeof(all[0]); n++)
		v[n] = all[n];
	return n;
}
