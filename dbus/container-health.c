#define G_LOG_DOMAIN "ocid"

#include "container-health.h"

#include "bus-dict.h"
#include "bus-errors.h"
#include "polkit.h"
#include "service.h"

#include "../daemon/cleanup.h"
#include "../daemon/container.h"
#include "../daemon/errors.h"

#include <stdlib.h>

static const struct {
	const char *key;
	const char *signature;
} health_keys[] = {
	{ "cmd", "as" },         { "interval", "t" }, { "timeout", "t" },
	{ "start_period", "t" }, { "retries", "u" },  { "on_failure", "s" },
};

static const char *
health_signature(const char *key, void *data)
{
	for (size_t i = 0; i < G_N_ELEMENTS(health_keys); i++)
		if (g_str_equal(health_keys[i].key, key))
			return health_keys[i].signature;
	return NULL;
}

static int
read_health_key(sd_bus_message *m, const char *key, void *data, sd_bus_error *error)
{
	OcidHealthConfig *h = data;
	const char *s;
	char **argv = NULL;
	int r;

	if (g_str_equal(key, "cmd")) {
		r = sd_bus_message_read_strv(m, &argv);
		if (r < 0)
			return r;
		g_strfreev(h->cmd);
		h->cmd = g_strdupv(argv);
		for (char **p = argv; p != NULL && *p != NULL; p++)
			free(*p);
		free(argv);
		return 0;
	}
	if (g_str_equal(key, "interval"))
		return sd_bus_message_read(m, "t", &h->interval_sec);
	if (g_str_equal(key, "timeout"))
		return sd_bus_message_read(m, "t", &h->timeout_sec);
	if (g_str_equal(key, "start_period"))
		return sd_bus_message_read(m, "t", &h->start_period_sec);
	if (g_str_equal(key, "retries"))
		return sd_bus_message_read(m, "u", &h->retries);
	r = sd_bus_message_read(m, "s", &s);
	if (r >= 0) {
		g_free(h->on_failure_name);
		h->on_failure_name = g_strdup(s);
	}
	return r;
}

static const OcidBusDictReader health_reader = {
	.what = "healthcheck key",
	.known = "healthcheck knows cmd (as), interval, timeout, start_period (t, seconds), "
		 "retries (u) and on_failure (s: none, kill, restart, stop)",
	.signature_of = health_signature,
	.read = read_health_key,
};

int
ocid_bus_read_healthcheck(sd_bus_message *m, OcidHealthConfig **out, sd_bus_error *error)
{
	g_autoptr(OcidHealthConfig) h = ocid_health_config_new();
	int r = ocid_bus_read_dict(m, &health_reader, h, error);

	if (r < 0)
		return r;
	ocid_health_config_free(*out);
	*out = g_steal_pointer(&h);
	return 0;
}

int
ocid_container_health_get_health(sd_bus *bus, const char *path, const char *interface,
				 const char *property, sd_bus_message *reply, void *userdata,
				 sd_bus_error *error)
{
	const OcidContainer *c = userdata;

	return sd_bus_message_append(reply, "s", ocid_health_to_string(c->health));
}

int
ocid_container_health_get_log(sd_bus *bus, const char *path, const char *interface,
			      const char *property, sd_bus_message *reply, void *userdata,
			      sd_bus_error *error)
{
	const OcidContainer *c = userdata;
	int r = sd_bus_message_open_container(reply, 'a', "(ttis)");

	for (guint i = 0; r >= 0 && c->health_log != NULL && i < c->health_log->len; i++) {
		const OcidHealthResult *h = c->health_log->pdata[i];
		r = sd_bus_message_append(reply, "(ttis)", h->start_usec, h->end_usec, h->exit_code,
					  h->output);
	}
	if (r < 0)
		return r;
	return sd_bus_message_close_container(reply);
}

int
ocid_container_health_get_config(sd_bus *bus, const char *path, const char *interface,
				 const char *property, sd_bus_message *reply, void *userdata,
				 sd_bus_error *error)
{
	const OcidContainer *c = userdata;
	const OcidHealthConfig *h = c->healthcheck;
	int r = sd_bus_message_open_container(reply, 'a', "{sv}");

	if (r >= 0 && h != NULL)
		r = sd_bus_message_append(
		    reply, "{sv}{sv}{sv}{sv}{sv}", "interval", "t", h->interval_sec, "timeout", "t",
		    h->timeout_sec, "start_period", "t", h->start_period_sec, "retries", "u",
		    h->retries, "on_failure", "s", ocid_health_on_failure_to_string(h->on_failure));
	if (r >= 0 && h != NULL)
		r = sd_bus_message_open_container(reply, 'e', "sv");
	if (r >= 0 && h != NULL)
		r = sd_bus_message_append(reply, "s", "cmd");
	if (r >= 0 && h != NULL)
		r = sd_bus_message_open_container(reply, 'v', "as");
	if (r >= 0 && h != NULL)
		r = sd_bus_message_append_strv(reply, h->cmd);
	if (r >= 0 && h != NULL)
		r = sd_bus_message_close_container(reply);
	if (r >= 0 && h != NULL)
		r = sd_bus_message_close_container(reply);
	if (r < 0)
		return r;
	return sd_bus_message_close_container(reply);
}

static void
on_checked(OcidContainer *c, GError *error, gpointer user_data)
{
	g_autoptr(sd_bus_message) call = user_data;

	if (error != NULL)
		(void)ocid_bus_reply_gerror(call, error);
	else
		(void)sd_bus_reply_method_return(call, "s", ocid_health_to_string(c->health));
}

int
ocid_container_health_check(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	OcidContainer *c = userdata;
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(GError) local_error = NULL;
	int r = ocid_polkit_verify_container(c, m, OCID_ACTION_EXEC, "exec", error);

	if (r < 0)
		return r;
	if (r == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	if (!ocid_health_run_now(service->manager, c, on_checked, sd_bus_message_ref(m),
				 &local_error)) {
		sd_bus_message_unref(m);
		return ocid_bus_error_from_gerror(error, local_error);
	}
	return 1;
}
