/*
 * kubesim's TLS material: a private CA and a server certificate it signs,
 * made with GnuTLS at start-up.
 *
 * Clients (opsdeck, kubectl, client-go) verify the server against the CA
 * that kubesim writes into its kubeconfig, so the CA must stay the same
 * when a test restarts kubesim on the same address: with a directory the
 * four PEM files are kept there and reused. A reused server certificate is
 * only replaced, signed by the same CA, when it no longer fits (it does not
 * name the host, it has expired, or it does not belong to the CA or its
 * key), so restarted clients keep trusting the server.
 *
 * Keys are ECDSA P-256: quick to make, and accepted by Go's crypto/tls,
 * OpenSSL and GnuTLS alike. They are written as unencrypted PKCS#8.
 */
#include "kubesim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"

#define CA_DAYS (10 * 365)
#define SERVER_DAYS 365
/* Tolerates clocks a little behind the one that made the certificate. */
#define BACKDATE (60 * 60)
/* PEM files are a few hundred bytes; anything this big is not ours. */
#define PEM_MAX (1024 * 1024)

struct pki {
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
};

static void pki_free(struct pki *p)
{
	if (p->crt)
		gnutls_x509_crt_deinit(p->crt);
	if (p->key)
		gnutls_x509_privkey_deinit(p->key);
	p->crt = NULL;
	p->key = NULL;
}

/* ---- files ---- */

static char *path_join(const char *dir, const char *name)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, dir);
	if (b.len && b.data[b.len - 1] != '/')
		buf_putc(&b, '/');
	buf_puts(&b, name);
	return buf_detach(&b);
}

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* mkdir -p; new directories are private because they will hold keys. */
static enum status mkdir_p(const char *dir, struct err *e)
{
	char *p = xstrdup(dir);
	size_t len = strlen(p);
	struct stat st;
	enum status s = ST_OK;

	if (len == 0) {
		free(p);
		return err_set(e, ST_ERR_IO, "TLS directory name is empty");
	}
	for (size_t i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			s = err_set(e, ST_ERR_IO, "cannot create directory %s: %s",
				    p, strerror(errno));
			break;
		}
		if (stat(p, &st) != 0) {
			s = err_set(e, ST_ERR_IO, "cannot create directory %s: %s",
				    p, strerror(errno));
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			s = err_set(e, ST_ERR_IO,
				    "cannot create directory %s: not a directory",
				    p);
			break;
		}
		p[i] = c;
	}
	free(p);
	return s;
}

static enum status read_file(const char *path, gnutls_datum_t *out,
			     struct err *e)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return err_set(e, ST_ERR_IO, "cannot read %s: %s", path,
			       strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_append(&b, chunk, n);
		if (b.len > PEM_MAX) {
			fclose(f);
			buf_free(&b);
			return err_set(e, ST_ERR_IO,
				       "cannot read %s: file is too large",
				       path);
		}
	}
	if (ferror(f)) {
		int err = errno;
		fclose(f);
		buf_free(&b);
		return err_set(e, ST_ERR_IO, "cannot read %s: %s", path,
			       strerror(err));
	}
	fclose(f);
	out->size = (unsigned)b.len;
	out->data = (unsigned char *)buf_detach(&b);
	return ST_OK;
}

/* Write through a temporary file and rename, so that a crash or a
 * concurrent reader never sees half a key. */
