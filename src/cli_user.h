/*
 * cli_user.h — `orderapi user ...`: accounts from the command line.
 */
#ifndef ORDERAPI_CLI_USER_H
#define ORDERAPI_CLI_USER_H

/* argv[0] is "user".  Returns the process exit code: 0 done, 1 failure,
 * 2 usage, 3 the account already exists (add), 4 no such account. */
int cli_user_main(int argc, char **argv);

#endif
