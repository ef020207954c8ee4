/*
 * A subset of a TrueType font (ttfsub.h), after the OpenType specification
 * of the tables it writes: the table directory, head, hhea, maxp, hmtx,
 * loca (long offsets), glyf, cmap (one format 4 subtable, platform 3
 * encoding 1), post (format 3: no glyph names), and OS/2, name, cvt, fpgm,
 * prep copied as they are. The kerning and OpenType layout tables are left
 * out: libharu uses none of them.
 *
 * New glyph 0 is .notdef; glyphs 1..n are the kept code points in
 * increasing order, each its own copy (two code points sharing a glyph get
 * two; one the font lacks, an empty glyph), so that every kept range is one
 * cmap segment with a constant idDelta; the components of composite glyphs
 * come after, their indices in the composites rewritten. Every offset read from the
 * input is checked against its size: a bad font is CAL_ERR_CONFIG, never a
 * read out of bounds.
 */
#include "ttfsub.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"

/*
 * The code points kept: what a Vietnamese certificate may carry. Each range
 * is one cmap segment: a code point the font has no glyph for gets an empty
 * one (libharu looks every BMP code point up, segment by segment, for every
 * document; a handful of segments instead of hundreds is most of its time).
 */
static const struct {
	uint16_t lo, hi;
} keep[] = {
	{ 0x0020, 0x04ff }, /* Latin, Latin-1, Latin Extended A and B, IPA, modifiers,
			       combining marks, Greek (ν, Ω), Cyrillic */
	{ 0x1e00, 0x1eff }, /* Latin Extended Additional: Vietnamese */
	{ 0x2000, 0x23ff }, /* punctuation, super/subscripts, currency (₫), letterlike (№),
			       number forms, arrows, mathematical operators, technical (⌀) */
	{ 0x25a0, 0x25ff }, /* geometric shapes */
};

#define EMPTY 0xffff /* in orig[]: an empty glyph (a code point the font lacks) */

#define NEED_TABLES 10
static const char *const need[NEED_TABLES] = { "head", "hhea", "maxp", "hmtx", "loca",
					       "glyf", "cmap", "name", "OS/2", "post" };

static void put16(unsigned char *b, unsigned v)
{
	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
}

static void put32(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
}

bool cal_ttf_table(struct ttf_span *out, const unsigned char *f, size_t size, const char *tag)
{
	unsigned n = size >= 12 ? ttf_be16(f + 4) : 0;

	for (unsigned i = 0; i < n && 12 + 16 * (size_t)(i + 1) <= size; i++) {
		const unsigned char *r = f + 12 + 16 * (size_t)i;
		size_t off = ttf_be32(r + 8), len = ttf_be32(r + 12);

		if (memcmp(r, tag, 4) == 0) {
			if (off > size || len > size - off)
				return false;
			out->p = f + off;
			out->len = len;
			return true;
		}
	}
	return false;
}

/* A format 4 cmap subtable of platform 3/1 or 0/3; NULL when there is none. */
static const unsigned char *cmap4(size_t *len, struct ttf_span cmap)
{
	unsigned n = cmap.len >= 4 ? ttf_be16(cmap.p + 2) : 0;

	for (unsigned i = 0; i < n && 4 + 8 * (size_t)(i + 1) <= cmap.len; i++) {
		const unsigned char *r = cmap.p + 4 + 8 * (size_t)i;
		unsigned pid = ttf_be16(r), eid = ttf_be16(r + 2);
		size_t off = ttf_be32(r + 4);

		if (!((pid == 3 && eid == 1) || (pid == 0 && eid == 3)))
			continue;
		if (off + 14 > cmap.len || ttf_be16(cmap.p + off) != 4)
			continue;
		*len = cmap.len - off;
		if (ttf_be16(cmap.p + off + 2) < *len)
			*len = ttf_be16(cmap.p + off + 2);
		return cmap.p + off;
	}
	return NULL;
}

