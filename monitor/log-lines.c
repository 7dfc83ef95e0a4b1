#include "log-lines.h"

#include <string.h>

int
log_lines_split(const char *buf, size_t len, LogLineFunc func, void *data)
{
	int first_error = 0;

	while (len > 0) {
		const char *newline = memchr(buf, '\n', len);
		size_t line_len = newline != NULL ? (size_t)(newline - buf) : len;
		size_t consumed = line_len + (newline != NULL ? 1 : 0);
		int r = func(data, buf, line_len, newline != NULL);

		if (r < 0 && first_error == 0)
			first_error = r;
		buf += consumed;
		len -= consumed;
	}
	return first_error;
}
