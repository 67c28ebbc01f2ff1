/*
 * cmd_audit.h - egov audit: verify, checkpoint, pubkey (src/cli/cmd_audit.c,
 * docs/audit.md). Exit codes as in cli.h: 0 done (verify: the log is intact),
 * 1 failed (verify: the log is broken, and the first problem is printed),
 * 2 the command line is wrong.
 */
#ifndef EG_CLI_CMD_AUDIT_H
#define EG_CLI_CMD_AUDIT_H

#include "cli/config.h"

/*
 * argv[0] is the audit command ("verify"), followed by its flags: --db URL,
 * --pubkey PATH, --anchor PATH, --no-anchor, --key PATH. cfg has already been
 * filled from the config file (--config PATH is accepted here and skipped: the
 * caller loads it) and the environment; the log is set up.
 */
int eg_cmd_audit(struct eg_config *cfg, int argc, char **argv);

#endif /* EG_CLI_CMD_AUDIT_H */
