/* Calls on ocid's Manager and Container objects, and the replies and PropertiesChanged
 * signals that a life cycle waits for. */
#include "bench.h"

char *
container_path(const char *id)
{
	char *path = NULL;

	if (sd_bus_path_encode(CONTAINER_PREFIX, id, &path) < 0)
		die("out of memory");
	return path;
}

void
call_or_die(sd_bus *bus, const char *path, const char *iface, const char *member,
	    sd_bus_message **reply, const char *types, ...)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, OCID_NAME, path, iface, member);
	if (r < 0)
		die("%s: %s", member, strerror(-r));
	if (types != NULL) {
		va_start(ap, types);
		r = sd_bus_message_appendv(m, types, ap);
		va_end(ap);
		if (r < 0)
			die("%s: %s", member, strerror(-r));
	}
	r = sd_bus_call(bus, m, CALL_TIMEOUT_USEC, &error, reply);
	if (r < 0)
		die("%s on %s: %s", member, path,
		    error.message != NULL ? error.message : strerror(-r));
}

char *
ocid_create(sd_bus *bus, const char *id, const char *bundle)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *path;

	call_or_die(bus, MANAGER_PATH, MANAGER_IFACE, "CreateContainer", &reply, "sssa{sv}", id, id,
		    bundle, 0);
	if (sd_bus_message_read(reply, "o", &path) < 0)
		die("CreateContainer: bad reply");
	return strdup(path);
}

char *
ocid_create_checked(sd_bus *bus, const char *id, const char *bundle, uint64_t interval_sec)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *path;

	call_or_die(bus, MANAGER_PATH, MANAGER_IFACE, "CreateContainer", &reply, "sssa{sv}", id, id,
		    bundle, 1, "healthcheck", "a{sv}", 2, "cmd", "as", 1, "/bin/true", "interval",
		    "t", interval_sec);
	if (sd_bus_message_read(reply, "o", &path) < 0)
		die("CreateContainer: bad reply");
	return strdup(path);
}

void
ocid_simple(sd_bus *bus, const char *path, const char *member)
{
	call_or_die(bus, path, CONTAINER_IFACE, member, NULL, NULL);
}

void
ocid_stop(sd_bus *bus, const char *path, uint64_t timeout_sec)
{
	call_or_die(bus, path, CONTAINER_IFACE, "Stop", NULL, "t", timeout_sec);
}

void
ocid_delete(sd_bus *bus, const char *path, bool force)
{
	call_or_die(bus, path, CONTAINER_IFACE, "Delete", NULL, "b", (int)force);
}

int32_t
ocid_pid_of(sd_bus *bus, const char *path)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	int32_t pid = 0;
	int r = sd_bus_get_property_trivial(bus, OCID_NAME, path, CONTAINER_IFACE, "Pid", &error,
					    'i', &pid);

	if (r < 0)
		die("Get Pid: %s", error.message != NULL ? error.message : strerror(-r));
	return pid;
}

pid_t
ocid_monitor_pid(Bench *b, const char *id)
{
	_cleanup_(freep) char *path = xprintf("%s/containers/%s/state.json", b->state_dir, id);
	_cleanup_(freep) char *data = read_file(path);
	char *p;

	if (data == NULL || (p = strstr(data, "\"monitor_pid\"")) == NULL)
		die("no monitor_pid in %s", path);
	p = strchr(p, ':');
	return p != NULL ? (pid_t)strtol(p + 1, NULL, 10) : 0;
}

/* Force-deletes everything ocid still has, e.g. after a phase. */
void
ocid_delete_all(Bench *b)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *id, *name, *state, *path;
	uint64_t created;
	char **paths = NULL;
	int n = 0;

	call_or_die(b->bus, MANAGER_PATH, MANAGER_IFACE, "ListContainers", &reply, "a{sv}", 0);
	if (sd_bus_message_enter_container(reply, 'a', "(sssto)") < 0)
		die("ListContainers: bad reply");
	while (sd_bus_message_read(reply, "(sssto)", &id, &name, &state, &created, &path) > 0) {
		paths = realloc(paths, sizeof(char *) * (size_t)(n + 1));
		paths[n++] = strdup(path);
	}
	for (int i = 0; i < n; i++) {
		ocid_delete(b->bus, paths[i], true);
		free(paths[i]);
	}
	free(paths);
}

/* PropertiesChanged on one container: when State turns "stopped". */

int
on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Life *life = userdata;
	const char *iface, *key, *state;

	if (sd_bus_message_read(m, "s", &iface) < 0 ||
	    sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
		return 0;
	while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
		if (sd_bus_message_read(m, "s", &key) < 0)
			return 0;
		if (strcmp(key, "State") == 0) {
			if (sd_bus_message_read(m, "v", "s", &state) < 0)
				return 0;
			if (strcmp(state, "stopped") == 0 && life->t_stopped == 0) {
				life->t_stopped = now_usec();
				/* The exit and the signal were read in the same wake-up. */
				if (life->pidfd >= 0 && life->t_exit == 0)
					life->t_exit = life->t_stopped;
			}
		} else if (sd_bus_message_skip(m, "v") < 0) {
			return 0;
		}
		sd_bus_message_exit_container(m);
	}
	return 0;
}

static int
on_start_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Life *life = userdata;

	if (sd_bus_message_is_method_error(m, NULL)) {
		life->error = xprintf("Start: %s", sd_bus_message_get_error(m)->message);
		return 0;
	}
	life->t_started = now_usec();
	return 0;
}

int
on_create_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	Life *life = userdata;
	int r;

	if (sd_bus_message_is_method_error(m, NULL)) {
		life->error = xprintf("CreateContainer: %s", sd_bus_message_get_error(m)->message);
		return 0;
	}
	life->t_created = now_usec();
	if (life->one_call) {
		life->t_started = life->t_created;
		return 0;
	}
	r = sd_bus_call_method_async(sd_bus_message_get_bus(m), NULL, OCID_NAME, life->path,
				     CONTAINER_IFACE, "Start", on_start_reply, life, NULL);
	if (r < 0)
		life->error = xprintf("Start: %s", strerror(-r));
	return 0;
}
