/*
 * IOC rules: parsing the rule language (wcscan-rules(5)) and matching
 * events with PCRE2.  PCRE2 is used in this file only.
 *
 * A rule file is a list of blocks:
 *
 *	rule wannacry.dns.killswitch
 *		description WannaCry kill-switch lookup
 *		class       lookup
 *		severity    high
 *		event       dns
 *		field       qname
 *		domain      iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com
 *		reference   https://...
 *
 * Matchers: "pcre /re/flags" (flags i, x, s, m), "domain NAME" (the name
 * or any subdomain, case-insensitive, a trailing dot allowed), "file GLOB"
 * (a file name on a path boundary, * and ? inside one path component,
 * case-insensitive; a name without wildcards also as its 8.3 short name
 * PREFIX~N.EXT), "word TEXT" (TEXT on word boundaries).  The sugar forms
 * are compiled to PCRE2 so every rule runs on one engine.
 *
 * Fields that hold paths (image, parent, target, cmdline) are matched as
 * logged and, when that differs, once more as Windows resolves the file
 * names in them: trailing dots and blanks dropped, and NTFS stream
 * suffixes (":Zone.Identifier", "::$DATA").  So "tasksche.exe." and
 * "tasksche.exe::$DATA" meet every rule written for tasksche.exe, in one
 * place rather than in every pattern.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "wcscan/pool.h"
#include "wcscan/rules.h"
#include "wcscan/timeutil.h"

#define RULE_FILE_MAX (4 * 1024 * 1024)
#define RULE_LINE_MAX 4096
#define RULE_MATCH_LIMIT 100000
#define RULE_DEPTH_LIMIT 1000
#define RULE_PORTS_MAX 16

enum rule_field {
	F_NONE = 0,
	F_HOST,
	F_USER,
	F_IMAGE,
	F_CMDLINE,
	F_PARENT,
	F_NAME,
	F_TARGET,
	F_QNAME,
	F_ANSWER
};

static const struct {
	const char *name;
	enum rule_field field;
} field_names[] = { { "host", F_HOST }, { "user", F_USER },
	{ "image", F_IMAGE }, { "cmdline", F_CMDLINE }, { "parent", F_PARENT },
	{ "name", F_NAME }, { "target", F_TARGET }, { "qname", F_QNAME },
	{ "answer", F_ANSWER } };

struct rule {
	struct wcs_rule_info info;
	unsigned kinds; /* bit per wcs_event_kind; 0 = any */
	enum rule_field fields[4];
	unsigned nfields;
	uint16_t ports[RULE_PORTS_MAX]; /* dport filter; 0 entries = any */
	unsigned nports;
	pcre2_code *re;
};

struct wcs_rules {
	struct wcs_ctx *ctx;
	struct wcs_pool *pool; /* rule texts */
	struct rule *rules;
	size_t n, cap;
	/* Which rules look at each event kind, in rule order: most rules
	 * want one kind, and a firewall log is millions of conn events. */
	size_t *by_kind;
	size_t kind_off[WCS_EV__COUNT + 1];
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	uint64_t match_errors; /* limits hit: counted, treated as no match */
	uint64_t digest; /* of every rule text loaded, in order */
	char *nbuf; /* the fields of one event with their names resolved */
	size_t nused, ncap;
};

struct wcs_rules *
wcs_rules_new(struct wcs_ctx *ctx)
{
	struct wcs_rules *rules;

	if ((rules = wcs_calloc(ctx, 1, sizeof(*rules))) == NULL)
		return (NULL);
	rules->ctx = ctx;
	if ((rules->pool = wcs_pool_new(ctx, 16 * 1024)) == NULL)
		goto out_free;
	rules->md = pcre2_match_data_create(4, NULL);
	rules->mctx = pcre2_match_context_create(NULL);
	if (rules->md == NULL || rules->mctx == NULL) {
		wcs_set_error(ctx, ENOMEM, "out of memory");
		goto out_free;
	}
	/* Hostile subjects must not make a pattern backtrack for ever. */
	pcre2_set_match_limit(rules->mctx, RULE_MATCH_LIMIT);
	pcre2_set_depth_limit(rules->mctx, RULE_DEPTH_LIMIT);
	return (rules);
out_free:
	wcs_rules_free(rules);
	return (NULL);
}

