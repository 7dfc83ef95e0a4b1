#define G_LOG_DOMAIN "ocid"

#include "container-exec.h"

#include "bus-dict.h"
#include "bus-errors.h"
#include "polkit.h"
#include "service.h"

#include "../daemon/cleanup.h"
#include "../daemon/errors.h"
#include "../daemon/input-limits.h"

#include <errno.h>

typedef struct {
	sd_bus_message *call;
	gboolean ex;         /* ExecSyncEx: the result dict is appended */
	guint64 output_max;  /* bytes kept per stream */
	gboolean has_output; /* the option was given */
} ExecReply;

static void
exec_reply_free(ExecReply *r)
{
	sd_bus_message_unref(r->call);
	g_free(r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ExecReply, exec_reply_free)

/* Appends at most @max bytes of @data; TRUE in *@cut when there were more. */
static int
append_stream(sd_bus_message *reply, GBytes *data, gboolean already_cut, guint64 max, gboolean *cut)
{
	gsize len = 0;
	const void *bytes = data != NULL ? g_bytes_get_data(data, &len) : NULL;

	*cut = already_cut || len > max;
	return sd_bus_message_append_array(reply, 'y', bytes != NULL ? bytes : "", MIN(len, max));
}

static void
on_exec_done(const OcidExecResult *result, GError *error, gpointer user_data)
{
	g_autoptr(ExecReply) r = user_data;
	g_autoptr(sd_bus_message) reply = NULL;
	gboolean out_cut = FALSE, err_cut = FALSE;
	int ret;

	if (error != NULL) {
		(void)ocid_bus_reply_gerror(r->call, error);
		return;
	}
	ret = sd_bus_message_new_method_return(r->call, &reply);
	if (ret >= 0)
		ret = append_stream(reply, result->stdout_data, result->stdout_truncated,
				    r->output_max, &out_cut);
	if (ret >= 0)
		ret = append_stream(reply, result->stderr_data, result->stderr_truncated,
				    r->output_max, &err_cut);
	if (ret >= 0)
		ret = sd_bus_message_append(reply, "ib", (int32_t)result->exit_code,
					    (int)result->timed_out);
	if (ret >= 0 && r->ex)
		ret = sd_bus_message_append(reply, "a{sv}", 3, "stdout_truncated", "b",
					    (int)out_cut, "stderr_truncated", "b", (int)err_cut,
					    "output_max", "t", r->output_max);
	if (ret >= 0)
		ret = sd_bus_send(NULL, reply, NULL);
	if (ret < 0)
		g_warning("Could not send the ExecSync result: %s", g_strerror(-ret));
	else if (out_cut || err_cut)
		g_message("ExecSync's %s%s%s was cut to its first %" G_GUINT64_FORMAT " bytes",
			  out_cut ? "stdout" : "", out_cut && err_cut ? " and " : "",
			  err_cut ? "stderr" : "", r->output_max);
}

static const char *
option_signature(const char *key, void *data)
{
	return g_str_equal(key, "output_max") ? "t" : NULL;
}

static int
read_option(sd_bus_message *m, const char *key, void *data, sd_bus_error *error)
{
	ExecReply *r = data;
	int ret = sd_bus_message_read(m, "t", &r->output_max);

	if (ret < 0)
		return ret;
	if (r->output_max > OCID_EXEC_OUTPUT_MAX)
		return ocid_bus_error_invalid(error,
					      "output_max %" G_GUINT64_FORMAT " is more than %d; "
					      "each stream keeps at most %d bytes",
					      r->output_max, OCID_EXEC_OUTPUT_MAX,
					      OCID_EXEC_OUTPUT_MAX);
	return 0;
}

static const OcidBusDictReader option_reader = {
	.what = "option",
	.known = "ExecSyncEx knows output_max (t)",
	.signature_of = option_signature,
	.read = read_option,
};

static int
exec_sync(sd_bus_message *m, OcidContainer *c, gboolean ex, sd_bus_error *error)
{
	OcidBusService *service = ocid_bus_service_of(c);
	g_autoptr(ExecReply) r = g_new0(ExecReply, 1);
	g_autoptr(GError) local_error = NULL;
	g_auto(GStrv) argv = NULL;
	char **sd_argv = NULL;
	uint64_t timeout;
	int ret;

	ret = ocid_polkit_verify_container(c, m, OCID_ACTION_EXEC, "exec", error);
	if (ret < 0)
		return ret;
	if (ret == 0)
		return 1; /* polkit is asked; sd-bus calls again with its answer */
	ret = sd_bus_message_read_strv(m, &sd_argv);
	if (ret < 0)
		return ret;
	argv = g_strdupv(sd_argv);
	for (char **p = sd_argv; p != NULL && *p != NULL; p++)
		free(*p);
	free(sd_argv);
	ret = sd_bus_message_read(m, "t", &timeout);
	if (ret < 0)
		return ret;
	r->ex = ex;
	r->output_max = OCID_EXEC_OUTPUT_MAX;
	if (ex) {
		ret = ocid_bus_read_dict(m, &option_reader, r, error);
		if (ret < 0)
			return ret;
	}
	r->call = sd_bus_message_ref(m);
	if (!ocid_manager_exec_sync(service->manager, c, (const char *const *)argv, timeout,
				    on_exec_done, r, &local_error))
		return ocid_bus_error_from_gerror(error, local_error);
	g_steal_pointer(&r);
	return 1;
}

int
ocid_container_exec_sync(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	return exec_sync(m, userdata, FALSE, error);
}

int
ocid_container_exec_sync_ex(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	return exec_sync(m, userdata, TRUE, error);
}