/* The glyph of code point @c in a format 4 subtable (0: none). */
static unsigned lookup(const unsigned char *s, size_t len, unsigned c)
{
	unsigned segx2 = ttf_be16(s + 6), seg = segx2 / 2;
	size_t ends = 14, starts = 16 + segx2, deltas = 16 + 2 * (size_t)segx2,
	       roffs = 16 + 3 * (size_t)segx2;

	if (roffs + segx2 > len)
		return 0;
	for (unsigned i = 0; i < seg; i++) {
		unsigned end = ttf_be16(s + ends + 2 * i), start, ro;

		if (c > end)
			continue;
		start = ttf_be16(s + starts + 2 * i);
		if (c < start)
			return 0;
		ro = ttf_be16(s + roffs + 2 * i);
		if (ro == 0)
			return (c + ttf_be16(s + deltas + 2 * i)) & 0xffff;
		{
			size_t at = roffs + 2 * (size_t)i + ro + 2 * (size_t)(c - start);
			unsigned g;

			if (at + 2 > len)
				return 0;
			g = ttf_be16(s + at);
			return g ? (g + ttf_be16(s + deltas + 2 * i)) & 0xffff : 0;
		}
	}
	return 0;
}

/* A growing output buffer. */
struct out {
	unsigned char *b;
	size_t len, cap;
	bool nomem;
};

static unsigned char *grow(struct out *o, size_t n)
{
	if (o->nomem)
		return NULL;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		unsigned char *b;

		while (cap < o->len + n)
			cap *= 2;
		b = realloc(o->b, cap);
		if (!b) {
			o->nomem = true;
			return NULL;
		}
		o->b = b;
		o->cap = cap;
	}
	o->len += n;
	return o->b + o->len - n;
}

static void append(struct out *o, const void *p, size_t n)
{
	unsigned char *d = grow(o, n);

	if (d && n)
		memcpy(d, p, n);
}

static void pad4(struct out *o)
{
	while (o->len % 4 && !o->nomem) {
		unsigned char *d = grow(o, 1);

		if (d)
			*d = 0;
	}
}

static uint32_t checksum(const unsigned char *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 4) {
		unsigned char w[4] = { 0, 0, 0, 0 };

		memcpy(w, p + i, len - i < 4 ? len - i : 4);
		sum += ttf_be32(w);
	}
	return sum;
}

struct table_out {
	char tag[4];
	struct out data;
};

static int bad(const char *path, const char *why)
{
	return cal_error_set(CAL_ERR_CONFIG, "PDF font %s: not a usable TrueType font (%s)", path,
			     why);
}

int cal_ttf_open(struct ttf_font *t, const unsigned char *f, size_t size, const char *path)
{
	struct ttf_span *tables[NEED_TABLES] = { &t->head, &t->hhea, &t->maxp, &t->hmtx, &t->loca,
						 &t->glyf, &t->cmap, &t->name, &t->os2,	 &t->post };
	unsigned ng, nh;

	memset(t, 0, sizeof(*t));
	if (size >= 4 && memcmp(f, "ttcf", 4) == 0)
		return cal_error_set(CAL_ERR_CONFIG,
				     "PDF font %s: a font collection (.ttc); name one .ttf file",
				     path);
	if (size >= 4 && memcmp(f, "OTTO", 4) == 0)
		return cal_error_set(CAL_ERR_CONFIG,
				     "PDF font %s: OpenType with CFF outlines; a TrueType (.ttf) "
				     "font is needed",
				     path);
	if (size < 12 || (ttf_be32(f) != 0x00010000 && memcmp(f, "true", 4) != 0))
		return cal_error_set(CAL_ERR_CONFIG, "PDF font %s: not a TrueType font file", path);
	for (int i = 0; i < NEED_TABLES; i++)
		if (!cal_ttf_table(tables[i], f, size, need[i])) {
			char why[32];

			snprintf(why, sizeof(why), "no '%s' table", need[i]);
			return bad(path, why);
		}
	if (t->head.len < 54 || t->hhea.len < 36 || t->maxp.len < 6 || t->post.len < 32)
		return bad(path, "short header tables");
	ng = ttf_be16(t->maxp.p + 4);
	nh = ttf_be16(t->hhea.p + 34);
	t->long_loca = ttf_be16(t->head.p + 50) != 0;
	if (!ng || !nh || nh > ng || t->hmtx.len < 4 * (size_t)nh + 2 * (size_t)(ng - nh) ||
	    t->loca.len < ((size_t)ng + 1) * (t->long_loca ? 4 : 2))
		return bad(path, "bad 'hmtx' or 'loca' table");
	t->cmap4 = cmap4(&t->cmap4_len, t->cmap);
	if (!t->cmap4 || t->cmap4_len < 16)
		return bad(path, "no Unicode format 4 'cmap'");
	t->n_glyphs = ng;
	t->n_hmetrics = nh;
	return CAL_OK;
}

