/* Structured logging: every line about a container carries CONTAINER_ID= and
 * CONTAINER_NAME=, and each life-cycle event its own MESSAGE_ID= so that
 * `journalctl MESSAGE_ID=...` finds every occurrence. */
#pragma once

#include <glib.h>

#define OCID_MESSAGE_CREATED        "d68f723681894c5db0f4af81eba140ad"
#define OCID_MESSAGE_STARTED        "e54a955935ab443db2e33f79d40d0799"
#define OCID_MESSAGE_EXITED         "070a4f71e2a44df3b742b05cd8ce9da0"
#define OCID_MESSAGE_REMOVED        "e8c9a98f6e1a44b98c5e8ea3b28eda4f"
#define OCID_MESSAGE_RESTORED       "28a33387dae84b27996b951d7dc7328d"
#define OCID_MESSAGE_FAILED         "1864dec05f7d4b418b3bb95169afcabf"
#define OCID_MESSAGE_DAEMON_STARTED "9716d81aa0b04222904a3a67f9b06e29"
#define OCID_MESSAGE_STOP_REQUESTED "80ec0bdad74b458bad425c080b092dcc"
#define OCID_MESSAGE_MACHINE        "1a95d2d0db8546ce941ae06811acec16"
#define OCID_MESSAGE_RESTARTED      "5c1f0e2b7a3d4c8e9b6a2f4d1e0c7b93"
#define OCID_MESSAGE_HEALTH         "a3e4b2d1c0f94e6b8d7a5c3b2e1f0d9c"
#define OCID_MESSAGE_READY          "6f2d8c4a1b9e4f07a3c5d2e8b1f6a094"

#define ocid_log_container(c, level, message_id, ...)                                              \
	g_log_structured(G_LOG_DOMAIN, level, "CONTAINER_ID", (c)->id, "CONTAINER_NAME",           \
			 (c)->name, "MESSAGE_ID", message_id, "MESSAGE", __VA_ARGS__)
