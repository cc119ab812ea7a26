/* SPDX-License-Identifier: MIT */
#include "unit/timespan.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

/* systemd's unit names and their length in microseconds, longest name first where one is a prefix */
static const struct {
	const char *name;
	uint64_t usec;
} units[] = {
	{ "seconds", 1000000ULL }, { "second", 1000000ULL }, { "sec", 1000000ULL }, { "s", 1000000ULL },
	{ "minutes", 60000000ULL }, { "minute", 60000000ULL }, { "min", 60000000ULL },
	{ "months", 2629800000000ULL }, { "month", 2629800000000ULL }, { "M", 2629800000000ULL },
	{ "msec", 1000ULL }, { "ms", 1000ULL }, { "m", 60000000ULL },
	{ "hours", 3600000000ULL }, { "hour", 3600000000ULL }, { "hr", 3600000000ULL }, { "h", 3600000000ULL },
	{ "days", 86400000000ULL }, { "day", 86400000000ULL }, { "d", 86400000000ULL },
	{ "weeks", 604800000000ULL }, { "week", 604800000000ULL }, { "w", 604800000000ULL },
	{ "years", 31557600000000ULL }, { "year", 31557600000000ULL }, { "y", 31557600000000ULL },
	{ "usec", 1ULL }, { "us", 1ULL }, { "\xc2\xb5s", 1ULL },
};

int hd_timespan_ms(const char *s, uint64_t *ms)
{
	while (isspace((unsigned char)*s))
		s++;
	if (strcmp(s, "infinity") == 0) {
		*ms = UINT64_MAX;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	uint64_t total = 0; /* microseconds */
	while (*s) {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return -EINVAL;
		uint64_t whole = 0, frac = 0, frac_div = 1;
		for (; isdigit((unsigned char)*s); s++) {
			if (whole > UINT64_MAX / 10 / 1000000ULL)
				return -EINVAL;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.')
			for (s++; isdigit((unsigned char)*s); s++)
				if (frac_div < 1000000000ULL) {
					frac = frac * 10 + (uint64_t)(*s - '0');
					frac_div *= 10;
				}
		while (*s == ' ')
			s++;
		uint64_t unit = 1000000ULL; /* a bare number is seconds */
		if (*s && !isdigit((unsigned char)*s)) {
			size_t i, n = 0;
			for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
				n = strlen(units[i].name);
				if (strncmp(s, units[i].name, n) == 0 && !isalpha((unsigned char)s[n]))
					break;
			}
			if (i == sizeof(units) / sizeof(units[0]))
				return -EINVAL;
			unit = units[i].usec;
			s += n;
		}
		if (whole > UINT64_MAX / unit)
			return -EINVAL;
		uint64_t add = whole * unit + (uint64_t)((long double)frac * (long double)unit / (long double)frac_div);
		if (total > UINT64_MAX - add)
			return -EINVAL;
		total += add;
		while (isspace((unsigned char)*s))
			s++;
	}
	*ms = total / 1000 + (total % 1000 != 0);
	return 0;
}
