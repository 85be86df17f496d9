#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/spool.h"

struct spool_block {
	uint64_t no; /* block number: records no * per_block .. */
	int valid, dirty;
	unsigned last_use;
	uint8_t *data;
};

struct cb_spool {
	int fd;
	size_t rec, per_block;
	uint64_t n;
	int err;
	unsigned tick;
	struct spool_block b[CB_SPOOL_BLOCKS];
};

static int is_dir(const char *d)
{
	struct stat st;

	return d && *d && stat(d, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * A file without a name: O_TMPFILE where the file system has it, else a
 * name that is removed as soon as the file is open.
 */
static int open_nameless(const char *dir)
{
	char path[PATH_MAX];
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	if (snprintf(path, sizeof(path), "%s/.callbench-spool-XXXXXX", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

int cb_spool_open(struct cb_spool **out, const char *dir, size_t rec_size)
{
	struct cb_spool *sp;
	const char *tmp = getenv("TMPDIR");
	int fd;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (rec_size == 0 || rec_size > CB_SPOOL_BLOCK_BYTES)
		return -EINVAL;
	if (!is_dir(dir))
		dir = is_dir(tmp) ? tmp : "/tmp";
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->rec = rec_size;
	sp->per_block = CB_SPOOL_BLOCK_BYTES / rec_size;
	for (int i = 0; i < CB_SPOOL_BLOCKS; i++) {
		sp->b[i].data = malloc(sp->per_block * rec_size);
		if (!sp->b[i].data) {
			sp->fd = -1;
			cb_spool_close(sp);
			return -ENOMEM;
		}
	}
	fd = open_nameless(dir);
	if (fd < 0) {
		sp->fd = -1;
		cb_spool_close(sp);
		return fd;
	}
	sp->fd = fd;
	*out = sp;
	return 0;
}

/* Records of block `no` that exist (the last block may be part-filled). */
static size_t block_len(const struct cb_spool *sp, uint64_t no)
{
	uint64_t first = no * sp->per_block;

	if (first >= sp->n)
		return 0;
	return sp->n - first < sp->per_block ? (size_t)(sp->n - first) : sp->per_block;
}

static int write_back(struct cb_spool *sp, struct spool_block *b)
{
	size_t len = block_len(sp, b->no) * sp->rec, done = 0;
	off_t off = (off_t)(b->no * sp->per_block * sp->rec);

	while (done < len) {
		ssize_t w = pwrite(sp->fd, b->data + done, len - done, off + (off_t)done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)w;
	}
	b->dirty = 0;
	return 0;
}

/* Fill `b` with block `no` from the file (what it holds of it; zeros past). */
static int read_in(struct cb_spool *sp, struct spool_block *b, uint64_t no)
{
	size_t len = block_len(sp, no) * sp->rec, done = 0;
	off_t off = (off_t)(no * sp->per_block * sp->rec);

	while (done < len) {
		ssize_t r = pread(sp->fd, b->data + done, len - done, off + (off_t)done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	memset(b->data + done, 0, sp->per_block * sp->rec - done);
	return 0;
}

/* The cached block `no`, brought in (evicting the least recently used) if
 * needed; NULL and a sticky error on I/O failure. */
static struct spool_block *block(struct cb_spool *sp, uint64_t no)
{
	struct spool_block *v = NULL;
	int rc;

	if (sp->err)
		return NULL;
	for (int i = 0; i < CB_SPOOL_BLOCKS; i++) {
		struct spool_block *b = &sp->b[i];

		if (b->valid && b->no == no) {
			b->last_use = ++sp->tick;
			return b;
		}
		if (!v || (v->valid && (!b->valid || b->last_use < v->last_use)))
			v = b;
	}
	if (v->valid && v->dirty) {
		rc = write_back(sp, v);
		if (rc < 0) {
			sp->err = rc;
			return NULL;
		}
	}
	v->valid = 0;
	rc = read_in(sp, v, no);
	if (rc < 0) {
		sp->err = rc;
		return NULL;
	}
	v->no = no;
	v->valid = 1;
	v->dirty = 0;
	v->last_use = ++sp->tick;
	return v;
}

void *cb_spool_append(struct cb_spool *sp)
{
	struct spool_block *b;
	uint64_t i;
	uint8_t *r;

	if (!sp)
		return NULL;
	i = sp->n;
	b = block(sp, i / sp->per_block);
	if (!b)
		return NULL;
	sp->n++;
	b->dirty = 1;
	r = b->data + (size_t)(i % sp->per_block) * sp->rec;
	memset(r, 0, sp->rec);
	return r;
}

void *cb_spool_at(struct cb_spool *sp, uint64_t i)
{
	struct spool_block *b;

	if (!sp || i >= sp->n)
		return NULL;
	b = block(sp, i / sp->per_block);
	if (!b)
		return NULL;
	b->dirty = 1;
	return b->data + (size_t)(i % sp->per_block) * sp->rec;
}

const void *cb_spool_get(struct cb_spool *sp, uint64_t i)
{
	struct spool_block *b;

	if (!sp || i >= sp->n)
		return NULL;
	b = block(sp, i / sp->per_block);
	return b ? b->data + (size_t)(i % sp->per_block) * sp->rec : NULL;
}

uint64_t cb_spool_count(const struct cb_spool *sp)
{
	return sp ? sp->n : 0;
}

int cb_spool_error(const struct cb_spool *sp)
{
	return sp ? sp->err : -EINVAL;
}

size_t cb_spool_resident(const struct cb_spool *sp)
{
	return sp ? CB_SPOOL_BLOCKS * sp->per_block * sp->rec : 0;
}

void cb_spool_close(struct cb_spool *sp)
{
	if (!sp)
		return;
	if (sp->fd >= 0)
		close(sp->fd);
	for (int i = 0; i < CB_SPOOL_BLOCKS; i++)
		free(sp->b[i].data);
	free(sp);
}
