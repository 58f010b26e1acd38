/* pufauth subcommands: each lives in its own file and takes the arguments after its name
 * (argv[0] is the subcommand name). Each returns a process exit status. */
#ifndef PUFAUTH_COMMANDS_H
#define PUFAUTH_COMMANDS_H

int cmd_analyze(int argc, char **argv);
int cmd_fe_sim(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_auth(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_mcu(int argc, char **argv);

#endif