static enum status write_file(const char *path, const char *data,
			      mode_t mode, struct err *e)
{
	struct buf name = BUF_INIT;
	size_t len = strlen(data), done = 0;
	enum status s = ST_OK;
	char *tmp;
	int fd;

	buf_printf(&name, "%s.tmp.XXXXXX", path);
	tmp = buf_detach(&name);
	fd = mkstemp(tmp);
	if (fd < 0) {
		s = err_set(e, ST_ERR_IO, "cannot write %s: %s", path,
			    strerror(errno));
		free(tmp);
		return s;
	}
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s = err_set(e, ST_ERR_IO, "cannot write %s: %s", path,
				    w < 0 ? strerror(errno) : "short write");
			goto fail;
		}
		done += (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		s = err_set(e, ST_ERR_IO, "cannot write %s: %s", path,
			    strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		s = err_set(e, ST_ERR_IO, "cannot write %s: %s", path,
			    strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		s = err_set(e, ST_ERR_IO, "cannot write %s: %s", path,
			    strerror(errno));
		goto fail;
	}
	free(tmp);
	return ST_OK;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return s;
}

/* ---- PEM ---- */

static char *datum_str(gnutls_datum_t *d)
{
	char *s = xstrndup((const char *)d->data, d->size);

	gnutls_free(d->data);
	d->data = NULL;
	d->size = 0;
	return s;
}

static enum status export_pki(const struct pki *p, char **crt, char **key,
			      struct err *e)
{
	gnutls_datum_t d = {NULL, 0};
	int r;

	r = gnutls_x509_crt_export2(p->crt, GNUTLS_X509_FMT_PEM, &d);
	if (r < 0)
		return err_set(e, ST_ERR_INVALID,
			       "cannot export certificate: %s",
			       gnutls_strerror(r));
	*crt = datum_str(&d);
	r = gnutls_x509_privkey_export2_pkcs8(p->key, GNUTLS_X509_FMT_PEM,
					      NULL, GNUTLS_PKCS_PLAIN, &d);
	if (r < 0) {
		free(*crt);
		*crt = NULL;
		return err_set(e, ST_ERR_INVALID, "cannot export key: %s",
			       gnutls_strerror(r));
	}
	*key = datum_str(&d);
	return ST_OK;
}

/* Load a certificate and its key, checking that they belong together. */
static enum status load_pki(const char *crt_path, const char *key_path,
			    struct pki *p, struct err *e)
{
	gnutls_datum_t d = {NULL, 0};
	unsigned char id1[64], id2[64];
	size_t n1 = sizeof id1, n2 = sizeof id2;
	enum status s;
	int r;

	p->crt = NULL;
	p->key = NULL;
	if ((s = read_file(crt_path, &d, e)) != ST_OK)
		return s;
	gnutls_x509_crt_init(&p->crt);
	r = gnutls_x509_crt_import(p->crt, &d, GNUTLS_X509_FMT_PEM);
	free(d.data);
	if (r < 0) {
		s = err_set(e, ST_ERR_INVALID, "%s: not a PEM certificate: %s",
			    crt_path, gnutls_strerror(r));
		goto fail;
	}
	if ((s = read_file(key_path, &d, e)) != ST_OK)
		goto fail;
	gnutls_x509_privkey_init(&p->key);
	r = gnutls_x509_privkey_import2(p->key, &d, GNUTLS_X509_FMT_PEM, NULL,
					GNUTLS_PKCS_PLAIN);
	free(d.data);
	if (r < 0) {
		s = err_set(e, ST_ERR_INVALID,
			    "%s: not an unencrypted PEM private key: %s",
			    key_path, gnutls_strerror(r));
		goto fail;
	}
	if (gnutls_x509_crt_get_key_id(p->crt, 0, id1, &n1) < 0 ||
	    gnutls_x509_privkey_get_key_id(p->key, 0, id2, &n2) < 0 ||
	    n1 != n2 || memcmp(id1, id2, n1) != 0) {
		s = err_set(e, ST_ERR_INVALID,
			    "%s does not hold the key of the certificate in %s",
			    key_path, crt_path);
		goto fail;
	}
	return ST_OK;
fail:
	pki_free(p);
	return s;
}

/* ---- making certificates ---- */

/* Positive, and never starting with a zero byte, as RFC 5280 wants. */
static int set_serial(gnutls_x509_crt_t crt)
{
	unsigned char serial[16];
	int r = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);

	if (r < 0)
		return r;
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
	return gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
}

static int set_cn(gnutls_x509_crt_t crt, const char *cn)
{
	return gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
					     0, cn, (unsigned)strlen(cn));
}

static int set_ski(gnutls_x509_crt_t crt)
{
	unsigned char id[64];
	size_t n = sizeof id;
	int r = gnutls_x509_crt_get_key_id(crt, 0, id, &n);

	return r < 0 ? r : gnutls_x509_crt_set_subject_key_id(crt, id, n);
}

/* The common part of both certificates: a fresh key, version, serial,
 * validity and subject. */
