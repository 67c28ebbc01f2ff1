/*
 * cli.h - the egov command: parses flags into a struct eg_config, opens what a
 * subcommand needs, and wires components together. The only place that sees
 * every component. Exit codes: 0 done, 1 it failed (the message says why),
 * 2 the command line or configuration is wrong.
 */
#ifndef EG_CLI_H
#define EG_CLI_H

#include "cli/config.h"
#include "db/db.h"

#define EG_EXIT_OK 0
#define EG_EXIT_FAIL 1
#define EG_EXIT_USAGE 2

int eg_cli_main(int argc, char **argv, char **env);

/* Subcommands; argv[0] is the subcommand's name. */
int eg_cmd_serve(struct eg_config *cfg);
int eg_cmd_init(struct eg_config *cfg, bool demo);
int eg_cmd_migrate(struct eg_config *cfg);
/* egov user ... and egov token ...: cmd is "user" or "token", argv[0] the action. */
int eg_cmd_user(struct eg_config *cfg, const char *cmd, int argc, char **argv);
/* egov procedures import|export: argv[0] the action (cmd_procedures.c). */
int eg_cmd_procedures(struct eg_config *cfg, int argc, char **argv);
/* egov files gc|verify: argv[0] the action (cmd_files.c). */
int eg_cmd_files(struct eg_config *cfg, int argc, char **argv);
/* egov calendar lunar|due|holidays|add-day|remove-day|week: argv[0] the action (cmd_calendar.c). */
int eg_cmd_calendar(struct eg_config *cfg, int argc, char **argv);

/* Opens cfg->db, printing a one-line reason on failure. */
EG_WUR enum eg_err eg_cli_open_db(const struct eg_config *cfg, struct eg_db **out);
struct eg_audit;
struct eg_identity;
/* Opens the audit signer and the identity service from cfg, printing why not. */
EG_WUR enum eg_err eg_cli_open_services(const struct eg_config *cfg, struct eg_db *db,
                                        struct eg_audit **audit, struct eg_identity **identity);

/* Loads the demo province into an empty database (data/demo/province.json). */
EG_WUR enum eg_err eg_cli_load_demo(struct eg_db *db, size_t *count, struct eg_buf *msg);
/* The demo catalogue of procedures, published (needs the demo province's units). */
EG_WUR enum eg_err eg_cli_load_demo_catalogue(struct eg_db *db, size_t *count, struct eg_buf *msg);

/* "egov: " + a message on stderr, one line. */
void eg_cli_error(const char *fmt, ...) EG_PRINTF(1, 2);

#endif /* EG_CLI_H */
