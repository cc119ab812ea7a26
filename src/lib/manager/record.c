/* SPDX-License-Identifier: MIT */
/* harden apply's records (see record.h). */
#include "manager/record.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"

static const char *const state_names[HD_APPLY_STATES] = { "applying", "kept", "rolled-back", "undone" };

const char *hd_apply_state_name(enum hd_apply_state s)
{
	return (unsigned)s < HD_APPLY_STATES ? state_names[s] : "unknown";
}

void hd_apply_record_free(struct hd_apply_record *r)
{
	free(r->unit);
	free(r->dropin_path);
	free(r->previous);
	free(r->applied);
	free(r->applied_sha256);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

char *hd_apply_record_path(const char *state_dir, const char *unit)
{
	char *p = NULL;
	return asprintf(&p, "%s/apply/%s.json", state_dir, unit) < 0 ? NULL : p;
}

int hd_sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
		return -EIO;
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int add_string(json_object *o, const char *key, const char *value)
{
	json_object *v = value ? json_object_new_string(value) : json_object_new_null();
	if (value && !v)
		return -ENOMEM;
	return json_object_object_add(o, key, v) < 0 ? -ENOMEM : 0;
}

int hd_apply_record_write(const char *state_dir, const struct hd_apply_record *r)
{
	char *path = hd_apply_record_path(state_dir, r->unit);
	json_object *o = json_object_new_object();
	int rc = path && o ? 0 : -ENOMEM;
	if (rc == 0)
		rc = add_string(o, "unit", r->unit);
	if (rc == 0)
		rc = add_string(o, "dropin", r->dropin_path);
	if (rc == 0)
		rc = add_string(o, "previous", r->had_previous ? r->previous : NULL);
	if (rc == 0)
		rc = add_string(o, "applied", r->applied);
	if (rc == 0)
		rc = add_string(o, "applied_sha256", r->applied_sha256);
	if (rc == 0)
		rc = add_string(o, "state", hd_apply_state_name(r->state));
	if (rc == 0)
		rc = add_string(o, "reason", r->reason);
	if (rc == 0 && (json_object_object_add(o, "started_usec", json_object_new_int64(r->started_usec)) < 0 ||
			json_object_object_add(o, "finished_usec", json_object_new_int64(r->finished_usec)) < 0 ||
			json_object_object_add(o, "exposure_before", json_object_new_int(r->exposure_before)) < 0 ||
			json_object_object_add(o, "exposure_after", json_object_new_int(r->exposure_after)) < 0))
		rc = -ENOMEM;
	if (rc == 0) {
		/* STATE_DIR and STATE_DIR/apply: root's alone (the records hold unit files' text) */
		if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
			rc = -errno;
		else if (hd_mkdir_parent(path, 0700) < 0)
			rc = -errno;
	}
	if (rc == 0) {
		const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		char *line = NULL;
		rc = text && asprintf(&line, "%s\n", text) >= 0 ? hd_write_file_atomic(path, line, 0600) : -ENOMEM;
		free(line);
	}
	json_object_put(o);
	free(path);
	return rc;
}

/* a string member (required: absent or not a string is an error; nullable: null gives NULL) */
static int get_string(json_object *o, const char *key, bool nullable, char **out, const char *file, hd_diags *d)
{
	json_object *v = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || (!v && !nullable) || (v && !json_object_is_type(v, json_type_string))) {
		hd_diag_add(d, HD_ERROR, file, 0, "\"%s\": %s", key, v || !nullable ? "missing or not a string" : "missing");
		return -EINVAL;
	}
	if (!v)
		return 0;
	return (*out = strndup(json_object_get_string(v), (size_t)json_object_get_string_len(v))) ? 0 : -ENOMEM;
}

