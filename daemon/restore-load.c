#include "restore-load.h"

#include "cleanup.h"
#include "ids.h"
#include "persist.h"
#include "process.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

/* A restart spends most of its time per container in the kernel and the parser: one read
 * of state.json, its parse, two pidfd_open and two fstat calls. A worker per core shares
 * that out; past a few, the main thread, which takes each record in turn, is the bound. */
#define WORKERS_MAX 4

/* A main thread that catches up with the workers sleeps until this many more records are
 * ready, not one: each wake-up costs it and a worker a context switch. */
#define WAKE_BATCH 32

typedef struct {
	OcidRestoreRecord record;
	int done; /* atomic: the record is filled */
} Slot;

struct OcidRestoreLoad {
	char *containers_dir;
	int dir_fd; /* of containers_dir: a path walk of two names a record, not of all */
	gboolean open_pidfds;
	GHashTable *stored_ids;
	GPtrArray *names;
	Slot *slots;
	int claimed; /* atomic: the next slot a worker takes */
	guint taken; /* the next slot the main thread takes */
	GThread *workers[WORKERS_MAX];
	guint n_workers;
	GMutex lock;
	GCond filled;
	/* Under lock: the main thread waits for the slots @wait_for and @wake_at. */
	gboolean waiting;
	guint wait_for;
	guint wake_at;
};

static void
open_pidfds(OcidRestoreLoad *load, OcidContainer *c)
{
	/* A create or a Delete that a crash interrupted is taken down, not watched. */
	if (!load->open_pidfds || !ocid_container_is_alive(c) || c->removing)
		return;
	c->monitor_pidfd = ocid_pidfd_open_verified(c->monitor_pid, &c->monitor_identity);
	if (load->stored_ids == NULL || !g_hash_table_contains(load->stored_ids, c->id))
		c->container_pidfd = ocid_pidfd_open_verified(c->pid, &c->pid_identity);
}

static gboolean
slots_ready(OcidRestoreLoad *load)
{
	return g_atomic_int_get(&load->slots[load->wait_for].done) &&
	       g_atomic_int_get(&load->slots[load->wake_at].done);
}

static void
load_one(OcidRestoreLoad *load, Slot *slot)
{
	OcidRestoreRecord *record = &slot->record;
	g_autofree char *name = g_build_filename(record->name, "state.json", NULL);
	g_autofree char *path = g_build_filename(load->containers_dir, name, NULL);

	record->container = ocid_persist_load_at(load->dir_fd, name, path, &record->error);
	if (record->container != NULL)
		open_pidfds(load, record->container);
	g_atomic_int_set(&slot->done, 1);
	/* The signal costs a syscall: it is given only when what the main thread waits for
	 * is there. */
	g_mutex_lock(&load->lock);
	if (load->waiting && slots_ready(load))
		g_cond_broadcast(&load->filled);
	g_mutex_unlock(&load->lock);
}

static gpointer
work(gpointer data)
{
	OcidRestoreLoad *load = data;
	guint i;

	while ((i = (guint)g_atomic_int_add(&load->claimed, 1)) < load->names->len)
		load_one(load, &load->slots[i]);
	return NULL;
}

/* The valid ids among the names in @load's dir. */
static void
list_names(OcidRestoreLoad *load)
{
	int fd = load->dir_fd >= 0 ? fcntl(load->dir_fd, F_DUPFD_CLOEXEC, 0) : -1;
	g_autoptr(DIR) dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *entry;

	if (dir == NULL) {
		closep(&fd);
		return;
	}
	while ((entry = readdir(dir)) != NULL)
		if (ocid_id_is_valid(entry->d_name))
			g_ptr_array_add(load->names, g_strdup(entry->d_name));
}

OcidRestoreLoad *
ocid_restore_load_start(const char *containers_dir, gboolean open_pidfds, GHashTable *stored_ids)
{
	OcidRestoreLoad *load = g_new0(OcidRestoreLoad, 1);
	guint n_workers;

	load->containers_dir = g_strdup(containers_dir);
	load->dir_fd = open(containers_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	load->open_pidfds = open_pidfds;
	load->stored_ids = stored_ids != NULL ? g_hash_table_ref(stored_ids) : NULL;
	load->names = g_ptr_array_new_with_free_func(g_free);
	g_mutex_init(&load->lock);
	g_cond_init(&load->filled);
	list_names(load);
	load->slots = g_new0(Slot, load->names->len);
	for (guint i = 0; i < load->names->len; i++)
		load->slots[i].record.name = load->names->pdata[i];
	n_workers = MIN((guint)g_get_num_processors(), WORKERS_MAX);
	n_workers = MIN(n_workers, load->names->len);
	for (guint i = 0; i < n_workers; i++) {
		g_autoptr(GError) error = NULL;
		GThread *thread = g_thread_try_new("ocid-restore", work, load, &error);

		if (thread == NULL) {
			g_warning("Cannot start a thread to restore containers: %s; the main "
				  "thread restores them alone",
				  error->message);
			break;
		}
		load->workers[load->n_workers++] = thread;
	}
	return load;
}

OcidRestoreRecord *
ocid_restore_load_next(OcidRestoreLoad *load)
{
	Slot *slot;

	if (load->taken >= load->names->len)
		return NULL;
	slot = &load->slots[load->taken++];
	/* No worker could start: the main thread loads each record itself. */
	if (load->n_workers == 0)
		load_one(load, slot);
	if (!g_atomic_int_get(&slot->done)) {
		g_mutex_lock(&load->lock);
		load->wait_for = load->taken - 1;
		load->wake_at = MIN(load->wait_for + WAKE_BATCH, load->names->len - 1);
		load->waiting = TRUE;
		while (!slots_ready(load))
			g_cond_wait(&load->filled, &load->lock);
		load->waiting = FALSE;
		g_mutex_unlock(&load->lock);
	}
	return &slot->record;
}

void
ocid_restore_load_free(OcidRestoreLoad *load)
{
	if (load == NULL)
		return;
	/* A worker stops at the end of the names, which the claim below hastens. */
	g_atomic_int_set(&load->claimed, (int)load->names->len);
	for (guint i = 0; i < load->n_workers; i++)
		g_thread_join(load->workers[i]);
	for (guint i = 0; i < load->names->len; i++) {
		g_clear_pointer(&load->slots[i].record.container, ocid_container_free);
		g_clear_error(&load->slots[i].record.error);
	}
	g_free(load->slots);
	g_ptr_array_unref(load->names);
	if (load->stored_ids != NULL)
		g_hash_table_unref(load->stored_ids);
	g_mutex_clear(&load->lock);
	g_cond_clear(&load->filled);
	closep(&load->dir_fd);
	g_free(load->containers_dir);
	g_free(load);
}
