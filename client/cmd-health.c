/* Health checks from ocictl: podman's --health-* flags of create and run turned into the
 * create option `healthcheck`, `healthcheck run`, and the (healthy) that ps shows. */
#include "ctl.h"

#include <string.h>

void
ocictl_health_flags_clear(OcictlHealthFlags *h)
{
	g_free(h->cmd);
	g_free(h->interval);
	g_free(h->timeout);
	g_free(h->start_period);
	g_free(h->on_failure);
}

/* podman's durations as ocid takes them, in whole seconds: 30, 30s, 5m, 1h, 1m30s. */
static gboolean
parse_seconds(const char *flag, const char *text, guint64 *out, GError **error)
{
	static const struct {
		char unit;
		guint64 seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 } };
	const char *p = text;
	guint64 total = 0;

	while (*p != '\0') {
		char *end = NULL;
		guint64 n = g_ascii_strtoull(p, &end, 10);
		gboolean known = FALSE;

		if (end == p || !g_ascii_isdigit(*p))
			goto bad;
		if (*end == '\0' && p == text) {
			total = n;
			break;
		}
		for (gsize i = 0; i < G_N_ELEMENTS(units); i++) {
			if (*end == units[i].unit) {
				total += n * units[i].seconds;
				known = TRUE;
			}
		}
		if (!known)
			goto bad;
		p = end + 1;
	}
	*out = total;
	return TRUE;
bad:
	g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
		    "%s takes seconds or a duration such as 30s, 5m or 1m30s, not '%s'", flag,
		    text);
	return FALSE;
}

gboolean
ocictl_add_healthcheck(GVariantBuilder *options, const OcictlHealthFlags *h, GError **error)
{
	GVariantBuilder health;
	guint64 seconds = 0;
	const char *const flags[] = { "--health-interval", "--health-timeout",
				      "--health-start-period" };
	const char *const keys[] = { "interval", "timeout", "start_period" };
	const char *const values[] = { h->interval, h->timeout, h->start_period };

	if (h->cmd == NULL || g_str_equal(h->cmd, "none"))
		return TRUE;
	g_variant_builder_init(&health, G_VARIANT_TYPE("a{sv}"));
	{
		/* podman's string form, CMD-SHELL: run by the container's shell. */
		const char *const cmd[] = { "/bin/sh", "-c", h->cmd, NULL };
		g_variant_builder_add(&health, "{sv}", "cmd", g_variant_new_strv(cmd, -1));
	}
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (values[i] == NULL)
			continue;
		if (!parse_seconds(flags[i], values[i], &seconds, error)) {
			g_variant_builder_clear(&health);
			return FALSE;
		}
		g_variant_builder_add(&health, "{sv}", keys[i], g_variant_new_uint64(seconds));
	}
	if (h->retries > 0)
		g_variant_builder_add(&health, "{sv}", "retries",
				      g_variant_new_uint32((guint32)h->retries));
	if (h->on_failure != NULL)
		g_variant_builder_add(&health, "{sv}", "on_failure",
				      g_variant_new_string(h->on_failure));
	g_variant_builder_add(options, "{sv}", "healthcheck", g_variant_builder_end(&health));
	return TRUE;
}

char *
ocictl_health_of(Ctl *ctl, const char *path)
{
	g_autoptr(GVariant) value = ocictl_get(ctl, path, "Health", NULL);
	const char *health = value != NULL ? g_variant_get_string(value, NULL) : "none";

	if (g_str_equal(health, "healthy") || g_str_equal(health, "unhealthy"))
		return g_strdup(health);
	return NULL;
}

/* `ocictl healthcheck run ID`: podman's exit codes, 0 healthy, 1 not. */
int
ocictl_cmd_healthcheck(Ctl *ctl, int argc, char **argv, GError **error)
{
	g_autofree char *path = NULL, *id = NULL;
	g_autoptr(GVariant) reply = NULL;
	const char *health;

	if (!ocictl_parse("healthcheck", "run ID",
			  "Runs the container's health check once now and prints the health it "
			  "leaves; exits 0 when healthy, 1 when not.",
			  NULL, FALSE, &argc, &argv, error) ||
	    !ocictl_check_args("healthcheck", argc, argv, 2, 2, "run and one container", error))
		return OCICTL_EXIT_ERROR;
	if (!g_str_equal(argv[1], "run")) {
		ocictl_usage_error(error, "healthcheck", "the only subcommand is run, not '%s'",
				   argv[1]);
		return OCICTL_EXIT_ERROR;
	}
	if (!ocictl_resolve(ctl, argv[2], &path, &id, error))
		return OCICTL_EXIT_ERROR;
	reply = ocictl_call(ctl, path, OCICTL_CONTAINER, "Healthcheck", NULL, "(s)", TRUE, error);
	if (reply == NULL)
		return OCICTL_EXIT_ERROR;
	g_variant_get(reply, "(&s)", &health);
	g_print("%s\n", health);
	return g_str_equal(health, "healthy") ? 0 : 1;
}