static void
rule_clear(struct rule *r)
{
	pcre2_code_free(r->re);
	r->re = NULL;
}

void
wcs_rules_free(struct wcs_rules *rules)
{
	size_t i;

	if (rules == NULL)
		return;
	for (i = 0; i < rules->n; i++)
		rule_clear(&rules->rules[i]);
	wcs_free(rules->ctx, rules->rules);
	wcs_free(rules->ctx, rules->by_kind);
	pcre2_match_data_free(rules->md);
	pcre2_match_context_free(rules->mctx);
	wcs_free(rules->ctx, rules->nbuf);
	wcs_pool_free(rules->pool);
	wcs_free(rules->ctx, rules);
}

size_t
wcs_rules_count(const struct wcs_rules *rules)
{
	return (rules->n);
}

const struct wcs_rule_info *
wcs_rules_info(const struct wcs_rules *rules, size_t i)
{
	return (i < rules->n ? &rules->rules[i].info : NULL);
}

/* Parser state for one file. */
struct rparse {
	struct wcs_rules *rules;
	const char *file;
	unsigned line;
	struct rule *cur; /* the rule being read, in pending[] */
	struct rule *pending;
	size_t npending, cap;
	char *pattern_src; /* the matcher as written, for --list-rules */
	int matcher_line;
};

static int
perr(struct rparse *p, const char *fmt, const char *arg)
{
	char msg[300];

	(void)snprintf(msg, sizeof(msg), fmt, arg);
	wcs_set_error(
	    p->rules->ctx, WCS_ERULE, "%s:%u: %s", p->file, p->line, msg);
	return (WCS_FAILED);
}

static bool
valid_id(const char *s)
{
	if (*s == '\0')
		return (false);
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("._-", *s) == NULL)
			return (false);
	}
	return (true);
}

/* Append s to a growing buffer, escaping PCRE2 metacharacters. */
static void
re_quote(char *out, size_t *o, size_t cap, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && *o + 3 < cap; i++) {
		if (strchr("\\^$.|?*+()[]{}/", s[i]) != NULL)
			out[(*o)++] = '\\';
		out[(*o)++] = s[i];
	}
	out[*o] = '\0';
}

static void
re_append(char *out, size_t *o, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (*o + n + 1 > cap)
		n = cap - *o - 1;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
}

/* A character as 8.3 short names have it: those they forbid become _. */
static char
short_char(char c)
{
	if ((unsigned char)c >= 0x80 || strchr("+,;=[]", c) != NULL)
		return ('_');
	return (c);
}

/*
 * Append "|" and the 8.3 short names Windows gives a file called name
 * (on NTFS by default, or set with fsutil file setshortname): up to 6
 * characters of the base without dots or blanks, "~1" to "~9", and up to
 * 3 of the extension ("tasksche.exe" is TASKSC~1.EXE).  Other names that share the
 * 6 characters and the extension have the same forms: a hit on one is
 * worth a look all the same.
 */
static void
re_short_name(char *re, size_t *o, size_t cap, const char *name)
{
	const char *dot = strrchr(name, '.'), *s;
	const char *end = dot != NULL ? dot : name + strlen(name);
	char base[6], ext[3];
	size_t nb = 0, ne = 0;

	for (s = name; s < end && nb < sizeof(base); s++) {
		if (*s != '.' && *s != ' ')
			base[nb++] = short_char(*s);
	}
	for (s = dot != NULL ? dot + 1 : end; *s != '\0' && ne < sizeof(ext);
	     s++) {
		if (*s != ' ')
			ext[ne++] = short_char(*s);
	}
	if (nb == 0)
		return;
	re_append(re, o, cap, "|");
	re_quote(re, o, cap, base, nb);
	re_append(re, o, cap, "~[1-9]");
	if (ne > 0) {
		re_append(re, o, cap, "\\.");
		re_quote(re, o, cap, ext, ne);
	}
}

/*
 * Compile one matcher line into r->re.  Errors carry the PCRE2 offset
 * relative to the pattern as the user wrote it (for pcre) or to the
 * generated expression (for sugar forms, which are escaped so should not
 * fail).
 */
