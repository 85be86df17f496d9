#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "codec/codec.h"

/* The registry: a hand-written NULL-terminated list.  Adding a codec is one
 * new file and one line here. */
static const struct cb_codec_ops *const codecs[] = {
    &cb_codec_vp8, &cb_codec_opus, &cb_codec_h264, &cb_codec_vp9, NULL,
};

const struct cb_codec_ops *cb_codec_find(const char *name)
{
	for (size_t i = 0; codecs[i]; i++)
		if (strcmp(codecs[i]->name, name) == 0)
			return codecs[i];
	return NULL;
}

const struct cb_codec_ops *cb_codec_iterate(size_t *it)
{
	const struct cb_codec_ops *c = codecs[*it];

	if (c)
		(*it)++;
	return c;
}

static int codec_open(struct cb_codec *c, const struct cb_codec_ops *ops,
		      const struct cb_codec_cfg *cfg, int enc)
{
	size_t sz = enc ? ops->enc_priv_size : ops->dec_priv_size;
	int rc;

	memset(c, 0, sizeof(*c));
	c->priv = calloc(1, sz ? sz : 1);
	if (!c->priv)
		return -ENOMEM;
	c->ops = ops;
	c->is_encoder = enc;
	rc = enc ? ops->enc_init(c->priv, cfg) : ops->dec_init(c->priv, cfg);
	if (rc < 0)
		cb_codec_close(c);
	return rc;
}

int cb_encoder_open(struct cb_codec *c, const struct cb_codec_ops *ops,
		    const struct cb_codec_cfg *cfg)
{
	return codec_open(c, ops, cfg, 1);
}

int cb_decoder_open(struct cb_codec *c, const struct cb_codec_ops *ops,
		    const struct cb_codec_cfg *cfg)
{
	return codec_open(c, ops, cfg, 0);
}

void cb_codec_close(struct cb_codec *c)
{
	if (!c || !c->ops)
		return;
	if (c->is_encoder)
		c->ops->enc_close(c->priv);
	else
		c->ops->dec_close(c->priv);
	free(c->priv);
	memset(c, 0, sizeof(*c));
}
