/*
 * metrics_http.h - the Prometheus text endpoint (metrics_listen).
 *
 * SPDX-License-Identifier: BSD-2-Clause
 */
#ifndef HALLMARK_METRICS_HTTP_H
#define HALLMARK_METRICS_HTTP_H

#include <stddef.h>

/* metrics_http_open - bind and listen on spec (empty: nothing); 0/-1 */
int metrics_http_open(const char *spec);

/* metrics_http_start - serve on the opened socket in a thread; 0/-1 */
int metrics_http_start(void);

/* metrics_http_stop - stop the thread and close the socket */
void metrics_http_stop(void);

#endif
