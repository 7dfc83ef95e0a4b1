/* Seccomp profiles in the Docker/CRI format: the shipped default, and every refusal. */
#include "errors.h"
#include "seccomp-profile.h"

#include <string.h>

static void
test_default_profile(void)
{
	g_autofree char *path =
	    g_build_filename(g_getenv("OCID_SOURCE_DIR"), "data", "seccomp.json", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) seccomp = ocid_seccomp_profile_load(path, &error);
	JsonObject *o;
	JsonArray *syscalls, *arches;

	g_assert_no_error(error);
	o = json_node_get_object(seccomp);
	g_assert_cmpstr(json_object_get_string_member(o, "defaultAction"), ==, "SCMP_ACT_ERRNO");
	arches = json_object_get_array_member(o, "architectures");
	g_assert_cmpuint(json_array_get_length(arches), ==, 5);
	syscalls = json_object_get_array_member(o, "syscalls");
	/* The CAP_SYS_PTRACE and CAP_SYS_ADMIN entries do not apply to a default container. */
	g_assert_cmpuint(json_array_get_length(syscalls), ==, 4);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
			     json_array_get_object_element(syscalls, 0), "names")),
			 >, 250);
}

static void
assert_refused(const char *profile, const char *hint)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) seccomp =
	    ocid_seccomp_profile_parse(profile, strlen(profile), "test.json", &error);

	g_assert_null(seccomp);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	if (strstr(error->message, hint) == NULL || strstr(error->message, "test.json") == NULL)
		g_error("'%s' lacks '%s'", error->message, hint);
}

static void
test_refusals(void)
{
	assert_refused("{", "not valid JSON");
	assert_refused("[]", "must be an object");
	assert_refused("{\"defaultAction\": \"SCMP_ACT_MAYBE\"}", "not a seccomp action");
	assert_refused("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
		       "[\"SCMP_ARCH_VAX\"]}",
		       "SCMP_ARCH_VAX");
	/* Unknown names are reported, all of them, not dropped. */
	assert_refused("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"read\", \"frobnicate\", \"unfrobnicate\"], \"action\": "
		       "\"SCMP_ACT_ERRNO\"}]}",
		       "unknown syscalls: frobnicate, unfrobnicate");
	assert_refused("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		       "[\"read\"]}]}",
		       "no known action");
	assert_refused("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": "
		       "\"SCMP_ACT_ALLOW\"}]}",
		       "names no syscall");
}

static void
test_small_profile(void)
{
	const char *profile = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
			      "[\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": [\"mkdir\", "
			      "\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}";
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) seccomp =
	    ocid_seccomp_profile_parse(profile, strlen(profile), "small.json", &error);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;

	g_assert_no_error(error);
	json_generator_set_root(gen, seccomp);
	text = json_generator_to_data(gen, NULL);
	g_assert_cmpstr(text, ==,
			"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_"
			"X86_64\"],\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":"
			"\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/seccomp/default-profile", test_default_profile);
	g_test_add_func("/seccomp/refusals", test_refusals);
	g_test_add_func("/seccomp/small-profile", test_small_profile);
	return g_test_run();
}
