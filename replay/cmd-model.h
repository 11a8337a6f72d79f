/* SPDX-License-Identifier: Apache-2.0 */
#ifndef FDR_CMD_MODEL_H
#define FDR_CMD_MODEL_H

/*
 * The `learn` and `check` subcommands of fdr-replay (replay/cmd-model.c),
 * over replay/model.h. argv[0] is the subcommand name. They print and return
 * the process exit status: 0 ok, 1 findings at or above --fail-on (check),
 * 2 usage or input error.
 */

int rp_cmd_learn(int argc, char **argv);
int rp_cmd_check(int argc, char **argv);

#endif
