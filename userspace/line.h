/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmlab tool - a line built by hand and written with one fwrite: printf
 * costs about a microsecond a record, twenty under TCG, and `vmlab trace`
 * must keep up with the fault path.  Fields are padded to columns:
 *
 *	ln_col_u(&l, pid, 7);	 the pid, then spaces to column 7, then one
 */
#ifndef _VMLAB_LINE_H
#define _VMLAB_LINE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct line {
	char *p, *end;
	char buf[384];
};

static inline void ln_init(struct line *l)
{
	l->p = l->buf;
	l->end = l->buf + sizeof(l->buf) - 1;
}

static inline void ln_c(struct line *l, char c)
{
	if (l->p < l->end)
		*l->p++ = c;
}

static inline void ln_s(struct line *l, const char *s)
{
	while (*s && l->p < l->end)
		*l->p++ = *s++;
}

/* at most @n characters of @s (not NUL-terminated within @n, like comm) */
static inline void ln_sn(struct line *l, const char *s, size_t n)
{
	while (n-- && *s && l->p < l->end)
		*l->p++ = *s++;
}

/* spaces up to column @width of the field that started at @from, then one */
static inline void ln_pad(struct line *l, const char *from, int width)
{
	while (l->p < from + width && l->p < l->end)
		*l->p++ = ' ';
	ln_c(l, ' ');
}

static inline int ln_digits(uint64_t v, char *t)
{
	int n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while (v /= 10);
	return n;
}

/* @v in decimal, right-aligned in @width, padded with @fill */
static inline void ln_uf(struct line *l, uint64_t v, int width, char fill)
{
	char t[20];
	int n = ln_digits(v, t);

	while (width-- > n)
		ln_c(l, fill);
	while (n)
		ln_c(l, t[--n]);
}

/* @v in decimal, right-aligned in @width */
static inline void ln_u(struct line *l, uint64_t v, int width)
{
	ln_uf(l, v, width, ' ');
}

/* "0x" and @v in hex, at least @digits digits */
static inline void ln_x(struct line *l, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char t[16];
	int n = 0;

	do {
		t[n++] = hex[v & 15];
		v >>= 4;
	} while (v);
	ln_s(l, "0x");
	while (digits-- > n)
		ln_c(l, '0');
	while (n)
		ln_c(l, t[--n]);
}

/* printf for the rare records */
static inline void ln_f(struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void ln_f(struct line *l, const char *fmt, ...)
{
	size_t room = l->end - l->p;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->p, room + 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->p += (size_t)n < room ? (size_t)n : room;
}

/* A column of @width: @s, padded */
static inline void ln_col_s(struct line *l, const char *s, int width)
{
	char *at = l->p;

	ln_s(l, s);
	ln_pad(l, at, width);
}

/* A column of @width: @v in decimal, padded */
static inline void ln_col_u(struct line *l, uint64_t v, int width)
{
	char *at = l->p;

	ln_u(l, v, 0);
	ln_pad(l, at, width);
}

/* The line, ended with a newline, to @f */
static inline void ln_write(struct line *l, FILE *f)
{
	ln_c(l, '\n');
	fwrite_unlocked(l->buf, 1, l->p - l->buf, f);
}

#endif /* _VMLAB_LINE_H */
