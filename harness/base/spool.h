/*
 * spool.h — a long array of fixed-size records kept on disk, for the rows a
 * call collects for its whole length (one per packet, one per frame the
 * receiver handled) and reads back only after it.
 *
 * The records live in a temporary file that has no name from the start
 * (O_TMPFILE, or a name removed at once where the file system has no
 * O_TMPFILE), so nothing is left behind however the process ends, and
 * that is in the results folder the run writes to when it exists (not in
 * /tmp, which may be memory).  A few blocks of records are held in memory:
 * the tail that is being appended to, and the blocks read or changed last.
 * Rows are mostly touched near the tail during a call and in order after
 * it, so a block is rarely read twice.
 *
 * A pointer returned by cb_spool_append, cb_spool_at or cb_spool_get is
 * valid until the next call on the same spool; whatever was written through
 * it (cb_spool_append, cb_spool_at) is kept.  A spool is used by one thread.
 * An I/O error (a full disk) sticks: every later call returns NULL, and
 * cb_spool_error says why.
 */
#ifndef CB_BASE_SPOOL_H
#define CB_BASE_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct cb_spool;

/** Records per block and blocks held in memory (CB_SPOOL_BLOCKS of about 64 KiB). */
#define CB_SPOOL_BLOCK_BYTES 65536
#define CB_SPOOL_BLOCKS	     4

/**
 * A spool of `rec_size`-byte records (1 .. CB_SPOOL_BLOCK_BYTES) in a file
 * in `dir`; with `dir` NULL, empty or not a folder, in $TMPDIR (or /tmp).
 * 0 or a negative errno; *out is NULL on failure.
 */
int cb_spool_open(struct cb_spool **out, const char *dir, size_t rec_size);

/** A new record at the end, zeroed; NULL on error. */
void *cb_spool_append(struct cb_spool *sp);

/** Record `i` to read and change; NULL when i >= count or on error. */
void *cb_spool_at(struct cb_spool *sp, uint64_t i);

/** Record `i` to read only (its block is not written back for it). */
const void *cb_spool_get(struct cb_spool *sp, uint64_t i);

uint64_t cb_spool_count(const struct cb_spool *sp);

/** 0, or the negative errno of the first I/O error. */
int cb_spool_error(const struct cb_spool *sp);

/** Bytes the spool holds in memory (its blocks), whatever its length. */
size_t cb_spool_resident(const struct cb_spool *sp);

/** Close and free (NULL is fine); the file goes with it. */
void cb_spool_close(struct cb_spool *sp);

#endif
