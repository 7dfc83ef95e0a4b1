/* The pure parts of the model: ids, signals, state.json round trips, the store's order and
 * filters, the effective spec. */
#include "container.h"
#include "errors.h"
#include "health.h"
#include "ids.h"
#include "notify.h"
#include "persist.h"
#include "process.h"
#include "restart.h"
#include "spec.h"
#include "store.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static void
test_ids(void)
{
	g_autofree char *generated = ocid_id_generate();
	g_autofree char *max = g_strnfill(128, 'x');
	g_autofree char *too_long = g_strnfill(129, 'x');
	const char *good[] = { "a", "web-1", "A_b.c", "0abc", max, NULL };
	const char *bad[] = { "",    ".",    "..", ".hidden", "-x",     "a/b",
			      "a b", "a\nb", "ä",  too_long,  "../etc", NULL };

	g_assert_cmpuint(strlen(generated), ==, 64);
	for (int i = 0; i < 64; i++)
		g_assert_true(g_ascii_isxdigit(generated[i]) && !g_ascii_isupper(generated[i]));
	for (int i = 0; good[i] != NULL; i++)
		g_assert_true(ocid_id_is_valid(good[i]));
	for (int i = 0; bad[i] != NULL; i++)
		g_assert_false(ocid_id_is_valid(bad[i]));
}

