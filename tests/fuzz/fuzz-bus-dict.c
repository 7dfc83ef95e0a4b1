/* The sd-bus a{sv} walker (dbus/bus-dict.c) with the readers of CreateContainer's options
 * and ListContainers' filter, on messages built from the input. The input is a little
 * program: its first byte picks the reader, then each entry is a key (one of the known
 * ones, or made of the input's bytes) and a value of a type the input picks, with bytes,
 * counts and lengths from the input. sd-bus itself refuses malformed wire data before
 * a handler runs, so well-formed messages of every shape are what the walker meets. */
#include "manager-options.h"

#include "cleanup.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
	const uint8_t *data;
	size_t size;
} Input;

static unsigned
next(Input *in)
{
	unsigned b;

	if (in->size == 0)
		return 0;
	b = in->data[0];
	in->data++;
	in->size--;
	return b;
}

/* Up to @max printable bytes (valid UTF-8, as sd-bus requires of strings). */
static char *
next_string(Input *in, unsigned max)
{
	unsigned len = next(in) % (max + 1);
	char *s = g_malloc(len + 1);

	for (unsigned i = 0; i < len; i++)
		s[i] = (char)(' ' + next(in) % 95);
	s[len] = '\0';
	return s;
}

static const char *const known_keys[] = {
	"labels",        "annotations", "metadata",
	"image",         "image_name",  "image_ref",
	"sandbox",       "log_path",    "netns_path",
	"mount_point",   "terminal",    "stdin",
	"stdin_once",    "privileged",  "trusted",
	"stop_signal",   "volumes",     "seccomp_profile_path",
	"cgroup_parent", "state",       "name",
	"label",         NULL,
};

static int
append_value(sd_bus_message *m, Input *in, unsigned depth)
{
	unsigned kind = next(in) % 12;
	g_autofree char *s = NULL;
	int r = 0;

	switch (kind) {
	case 0:
		s = next_string(in, 64);
		/* A path-looking string now and then. */
		if (next(in) % 2 == 0 && s[0] != '\0')
			s[0] = '/';
		return sd_bus_message_append(m, "v", "s", s);
	case 1:
		return sd_bus_message_append(m, "v", "b", (int)(next(in) % 2));
	case 2:
		return sd_bus_message_append(m, "v", "t", (uint64_t)next(in) << (next(in) % 57));
	case 3:
		return sd_bus_message_append(m, "v", "x", -(int64_t)next(in));
	case 4:
		return sd_bus_message_append(m, "v", "u", (uint32_t)next(in));
	case 5: { /* a{ss} */
		unsigned n = next(in) % 8;

		r = sd_bus_message_open_container(m, 'v', "a{ss}");
		if (r >= 0)
			r = sd_bus_message_open_container(m, 'a', "{ss}");
		for (unsigned i = 0; r >= 0 && i < n; i++) {
			g_autofree char *k = next_string(in, 16);
			g_autofree char *v = next_string(in, 16);
			r = sd_bus_message_append(m, "{ss}", k, v);
		}
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		return r;
	}
	case 6: { /* a(ssb) */
		unsigned n = next(in) % 4;

		r = sd_bus_message_open_container(m, 'v', "a(ssb)");
		if (r >= 0)
			r = sd_bus_message_open_container(m, 'a', "(ssb)");
		for (unsigned i = 0; r >= 0 && i < n; i++) {
			g_autofree char *a = next_string(in, 16);
			g_autofree char *b = next_string(in, 16);
			if (a[0] != '\0' && next(in) % 2)
				a[0] = '/';
			if (b[0] != '\0' && next(in) % 2)
				b[0] = '/';
			r = sd_bus_message_append(m, "(ssb)", a, b, (int)(next(in) % 2));
		}
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		return r;
	}
	case 7: { /* as */
		s = next_string(in, 16);
		return sd_bus_message_append(m, "v", "as", 2, s, "x");
	}
	case 8:
		return sd_bus_message_append(m, "v", "d", (double)next(in) / 3.0);
	case 9:
		return sd_bus_message_append(m, "v", "o", "/org/oci/x");
	case 10: /* a variant in a variant */
		if (depth > 3)
			return sd_bus_message_append(m, "v", "y", (uint8_t)next(in));
		r = sd_bus_message_open_container(m, 'v', "v");
		if (r >= 0)
			r = append_value(m, in, depth + 1);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		return r;
	default: /* a nested a{sv} */
		r = sd_bus_message_open_container(m, 'v', "a{sv}");
		if (r >= 0)
			r = sd_bus_message_append(m, "a{sv}", 1, "k", "s", "v");
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		return r;
	}
}

static sd_bus *
fuzz_bus(void)
{
	static sd_bus *bus;
	int fds[2];

	if (bus != NULL)
		return bus;
	/* A bus object that is started (message constructors need that) on a socket pair
	 * nothing is ever sent over. */
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
	g_assert_cmpint(sd_bus_new(&bus), >=, 0);
	g_assert_cmpint(sd_bus_set_fd(bus, fds[0], fds[0]), >=, 0);
	g_assert_cmpint(sd_bus_start(bus), >=, 0);
	return bus;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Input in = { data, size };
	g_autoptr(sd_bus_message) m = NULL;
	g_auto(sd_bus_error) error = SD_BUS_ERROR_NULL;
	unsigned which = next(&in) % 2;
	int r;

	r = sd_bus_message_new_method_call(fuzz_bus(), &m, "org.oci.Runtime", "/org/oci/Runtime",
					   "org.oci.Runtime.Manager", "CreateContainer");
	g_assert_cmpint(r, >=, 0);
	r = sd_bus_message_open_container(m, 'a', "{sv}");
	for (unsigned n = 0; r >= 0 && in.size > 0 && n < 200; n++) {
		unsigned pick = next(&in);
		g_autofree char *key =
		    pick < 0x80 ? g_strdup(known_keys[pick % (G_N_ELEMENTS(known_keys) - 1)])
				: next_string(&in, 24);

		r = sd_bus_message_open_container(m, 'e', "sv");
		if (r >= 0)
			r = sd_bus_message_append(m, "s", key);
		if (r >= 0)
			r = append_value(m, &in, 0);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r < 0)
		return 0;
	g_assert_cmpint(sd_bus_message_seal(m, 1, 0), >=, 0);
	g_assert_cmpint(sd_bus_message_rewind(m, 1), >=, 0);

	if (which == 0) {
		g_autoptr(OcidCreateRequest) request = ocid_create_request_new("id", "", "/b");

		r = ocid_bus_read_create_options(m, request, &error);
	} else {
		g_auto(OcidStoreFilter) filter = { 0 };

		r = ocid_bus_read_list_filter(m, &filter, &error);
	}
	/* A refusal always says why, with one of our names or sd-bus's. */
	if (r < 0 && sd_bus_error_is_set(&error))
		g_assert_true(g_str_has_prefix(error.name, "org.oci.Runtime.Error.") ||
			      g_str_has_prefix(error.name, "org.freedesktop.DBus.Error.") ||
			      g_str_has_prefix(error.name, "System.Error."));
	return 0;
}