static int
compile_matcher(
    struct rparse *p, struct rule *r, const char *kind, const char *val)
{
	char re[RULE_LINE_MAX * 2 + 64], msg[256];
	const char *body = val, *end;
	uint32_t opts = 0;
	size_t o = 0, blen, i;
	PCRE2_SIZE eoff;
	int ec;

	if (r->re != NULL)
		return (perr(p, "rule has a second matcher ('%s')", kind));
	re[0] = '\0';
	if (strcmp(kind, "pcre") == 0) {
		if (val[0] != '/' || (end = strrchr(val + 1, '/')) == NULL)
			return (perr(
			    p, "pcre wants /pattern/flags, got '%s'", val));
		body = val + 1;
		blen = (size_t)(end - body);
		for (i = 1; end[i] != '\0'; i++) {
			switch (end[i]) {
			case 'i':
				opts |= PCRE2_CASELESS;
				break;
			case 'x':
				opts |= PCRE2_EXTENDED;
				break;
			case 's':
				opts |= PCRE2_DOTALL;
				break;
			case 'm':
				opts |= PCRE2_MULTILINE;
				break;
			default:
				return (
				    perr(p, "unknown pcre flag in '%s'", val));
			}
		}
		if (blen >= sizeof(re))
			return (perr(p, "pattern too long%s", ""));
		memcpy(re, body, blen);
		re[blen] = '\0';
	} else if (strcmp(kind, "domain") == 0) {
		/* The name itself or a subdomain: label boundaries only. */
		blen = strlen(val);
		if (blen > 0 && val[blen - 1] == '.')
			blen--;
		if (blen == 0 || strpbrk(val, " \t/\\") != NULL)
			return (perr(p, "bad domain '%s'", val));
		re_append(re, &o, sizeof(re), "(?:^|\\.)");
		re_quote(re, &o, sizeof(re), val, blen);
		re_append(re, &o, sizeof(re), "\\.?$");
		opts |= PCRE2_CASELESS;
	} else if (strcmp(kind, "file") == 0) {
		/* A file name after a path separator (or alone), whole. */
		if (val[0] == '\0' || strpbrk(val, "/\\") != NULL)
			return (perr(
			    p, "file wants a bare file name, got '%s'", val));
		re_append(re, &o, sizeof(re), "(?:^|[\\\\/])(?:");
		for (i = 0; val[i] != '\0'; i++) {
			if (val[i] == '*')
				re_append(re, &o, sizeof(re), "[^\\\\/]*");
			else if (val[i] == '?')
				re_append(re, &o, sizeof(re), "[^\\\\/]");
			else
				re_quote(re, &o, sizeof(re), val + i, 1);
		}
		/* A plain name may be logged by its short name. */
		if (strpbrk(val, "*?~") == NULL)
			re_short_name(re, &o, sizeof(re), val);
		re_append(re, &o, sizeof(re), ")");
		/* A quoted path may end in a quote, then arguments follow. */
		re_append(re, &o, sizeof(re), "(?:$|[\"\\s])");
		opts |= PCRE2_CASELESS;
	} else if (strcmp(kind, "word") == 0) {
		if (val[0] == '\0')
			return (perr(p, "empty word%s", ""));
		re_append(re, &o, sizeof(re), "(?:^|(?<=[^A-Za-z0-9_]))");
		re_quote(re, &o, sizeof(re), val, strlen(val));
		re_append(re, &o, sizeof(re), "(?=$|[^A-Za-z0-9_])");
		opts |= PCRE2_CASELESS;
	}
	r->re = pcre2_compile(
	    (PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, &ec, &eoff, NULL);
	if (r->re == NULL) {
		(void)pcre2_get_error_message(
		    ec, (PCRE2_UCHAR *)msg, sizeof(msg));
		wcs_set_error(p->rules->ctx, WCS_ERULE, "%s:%u: offset %zu: %s",
		    p->file, p->line, (size_t)eoff, msg);
		return (WCS_FAILED);
	}
	/* JIT is an optimisation: without it the interpreter still works. */
	(void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
	r->info.pattern = wcs_pool_printf(p->rules->pool, "%s %s", kind, val);
	if (r->info.pattern == NULL)
		return (WCS_FATAL);
	return (WCS_OK);
}

static int
parse_class(const char *v, enum wcs_ioc_class *c)
{
	static const struct {
		const char *name;
		enum wcs_ioc_class cls;
	} classes[] = { { "lookup", WCS_CLASS_LOOKUP },
		{ "spreading", WCS_CLASS_SPREADING },
		{ "encryption", WCS_CLASS_ENCRYPTION },
		{ "persistence", WCS_CLASS_PERSISTENCE },
		{ "startup", WCS_CLASS_STARTUP } };
	size_t i;

	for (i = 0; i < WCS_NELEM(classes); i++) {
		if (strcmp(v, classes[i].name) == 0) {
			*c = classes[i].cls;
			return (0);
		}
	}
	return (-1);
}

static int
parse_severity(const char *v)
{
	static const char *const sev[] = { "low", "medium", "high",
		"critical" };
	int i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, sev[i]) == 0)
			return (i + 1);
	}
	return (0);
}

