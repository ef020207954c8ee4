/*
 * The answers-file operator: replays an operator's answers for scripts and
 * tests. One answer per line: "ok" (or empty) confirms an instruction, a
 * number is a typed indication, "quit" interrupts. '#' starts a comment.
 */
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "yamlx.h"

struct answer {
	int line;
	char text[64];
};

struct cal_answers {
	char name[256];
	struct answer *a;
	size_t n, next;
};

int cal_answers_parse(struct cal_answers **out, const char *text, const char *name)
{
	struct cal_answers *as;
	const char *p = text;
	int line = 0;
	size_t cap = 0;

	*out = NULL;
	as = calloc(1, sizeof(*as));
	if (!as)
		return CAL_ERR_NOMEM;
	snprintf(as->name, sizeof(as->name), "%s", name);
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char buf[256];
		char *s, *e, *hash;

		line++;
		if (len >= sizeof(buf)) {
			cal_answers_free(as);
			return cal_error_set(CAL_ERR_CONFIG, "%s:%d: line too long", name, line);
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		p = eol ? eol + 1 : p + len;
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		s = buf;
		while (isspace((unsigned char)*s))
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s && hash)
			continue; /* comment-only line */
		if (!*s)
			s = (char *)"ok";
		if (strcmp(s, "ok") != 0 && strcmp(s, "quit") != 0) {
			double v;

			if (cal_num_parse_str(&v, NULL, s)) {
				cal_answers_free(as);
				return cal_error_set(CAL_ERR_CONFIG,
						     "%s:%d: '%s' is not an answer (ok, quit or a "
						     "number with '.' as decimal point)",
						     name, line, s);
			}
		}
		if (strlen(s) >= sizeof(as->a[0].text)) {
			cal_answers_free(as);
			return cal_error_set(CAL_ERR_CONFIG, "%s:%d: answer too long", name, line);
		}
		if (as->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct answer *na = realloc(as->a, ncap * sizeof(*na));

			if (!na) {
				cal_answers_free(as);
				return CAL_ERR_NOMEM;
			}
			as->a = na;
			cap = ncap;
		}
		as->a[as->n].line = line;
		snprintf(as->a[as->n].text, sizeof(as->a[0].text), "%s", s);
		as->n++;
	}
	*out = as;
	return CAL_OK;
}

int cal_answers_load(struct cal_answers **out, const char *path)
{
	char *text;
	size_t len;
	int err;

	*out = NULL;
	err = yamlx_read_file(&text, &len, path);
	if (err)
		return err;
	if (memchr(text, '\0', len))
		err = cal_error_set(CAL_ERR_CONFIG, "%s: not a text file", path);
	else
		err = cal_answers_parse(out, text, path);
	free(text);
	return err;
}

void cal_answers_free(struct cal_answers *a)
{
	if (!a)
		return;
	free(a->a);
	free(a);
}

static int next_answer(struct answer **out, struct cal_answers *as)
{
	if (as->next >= as->n)
		return cal_error_set(CAL_ERR_INTERRUPTED, "%s: no more answers", as->name);
	*out = &as->a[as->next++];
	if (strcmp((*out)->text, "quit") == 0)
		return cal_error_set(CAL_ERR_INTERRUPTED, "%s:%d: quit", as->name, (*out)->line);
	return CAL_OK;
}

static int ans_instruct(void *ctx, const struct cal_step_info *step, const char *text)
{
	struct answer *a = NULL;
	int err = next_answer(&a, ctx);

	if (err)
		return err;
	if (strcmp(a->text, "ok") != 0)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: expected 'ok' to confirm \"%s\", found '%s'",
				     ((struct cal_answers *)ctx)->name, a->line, text, a->text);
	return CAL_OK;
}

static int ans_ask_value(void *ctx, const struct cal_step_info *step, const char *prompt,
			 double *value, int *decimals)
{
	struct answer *a = NULL;
	int err = next_answer(&a, ctx);

	if (err)
		return err;
	if (cal_num_parse_str(value, decimals, a->text))
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: expected a number for \"%s\", found '%s'",
				     ((struct cal_answers *)ctx)->name, a->line, prompt, a->text);
	return CAL_OK;
}

const struct cal_operator_ops cal_answers_ops = {
	.instruct = ans_instruct,
	.ask_value = ans_ask_value,
	.live = NULL,
	.result = NULL,
};
