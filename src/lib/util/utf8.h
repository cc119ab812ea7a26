/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/*
 * UTF-8 as systemd judges it (its utf8.c): a unit file line, a path in a path setting and a unit name
 * must be valid, or systemd refuses them.
 */

/* The length of the UTF-8 sequence at s (at most avail bytes), or 0 if it is not one systemd accepts:
 * overlong forms, surrogates, code points past U+10FFFF and the noncharacters (U+FDD0..U+FDEF,
 * U+xxFFFE, U+xxFFFF) are all refused. */
size_t hd_utf8_char_len(const unsigned char *s, size_t avail);
/* Every byte of the NUL-terminated s belongs to a sequence hd_utf8_char_len accepts. */
bool hd_utf8_is_valid(const char *s);
