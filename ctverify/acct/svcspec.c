/* svcspec.c - the *.rules language: parse, check, and write back in a
 * canonical form (the installed spec is saved in that form, so that a
 * later "rules check" compares against exactly what was installed, with
 * user and group names already resolved to ids). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cidr.h"
#include "strbuf.h"
#include "svcspec.h"

#define SVC_CGROUP_MAX 1024 /* bytes of a cgroup path */
#define SVC_FILE_MAX (16 * 1024 * 1024) /* a rules file larger is a mistake */

void svcspec_init(struct svcspec *spec)
{
	spec->svcs = NULL;
	spec->n = 0;
	spec->classes.nets = NULL;
	spec->classes.n = 0;
}

static void svc_free(struct svc *s)
{
	free(s->lports);
	free(s->rports);
	free(s->cgroup);
	free(s->peers);
	free(s->file);
	memset(s, 0, sizeof(*s));
}

void svcspec_free(struct svcspec *spec)
{
	for (size_t i = 0; i < spec->n; i++)
		svc_free(&spec->svcs[i]);
	free(spec->svcs);
	classes_free(&spec->classes);
	svcspec_init(spec);
}

const char *svcspec_proto_name(enum svc_proto proto)
{
	switch (proto) {
	case SVC_PROTO_TCP: return "tcp";
	case SVC_PROTO_UDP: return "udp";
	case SVC_PROTO_ICMP: return "icmp";
	case SVC_PROTO_ANY: break;
	}
	return "any";
}

int svcspec_is_owner(const struct svc *svc)
{
	return svc->match_uid || svc->match_gid || svc->cgroup;
}

/* Where parsing is, for messages. */
struct pos {
	const char *file;
	unsigned line;
	struct ctv_err *err;
};

