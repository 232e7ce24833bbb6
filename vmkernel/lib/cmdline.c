/* Kernel command line parsing: key and key=value tokens, quoted values, comma lists. */
#include <vmk/hexdigit.h>
#include <string.h>
#include <vmk/cmdline.h>

static bool cmdline_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int cmdline_foreach(const char *cmdline, cmdline_fn fn, void *arg)
{
	const char *p = cmdline ? cmdline : "";

	for (;;) {
		const char *tok, *eq = NULL, *val = NULL;
		size_t klen, vlen = 0;
		bool quoted = false;
		int rc;

		while (cmdline_is_space(*p))
			p++;
		if (*p == '\0')
			return 0;
		tok = p;
		for (; *p != '\0'; p++) {
			if (!quoted && cmdline_is_space(*p))
				break;
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '=' && !quoted && !eq)
				eq = p;
		}
		klen = (size_t)((eq ? eq : p) - tok);
		if (eq) {
			val = eq + 1;
			vlen = (size_t)(p - val);
			if (vlen > 0 && val[0] == '"') {
				val++;
				vlen--;
				if (vlen > 0 && val[vlen - 1] == '"')
					vlen--;
			}
		}
		rc = fn(tok, klen, val, vlen, arg);
		if (rc)
			return rc;
	}
}

struct cmdline_lookup {
	const char *key;
	size_t klen;
	bool found;
	const char *val;
	size_t vlen;
};

static int cmdline_lookup_fn(const char *key, size_t klen, const char *val, size_t vlen, void *arg)
{
	struct cmdline_lookup *l = arg;

	if (klen == l->klen && memcmp(key, l->key, klen) == 0) {
		l->found = true;
		l->val = val;
		l->vlen = vlen;
	}
	return 0;
}

/* Find the last occurrence of key; fills l and returns whether it was found. */
static bool cmdline_lookup(const char *cmdline, const char *key, struct cmdline_lookup *l)
{
	l->key = key;
	l->klen = strlen(key);
	l->found = false;
	l->val = NULL;
	l->vlen = 0;
	cmdline_foreach(cmdline, cmdline_lookup_fn, l);
	return l->found;
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len)
{
	struct cmdline_lookup l;
	size_t n;

	if (!key || !cmdline_lookup(cmdline, key, &l))
		return false;
	if (val && len > 0) {
		n = l.vlen < len - 1 ? l.vlen : len - 1;
		if (n)
			memcpy(val, l.val, n);
		val[n] = '\0';
	}
	return true;
}

/* Parse s[0..n) as a whole; false if it is not exactly one number that fits a long. */
static bool cmdline_parse_long(const char *s, size_t n, long *out)
{
	unsigned long v = 0, limit = (unsigned long)__LONG_MAX__;
	unsigned int base = 10;
	bool neg = false;
	size_t i = 0;

	if (i < n && (s[i] == '-' || s[i] == '+')) {
		neg = s[i] == '-';
		i++;
	}
	if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	if (i == n)
		return false;
	if (neg)
		limit++;
	for (; i < n; i++) {
		int d = hex_digit(s[i]);

		if (d < 0 || (unsigned int)d >= base)
			return false;
		if (v > (limit - (unsigned long)d) / base)
			return false;
		v = v * base + (unsigned long)d;
	}
	if (neg)
		*out = v == 0 ? 0 : -(long)(v - 1) - 1;
	else
		*out = (long)v;
	return true;
}

long cmdline_get_long(const char *cmdline, const char *key, long def)
{
	struct cmdline_lookup l;
	long v;

	if (!key || !cmdline_lookup(cmdline, key, &l) || !l.val)
		return def;
	if (!cmdline_parse_long(l.val, l.vlen, &v))
		return def;
	return v;
}

bool cmdline_list_has(const char *list, const char *item)
{
	size_t ilen;

	if (!list || !item || item[0] == '\0')
		return false;
	ilen = strlen(item);
	for (;;) {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);

		if (len == ilen && memcmp(list, item, ilen) == 0)
			return true;
		if (!comma)
			return false;
		list = comma + 1;
	}
}
