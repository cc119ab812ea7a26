/* SPDX-License-Identifier: MIT */
#pragma once
#include <stdbool.h>

/* errno and address-family names as systemd accepts and prints them (tables in nametables.c). */

#define HD_ERRNO_MAX 4095 /* the largest errno seccomp's SECCOMP_RET_DATA can carry for ERRNO */

int hd_errno_from_name(const char *name);  /* "EPERM" (any case) -> 1; -EINVAL if unknown */
const char *hd_errno_name(int value);      /* 1 -> "EPERM"; NULL if none (0, 200, ...) */
/* systemd's parse_errno(): an errno name, or a number 0..4095 (strtol base 0). The value or -errno. */
int hd_errno_parse(const char *s);

int hd_af_from_name(const char *name);     /* "AF_INET" (any case, aliases too) -> 2; -EINVAL */
const char *hd_af_name(int af);            /* 2 -> "AF_INET"; NULL if none */
int hd_af_max(void);                       /* one more than the largest family in the table */