static int get_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *out, const char *file, hd_diags *d)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
		hd_diag_add(d, HD_ERROR, file, 0, "\"%s\": missing or not an integer", key);
		return -EINVAL;
	}
	errno = 0;
	int64_t x = json_object_get_int64(v);
	if (errno || x < min || x > max) {
		hd_diag_add(d, HD_ERROR, file, 0, "\"%s\": %lld is out of range", key, (long long)x);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

/* path is DIR/UNIT.d/NAME.conf: absolute, no "." or ".." component, no "//", NAME without '/' */
static bool dropin_path_of(const char *path, const char *unit)
{
	size_t n = strlen(path);
	if (path[0] != '/' || n < 6 || strcmp(path + n - 5, ".conf") != 0 || strstr(path, "//") || strstr(path, "/./") ||
	    strstr(path, "/../"))
		return false;
	const char *name = strrchr(path, '/');
	char dir[512];
	int k = snprintf(dir, sizeof(dir), "/%s.d/", unit);
	if (k < 0 || (size_t)k >= sizeof(dir) || (size_t)(name + 1 - path) < (size_t)k)
		return false;
	return strncmp(name + 1 - k, dir, (size_t)k) == 0 && name[1] != '.';
}

int hd_apply_record_parse(const char *text, size_t len, const char *file, const char *unit, struct hd_apply_record *out,
			  hd_diags *d)
{
	memset(out, 0, sizeof(*out));
	if (len > HD_APPLY_RECORD_MAX) {
		hd_diag_add(d, HD_ERROR, file, 0, "larger than %u bytes: not a record of harden apply", HD_APPLY_RECORD_MAX);
		return -EINVAL;
	}
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || err != json_tokener_success || !json_object_is_type(o, json_type_object)) {
		hd_diag_add(d, HD_ERROR, file, 0, "not a JSON object (byte %zu: %s)", end,
			    err != json_tokener_success ? json_tokener_error_desc(err) : "another type");
		json_object_put(o);
		return -EINVAL;
	}
	for (size_t i = end; i < len; i++)
		if (!strchr(" \t\r\n", text[i])) {
			hd_diag_add(d, HD_ERROR, file, 0, "byte %zu: text after the record", i);
			json_object_put(o);
			return -EINVAL;
		}
	char *state = NULL;
	int64_t started = 0, finished = 0, before = 0, after = 0;
	int r = get_string(o, "unit", false, &out->unit, file, d);
	if (r == 0)
		r = get_string(o, "dropin", false, &out->dropin_path, file, d);
	if (r == 0)
		r = get_string(o, "previous", true, &out->previous, file, d);
	if (r == 0)
		r = get_string(o, "applied", false, &out->applied, file, d);
	if (r == 0)
		r = get_string(o, "applied_sha256", false, &out->applied_sha256, file, d);
	if (r == 0)
		r = get_string(o, "reason", true, &out->reason, file, d);
	if (r == 0)
		r = get_string(o, "state", false, &state, file, d);
	if (r == 0)
		r = get_int(o, "started_usec", 0, INT64_MAX, &started, file, d);
	if (r == 0)
		r = get_int(o, "finished_usec", 0, INT64_MAX, &finished, file, d);
	if (r == 0)
		r = get_int(o, "exposure_before", -1, 100, &before, file, d);
	if (r == 0)
		r = get_int(o, "exposure_after", -1, 100, &after, file, d);
	json_object_put(o);
	if (r == 0) {
		out->had_previous = out->previous != NULL;
		out->started_usec = started;
		out->finished_usec = finished;
		out->exposure_before = (int)before;
		out->exposure_after = (int)after;
		out->state = HD_APPLY_STATES;
		for (int s = 0; s < HD_APPLY_STATES; s++)
			if (strcmp(state, state_names[s]) == 0)
				out->state = (enum hd_apply_state)s;
		char hex[65];
		if (out->state == HD_APPLY_STATES) {
			hd_diag_add(d, HD_ERROR, file, 0, "\"state\": \"%s\" is not one of applying, kept, rolled-back, undone", state);
			r = -EINVAL;
		} else if (strcmp(out->unit, unit) != 0) {
			hd_diag_add(d, HD_ERROR, file, 0, "\"unit\": the record is of %s, not %s", out->unit, unit);
			r = -EINVAL;
		} else if (!dropin_path_of(out->dropin_path, unit)) {
			hd_diag_add(d, HD_ERROR, file, 0, "\"dropin\": %s is not a .conf file in a %s.d/ directory", out->dropin_path,
				    unit);
			r = -EINVAL;
		} else if (hd_sha256_hex(out->applied, strlen(out->applied), hex) < 0 || strcmp(hex, out->applied_sha256) != 0) {
			hd_diag_add(d, HD_ERROR, file, 0, "\"applied_sha256\": not the hash of \"applied\"");
			r = -EINVAL;
		}
	}
	free(state);
	if (r < 0)
		hd_apply_record_free(out);
	return r;
}

int hd_apply_record_read(const char *state_dir, const char *unit, struct hd_apply_record *out, hd_diags *d)
{
	memset(out, 0, sizeof(*out));
	char *path = hd_apply_record_path(state_dir, unit);
	if (!path)
		return -ENOMEM;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	int r = 0;
	if (fd < 0)
		r = -errno;
	else if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode)) {
		hd_diag_add(d, HD_ERROR, path, 0, "not a regular file");
		r = -EINVAL;
	} else if ((size_t)st.st_size > HD_APPLY_RECORD_MAX) {
		hd_diag_add(d, HD_ERROR, path, 0, "larger than %u bytes: not a record of harden apply", HD_APPLY_RECORD_MAX);
		r = -EINVAL;
	}
	char *text = NULL;
	size_t len = 0;
	if (r == 0 && !(text = malloc((size_t)st.st_size + 1)))
		r = -ENOMEM;
	while (r == 0 && len < (size_t)st.st_size) {
		ssize_t k = read(fd, text + len, (size_t)st.st_size - len);
		if (k < 0)
			r = -errno;
		else if (k == 0)
			break;
		else
			len += (size_t)k;
	}
	if (fd >= 0)
		close(fd);
	if (r == 0) {
		text[len] = '\0';
		if (strlen(text) != len) {
			hd_diag_add(d, HD_ERROR, path, 0, "byte %zu: a NUL byte", strlen(text));
			r = -EINVAL;
		} else
			r = hd_apply_record_parse(text, len, path, unit, out, d);
	}
	free(text);
	free(path);
	return r;
}