static int perr(const struct pos *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(const struct pos *p, const char *fmt, ...)
{
	char msg[CTV_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctv_err_set(p->err, "%s:%u: %s", p->file, p->line, msg);
	return -1;
}

/* A whole decimal number in [0, max]; -1 if not. */
static long parse_num(const char *s, size_t len, long max)
{
	long v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Counts comma-separated items; refuses empty ones and too many. */
static int split_count(const struct pos *p, const char *key, const char *v, size_t *n)
{
	size_t count = 1;

	if (!*v)
		return perr(p, "%s= needs a value", key);
	for (const char *c = v; *c; c++) {
		if (*c == ',') {
			if (c == v || c[1] == '\0' || c[1] == ',')
				return perr(p, "%s=%s: empty item in the list", key, v);
			count++;
		}
	}
	if (count > SVC_LIST_MAX)
		return perr(p, "%s=: %zu items, at most %d allowed", key, count, SVC_LIST_MAX);
	*n = count;
	return 0;
}

static int parse_ports(const struct pos *p, const char *key, const char *v,
		       struct svc_portrange **out, size_t *n_out)
{
	struct svc_portrange *r;
	size_t n, i = 0;
	const char *item = v;

	if (split_count(p, key, v, &n) < 0)
		return -1;
	r = calloc(n, sizeof(*r));
	if (!r)
		return perr(p, "out of memory");
	while (i < n) {
		size_t len = strcspn(item, ",");
		const char *dash = memchr(item, '-', len);
		long a, b;

		if (dash) {
			a = parse_num(item, (size_t)(dash - item), 65535);
			b = parse_num(dash + 1, len - (size_t)(dash - item) - 1, 65535);
		} else {
			a = b = parse_num(item, len, 65535);
		}
		if (a < 0 || b < 0) {
			free(r);
			return perr(p, "%s=: '%.*s' is not a port (0-65535) or a range A-B",
				    key, (int)len, item);
		}
		if (a > b) {
			free(r);
			return perr(p, "%s=: range '%.*s' ends before it starts", key, (int)len, item);
		}
		r[i].first = (uint16_t)a;
		r[i].last = (uint16_t)b;
		i++;
		item += len + 1;
	}
	*out = r;
	*n_out = n;
	return 0;
}

/* peer= refuses host bits: "198.18.1.1/24" is more likely a typo for a
 * host than a wish for the whole network. */
static int parse_cidr(const struct pos *p, const char *item, size_t len, struct svc_cidr *c)
{
	struct cidr net;
	unsigned f;
	char txt[CIDR_STR_LEN];

	if (cidr_parse(item, len, CIDR_TEXT_LIMIT | CIDR_HOST_BITS_REFUSE, &net, &f) < 0) {
		if (f & CIDR_E_TOO_LONG)
			return perr(p, "peer=: '%.*s' is not an address or CIDR", (int)len, item);
		if (f & CIDR_E_PREFIX_SYNTAX)
			return perr(p, "peer=: '%.*s': bad prefix length", (int)len, item);
		if (f & CIDR_E_ADDR)
			return perr(p, "peer=: '%.*s' is not an IPv4 or IPv6 address or CIDR",
				    (int)len, item);
		if (f & CIDR_E_PREFIX_RANGE)
			return perr(p, "peer=: '%.*s': prefix longer than %d", (int)len, item,
				    cidr_max_prefix(net.family));
		cidr_mask(&net);
		return perr(p, "peer=: '%.*s' has host bits set (the network is %s)",
			    (int)len, item, cidr_format(&net, txt, sizeof(txt)));
	}
	c->family = net.family;
	c->prefix = net.prefix;
	memcpy(c->addr, net.addr, sizeof(c->addr));
	return 0;
}

static int parse_peers(const struct pos *p, const char *v, struct svc_cidr **out, size_t *n_out)
{
	struct svc_cidr *c;
	const char *item = v;
	size_t n;

	if (split_count(p, "peer", v, &n) < 0)
		return -1;
	c = calloc(n, sizeof(*c));
	if (!c)
		return perr(p, "out of memory");
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(item, ",");

		if (parse_cidr(p, item, len, &c[i]) < 0) {
			free(c);
			return -1;
		}
		item += len + 1;
	}
	*out = c;
	*n_out = n;
	return 0;
}

/* A user or group: a number is taken as the id, a name is looked up in
 * this system's (the container's) databases. */
static int parse_id(const struct pos *p, const char *key, const char *v, uint32_t *id)
{
	long num = parse_num(v, strlen(v), 0x7ffffffeL);

	if (!*v)
		return perr(p, "%s= needs a value", key);
	if (num >= 0) {
		*id = (uint32_t)num;
		return 0;
	}
	if (isdigit((unsigned char)v[0]))
		return perr(p, "%s=%s: not a name and not a numeric id", key, v);
	errno = 0;
	if (!strcmp(key, "user")) {
		struct passwd *pw = getpwnam(v);

		if (!pw)
			return perr(p, "user=%s: no such user in this system", v);
		*id = pw->pw_uid;
	} else {
		struct group *gr = getgrnam(v);

		if (!gr)
			return perr(p, "group=%s: no such group in this system", v);
		*id = gr->gr_gid;
	}
	return 0;
}

/* cgroup v2 paths relative to the cgroup root; a leading '/' is dropped so
 * that both spellings are one spec. */
static int parse_cgroup(const struct pos *p, const char *v, char **out)
{
	const char *s = v;
	size_t len;

	while (*s == '/')
		s++;
	len = strlen(s);
	while (len && s[len - 1] == '/')
		len--;
	if (len == 0)
		return perr(p, "cgroup=%s: needs a path below the cgroup root", v);
	if (len > SVC_CGROUP_MAX)
		return perr(p, "cgroup=: path longer than %d bytes", SVC_CGROUP_MAX);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x21 || ch == 0x7f || ch == '"' || ch == '\\')
			return perr(p, "cgroup=%s: bad character in path", v);
		if (ch == '/' && s[i + 1] == '/')
			return perr(p, "cgroup=%s: empty path component", v);
	}
	for (const char *c = s; c < s + len;) {
		size_t cl = strcspn(c, "/");

		if (cl > (size_t)(s + len - c))
			cl = (size_t)(s + len - c);
		if ((cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.'))
			return perr(p, "cgroup=%s: '.' and '..' are not allowed", v);
		c += cl + 1;
	}
	*out = strndup(s, len);
	if (!*out)
		return perr(p, "out of memory");
	return 0;
}

static int check_name(const struct pos *p, const char *name)
{
	size_t len = strlen(name);

	if (len > SVC_NAME_MAX)
		return perr(p, "service name '%s' is longer than %d bytes", name, SVC_NAME_MAX);
	if (!isalnum((unsigned char)name[0]))
		return perr(p, "service name '%s' must start with a letter or digit", name);
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return perr(p, "service name '%s': bad character '%c' (use A-Z a-z 0-9 _ . -)",
				    name, name[i]);
	if (!strcasecmp(name, "local") || !strcasecmp(name, "other"))
		return perr(p, "service name '%s' is reserved (the implicit %s bucket)", name,
			    name);
	return 0;
}

enum key { K_PROTO, K_LPORT, K_RPORT, K_USER, K_GROUP, K_CGROUP, K_PEER, K_N };
static const char *const key_names[K_N] = {
	"proto", "lport", "rport", "user", "group", "cgroup", "peer",
};

/* Parses one "key=value" into s. seen marks keys already given. */
static int parse_opt(const struct pos *p, char *tok, struct svc *s, int seen[K_N])
{
	char *eq = strchr(tok, '=');
	char *v;
	int k;

	if (!eq)
		return perr(p, "'%s': expected key=value", tok);
	*eq = '\0';
	v = eq + 1;
	for (k = 0; k < K_N; k++)
		if (!strcmp(tok, key_names[k]))
			break;
	if (k == K_N)
		return perr(p, "unknown key '%s' (known: proto lport rport user group cgroup peer)",
			    tok);
	if (seen[k])
		return perr(p, "%s= given twice for service '%s'", tok, s->name);
	seen[k] = 1;
	switch (k) {
	case K_PROTO:
		if (!strcmp(v, "tcp"))
			s->proto = SVC_PROTO_TCP;
		else if (!strcmp(v, "udp"))
			s->proto = SVC_PROTO_UDP;
		else if (!strcmp(v, "icmp"))
			s->proto = SVC_PROTO_ICMP;
		else if (!strcmp(v, "any"))
			s->proto = SVC_PROTO_ANY;
		else
			return perr(p, "proto=%s: expected tcp, udp, icmp or any", v);
		return 0;
	case K_LPORT:
		return parse_ports(p, "lport", v, &s->lports, &s->n_lports);
	case K_RPORT:
		return parse_ports(p, "rport", v, &s->rports, &s->n_rports);
	case K_USER:
		s->match_uid = 1;
		return parse_id(p, "user", v, &s->uid);
	case K_GROUP:
		s->match_gid = 1;
		return parse_id(p, "group", v, &s->gid);
	case K_CGROUP:
		return parse_cgroup(p, v, &s->cgroup);
	case K_PEER:
		return parse_peers(p, v, &s->peers, &s->n_peers);
	}
	return -1;
}

static const struct svc *find_svc(const struct svcspec *spec, const char *name)
{
	for (size_t i = 0; i < spec->n; i++)
		if (!strcasecmp(spec->svcs[i].name, name))
			return &spec->svcs[i];
	return NULL;
}

/* Parses one line (comment and line end already cut) into a new service
 * at the end of spec. A blank line adds nothing. */
static int parse_line(struct svcspec *spec, const struct pos *p, char *line)
{
	static const char ws[] = " \t\v\f";
	struct svc *s;
	const struct svc *dup;
	int seen[K_N] = { 0 };
	char *save = NULL, *tok;

	tok = strtok_r(line, ws, &save);
	if (!tok)
		return 0;
	if (strcmp(tok, "service"))
		return perr(p, "expected 'service NAME key=value...', not '%s'", tok);
	tok = strtok_r(NULL, ws, &save);
	if (!tok)
		return perr(p, "'service' needs a name");
	if (strchr(tok, '='))
		return perr(p, "'service' needs a name before the options, not '%s'", tok);
	if (check_name(p, tok) < 0)
		return -1;
	dup = find_svc(spec, tok);
	if (dup)
		return perr(p, "duplicate service name '%s' (first defined at %s:%u)", tok,
			    dup->file, dup->line);
	if (spec->n >= SVC_MAX)
		return perr(p, "too many services (at most %d)", SVC_MAX);
	s = realloc(spec->svcs, (spec->n + 1) * sizeof(*s));
	if (!s)
		return perr(p, "out of memory");
	spec->svcs = s;
	s = &spec->svcs[spec->n];
	memset(s, 0, sizeof(*s));
	strcpy(s->name, tok);
	s->line = p->line;
	s->file = strdup(p->file);
	if (!s->file) {
		svc_free(s);
		return perr(p, "out of memory");
	}
	while ((tok = strtok_r(NULL, ws, &save))) {
		if (parse_opt(p, tok, s, seen) < 0) {
			svc_free(s);
			return -1;
		}
	}
	/* proto=any alone selects nothing either (and would be written back
	 * without options, which reads back as this error). */
	if (!((seen[K_PROTO] && s->proto != SVC_PROTO_ANY) || seen[K_LPORT] || seen[K_RPORT] ||
	      seen[K_USER] || seen[K_GROUP] || seen[K_CGROUP] || seen[K_PEER])) {
		perr(p, "service '%s' has no options%s: it would match everything", s->name,
		     seen[K_PROTO] ? " but proto=any" : "");
		svc_free(s);
		return -1;
	}
	if ((s->n_lports || s->n_rports) && s->proto == SVC_PROTO_ICMP) {
		perr(p, "service '%s': ports need proto=tcp, udp or any, not icmp", s->name);
		svc_free(s);
		return -1;
	}
	spec->n++;
	return 0;
}

int svcspec_parse_buffer(struct svcspec *spec, const char *file,
			 const char *buf, size_t len, struct ctv_err *err)
{
	struct pos p = { .file = file, .line = 0, .err = err };
	size_t old_n = spec->n, off = 0;
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	while (off < len && rc == 0) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - (buf + off)) : len - off;
		char *hash;

		p.line++;
		if (ll + 1 > cap) {
			char *nline = realloc(line, ll + 1);

			if (!nline) {
				rc = perr(&p, "out of memory");
				break;
			}
			line = nline;
			cap = ll + 1;
		}
		memcpy(line, buf + off, ll);
		line[ll] = '\0';
		off += ll + 1;
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (strlen(line) != ll) {
			rc = perr(&p, "NUL byte in the line (not a text file?)");
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (char *c = line; *c; c++) {
			if ((unsigned char)*c < 0x20 && !strchr("\t\v\f", *c)) {
				rc = perr(&p, "control character 0x%02x in the line",
					  (unsigned char)*c);
				break;
			}
		}
		if (rc == 0)
			rc = parse_line(spec, &p, line);
	}
	free(line);
	if (rc < 0) {
		while (spec->n > old_n)
			svc_free(&spec->svcs[--spec->n]);
	}
	return rc;
}

int svcspec_parse_file(struct svcspec *spec, const char *path, struct ctv_err *err)
{
	struct stat st;
	char *buf;
	ssize_t got;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ctv_err_sys(err, errno, "%s", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		rc = errno;
		close(fd);
		ctv_err_sys(err, rc, "%s", path);
		errno = rc;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SVC_FILE_MAX) {
		close(fd);
		ctv_err_set(err, "%s: not a regular file of at most %d bytes", path, SVC_FILE_MAX);
		errno = EINVAL;
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		ctv_err_sys(err, ENOMEM, "%s", path);
		errno = ENOMEM;
		return -1;
	}
	while ((got = read(fd, buf + len, (size_t)st.st_size + 1 - len)) > 0 &&
	       len + (size_t)got <= (size_t)st.st_size)
		len += (size_t)got;
	if (got < 0) {
		rc = errno;
		free(buf);
		close(fd);
		ctv_err_sys(err, rc, "%s", path);
		errno = rc;
		return -1;
	}
	close(fd);
	rc = svcspec_parse_buffer(spec, path, buf, len, err);
	free(buf);
	if (rc < 0)
		errno = EINVAL;
	return rc;
}

/* Appends to a growing buffer the way snprintf counts. */
struct out {
	char *buf;
	size_t size, len;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void out_ports(struct out *o, const char *key, const struct svc_portrange *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out_printf(o, "%s", i ? "," : key);
		if (r[i].first == r[i].last)
			out_printf(o, "%u", r[i].first);
		else
			out_printf(o, "%u-%u", r[i].first, r[i].last);
	}
}

int svcspec_format_svc(const struct svc *s, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };

	if (size)
		buf[0] = '\0';
	out_printf(&o, "service %s", s->name);
	if (s->proto != SVC_PROTO_ANY)
		out_printf(&o, " proto=%s", svcspec_proto_name(s->proto));
	out_ports(&o, " lport=", s->lports, s->n_lports);
	out_ports(&o, " rport=", s->rports, s->n_rports);
	if (s->match_uid)
		out_printf(&o, " user=%u", s->uid);
	if (s->match_gid)
		out_printf(&o, " group=%u", s->gid);
	if (s->cgroup)
		out_printf(&o, " cgroup=%s", s->cgroup);
	for (size_t i = 0; i < s->n_peers; i++) {
		char txt[INET6_ADDRSTRLEN];

		inet_ntop(s->peers[i].family, s->peers[i].addr, txt, sizeof(txt));
		out_printf(&o, "%s%s/%u", i ? "," : " peer=", txt, s->peers[i].prefix);
	}
	return (int)o.len;
}