void cal_ttf_glyph(const struct ttf_font *t, unsigned g, size_t *start, size_t *end)
{
	if (t->long_loca) {
		*start = ttf_be32(t->loca.p + 4 * (size_t)g);
		*end = ttf_be32(t->loca.p + 4 * (size_t)g + 4);
	} else {
		*start = 2 * (size_t)ttf_be16(t->loca.p + 2 * (size_t)g);
		*end = 2 * (size_t)ttf_be16(t->loca.p + 2 * (size_t)g + 2);
	}
}

void cal_ttf_comp_begin(struct ttf_comp_iter *it, const unsigned char *glyph, size_t len)
{
	it->glyph = glyph;
	it->len = len;
	it->next = 10; /* after the glyph header */
	it->n = 0;
}

size_t cal_ttf_comp_next(struct ttf_comp_iter *it)
{
	size_t at = it->next;
	unsigned flags;

	if (!at || it->n >= 64 || at + 4 > it->len)
		return 0;
	flags = ttf_be16(it->glyph + at);
	it->n++;
	if (!(flags & 0x20)) { /* MORE_COMPONENTS */
		it->next = 0;
		return at;
	}
	it->next = at + 4 + (flags & 1 ? 4 : 2); /* flags, glyph index, arguments */
	if (flags & 8)
		it->next += 2; /* a scale */
	else if (flags & 0x40)
		it->next += 4; /* an x and a y scale */
	else if (flags & 0x80)
		it->next += 8; /* a 2 by 2 transformation */
	return at;
}