/* Split "a b, c" into words; returns the count or -1 when too many. */
static int
split_words(char *v, char **w, int max)
{
	int n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(v, " \t,", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (n == max)
			return (-1);
		w[n++] = tok;
	}
	return (n);
}

static int
set_key(struct rparse *p, struct rule *r, char *key, char *val)
{
	struct wcs_pool *pool = p->rules->pool;
	char *w[RULE_PORTS_MAX + 1];
	unsigned k;
	int n, i;
	long port;
	char *end;
	size_t j;

	if (strcmp(key, "description") == 0) {
		r->info.description = wcs_pool_strdup(pool, val);
	} else if (strcmp(key, "reference") == 0) {
		r->info.reference = wcs_pool_strdup(pool, val);
	} else if (strcmp(key, "sinkhole") == 0) {
		bool zone;

		if (wcs_time_parse_iso(val, strlen(val), &r->info.sinkhole,
			&zone) != strlen(val) ||
		    !zone)
			return (perr(p,
			    "sinkhole wants an RFC 3339 time with a zone, got "
			    "'%s'",
			    val));
	} else if (strcmp(key, "class") == 0) {
		if (parse_class(val, &r->info.cls) != 0)
			return (perr(p,
			    "unknown class '%s' (startup, persistence, "
			    "encryption, spreading, lookup)",
			    val));
	} else if (strcmp(key, "severity") == 0) {
		if ((r->info.severity = parse_severity(val)) == 0)
			return (perr(p,
			    "unknown severity '%s' (low, medium, high, "
			    "critical)",
			    val));
	} else if (strcmp(key, "event") == 0) {
		if ((n = split_words(val, w, RULE_PORTS_MAX)) <= 0)
			return (perr(p, "event wants kinds%s", ""));
		for (i = 0; i < n; i++) {
			for (k = 1; k < WCS_EV__COUNT; k++) {
				if (strcmp(w[i], wcs_event_kind_name(k)) == 0)
					break;
			}
			if (k == WCS_EV__COUNT)
				return (perr(p,
				    "unknown event kind '%s' (conn, dns, "
				    "service, process, logon, file, smb)",
				    w[i]));
			r->kinds |= 1u << k;
		}
	} else if (strcmp(key, "field") == 0) {
		if ((n = split_words(val, w, 4)) <= 0 ||
		    r->nfields + (unsigned)n > 4)
			return (perr(p, "field wants 1 to 4 names%s", ""));
		for (i = 0; i < n; i++) {
			for (j = 0; j < WCS_NELEM(field_names); j++) {
				if (strcmp(w[i], field_names[j].name) == 0)
					break;
			}
			if (j == WCS_NELEM(field_names))
				return (perr(p,
				    "unknown field '%s' (host, user, image, "
				    "cmdline, parent, name, target, qname, "
				    "answer)",
				    w[i]));
			r->fields[r->nfields++] = field_names[j].field;
		}
	} else if (strcmp(key, "port") == 0) {
		if ((n = split_words(val, w, RULE_PORTS_MAX)) <= 0)
			return (perr(p, "port wants 1 to 16 numbers%s", ""));
		for (i = 0; i < n; i++) {
			port = strtol(w[i], &end, 10);
			if (*end != '\0' || port < 1 || port > 65535)
				return (perr(p, "bad port '%s'", w[i]));
			r->ports[r->nports++] = (uint16_t)port;
		}
	} else if (strcmp(key, "pcre") == 0 || strcmp(key, "domain") == 0 ||
		   strcmp(key, "file") == 0 || strcmp(key, "word") == 0) {
		return (compile_matcher(p, r, key, val));
	} else {
		return (perr(p, "unknown keyword '%s'", key));
	}
	return (WCS_OK);
}

