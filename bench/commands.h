/*
 * commands.h — subcommands of the callbench program that live in their own
 * files.  Each takes the arguments after its name and returns the exit
 * status (0 done, 1 failed, 2 bad usage).
 */
#ifndef CB_BENCH_COMMANDS_H
#define CB_BENCH_COMMANDS_H

/** `callbench bench transport [options]`: the transport microbenchmark. */
int cb_cmd_bench(int argc, char **argv);

#endif