int cal_ttf_subset(unsigned char **out, size_t *out_size, const unsigned char *f, size_t size,
		   const char *path)
{
	struct ttf_font ft;
	struct ttf_span cvt = { 0 }, fpgm = { 0 }, prep = { 0 };
	const struct ttf_span *head = &ft.head, *hhea = &ft.hhea, *maxp = &ft.maxp,
			      *hmtx = &ft.hmtx, *glyf = &ft.glyf, *name = &ft.name, *os2 = &ft.os2,
			      *post = &ft.post;
	struct table_out to[13];
	uint16_t *orig = NULL;	/* new glyph -> original glyph */
	uint16_t *map = NULL;	/* original glyph -> new glyph, 0xffff: not kept */
	uint32_t *codes = NULL; /* new glyph 1..n_codes -> its code point */
	struct out file = { 0 };
	const unsigned char *sub;
	size_t sublen, n_new = 0, cap_new = 0, n_codes = 0;
	unsigned ng, nh;
	int err = CAL_OK, nt = 0;

	*out = NULL;
	*out_size = 0;
	memset(to, 0, sizeof(to));
	err = cal_ttf_open(&ft, f, size, path);
	if (err)
		return err;
	cal_ttf_table(&cvt, f, size, "cvt ");
	cal_ttf_table(&fpgm, f, size, "fpgm");
	cal_ttf_table(&prep, f, size, "prep");
	ng = ft.n_glyphs;
	nh = ft.n_hmetrics;
	sub = ft.cmap4;
	sublen = ft.cmap4_len;

	map = malloc((size_t)ng * sizeof(*map));
	if (!map)
		goto nomem;
	memset(map, 0xff, (size_t)ng * sizeof(*map));
	/* .notdef, then one glyph per kept code point, in code point order */
	for (size_t r = 0; r <= sizeof(keep) / sizeof(keep[0]); r++) {
		unsigned lo = r ? keep[r - 1].lo : 0, hi = r ? keep[r - 1].hi : 0;

		for (unsigned c = lo; c <= hi; c++) {
			unsigned g = r ? lookup(sub, sublen, c) : 0;

			if (r && (g == 0 || g >= ng))
				g = EMPTY;
			if (n_new == cap_new) {
				size_t nc = cap_new ? 2 * cap_new : 1024;
				uint16_t *o = realloc(orig, nc * sizeof(*o));
				uint32_t *k = realloc(codes, nc * sizeof(*k));

				if (o)
					orig = o;
				if (k)
					codes = k;
				if (!o || !k)
					goto nomem;
				cap_new = nc;
			}
			codes[n_new] = c;
			orig[n_new] = (uint16_t)g;
			if (g != EMPTY && map[g] == 0xffff)
				map[g] = (uint16_t)n_new;
			n_new++;
		}
	}
	n_codes = n_new - 1;

	/* glyf and loca: each glyph copied, the components of composites appended and renumbered */
	{
		struct table_out *tg = &to[nt++], *tl = &to[nt++];

		memcpy(tg->tag, "glyf", 4);
		memcpy(tl->tag, "loca", 4);
		for (size_t i = 0; i < n_new; i++) {
			unsigned g = orig[i];
			size_t start = tg->data.len, a, b;
			unsigned char *p;

			p = grow(&tl->data, 4);
			if (p)
				put32(p, (uint32_t)start);
			if (g == EMPTY)
				continue; /* no outline */
			cal_ttf_glyph(&ft, g, &a, &b);
			if (b < a || b > glyf->len)
				goto badglyf;
			append(&tg->data, glyf->p + a, b - a);
			if (tg->data.nomem)
				goto nomem;
			if (b - a >= 10 && (int16_t)ttf_be16(glyf->p + a) < 0) {
				/* a composite: rewrite each component's glyph index */
				struct ttf_comp_iter it;
				size_t q;

				cal_ttf_comp_begin(&it, glyf->p + a, b - a);
				while ((q = cal_ttf_comp_next(&it))) {
					unsigned cg = ttf_be16(glyf->p + a + q + 2);

					if (cg >= ng)
						goto badglyf;
					if (map[cg] == 0xffff) {
						if (n_new >= 0xfffe)
							goto badglyf;
						if (n_new == cap_new) {
							size_t nc = 2 * cap_new;
							uint16_t *o =
								realloc(orig, nc * sizeof(*o));

							if (!o)
								goto nomem;
							orig = o;
							cap_new = nc;
						}
						map[cg] = (uint16_t)n_new;
						orig[n_new++] = (uint16_t)cg;
					}
					put16(tg->data.b + start + q + 2, map[cg]);
				}
			}
			pad4(&tg->data);
		}
		{
			unsigned char *p = grow(&tl->data, 4);

			if (p)
				put32(p, (uint32_t)tg->data.len);
		}
		if (tg->data.nomem || tl->data.nomem)
			goto nomem;
	}
	/* hmtx: a metric per glyph */
	{
		struct table_out *tx = &to[nt++];

		memcpy(tx->tag, "hmtx", 4);
		for (size_t i = 0; i < n_new; i++) {
			unsigned g = orig[i] == EMPTY ? 0 : orig[i]; /* empty: .notdef's advance */
			unsigned char *p = grow(&tx->data, 4);
			unsigned aw = ttf_be16(hmtx->p + 4 * (size_t)(g < nh ? g : nh - 1));
			unsigned lsb = 0;

			if (orig[i] != EMPTY)
				lsb = g < nh ? ttf_be16(hmtx->p + 4 * (size_t)g + 2)
					     : ttf_be16(hmtx->p + 4 * (size_t)nh +
							2 * (size_t)(g - nh));

			if (!p)
				goto nomem;
			put16(p, aw);
			put16(p + 2, lsb);
		}
	}
	/* cmap: one segment per run of consecutive code points, then 0xFFFF */
	{
		struct table_out *tc = &to[nt++];
		size_t nseg = 1, k = 0, body;
		unsigned char *p;
		unsigned sr = 1, es = 0;

		memcpy(tc->tag, "cmap", 4);
		for (size_t i = 2; i <= n_codes; i++)
			if (codes[i] != codes[i - 1] + 1)
				nseg++;
		if (!n_codes)
			nseg = 0;
		nseg++; /* the final 0xFFFF segment */
		while (2 * sr <= nseg) {
			sr *= 2;
			es++;
		}
		body = 16 + 8 * nseg;
		p = grow(&tc->data, 12 + body);
		if (!p)
			goto nomem;
		memset(p, 0, 12 + body);
		put16(p + 2, 1);  /* one encoding record */
		put16(p + 4, 3);  /* Windows */
		put16(p + 6, 1);  /* Unicode BMP */
		put32(p + 8, 12); /* its subtable */
		p += 12;
		put16(p, 4); /* format */
		put16(p + 2, (unsigned)body);
		put16(p + 6, (unsigned)(2 * nseg));
		put16(p + 8, 2 * sr);
		put16(p + 10, es);
		put16(p + 12, (unsigned)(2 * nseg - 2 * sr));
		for (size_t i = 1; i <= n_codes; k++) {
			size_t j = i;

			while (j + 1 <= n_codes && codes[j + 1] == codes[j] + 1)
				j++;
			put16(p + 14 + 2 * k, codes[j]);	    /* endCode */
			put16(p + 16 + 2 * nseg + 2 * k, codes[i]); /* startCode */
			put16(p + 16 + 4 * nseg + 2 * k,
			      (unsigned)(i - codes[i]) & 0xffff); /* idDelta */
			i = j + 1;
		}
		put16(p + 14 + 2 * k, 0xffff);
		put16(p + 16 + 2 * nseg + 2 * k, 0xffff);
		put16(p + 16 + 4 * nseg + 2 * k, 1);
	}
	/* head, hhea, maxp, post: copies with the counts of the subset */
	{
		struct table_out *th = &to[nt++], *tx = &to[nt++], *tm = &to[nt++], *tp = &to[nt++];

		memcpy(th->tag, "head", 4);
		append(&th->data, head->p, 54);
		memcpy(tx->tag, "hhea", 4);
		append(&tx->data, hhea->p, 36);
		memcpy(tm->tag, "maxp", 4);
		append(&tm->data, maxp->p, maxp->len < 32 ? maxp->len : 32);
		memcpy(tp->tag, "post", 4);
		append(&tp->data, post->p, 32);
		if (th->data.nomem || tx->data.nomem || tm->data.nomem || tp->data.nomem)
			goto nomem;
		put32(th->data.b + 8, 0);  /* checkSumAdjustment, set at the end */
		put16(th->data.b + 50, 1); /* indexToLocFormat: long */
		put16(tx->data.b + 34, (unsigned)n_new);
		put16(tm->data.b + 4, (unsigned)n_new);
		put32(tp->data.b, 0x00030000); /* post format 3: no glyph names */
	}
	/* copied whole */
	{
		const struct {
			const char *tag;
			const struct ttf_span *s;
		} copy[] = { { "OS/2", os2 },
			     { "name", name },
			     { "cvt ", &cvt },
			     { "fpgm", &fpgm },
			     { "prep", &prep } };

		for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
			if (!copy[i].s->p)
				continue;
			memcpy(to[nt].tag, copy[i].tag, 4);
			append(&to[nt].data, copy[i].s->p, copy[i].s->len);
			if (to[nt++].data.nomem)
				goto nomem;
		}
	}
	/* the file: directory sorted by tag, tables 4-byte aligned */
	{
		unsigned sr = 1, es = 0;
		unsigned char *p;
		size_t headoff = 0;

		for (int i = 1; i < nt; i++) /* insertion sort by tag */
			for (int j = i; j > 0 && memcmp(to[j - 1].tag, to[j].tag, 4) > 0; j--) {
				struct table_out x = to[j];

				to[j] = to[j - 1];
				to[j - 1] = x;
			}
		while (2 * sr <= (unsigned)nt) {
			sr *= 2;
			es++;
		}
		p = grow(&file, 12 + 16 * (size_t)nt);
		if (!p)
			goto nomem;
		put32(p, 0x00010000);
		put16(p + 4, (unsigned)nt);
		put16(p + 6, 16 * sr);
		put16(p + 8, es);
		put16(p + 10, 16 * (unsigned)nt - 16 * sr);
		for (int i = 0; i < nt; i++) {
			size_t off = file.len;

			append(&file, to[i].data.b, to[i].data.len);
			pad4(&file);
			if (file.nomem)
				goto nomem;
			p = file.b + 12 + 16 * (size_t)i;
			memcpy(p, to[i].tag, 4);
			put32(p + 4, checksum(file.b + off, to[i].data.len));
			put32(p + 8, (uint32_t)off);
			put32(p + 12, (uint32_t)to[i].data.len);
			if (memcmp(to[i].tag, "head", 4) == 0)
				headoff = off;
		}
		put32(file.b + headoff + 8, 0xB1B0AFBAu - checksum(file.b, file.len));
	}
	*out = file.b;
	*out_size = file.len;
	file.b = NULL;
	goto cleanup;
badglyf:
	err = bad(path, "bad 'glyf' table");
	goto cleanup;
nomem:
	err = cal_error_set(CAL_ERR_NOMEM, "PDF: out of memory making a subset of %s", path);
cleanup:
	for (int i = 0; i < (int)(sizeof(to) / sizeof(to[0])); i++)
		free(to[i].data.b);
	free(file.b);
	free(map);
	free(orig);
	free(codes);
	return err;
}
