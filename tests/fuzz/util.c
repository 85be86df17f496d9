/* fuzz_util.c — the scratch folder of the file-reading fuzz targets. */
#define _XOPEN_SOURCE 700
#include "fuzz.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

/* The one piece of state a fuzz process keeps: where its files go. */
static char scratch[PATH_MAX];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void scratch_remove(void)
{
	nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_dir(void)
{
	const char *tmp;

	if (scratch[0])
		return scratch;
	tmp = getenv("TMPDIR");
	snprintf(scratch, sizeof(scratch), "%s/cb-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(scratch_remove);
	return scratch;
}

int fz_write_file(const char *name, const uint8_t *data, size_t size, char *path, size_t len)
{
	FILE *f;
	int ok;

	snprintf(path, len, "%s/%s", fz_dir(), name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok ? 0 : -1;
}
