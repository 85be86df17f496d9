#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"
#include "measure/quality.h"
#include "rx/qworker.h"

#define QLEN 8

struct job {
	size_t rec;
	uint32_t content;
	struct cb_image img;
};

struct cb_qworker {
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	struct job jobs[QLEN];
	size_t head, count;
	int stop, block;
	struct cb_camera *src;
	struct cb_image ref;
	struct cb_qresult *out;
	size_t n, cap;
	uint64_t skipped;
	double cpu_s; /* the thread's CPU time, set as it ends */
};

static void *worker(void *arg)
{
	struct cb_qworker *w = arg;

	struct timespec cpu;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct job *j;
		struct cb_quality q;
		int rc;

		while (!w->count && !w->stop)
			pthread_cond_wait(&w->nonempty, &w->lock);
		if (!w->count)
			break;
		j = &w->jobs[w->head];
		pthread_mutex_unlock(&w->lock);
		/* The job's slot stays ours until head moves on below. */
		rc = cb_camera_render(w->src, j->content, &w->ref);
		if (rc == 0)
			rc = cb_quality_i420(&w->ref, &j->img, &q);
		pthread_mutex_lock(&w->lock);
		if (rc == 0) {
			if (w->n == w->cap) {
				size_t cap = w->cap ? w->cap * 2 : 1024;
				struct cb_qresult *v = realloc(w->out, cap * sizeof(*v));
				if (v) {
					w->out = v;
					w->cap = cap;
				}
			}
			if (w->n < w->cap)
				w->out[w->n++] = (struct cb_qresult){j->rec, q.psnr, q.ssim};
			else
				w->skipped++;
		} else {
			w->skipped++;
		}
		w->head = (w->head + 1) % QLEN;
		w->count--;
		pthread_cond_signal(&w->nonfull);
	}
	pthread_mutex_unlock(&w->lock);
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
		w->cpu_s = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
	return NULL;
}

int cb_qworker_open(struct cb_qworker **out, const struct cb_camera_cfg *cam_cfg, int block)
{
	struct cb_qworker *w;
	int rc;

	if (!out || !cam_cfg)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->block = block;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->nonempty, NULL);
	pthread_cond_init(&w->nonfull, NULL);
	rc = cb_camera_open(&w->src, cam_cfg);
	if (rc < 0)
		goto out_close;
	rc = cb_image_alloc(&w->ref, cam_cfg->track.width, cam_cfg->track.height);
	for (int i = 0; rc == 0 && i < QLEN; i++)
		rc = cb_image_alloc(&w->jobs[i].img, cam_cfg->track.width, cam_cfg->track.height);
	if (rc < 0)
		goto out_close;
	rc = -pthread_create(&w->thread, NULL, worker, w);
	if (rc < 0)
		goto out_close;
	w->started = 1;
	*out = w;
	return 0;

out_close:
	cb_qworker_close(w);
	return rc;
}

int cb_qworker_submit(struct cb_qworker *w, size_t rec, uint32_t content,
		      const struct cb_image *img)
{
	struct job *j;
	int rc;

	pthread_mutex_lock(&w->lock);
	while (w->count == QLEN && w->block && !w->stop)
		pthread_cond_wait(&w->nonfull, &w->lock);
	if (w->count == QLEN || w->stop) {
		/* Real time: never stall the receiver for a measurement. */
		w->skipped++;
		pthread_mutex_unlock(&w->lock);
		return 0;
	}
	j = &w->jobs[(w->head + w->count) % QLEN];
	pthread_mutex_unlock(&w->lock);
	/* The slot past the tail belongs to the producer until count grows. */
	rc = cb_image_copy(&j->img, img);
	if (rc < 0)
		return rc;
	j->rec = rec;
	j->content = content;
	pthread_mutex_lock(&w->lock);
	w->count++;
	pthread_cond_signal(&w->nonempty);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void cb_qworker_finish(struct cb_qworker *w)
{
	if (!w || !w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_broadcast(&w->nonempty);
	pthread_cond_broadcast(&w->nonfull);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->started = 0;
}

const struct cb_qresult *cb_qworker_results(const struct cb_qworker *w, size_t *n,
					    uint64_t *skipped)
{
	*n = w ? w->n : 0;
	if (skipped)
		*skipped = w ? w->skipped : 0;
	return w ? w->out : NULL;
}

double cb_qworker_cpu_s(const struct cb_qworker *w)
{
	return w ? w->cpu_s : 0;
}

void cb_qworker_close(struct cb_qworker *w)
{
	if (!w)
		return;
	cb_qworker_finish(w);
	for (int i = 0; i < QLEN; i++)
		cb_image_free(&w->jobs[i].img);
	cb_image_free(&w->ref);
	cb_camera_close(w->src);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->nonempty);
	pthread_cond_destroy(&w->nonfull);
	free(w->out);
	free(w);
}
