/* Reading a{sv} arguments (CreateContainer's options, ListContainers' filter, Update's
 * resources) the same way everywhere: unknown keys and wrong types are InvalidArgument
 * errors that name the key, never ignored. */
#pragma once

#include <systemd/sd-bus.h>

typedef struct {
	const char *what;  /* "option", "filter", "resource", for the error messages */
	const char *known; /* what to say about the known keys */
	/* The D-Bus type @key must have, or NULL when the key is unknown. */
	const char *(*signature_of)(const char *key, void *data);
	/* Reads the value of @key; the message is positioned inside its variant. */
	int (*read)(sd_bus_message *m, const char *key, void *data, sd_bus_error *error);
} OcidBusDictReader;

int ocid_bus_read_dict(sd_bus_message *m, const OcidBusDictReader *reader, void *data,
		       sd_bus_error *error);