static int
finish_rule(struct rparse *p)
{
	struct rule *r = p->cur;
	char names[128];
	unsigned i;
	size_t o = 0;

	if (r == NULL)
		return (WCS_OK);
	p->cur = NULL;
	if (r->re == NULL)
		return (perr(p,
		    "rule %s has no matcher (pcre, domain, file "
		    "or word)",
		    r->info.id));
	if (r->nfields == 0)
		return (perr(p, "rule %s has no field", r->info.id));
	if (r->info.cls == WCS_CLASS_NONE)
		return (perr(p, "rule %s has no class", r->info.id));
	if (r->info.severity == 0)
		r->info.severity = 2;
	if (r->info.description == NULL)
		r->info.description = r->info.id;
	names[0] = '\0';
	for (i = 0; i < r->nfields; i++) {
		o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s",
		    i > 0 ? "," : "", field_names[r->fields[i] - 1].name);
		if (o >= sizeof(names))
			break;
	}
	r->info.field = wcs_pool_strdup(p->rules->pool, names);
	return (r->info.field != NULL ? WCS_OK : WCS_FATAL);
}

static int
parse_line(struct rparse *p, char *s)
{
	struct rule *nr;
	char *key, *val, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	if (*s == '\0' || *s == '#')
		return (WCS_OK);
	key = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	if (*s != '\0')
		*s++ = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	val = s;
	if (strcmp(key, "rule") == 0) {
		if (finish_rule(p) != WCS_OK)
			return (WCS_FAILED);
		if (!valid_id(val))
			return (perr(p,
			    "bad rule id '%s' (letters, digits, . _ -)", val));
		if (p->npending == p->cap) {
			p->cap = p->cap == 0 ? 16 : p->cap * 2;
			nr = wcs_reallocarray(
			    p->rules->ctx, p->pending, p->cap, sizeof(*nr));
			if (nr == NULL)
				return (WCS_FATAL);
			p->pending = nr;
		}
		p->cur = &p->pending[p->npending++];
		memset(p->cur, 0, sizeof(*p->cur));
		p->cur->info.id = wcs_pool_strdup(p->rules->pool, val);
		p->cur->info.sinkhole = WCS_TIME_NONE;
		p->cur->info.file = wcs_pool_strdup(p->rules->pool, p->file);
		p->cur->info.line = p->line;
		return (p->cur->info.id != NULL ? WCS_OK : WCS_FATAL);
	}
	if (p->cur == NULL)
		return (
		    perr(p, "'%s' outside a rule (start with: rule ID)", key));
	if (*val == '\0')
		return (perr(p, "'%s' wants a value", key));
	return (set_key(p, p->cur, key, val));
}

static bool
rule_wants(const struct rule *r, unsigned kind)
{
	return (r->kinds == 0 || (r->kinds & (1u << kind)) != 0);
}

static int
index_rules(struct wcs_rules *rules)
{
	size_t i, n = 0, *nb;
	unsigned k;

	for (k = 0; k < WCS_EV__COUNT; k++) {
		for (i = 0; i < rules->n; i++)
			n += rule_wants(&rules->rules[i], k);
	}
	if ((nb = wcs_reallocarray(
		 rules->ctx, rules->by_kind, n + 1, sizeof(*nb))) == NULL)
		return (WCS_FATAL);
	rules->by_kind = nb;
	n = 0;
	for (k = 0; k < WCS_EV__COUNT; k++) {
		rules->kind_off[k] = n;
		for (i = 0; i < rules->n; i++) {
			if (rule_wants(&rules->rules[i], k))
				nb[n++] = i;
		}
	}
	rules->kind_off[WCS_EV__COUNT] = n;
	return (WCS_OK);
}

