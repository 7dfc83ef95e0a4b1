/* log-lines.h: how a chunk of the container's output is cut into records, the one rule
 * both log drivers follow (the CRI file, log-writer.h, and the journal, journal-writer.h):
 * each line ended by a newline is a complete record, a trailing rest without one is a
 * partial record, which the next chunk continues. A line longer than a read is thus a run
 * of partial records and a complete one, as conmon writes them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Called for each record, without its newline. A negative return is remembered, and the
 * remaining records are still handed over. */
typedef int (*LogLineFunc)(void *data, const char *line, size_t len, bool complete);

/* Returns 0, or the first negative value @func returned. */
int log_lines_split(const char *buf, size_t len, LogLineFunc func, void *data);
