/* The user namespace of a confined container: the id maps from /etc/subuid and
 * /etc/subgid by newuidmap's rules, and what they do to a spec. */
#include "userns.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct {
	char *dir;
	char *subuid;
	char *subgid;
} Files;

static void
files_setup(Files *f, gconstpointer data)
{
	f->dir = g_dir_make_tmp("ocid-test-userns-XXXXXX", NULL);
	g_assert_nonnull(f->dir);
	f->subuid = g_build_filename(f->dir, "subuid", NULL);
	f->subgid = g_build_filename(f->dir, "subgid", NULL);
}

static void
files_teardown(Files *f, gconstpointer data)
{
	(void)g_unlink(f->subuid);
	(void)g_unlink(f->subgid);
	(void)g_rmdir(f->dir);
	g_free(f->subuid);
	g_free(f->subgid);
	g_free(f->dir);
}

static OcidCaller
alice(void)
{
	static gid_t groups[] = { 1001 };
	return (OcidCaller){
		.uid = 1001, .gid = 1001, .name = "alice", .groups = groups, .n_groups = 1
	};
}

static const OcidIdRange *
range(GArray *ranges, guint i)
{
	return &g_array_index(ranges, OcidIdRange, i);
}

/* Container 0 is her; 1 and up her ranges, named by user name or uid, in file order. Other
 * users' lines, broken lines and a range holding her own id are left out. */
static void
test_ranges(Files *f, gconstpointer data)
{
	OcidCaller owner = alice();
	g_autoptr(OcidIdMap) map = NULL;

	g_assert_true(g_file_set_contents(f->subuid,
					  "bob:100000:65536\n"
					  "alice:165536:65536\n"
					  "alice:x:10\n"
					  "1001:300000:1000\n"
					  "alice:1000:10\n"
					  "alice:4294967000:1000\n",
					  -1, NULL));
	map = ocid_id_map_for(&owner, f->subuid, f->subgid);
	g_assert_cmpuint(map->uids->len, ==, 3);
	g_assert_cmpuint(range(map->uids, 0)->container_id, ==, 0);
	g_assert_cmpuint(range(map->uids, 0)->host_id, ==, 1001);
	g_assert_cmpuint(range(map->uids, 0)->size, ==, 1);
	g_assert_cmpuint(range(map->uids, 1)->container_id, ==, 1);
	g_assert_cmpuint(range(map->uids, 1)->host_id, ==, 165536);
	g_assert_cmpuint(range(map->uids, 1)->size, ==, 65536);
	g_assert_cmpuint(range(map->uids, 2)->container_id, ==, 65537);
	g_assert_cmpuint(range(map->uids, 2)->host_id, ==, 300000);
	/* No subgid file: only her own group. */
	g_assert_cmpuint(map->gids->len, ==, 1);
	g_assert_cmpuint(range(map->gids, 0)->host_id, ==, 1001);
}

/* A new user namespace with the maps; a devpts "gid=5" she has no gid 5 for is left out,
 * since the kernel would refuse the mount. */
static void
test_apply(Files *f, gconstpointer data)
{
	OcidCaller owner = alice();
	g_autoptr(OcidIdMap) map = ocid_id_map_for(&owner, f->subuid, f->subgid);
	g_autoptr(JsonNode) spec = json_from_string(
	    "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"user\","
	    "\"path\":\"/proc/1/ns/user\"}]},\"mounts\":[{\"destination\":\"/dev/pts\","
	    "\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"newinstance\",\"gid=5\","
	    "\"gid=0\",\"mode=0620\"]}]}",
	    NULL);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;

	ocid_userns_apply(spec, map);
	json_generator_set_root(gen, spec);
	text = json_generator_to_data(gen, NULL);
	g_assert_nonnull(strstr(text, "{\"type\":\"user\"}"));
	g_assert_null(strstr(text, "/proc/1/ns/user"));
	g_assert_nonnull(strstr(text, "\"uidMappings\":[{\"containerID\":0,\"hostID\":1001,"
				      "\"size\":1}]"));
	g_assert_nonnull(strstr(text, "\"gidMappings\":[{\"containerID\":0,\"hostID\":1001,"
				      "\"size\":1}]"));
	g_assert_nonnull(strstr(text, "\"options\":[\"newinstance\",\"gid=0\",\"mode=0620\"]"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/userns/ranges", Files, NULL, files_setup, test_ranges, files_teardown);
	g_test_add("/userns/apply", Files, NULL, files_setup, test_apply, files_teardown);
	return g_test_run();
}
