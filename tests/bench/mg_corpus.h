/*
 * mg_corpus.h - miltergen's corpus: the messages it sends, read from .eml
 * files, directories of them, or @LIST files (one path a line).
 *
 * Messages are loaded while the options are parsed (one thread), kept for
 * the whole run and read by every worker thread without locks.  A file that
 * cannot be read or parsed ends the program (mg_die).
 */
#ifndef MG_CORPUS_H
#define MG_CORPUS_H

#include <stddef.h>

#include "miltergen.h"

/* mg_corpus_add - a file, a directory (every *.eml, in name order) or
 * @LIST; headers split off, body with CRLF line ends, envelope sender from
 * the From: header */
void mg_corpus_add(const char *arg);
/* mg_corpus_count - how many messages were loaded */
size_t mg_corpus_count(void);
/* mg_corpus_msg - message i of the round robin (i modulo the count) */
const struct mg_msg *mg_corpus_msg(size_t i);

#endif