/* Move parsed rules into the set; a known id is replaced in place. */
static int
commit_rules(struct rparse *p)
{
	struct wcs_rules *rules = p->rules;
	struct rule *nr;
	size_t i, j;

	for (i = 0; i < p->npending; i++) {
		for (j = 0; j < rules->n; j++) {
			if (strcmp(rules->rules[j].info.id,
				p->pending[i].info.id) == 0)
				break;
		}
		if (j < rules->n) {
			rule_clear(&rules->rules[j]);
			rules->rules[j] = p->pending[i];
			continue;
		}
		if (rules->n == rules->cap) {
			rules->cap = rules->cap == 0 ? 64 : rules->cap * 2;
			nr = wcs_reallocarray(
			    rules->ctx, rules->rules, rules->cap, sizeof(*nr));
			if (nr == NULL)
				return (WCS_FATAL);
			rules->rules = nr;
		}
		rules->rules[rules->n++] = p->pending[i];
	}
	p->npending = 0;
	return (index_rules(rules));
}

int
wcs_rules_load_buffer(
    struct wcs_rules *rules, const char *name, const char *buf, size_t len)
{
	struct rparse p;
	char line[RULE_LINE_MAX];
	size_t i = 0, n;
	const char *nl;
	int rc = WCS_OK;

	memset(&p, 0, sizeof(p));
	p.rules = rules;
	p.file = name;
	while (i < len && rc == WCS_OK) {
		p.line++;
		nl = memchr(buf + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - (buf + i)) : len - i;
		if (n >= sizeof(line)) {
			rc = perr(&p, "line longer than %s bytes", "4095");
			break;
		}
		if (memchr(buf + i, '\0', n) != NULL) {
			rc = perr(&p, "NUL byte in rule file%s", "");
			break;
		}
		memcpy(line, buf + i, n);
		line[n] = '\0';
		rc = parse_line(&p, line);
		i += n + 1;
	}
	if (rc == WCS_OK)
		rc = finish_rule(&p);
	if (rc == WCS_OK)
		rc = commit_rules(&p);
	if (rc == WCS_OK)
		rules->digest =
		    wcs_mix64(
			rules->digest ^ wcs_fnv1a(name, strlen(name), false)) ^
		    wcs_fnv1a(buf, len, false);
	for (i = 0; i < p.npending; i++)
		rule_clear(&p.pending[i]);
	wcs_free(rules->ctx, p.pending);
	return (rc);
}

uint64_t
wcs_rules_digest(const struct wcs_rules *rules)
{
	return (rules->digest);
}

int
wcs_rules_load_file(struct wcs_rules *rules, const char *path)
{
	FILE *fp;
	char *buf;
	size_t n;
	int rc;

	if ((fp = fopen(path, "rb")) == NULL) {
		wcs_set_error(
		    rules->ctx, errno, "%s: %s", path, strerror(errno));
		return (WCS_FAILED);
	}
	if ((buf = wcs_malloc(rules->ctx, RULE_FILE_MAX + 1)) == NULL) {
		(void)fclose(fp);
		return (WCS_FATAL);
	}
	n = fread(buf, 1, RULE_FILE_MAX + 1, fp);
	if (ferror(fp)) {
		wcs_set_error(
		    rules->ctx, errno, "%s: %s", path, strerror(errno));
		rc = WCS_FAILED;
	} else if (n > RULE_FILE_MAX) {
		wcs_set_error(rules->ctx, WCS_ERULE,
		    "%s: rule file larger than %d bytes", path, RULE_FILE_MAX);
		rc = WCS_FAILED;
	} else {
		rc = wcs_rules_load_buffer(rules, path, buf, n);
	}
	(void)fclose(fp);
	wcs_free(rules->ctx, buf);
	return (rc);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
wcs_rules_load_dir(struct wcs_rules *rules, const char *dir)
{
	struct dirent *de;
	char **names = NULL, **nn, path[4096];
	size_t n = 0, i, len;
	DIR *d;
	int rc = WCS_OK;

	if ((d = opendir(dir)) == NULL) {
		wcs_set_error(
		    rules->ctx, errno, "%s: %s", dir, strerror(errno));
		return (WCS_FAILED);
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 7 ||
		    strcmp(de->d_name + len - 6, ".rules") != 0)
			continue;
		nn = wcs_reallocarray(rules->ctx, names, n + 1, sizeof(*names));
		if (nn == NULL) {
			rc = WCS_FATAL;
			break;
		}
		names = nn;
		if ((names[n] = wcs_strdup(rules->ctx, de->d_name)) == NULL) {
			rc = WCS_FATAL;
			break;
		}
		n++;
	}
	(void)closedir(d);
	if (rc == WCS_OK && n == 0) {
		wcs_set_error(
		    rules->ctx, WCS_ERULE, "%s: no *.rules files", dir);
		rc = WCS_FAILED;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && rc == WCS_OK; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc = wcs_rules_load_file(rules, path);
	}
	for (i = 0; i < n; i++)
		wcs_free(rules->ctx, names[i]);
	wcs_free(rules->ctx, names);
	return (rc);
}

