/*
 * senders.h - `hallmark senders`: who sends mail as a domain, from the
 * report store (what hallmarkd recorded, and imported reports), grouped
 * by sending service (report/census.h).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_SENDERS_H
#define HALLMARK_SENDERS_H

/* senders_main - hallmark senders ...: argv[0] is "senders"; returns the
 * exit status (0 done, 1 the store could not be read, 2 usage or
 * configuration error) */
int senders_main(int argc, char **argv);

#endif
