/* Option parsing for every command: GOptionContext, typed, one context per command, so
 * that each has its own --help and a bad or unknown option is a usage error naming it. */
#include "ctl.h"

#include <string.h>

G_DEFINE_QUARK(ocictl - error - quark, ocictl_error)

void
ocictl_usage_error(GError **error, const char *command, const char *format, ...)
{
	g_autofree char *text = NULL;
	va_list ap;

	va_start(ap, format);
	text = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE, "%s\nSee 'ocictl %s --help'.", text,
		    command);
}

gboolean
ocictl_parse(const char *command, const char *params, const char *summary,
	     const GOptionEntry *entries, gboolean strict_posix, int *argc, char ***argv,
	     GError **error)
{
	g_autoptr(GOptionContext) context = g_option_context_new(params);
	g_autofree char *prgname = g_strdup_printf("ocictl %s", command);
	g_autoptr(GError) local = NULL;

	/* The Usage line of --help reads "ocictl COMMAND PARAMS". */
	g_set_prgname(prgname);
	g_option_context_set_summary(context, summary);
	g_option_context_set_strict_posix(context, strict_posix);
	if (entries != NULL)
		g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, argc, argv, &local)) {
		ocictl_usage_error(error, command, "%s", local->message);
		return FALSE;
	}
	g_set_prgname("ocictl");
	/* What follows "--" is positional; the marker itself is not. With strict POSIX
	 * parsing (exec), only a "--" right after the container is ours; later ones belong
	 * to the command. */
	for (int i = 1; i < *argc && (!strict_posix || i <= 2); i++) {
		if (g_str_equal((*argv)[i], "--") && (!strict_posix || i == 2)) {
			memmove(*argv + i, *argv + i + 1, (size_t)(*argc - i) * sizeof(char *));
			(*argc)--;
			break;
		}
	}
	return TRUE;
}

gboolean
ocictl_check_args(const char *command, int argc, char **argv, int min, int max, const char *what,
		  GError **error)
{
	int given = argc - 1;

	if (given < min) {
		ocictl_usage_error(error, command, "'ocictl %s' needs %s", command, what);
		return FALSE;
	}
	if (max >= 0 && given > max) {
		ocictl_usage_error(error, command, "'ocictl %s' takes %s; '%s' is one too many",
				   command, what, argv[max + 1]);
		return FALSE;
	}
	return TRUE;
}

gboolean
ocictl_parse_size(const char *text, gint64 *bytes, GError **error)
{
	char *end = NULL;
	guint64 value, unit = 1;

	if (!g_ascii_isdigit(text[0]))
		goto bad;
	value = g_ascii_strtoull(text, &end, 10);
	switch (g_ascii_tolower(*end)) {
	case '\0':
		break;
	case 'b':
		break;
	case 'k':
		unit = 1024;
		break;
	case 'm':
		unit = 1024 * 1024;
		break;
	case 'g':
		unit = 1024 * 1024 * 1024;
		break;
	default:
		goto bad;
	}
	if (*end != '\0') {
		end++;
		/* "64mb", "64m", "64MiB" alike. */
		if (g_ascii_tolower(*end) == 'i')
			end++;
		if (unit > 1 && g_ascii_tolower(*end) == 'b')
			end++;
		if (*end != '\0')
			goto bad;
	}
	if (value > (guint64)G_MAXINT64 / unit)
		goto bad;
	*bytes = (gint64)(value * unit);
	return TRUE;
bad:
	g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
		    "'%s' is not a size: give a number with an optional b, k, m or g suffix "
		    "(64m is 64 MiB)",
		    text);
	return FALSE;
}

void
ocictl_add_pair(GVariantBuilder *builder, const char *text)
{
	g_auto(GStrv) kv = g_strsplit(text, "=", 2);

	g_variant_builder_add(builder, "{ss}", kv[0], kv[1] != NULL ? kv[1] : "");
}