static const char *
event_field(const struct wcs_event *ev, enum rule_field f)
{
	switch (f) {
	case F_HOST:
		return (ev->host);
	case F_USER:
		return (ev->user);
	case F_IMAGE:
		return (ev->image);
	case F_CMDLINE:
		return (ev->cmdline);
	case F_PARENT:
		return (ev->parent);
	case F_NAME:
		return (ev->name);
	case F_TARGET:
		return (ev->target);
	case F_QNAME:
		return (ev->qname);
	case F_ANSWER:
		return (ev->answer);
	default:
		return (NULL);
	}
}

/* The fields that hold paths, alone or in a command line. */
static bool
path_field(enum rule_field f)
{
	return (
	    f == F_IMAGE || f == F_PARENT || f == F_TARGET || f == F_CMDLINE);
}

/* What separates the names in a path or a command line. */
static bool
name_sep(char c)
{
	return (c == '\\' || c == '/' || c == '"' || c == ' ' || c == '\t' ||
		c == '\r' || c == '\n');
}

/* Whether out[from..to) has an extension: a dot with text either side. */
static bool
has_ext(const char *out, size_t from, size_t to)
{
	size_t i;

	for (i = from + 1; i + 1 < to; i++) {
		if (out[i] == '.')
			return (true);
	}
	return (false);
}

/* Drop the trailing dots of the name out[from..*o) if it has an extension. */
static void
trim_dots(const char *out, size_t from, size_t *o)
{
	size_t e = *o;

	while (e > from && out[e - 1] == '.')
		e--;
	if (has_ext(out, from, e))
		*o = e;
}

/*
 * s[0..len) into out (len + 1 bytes) with its file names as Windows
 * resolves them: a name (between \ / " and white space) that has an
 * extension loses an NTFS stream suffix (from its first colon) and then
 * its trailing dots, and at the end of s trailing dots and blanks go
 * too ("tasksche.exe. ").  Names without an extension are left alone, so
 * URLs, drive letters, "Everyone:F" and "attrib +h ." stay as they are
 * and most command lines need no second look.  Returns false when
 * nothing changed.
 */
static bool
resolve_names(const char *s, size_t len, char *out)
{
	size_t i, o = 0, name = 0, e;
	bool stream = false;

	for (i = 0; i < len; i++) {
		if (name_sep(s[i])) {
			trim_dots(out, name, &o);
			out[o++] = s[i];
			name = o;
			stream = false;
		} else if (stream) {
			continue;
		} else if (s[i] == ':' && has_ext(out, name, o)) {
			stream = true;
		} else {
			out[o++] = s[i];
		}
	}
	trim_dots(out, name, &o);
	/* "x.exe. ." in a path: the blanks belong to the name. */
	for (e = o; e > 0 && (out[e - 1] == '.' || out[e - 1] == ' ' ||
				 out[e - 1] == '\t');
	     e--)
		;
	for (name = e; name > 0 && !name_sep(out[name - 1]); name--)
		;
	if (e < o && has_ext(out, name, e))
		o = e;
	out[o] = '\0';
	return (o != len);
}