static int start_cert(struct pki *p, const char *cn, long days)
{
	time_t now = time(NULL);
	int r;

	if ((r = gnutls_x509_privkey_init(&p->key)) < 0 ||
	    (r = gnutls_x509_privkey_generate2(
		     p->key, GNUTLS_PK_ECDSA,
		     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL,
		     0)) < 0 ||
	    (r = gnutls_x509_crt_init(&p->crt)) < 0 ||
	    (r = gnutls_x509_crt_set_version(p->crt, 3)) < 0 ||
	    (r = set_serial(p->crt)) < 0 ||
	    (r = gnutls_x509_crt_set_activation_time(p->crt, now - BACKDATE)) <
		    0 ||
	    (r = gnutls_x509_crt_set_expiration_time(
		     p->crt, now + (time_t)days * 24 * 60 * 60)) < 0 ||
	    (r = set_cn(p->crt, cn)) < 0 ||
	    (r = gnutls_x509_crt_set_key(p->crt, p->key)) < 0 ||
	    (r = set_ski(p->crt)) < 0)
		return r;
	return 0;
}

static enum status make_ca(struct pki *ca, struct err *e)
{
	int r;

	ca->crt = NULL;
	ca->key = NULL;
	if ((r = start_cert(ca, "kubesim-ca", CA_DAYS)) < 0 ||
	    (r = gnutls_x509_crt_set_basic_constraints(ca->crt, 1, -1)) < 0 ||
	    (r = gnutls_x509_crt_set_key_usage(
		     ca->crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) <
		    0 ||
	    (r = gnutls_x509_crt_sign2(ca->crt, ca->crt, ca->key,
				       GNUTLS_DIG_SHA256, 0)) < 0) {
		pki_free(ca);
		return err_set(e, ST_ERR_INVALID,
			       "cannot make the kubesim CA: %s",
			       gnutls_strerror(r));
	}
	return ST_OK;
}

/* host as IP address bytes (brackets around IPv6 allowed); 0 if not one. */
static size_t parse_ip(const char *host, unsigned char ip[16])
{
	char tmp[64];
	size_t len = strlen(host);

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' &&
	    len - 2 < sizeof tmp) {
		memcpy(tmp, host + 1, len - 2);
		tmp[len - 2] = '\0';
		host = tmp;
	}
	if (inet_pton(AF_INET, host, ip) == 1)
		return 4;
	if (inet_pton(AF_INET6, host, ip) == 1)
		return 16;
	return 0;
}

static int add_ip(gnutls_x509_crt_t crt, const char *s)
{
	unsigned char ip[16];
	size_t n = parse_ip(s, ip);

	return gnutls_x509_crt_set_subject_alt_name(
		crt, GNUTLS_SAN_IPADDRESS, ip, (unsigned)n, GNUTLS_FSAN_APPEND);
}

static int add_dns(gnutls_x509_crt_t crt, const char *s)
{
	return gnutls_x509_crt_set_subject_alt_name(
		crt, GNUTLS_SAN_DNSNAME, s, (unsigned)strlen(s),
		GNUTLS_FSAN_APPEND);
}

/* Does crt already name host (as an IP address or a DNS name)? */
static bool names_host(gnutls_x509_crt_t crt, const char *host)
{
	unsigned char ip[16];
	size_t n;

	if (!host || !*host)
		return true;
	n = parse_ip(host, ip);
	if (n)
		return gnutls_x509_crt_check_ip(crt, ip, (unsigned)n, 0) != 0;
	return gnutls_x509_crt_check_hostname2(crt, host, 0) != 0;
}

static enum status make_server(const struct pki *ca, const char *host,
			       struct pki *srv, struct err *e)
{
	unsigned char aki[64];
	size_t aki_len = sizeof aki;
	int r;

