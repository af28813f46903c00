/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - a trace session's links and maps pinned under a bpffs
 * directory: `vmlab trace --pin DIR` and `--unpin DIR`.
 */
#ifndef _VMLAB_TRACE_PIN_H
#define _VMLAB_TRACE_PIN_H

#include "trace_session.h"

/* Pin the session's links and maps under @dir (bpffs): 0 or 1 */
int trace_pin(struct trace_session *s, const char *dir);
/* Remove what trace_pin() made under @dir, then @dir: 0 or 1 */
int trace_unpin(const char *dir);

#endif /* _VMLAB_TRACE_PIN_H */
