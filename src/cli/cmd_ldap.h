/*
 * cmd_ldap.h - egov ldap export | test-bind (src/cli/cmd_ldap.c, docs/ldap.md).
 *
 * Exit codes as in cli.h: 0 done (test-bind: the password is right); 1 it failed
 * (test-bind: refused, or LDAP could not be reached; the reason is printed); 2 the
 * command line or the LDAP settings are wrong.
 */
#ifndef EG_CLI_CMD_LDAP_H
#define EG_CLI_CMD_LDAP_H

#include "cli/config.h"
#include "directory/directory.h"

/*
 * argv[0] is the action, followed by its flags:
 *   export                                   [--db URL] [--config PATH] [--log-level L]
 *   test-bind --login LOGIN --password-stdin [--config PATH] [--log-level L]
 * cfg has already been filled from the config file and the environment. The LDAP
 * settings are cfg->ldap (keys ldap_*, docs/ldap.md); until config.h carries them
 * (EG_CONFIG_HAS_LDAP), this says so and exits 2.
 */
int eg_cmd_ldap(struct eg_config *cfg, int argc, char **argv);

/* The same with the LDAP settings passed apart from cfg (eg_cmd_ldap passes &cfg->ldap). */
int eg_cmd_ldap_run(struct eg_config *cfg, const struct eg_ldap_config *ldap, int argc,
                    char **argv);

#endif /* EG_CLI_CMD_LDAP_H */