	srv->crt = NULL;
	srv->key = NULL;
	if ((r = start_cert(srv, "kubesim", SERVER_DAYS)) < 0 ||
	    (r = gnutls_x509_crt_set_basic_constraints(srv->crt, 0, -1)) < 0 ||
	    (r = gnutls_x509_crt_set_key_usage(
		     srv->crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
				       GNUTLS_KEY_KEY_ENCIPHERMENT)) < 0 ||
	    (r = gnutls_x509_crt_set_key_purpose_oid(
		     srv->crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (r = add_ip(srv->crt, "127.0.0.1")) < 0 ||
	    (r = add_ip(srv->crt, "::1")) < 0 ||
	    (r = add_dns(srv->crt, "localhost")) < 0)
		goto fail;
	if (!names_host(srv->crt, host)) {
		unsigned char ip[16];
		r = parse_ip(host, ip) ? add_ip(srv->crt, host)
				       : add_dns(srv->crt, host);
		if (r < 0)
			goto fail;
	}
	if ((r = gnutls_x509_crt_get_subject_key_id(ca->crt, aki, &aki_len,
						    NULL)) < 0 ||
	    (r = gnutls_x509_crt_set_authority_key_id(srv->crt, aki,
						      aki_len)) < 0 ||
	    (r = gnutls_x509_crt_sign2(srv->crt, ca->crt, ca->key,
				       GNUTLS_DIG_SHA256, 0)) < 0)
		goto fail;
	return ST_OK;
fail:
	pki_free(srv);
	return err_set(e, ST_ERR_INVALID,
		       "cannot make the kubesim server certificate for %s: %s",
		       host && *host ? host : "localhost", gnutls_strerror(r));
}

/* Is a loaded server certificate still good for this CA and host? */
static bool server_fits(const struct pki *ca, const struct pki *srv,
			const char *host)
{
	gnutls_x509_crt_t list[1] = {ca->crt};
	unsigned int verdict = 0;

	if (gnutls_x509_crt_verify(srv->crt, list, 1, 0, &verdict) < 0 ||
	    verdict != 0)
		return false;
	return names_host(srv->crt, host);
}

/* ---- entry points ---- */

static enum status save_pki(const struct pki *p, const char *crt_path,
			    const char *key_path, struct err *e)
{
	char *crt = NULL, *key = NULL;
	enum status s = export_pki(p, &crt, &key, e);

	if (s == ST_OK)
		s = write_file(key_path, key, 0600, e);
	if (s == ST_OK)
		s = write_file(crt_path, crt, 0644, e);
	free(crt);
	free(key);
	return s;
}

enum status ks_tls_setup(const char *dir, const char *host,
			 struct ks_tls *out, struct err *e)
{
	struct pki ca = {NULL, NULL}, srv = {NULL, NULL};
	char *ca_crt = NULL, *ca_key = NULL, *srv_crt = NULL, *srv_key = NULL;
	char *unused = NULL;
	enum status s;

	out->ca_pem = out->cert_pem = out->key_pem = NULL;
	if (dir) {
		ca_crt = path_join(dir, "ca.crt");
		ca_key = path_join(dir, "ca.key");
		srv_crt = path_join(dir, "server.crt");
		srv_key = path_join(dir, "server.key");
		if ((s = mkdir_p(dir, e)) != ST_OK)
			goto out;
	}

	/* A CA with both halves on disk is kept: clients may trust it. */
	if (dir && file_exists(ca_crt) && file_exists(ca_key)) {
		if ((s = load_pki(ca_crt, ca_key, &ca, e)) != ST_OK)
			goto out;
	} else {
		if ((s = make_ca(&ca, e)) != ST_OK)
			goto out;
		if (dir && (s = save_pki(&ca, ca_crt, ca_key, e)) != ST_OK)
			goto out;
	}

	if (dir && file_exists(srv_crt) && file_exists(srv_key)) {
		struct err ignored;
		if (load_pki(srv_crt, srv_key, &srv, &ignored) == ST_OK &&
		    !server_fits(&ca, &srv, host))
			pki_free(&srv);
	}
	if (!srv.crt) {
		if ((s = make_server(&ca, host, &srv, e)) != ST_OK)
			goto out;
		if (dir && (s = save_pki(&srv, srv_crt, srv_key, e)) != ST_OK)
			goto out;
	}

	if ((s = export_pki(&ca, &out->ca_pem, &unused, e)) != ST_OK)
		goto out;
	free(unused);
	s = export_pki(&srv, &out->cert_pem, &out->key_pem, e);
out:
	if (s != ST_OK)
		ks_tls_free(out);
	pki_free(&ca);
	pki_free(&srv);
	free(ca_crt);
	free(ca_key);
	free(srv_crt);
	free(srv_key);
	return s;
}

void ks_tls_free(struct ks_tls *t)
{
	if (!t)
		return;
	free(t->ca_pem);
	free(t->cert_pem);
	free(t->key_pem);
	t->ca_pem = t->cert_pem = t->key_pem = NULL;
}