static void
test_signals(void)
{
	g_assert_cmpint(ocid_signal_from_string("SIGTERM"), ==, SIGTERM);
	g_assert_cmpint(ocid_signal_from_string("term"), ==, SIGTERM);
	g_assert_cmpint(ocid_signal_from_string("KILL"), ==, SIGKILL);
	g_assert_cmpint(ocid_signal_from_string("9"), ==, 9);
	g_assert_cmpint(ocid_signal_from_string("SIGRTMIN+2"), ==, SIGRTMIN + 2);
	g_assert_cmpint(ocid_signal_from_string("0"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("999"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("SIGNOPE"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string(""), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("9x"), ==, -1);
	/* Exactly: a name with nothing, a sign or a space after the '+' is no signal (issue
	 * 10: "SIGRTMIN+" was sent as SIGRTMIN). */
	g_assert_cmpint(ocid_signal_from_string("SIGRTMIN+3"), ==, SIGRTMIN + 3);
	g_assert_cmpint(ocid_signal_from_string("RTMAX-1"), ==, SIGRTMAX - 1);
	g_assert_cmpint(ocid_signal_from_string("SIGRTMIN+"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("SIGRTMAX-"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("SIGRTMIN++3"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("SIGRTMIN+-0"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("SIGRTMIN+ 3"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("SIGRTMIN+99"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("SIGRTMIN+0003"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("09"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("SIG"), ==, -1);
	g_assert_cmpint(ocid_signal_from_string("SIGSIGTERM"), ==, -1);
}

static OcidContainer *
sample_container(const char *id, const char *name, guint64 created)
{
	OcidContainer *c = ocid_container_new(id, name);

	c->bundle_path = g_strdup("/srv/bundle");
	c->dir = g_strdup_printf("/var/lib/ocid/containers/%s", id);
	c->created_usec = created;
	c->state = OCID_STATE_CREATED;
	return c;
}

static void
test_persist_round_trip(void)
{
	g_autoptr(OcidContainer) c = sample_container("rt", "round-trip", 1234567);
	g_autoptr(OcidContainer) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	g_autofree char *json_again = NULL;
	OcidVolume *v = g_new0(OcidVolume, 1);

	c->log_path = g_strdup("/var/log/ocid/rt.log");
	c->image = g_strdup("busybox");
	c->stop_signal = g_strdup("SIGINT");
	c->terminal = TRUE;
	c->state = OCID_STATE_STOPPED;
	c->exit_code = 137;
	c->oom_killed = TRUE;
	c->error = g_strdup("out of memory");
	c->pid = 4242;
	c->monitor_pid = 4240;
	c->pid_identity.start_time = 99;
	c->monitor_identity.inode = 4096;
	c->finished_usec = 7654321;
	c->owner_uid = 1001;
	c->owner_gid = 1002;
	c->confined = TRUE;
	c->restart_pending = TRUE;
	c->restart_streak = 4;
	c->restart_due_usec = 1800000000000000;
	c->log_driver = OCID_LOG_DRIVER_JOURNALD;
	c->machined = TRUE;
	g_hash_table_insert(ocid_string_map_ensure(&c->labels), g_strdup("app"), g_strdup("web"));
	g_hash_table_insert(ocid_string_map_ensure(&c->annotations), g_strdup("io.example/x"),
			    g_strdup("y\"z"));
	v->container_path = g_strdup("/data");
	v->host_path = g_strdup("/srv/data");
	v->readonly = TRUE;
	g_ptr_array_add(ocid_ptr_array_ensure(&c->volumes, (GDestroyNotify)ocid_volume_free), v);

	json = ocid_persist_to_json(c);
	back = ocid_persist_from_json(json, strlen(json), "test", &error);
	g_assert_no_error(error);
	json_again = ocid_persist_to_json(back);
	g_assert_cmpstr(json, ==, json_again);
	g_assert_cmpint(back->state, ==, OCID_STATE_STOPPED);
	g_assert_cmpint(back->exit_code, ==, 137);
	g_assert_true(back->oom_killed);
	g_assert_cmpstr(g_hash_table_lookup(back->annotations, "io.example/x"), ==, "y\"z");
	g_assert_cmpuint(back->volumes->len, ==, 1);
	/* A restarted daemon knows whose it is and that it runs confined. */
	g_assert_cmpuint(back->owner_uid, ==, 1001);
	g_assert_cmpuint(back->owner_gid, ==, 1002);
	g_assert_true(back->confined);
	g_assert_cmpint(back->log_driver, ==, OCID_LOG_DRIVER_JOURNALD);
	g_assert_true(back->machined);
	/* A back-off under way ends when it would have. */
	g_assert_true(back->restart_pending);
	g_assert_cmpuint(back->restart_streak, ==, 4);
	g_assert_cmpint(back->restart_due_usec, ==, 1800000000000000);
}

/* The container keeps its fields in less room (a name that is its id shared, enums in a
 * byte, dir and state path built to size): what a client and state.json see is the same. */
static void
test_compact_fields(void)
{
	g_autoptr(OcidContainer) c = sample_container("web-1", "web-1", 1);
	g_autoptr(OcidContainer) named = ocid_container_new("web-2", "frontend");
	g_autoptr(OcidContainer) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	g_autofree char *state_path = NULL;

	g_assert_cmpstr(c->name, ==, "web-1");
	g_assert_cmpstr(named->id, ==, "web-2");
	g_assert_cmpstr(named->name, ==, "frontend");
	state_path = ocid_container_state_path(c);
	g_assert_cmpstr(state_path, ==, "/var/lib/ocid/containers/web-1/state.json");

	c->restart_policy = OCID_RESTART_UNLESS_STOPPED;
	c->notify = OCID_NOTIFY_CONTAINER;
	c->health = OCID_HEALTH_UNHEALTHY;
	c->log_driver = OCID_LOG_DRIVER_JOURNALD;
	json = ocid_persist_to_json(c);
	g_assert_nonnull(strstr(json, "\"name\" : \"web-1\""));
	g_assert_nonnull(strstr(json, "\"restart_policy\" : 3"));
	g_assert_nonnull(strstr(json, "\"health\" : 3"));
	back = ocid_persist_from_json(json, strlen(json), "test", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(back->id, ==, "web-1");
	g_assert_cmpstr(back->name, ==, "web-1");
	g_assert_cmpint(back->restart_policy, ==, OCID_RESTART_UNLESS_STOPPED);
	g_assert_cmpint(back->notify, ==, OCID_NOTIFY_CONTAINER);
	g_assert_cmpint(back->health, ==, OCID_HEALTH_UNHEALTHY);
	g_assert_cmpint(back->log_driver, ==, OCID_LOG_DRIVER_JOURNALD);
}

/* Most containers have no labels, annotations, metadata or volumes: they keep none in
 * memory, read and write them as empty, and say so over the bus as before. */
static void
test_persist_empty_maps(void)
{
	g_autoptr(OcidContainer) c = sample_container("e", "empty", 100);
	g_autoptr(OcidContainer) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *json = NULL;
	g_autofree char *json_again = NULL;
	g_autoptr(GHashTable) empty = ocid_string_map_new();
	g_autoptr(GHashTable) full = ocid_string_map_new();

	g_assert_null(c->labels);
	g_assert_null(c->volumes);
	json = ocid_persist_to_json(c);
	g_assert_nonnull(strstr(json, "\"labels\" : {}"));
	g_assert_nonnull(strstr(json, "\"volumes\" : []"));
	back = ocid_persist_from_json(json, strlen(json), "test", &error);
	g_assert_no_error(error);
	g_assert_null(back->labels);
	g_assert_null(back->annotations);
	g_assert_null(back->metadata);
	g_assert_null(back->volumes);
	json_again = ocid_persist_to_json(back);
	g_assert_cmpstr(json, ==, json_again);

	g_assert_null(ocid_string_map_or_null(g_steal_pointer(&empty)));
	g_hash_table_insert(full, g_strdup("k"), g_strdup("v"));
	g_assert_true(ocid_string_map_or_null(full) == full);
	g_assert_true(ocid_string_map_ensure(&back->labels) == back->labels);
	g_assert_cmpuint(g_hash_table_size(back->labels), ==, 0);
}

static void
test_persist_refusals(void)
{
	const char *bad[] = {
		"",
		"[]",
		"{ \"version\": 2, \"id\": \"a\", \"name\": \"a\", \"state\": \"created\" }",
		"{ \"version\": 1, \"id\": \"../x\", \"name\": \"a\", \"state\": \"created\", "
		"\"dir\": \"/d\", \"bundle_path\": \"/b\" }",
		"{ \"version\": 1, \"id\": \"a\", \"name\": \"a\", \"state\": \"zombie\", "
		"\"dir\": \"/d\", \"bundle_path\": \"/b\" }",
		"{ \"version\": 1, \"id\": \"a\", \"name\": \"a\", \"state\": \"created\", "
		"\"dir\": \"/d\", \"bundle_path\": \"/b\", \"pid\": \"12\" }",
		"{ \"version\": 1, \"id\": \"a\", \"name\": \"a\", \"state\": \"created\", "
		"\"dir\": \"/d\", \"bundle_path\": \"/b\", \"labels\": { \"k\": 1 } }",
		"{ \"version\": 1, \"id\": \"a\", \"name\": \"a\", \"state\": \"created\" }",
		NULL,
	};

	for (int i = 0; bad[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(OcidContainer) c =
		    ocid_persist_from_json(bad[i], strlen(bad[i]), "state.json", &error);
		g_assert_null(c);
		g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
		g_assert_true(g_str_has_prefix(error->message, "state.json"));
	}
}

static void
test_atomic_write(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("ocid-persist-XXXXXX", &error);
	g_autofree char *path = g_build_filename(dir, "state.json", NULL);
	g_autofree char *tmp = g_strconcat(path, ".tmp", NULL);
	g_autofree char *back = NULL;
	GStatBuf st;

	g_assert_true(ocid_write_file_atomic(path, "one", 3, 0600, &error));
	g_assert_true(ocid_write_file_atomic(path, "two", 3, 0600, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &back, NULL, NULL));
	g_assert_cmpstr(back, ==, "two");
	g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_unlink(path);
	g_rmdir(dir);
}

/* A record read from its file, small (one read) or larger than a read at once, and a
 * missing one, which restore tells apart (an interrupted create). */
static void
test_persist_load(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("ocid-persist-XXXXXX", &error);
	g_autofree char *path = g_build_filename(dir, "state.json", NULL);

	for (guint labels = 0; labels <= 1000; labels += 1000) {
		g_autoptr(OcidContainer) c = sample_container("l", "load", 100);
		g_autoptr(OcidContainer) back = NULL;
		g_autofree char *json = NULL;

		for (guint i = 0; i < labels; i++)
			g_hash_table_insert(ocid_string_map_ensure(&c->labels),
					    g_strdup_printf("label-%u", i), g_strdup("value"));
		json = ocid_persist_to_json(c);
		if (labels > 0)
			g_assert_cmpuint(strlen(json), >, 8192);
		else
			g_assert_cmpuint(strlen(json), <, 8192);
		g_assert_true(g_file_set_contents(path, json, -1, &error));
		back = ocid_persist_load(path, &error);
		g_assert_no_error(error);
		g_autofree char *back_path = ocid_container_state_path(back);

		g_assert_cmpstr(back_path, ==, path);
		g_assert_cmpuint(back->labels != NULL ? g_hash_table_size(back->labels) : 0, ==,
				 labels);
	}
	g_unlink(path);
	g_assert_null(ocid_persist_load(path, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_rmdir(dir);
}

/* A record replaces the one before by an exchange: two inodes for all of a container's
 * records, the newest under state.json, none freed (persist.c). */
static void
test_record_exchange(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("ocid-persist-XXXXXX", &error);
	g_autoptr(OcidContainer) c = sample_container("ex", "exchange", 1);
	g_autoptr(OcidContainer) back = NULL;
	g_autofree char *state_path = g_build_filename(dir, "state.json", NULL);
	g_autofree char *before = NULL;
	GStatBuf first, second, third;

	g_free(c->dir);
	c->dir = g_strdup(dir);
	before = g_strconcat(state_path, ".tmp", NULL);
	g_assert_true(ocid_persist_save(c, FALSE, &error));
	g_assert_false(g_file_test(before, G_FILE_TEST_EXISTS));
	g_assert_cmpint(g_stat(state_path, &first), ==, 0);
	c->state = OCID_STATE_RUNNING;
	g_assert_true(ocid_persist_save(c, FALSE, &error));
	g_assert_cmpint(g_stat(before, &second), ==, 0);
	g_assert_cmpuint(second.st_ino, ==, first.st_ino);
	c->state = OCID_STATE_STOPPED;
	g_assert_true(ocid_persist_save(c, TRUE, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_stat(state_path, &third), ==, 0);
	g_assert_cmpuint(third.st_ino, ==, first.st_ino);
	g_assert_cmpint(third.st_mode & 0777, ==, 0600);
	back = ocid_persist_load(state_path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(back->state, ==, OCID_STATE_STOPPED);
	g_unlink(state_path);
	g_unlink(before);
	g_rmdir(dir);
}

static void
test_store(void)
{
	g_autoptr(OcidStore) store = ocid_store_new();
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) some = NULL;
	OcidStoreFilter filter = { 0 };
	OcidContainer *a = sample_container("a", "alpha", 100);
	OcidContainer *b = sample_container("b", "beta", 300);
	OcidContainer *c = sample_container("c", "gamma", 200);
	OcidContainer *d = sample_container("delta", "delta", 400);

	b->state = OCID_STATE_RUNNING;
	b->sandbox = g_strdup("pod");
	g_hash_table_insert(ocid_string_map_ensure(&a->labels), g_strdup("tier"), g_strdup("web"));
	g_hash_table_insert(ocid_string_map_ensure(&b->labels), g_strdup("tier"), g_strdup("web"));
	g_hash_table_insert(ocid_string_map_ensure(&b->labels), g_strdup("zone"), g_strdup("1"));
	ocid_store_add(store, a);
	ocid_store_add(store, b);
	ocid_store_add(store, c);

	g_assert_true(ocid_store_lookup(store, "beta") == b);
	g_assert_true(ocid_store_lookup(store, "c") == c);
	g_assert_null(ocid_store_lookup(store, "delta"));

	all = ocid_store_list(store, NULL);
	g_assert_cmpuint(all->len, ==, 3);
	g_assert_true(g_ptr_array_index(all, 0) == b);
	g_assert_true(g_ptr_array_index(all, 1) == c);
	g_assert_true(g_ptr_array_index(all, 2) == a);

	filter.labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_insert(filter.labels, g_strdup("tier"), g_strdup("web"));
	some = ocid_store_list(store, &filter);
	g_assert_cmpuint(some->len, ==, 2);
	g_clear_pointer(&some, g_ptr_array_unref);
	filter.has_state = TRUE;
	filter.state = OCID_STATE_RUNNING;
	some = ocid_store_list(store, &filter);
	g_assert_cmpuint(some->len, ==, 1);
	g_clear_pointer(&some, g_ptr_array_unref);
	filter.sandbox = g_strdup("other");
	some = ocid_store_list(store, &filter);
	g_assert_cmpuint(some->len, ==, 0);
	ocid_store_filter_clear(&filter);
	filter = (OcidStoreFilter){ 0 };

	/* owner alone, then with another key: every key must match. */
	a->owner_uid = 1000;
	c->owner_uid = 1000;
	filter.has_owner = TRUE;
	filter.owner_uid = 1000;
	some = ocid_store_list(store, &filter);
	g_assert_cmpuint(some->len, ==, 2);
	g_assert_true(g_ptr_array_index(some, 0) == c);
	g_assert_true(g_ptr_array_index(some, 1) == a);
	g_clear_pointer(&some, g_ptr_array_unref);
	filter.name = g_strdup("alpha");
	some = ocid_store_list(store, &filter);
	g_assert_cmpuint(some->len, ==, 1);
	g_clear_pointer(&some, g_ptr_array_unref);
	filter.owner_uid = 0;
	some = ocid_store_list(store, &filter);
	g_assert_cmpuint(some->len, ==, 0);
	g_clear_pointer(&some, g_ptr_array_unref);
	g_clear_pointer(&filter.name, g_free);
	some = ocid_store_list(store, &filter);
	g_assert_cmpuint(some->len, ==, 1);
	g_assert_true(g_ptr_array_index(some, 0) == b);
	g_clear_pointer(&some, g_ptr_array_unref);
	ocid_store_filter_clear(&filter);

	g_assert_cmpuint(ocid_store_count_in_state(store, OCID_STATE_RUNNING), ==, 1);
	ocid_store_remove(store, b);
	g_assert_null(ocid_store_lookup(store, "beta"));
	g_assert_cmpuint(ocid_store_count(store), ==, 2);
	g_assert_cmpuint(ocid_store_count_in_state(store, OCID_STATE_RUNNING), ==, 0);

	/* A container named by its id is found by that name; another's id is no name. */
	ocid_store_add(store, d);
	g_assert_true(ocid_store_get_by_name(store, "delta") == d);
	g_assert_true(ocid_store_lookup(store, "delta") == d);
	g_assert_true(ocid_store_get_by_name(store, "alpha") == a);
	g_assert_null(ocid_store_get_by_name(store, "a"));
	ocid_store_remove(store, d);
	g_assert_null(ocid_store_get_by_name(store, "delta"));
	g_assert_null(ocid_store_lookup(store, "delta"));
	g_assert_cmpuint(ocid_store_count(store), ==, 2);
}

/* Whether @list is newest first, the id breaking ties. */
static void
assert_newest_first(GPtrArray *list)
{
	for (guint i = 1; i < list->len; i++) {
		const OcidContainer *newer = list->pdata[i - 1], *older = list->pdata[i];

		g_assert_cmpuint(newer->created_usec, >=, older->created_usec);
		if (newer->created_usec == older->created_usec)
			g_assert_cmpstr(newer->id, <, older->id);
	}
}

/* The order of ListContainers whatever the order the store is filled in: a restore's
 * records come in the dir's order, creates newest last, and removals come from both. */
static void
test_store_order(void)
{
	g_autoptr(OcidStore) store = ocid_store_new();
	g_autoptr(GPtrArray) list = NULL;
	const char *removed[] = { "r07", "r30", "r00", "n2", NULL };

	/* Emptied before any list put it in order: nothing to sort (UBSan caught a qsort of
	 * the NULL that g_new() gives for no keys). */
	ocid_store_add(store, sample_container("late", "late", 2000));
	ocid_store_add(store, sample_container("early", "early", 1000));
	ocid_store_remove(store, ocid_store_get(store, "late"));
	ocid_store_remove(store, ocid_store_get(store, "early"));
	list = ocid_store_list(store, NULL);
	g_assert_cmpuint(list->len, ==, 0);
	g_clear_pointer(&list, g_ptr_array_unref);
	/* Restored: in no order, with equal creation times among them. */
	for (guint i = 0; i < 60; i++) {
		g_autofree char *id = g_strdup_printf("r%02u", (i * 37) % 60);

		ocid_store_add(store, sample_container(id, id, 1000 + ((i * 37) % 60) / 3));
	}
	/* One removed before any list has put them in order. */
	ocid_store_remove(store, ocid_store_get(store, removed[0]));
	list = ocid_store_list(store, NULL);
	g_assert_cmpuint(list->len, ==, 59);
	assert_newest_first(list);
	g_assert_cmpstr(((OcidContainer *)list->pdata[0])->id, ==, "r57");
	g_clear_pointer(&list, g_ptr_array_unref);

	/* Then created, and removed from the middle and both ends. */
	ocid_store_add(store, sample_container("n1", "n1", 5000));
	ocid_store_add(store, sample_container("n0", "n0", 5000));
	ocid_store_add(store, sample_container("n2", "n2", 6000));
	for (guint i = 1; removed[i] != NULL; i++)
		ocid_store_remove(store, ocid_store_get(store, removed[i]));
	list = ocid_store_list(store, NULL);
	g_assert_cmpuint(list->len, ==, 59);
	g_assert_cmpuint(ocid_store_count(store), ==, 59);
	assert_newest_first(list);
	g_assert_cmpstr(((OcidContainer *)list->pdata[0])->id, ==, "n0");
	g_assert_cmpstr(((OcidContainer *)list->pdata[1])->id, ==, "n1");
	for (guint i = 0; i < list->len; i++)
		g_assert_false(g_strv_contains(removed, ((OcidContainer *)list->pdata[i])->id));
	g_clear_pointer(&list, g_ptr_array_unref);
	list = ocid_store_list_all(store);
	g_assert_cmpuint(list->len, ==, 59);
}

static void
test_spec(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *bundle = g_dir_make_tmp("ocid-spec-XXXXXX", &error);
	g_autofree char *config = g_build_filename(bundle, "config.json", NULL);
	g_autoptr(JsonNode) spec = NULL;
	g_autoptr(OcidContainer) c = sample_container("s", "spec", 1);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;
	g_autofree char *expected_root = NULL;
	g_autofree char *stop = NULL;
	OcidVolume *v = g_new0(OcidVolume, 1);

	g_assert_true(g_file_set_contents(
	    config,
	    "{\"process\":{\"args\":[\"true\"],\"terminal\":true},\"root\":{\"path\":"
	    "\"rootfs\"},\"annotations\":{\"org.opencontainers.image.stopSignal\":"
	    "\"SIGQUIT\"},\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}}",
	    -1, NULL));
	g_free(c->bundle_path);
	c->bundle_path = g_strdup(bundle);
	c->cgroups_path = g_strdup("/ocid/ocid-s");
	c->netns_path = g_strdup("/run/netns/n1");
	v->container_path = g_strdup("/data");
	v->host_path = g_strdup("/srv/data");
	v->readonly = TRUE;
	g_ptr_array_add(ocid_ptr_array_ensure(&c->volumes, (GDestroyNotify)ocid_volume_free), v);
	g_hash_table_insert(ocid_string_map_ensure(&c->annotations), g_strdup("k"), g_strdup("v"));

	spec = ocid_spec_load_bundle(bundle, &error);
	g_assert_no_error(error);
	stop = ocid_spec_image_stop_signal(spec);
	g_assert_cmpstr(stop, ==, "SIGQUIT");
	g_assert_true(ocid_spec_apply(spec, c, NULL, &error));
	json_generator_set_root(gen, spec);
	text = json_generator_to_data(gen, NULL);
	expected_root = g_strdup_printf("\"path\":\"%s/rootfs\"", bundle);
	g_assert_nonnull(strstr(text, expected_root));
	g_assert_nonnull(strstr(text, "\"terminal\":false"));
	g_assert_nonnull(strstr(text, "\"cgroupsPath\":\"/ocid/ocid-s\""));
	g_assert_nonnull(strstr(text, "{\"type\":\"network\",\"path\":\"/run/netns/n1\"}"));
	g_assert_nonnull(strstr(text, "\"destination\":\"/data\",\"type\":\"bind\",\"source\":"
				      "\"/srv/data\",\"options\":[\"rbind\",\"ro\"]"));
	g_assert_nonnull(strstr(text, "\"k\":\"v\""));
	g_assert_nonnull(strstr(text, "\"org.oci.ocid.id\":\"s\""));

	/* Refusals: not JSON, no root.path, no process. */
	g_assert_true(g_file_set_contents(config, "{", -1, NULL));
	g_assert_null(ocid_spec_load_bundle(bundle, &error));
	g_assert_nonnull(strstr(error->message, "not valid JSON"));
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(config, "{\"process\":{}}", -1, NULL));
	g_assert_null(ocid_spec_load_bundle(bundle, &error));
	g_assert_nonnull(strstr(error->message, "root.path"));
	g_clear_error(&error);
	g_assert_true(g_file_set_contents(config, "{\"root\":{\"path\":\"r\"}}", -1, NULL));
	g_assert_null(ocid_spec_load_bundle(bundle, &error));
	g_assert_nonnull(strstr(error->message, "no process"));
	g_clear_error(&error);
	g_unlink(config);
	g_rmdir(bundle);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/model/ids", test_ids);
	g_test_add_func("/model/signals", test_signals);
	g_test_add_func("/model/persist-round-trip", test_persist_round_trip);
	g_test_add_func("/model/persist-empty-maps", test_persist_empty_maps);
	g_test_add_func("/model/compact-fields", test_compact_fields);
	g_test_add_func("/model/persist-refusals", test_persist_refusals);
	g_test_add_func("/model/atomic-write", test_atomic_write);
	g_test_add_func("/model/persist-load", test_persist_load);
	g_test_add_func("/model/record-exchange", test_record_exchange);
	g_test_add_func("/model/store", test_store);
	g_test_add_func("/model/store-order", test_store_order);
	g_test_add_func("/model/spec", test_spec);
	return g_test_run();
}