/*
 * Whether resolve_names could change s[0..len): a dot before a separator,
 * a colon after a name with an extension, a dot or blank at the end.
 * Most fields have none, and looking is cheaper than resolving.
 */
static bool
may_resolve(const char *s, size_t len)
{
	const char *p, *end = s + len, *b;

	if (len > 0 && (end[-1] == '.' || end[-1] == ' ' || end[-1] == '\t'))
		return (true);
	for (p = s; (p = memchr(p, '.', (size_t)(end - p))) != NULL; p++) {
		if (p + 1 < end && name_sep(p[1]))
			return (true);
	}
	for (p = s; (p = memchr(p, ':', (size_t)(end - p))) != NULL; p++) {
		for (b = p; b > s && !name_sep(b[-1]); b--)
			;
		if (has_ext(b, 0, (size_t)(p - b)))
			return (true);
	}
	return (false);
}

/*
 * The resolved form of field f (s), made once per event into
 * rules->nbuf; *out is NULL when it is s itself.  WCS_FATAL when out of
 * memory.
 */
static int
resolved_field(struct wcs_rules *rules, size_t *offs, enum rule_field f,
    const char *s, const char **out)
{
	size_t len, ncap;
	char *nb;

	*out = NULL;
	if (!path_field(f))
		return (WCS_OK);
	if (offs[f] == 0) {
		offs[f] = 1; /* s itself, unless resolving changes it */
		len = strlen(s);
		if (!may_resolve(s, len))
			return (WCS_OK);
		if (rules->ncap - rules->nused < len + 1) {
			ncap = rules->nused + len + 1;
			if (ncap < 2 * rules->ncap)
				ncap = 2 * rules->ncap;
			if ((nb = wcs_reallocarray(
				 rules->ctx, rules->nbuf, ncap, 1)) == NULL)
				return (WCS_FATAL);
			rules->nbuf = nb;
			rules->ncap = ncap;
		}
		if (resolve_names(s, len, rules->nbuf + rules->nused)) {
			offs[f] = rules->nused + 2;
			rules->nused += len + 1;
		}
	}
	if (offs[f] > 1)
		*out = rules->nbuf + offs[f] - 2;
	return (WCS_OK);
}

/* Whether r matches s: limits hit are counted and are no match. */
static bool
rule_hits(struct wcs_rules *rules, const struct rule *r, const char *s)
{
	int m;

	m = pcre2_match(
	    r->re, (PCRE2_SPTR)s, strlen(s), 0, 0, rules->md, rules->mctx);
	if (m < 0 && m != PCRE2_ERROR_NOMATCH)
		rules->match_errors++;
	return (m >= 0);
}

int
wcs_rules_match(struct wcs_rules *rules, const struct wcs_event *ev,
    wcs_rule_hit_cb cb, void *arg)
{
	size_t offs[F_ANSWER + 1]; /* resolved fields: 0 not yet, 1 same */
	const struct rule *r;
	const char *s, *alt;
	size_t i;
	unsigned f, k;
	int rc;

	if ((unsigned)ev->kind >= WCS_EV__COUNT)
		return (
		    WCS_OK); /* no reader makes one; no rule could want it */
	memset(offs, 0, sizeof(offs));
	rules->nused = 0;
	for (i = rules->kind_off[ev->kind]; i < rules->kind_off[ev->kind + 1];
	     i++) {
		r = &rules->rules[rules->by_kind[i]];
		if (r->nports > 0) {
			for (k = 0; k < r->nports; k++) {
				if (r->ports[k] == ev->dport)
					break;
			}
			if (k == r->nports)
				continue;
		}
		for (f = 0; f < r->nfields; f++) {
			if ((s = event_field(ev, r->fields[f])) == NULL)
				continue;
			if (!rule_hits(rules, r, s)) {
				if ((rc = resolved_field(rules, offs,
					 r->fields[f], s, &alt)) != WCS_OK)
					return (rc);
				if (alt == NULL || !rule_hits(rules, r, alt))
					continue;
			}
			if ((rc = cb(&r->info, ev, s, arg)) != WCS_OK)
				return (rc);
			break; /* one hit per rule and event */
		}
	}
	return (WCS_OK);
}
