/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A streaming JSON writer (bpftool's shape: it places the commas).
 * Strings are arbitrary bytes from hostile files: control bytes are escaped
 * as \u00XX, and bytes that are not valid UTF-8 become U+FFFD, so the output
 * is always valid JSON.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json;
struct json *json_new(FILE *f, bool pretty);
void json_free(struct json *j);
void json_obj_start(struct json *j);
void json_obj_end(struct json *j);
void json_arr_start(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_kstr(struct json *j, const char *key, const char *s); /* NULL -> null */
void json_kuint(struct json *j, const char *key, uint64_t v);
void json_kbool(struct json *j, const char *key, bool v);
