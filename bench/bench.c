/*
 * bench.c — `callbench bench BENCHMARK [options]`: a table of benchmarks
 * {name, function, doc}; help comes from the same table as dispatching.
 */
#include <stdio.h>
#include <string.h>

#include "bench_util.h"
#include "commands.h"

#define EXIT_USAGE 2

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *doc;
} benches[] = {
    {"transport", cb_bench_transport,
     "one-way latency and highest rate of each transport, beside sockperf"},
    {"call", cb_bench_call,
     "a callbench call beside GStreamer's pipeline pair at the same settings"},
};

#define NBENCHES (sizeof(benches) / sizeof(benches[0]))

int cb_cmd_bench(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		FILE *out = argc < 1 ? stderr : stdout;

		fprintf(out, "usage: callbench bench BENCHMARK [options]\n\nbenchmarks:\n");
		for (size_t i = 0; i < NBENCHES; i++)
			fprintf(out, "  %-10s %s\n", benches[i].name, benches[i].doc);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	for (size_t i = 0; i < NBENCHES; i++)
		if (strcmp(argv[0], benches[i].name) == 0)
			return benches[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "callbench bench: unknown benchmark '%s' (allowed:", argv[0]);
	for (size_t i = 0; i < NBENCHES; i++)
		fprintf(stderr, " %s", benches[i].name);
	fprintf(stderr, ")\n");
	return EXIT_USAGE;
}
