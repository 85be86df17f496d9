/*
 * opus_util.h — Opus-specific queries beside the generic codec contract.
 */
#ifndef CB_CODEC_OPUS_UTIL_H
#define CB_CODEC_OPUS_UTIL_H

#include "codec/codec.h"

/**
 * The encoder's look-ahead in samples at its sample rate (OPUS_GET_LOOKAHEAD):
 * how much later a sound comes out of encode + decode than it went in (312 at
 * 48 kHz in VOIP mode).  `enc` must be an open Opus encoder; -EINVAL
 * otherwise, CB_E_CODEC if libopus refuses.
 */
int cb_opus_lookahead(const struct cb_codec *enc);

#endif