char *svcspec_format(const struct svcspec *spec)
{
	size_t total = 1, len = 0;
	char *buf;

	for (size_t i = 0; i < spec->n; i++)
		total += (size_t)svcspec_format_svc(&spec->svcs[i], NULL, 0) + 1;
	buf = malloc(total);
	if (!buf)
		return NULL;
	buf[0] = '\0';
	for (size_t i = 0; i < spec->n; i++) {
		len += (size_t)svcspec_format_svc(&spec->svcs[i], buf + len, total - len);
		buf[len++] = '\n';
		buf[len] = '\0';
	}
	return buf;
}

int svcspec_equal(const struct svcspec *a, const struct svcspec *b)
{
	char *ta, *tb;
	int eq;

	if (a->n != b->n || a->classes.n != b->classes.n)
		return 0;
	for (size_t i = 0; i < a->classes.n; i++) {
		const struct classes_net *x = &a->classes.nets[i], *y = &b->classes.nets[i];

		if (x->family != y->family || x->prefix != y->prefix || x->cls != y->cls ||
		    memcmp(x->addr, y->addr, sizeof(x->addr)))
			return 0;
	}
	ta = svcspec_format(a);
	tb = svcspec_format(b);
	if (!ta || !tb) {
		free(ta);
		free(tb);
		return -1;
	}
	eq = !strcmp(ta, tb);
	free(ta);
	free(tb);
	return eq;
}

int svcspec_class_ids(const struct svcspec *spec, int *ids)
{
	struct classes_flat f;
	unsigned seen = 0;
	struct ctv_err err;
	int n = 0;

	if (!spec->classes.n)
		return 0;
	if (classes_flatten(&spec->classes, &f, &err) < 0)
		return -1;
	for (size_t i = 0; i < f.n4; i++)
		seen |= 1u << f.v4[i].cls;
	for (size_t i = 0; i < f.n6; i++)
		seen |= 1u << f.v6[i].cls;
	classes_flat_free(&f);
	for (int c = 0; c < CLASSES_MAX; c++)
		if (seen & (1u << c))
			ids[n++] = c;
	return n;
}

char *svcspec_classes_format(const struct svcspec *spec, const char *prefix)
{
	struct strbuf b;

	strbuf_init(&b, (size_t)64 << 20);
	for (size_t i = 0; i < spec->classes.n; i++) {
		const struct classes_net *c = &spec->classes.nets[i];
		char a[64];

		strbuf_printf(&b, "%s%u %s/%u\n", prefix, c->cls,
			      classes_addr_str(c->family, c->addr, a, sizeof(a)), c->prefix);
	}
	return strbuf_take(&b);
}
