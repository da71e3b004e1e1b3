/*
 * Unit tests for kubesim's TLS set-up (tests/kubesim/tls.c): the CA and
 * server certificate it makes are well formed and chain up, the files in
 * the TLS directory are private and reused across restarts, a server
 * certificate that no longer fits is reissued by the same CA, bad
 * directories and files are reported, and a real TLS handshake between a
 * GnuTLS server and a verifying client succeeds with the material.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "test_tmp.h"
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>

#include "kubesim/kubesim.h"

static char tmpdir[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	return tmpdir_make(tmpdir, sizeof tmpdir, "tls");
}

static int teardown(void **state)
{
	(void)state;
	tmpdir_remove(tmpdir);
	return 0;
}

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	size_t n = 0;

	assert_non_null(f);
	assert_int_equal(getdelim(&s, &n, '\0', f) > 0, 1);
	fclose(f);
	return s;
}

static void spit(const char *path, const char *s)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static gnutls_x509_crt_t crt_of(const char *pem)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};

	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_int_equal(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
			 0);
	return crt;
}

static bool names_ip(gnutls_x509_crt_t crt, const char *ip)
{
	unsigned char b[16];
	int n = strchr(ip, ':') ? 16 : 4;

	assert_int_equal(inet_pton(n == 4 ? AF_INET : AF_INET6, ip, b), 1);
	return gnutls_x509_crt_check_ip(crt, b, (unsigned)n, 0) != 0;
}

static void assert_mode(const char *path, mode_t want)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	if ((st.st_mode & 07777) != want)
		fail_msg("%s has mode %o, want %o", path, st.st_mode & 07777,
			 want);
}

/* Check everything about a fresh set of PEMs made for host. */
static void check_material(const struct ks_tls *t, const char *host_ip,
			   const char *host_dns)
{
	gnutls_x509_crt_t ca = crt_of(t->ca_pem), srv = crt_of(t->cert_pem);
	unsigned verdict = 99, critical = 0, ca_flag = 0, usage = 0;
	int pathlen = 0;
	char buf[256];
	size_t n;
	time_t now = time(NULL);

	assert_non_null(strstr(t->key_pem, "-----BEGIN PRIVATE KEY-----"));

	/* The CA. */
	assert_int_equal(gnutls_x509_crt_get_basic_constraints(
				 ca, &critical, &ca_flag, &pathlen),
			 1);
	assert_int_equal(ca_flag, 1);
	assert_int_equal(gnutls_x509_crt_get_key_usage(ca, &usage, &critical),
			 0);
	assert_true(usage & GNUTLS_KEY_KEY_CERT_SIGN);
	assert_true(usage & GNUTLS_KEY_CRL_SIGN);
	n = sizeof buf;
	assert_int_equal(gnutls_x509_crt_get_dn_by_oid(
				 ca, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &n),
			 0);
	assert_string_equal(buf, "kubesim-ca");
	assert_int_equal(gnutls_x509_crt_get_pk_algorithm(ca, NULL),
			 GNUTLS_PK_ECDSA);
	assert_true(gnutls_x509_crt_get_expiration_time(ca) >
		    now + 9L * 365 * 86400);
	assert_int_equal(gnutls_x509_crt_check_issuer(ca, ca), 1);

	/* The server certificate chains to the CA. */
	assert_int_equal(gnutls_x509_crt_verify(srv, &ca, 1, 0, &verdict), 0);
	assert_int_equal(verdict, 0);
	assert_int_equal(gnutls_x509_crt_get_basic_constraints(
				 srv, &critical, &ca_flag, &pathlen),
			 0);
	assert_int_equal(ca_flag, 0);
	assert_int_equal(gnutls_x509_crt_get_key_usage(srv, &usage, &critical),
			 0);
	assert_true(usage & GNUTLS_KEY_DIGITAL_SIGNATURE);
	assert_true(usage & GNUTLS_KEY_KEY_ENCIPHERMENT);
	assert_false(usage & GNUTLS_KEY_KEY_CERT_SIGN);
	n = sizeof buf;
	assert_int_equal(gnutls_x509_crt_get_key_purpose_oid(srv, 0, buf, &n,
							     NULL),
			 0);
	assert_string_equal(buf, GNUTLS_KP_TLS_WWW_SERVER);
	n = sizeof buf;
	assert_int_equal(gnutls_x509_crt_get_dn_by_oid(
				 srv, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &n),
			 0);
	assert_string_equal(buf, "kubesim");
	time_t nb = gnutls_x509_crt_get_activation_time(srv);
	time_t na = gnutls_x509_crt_get_expiration_time(srv);
	assert_true(nb <= now - 3000 && nb >= now - 3700);
	assert_true(na > now + 360L * 86400 && na < now + 370L * 86400);

	/* Its names. */
	assert_true(names_ip(srv, "127.0.0.1"));
	assert_true(names_ip(srv, "::1"));
	assert_false(names_ip(srv, "10.255.255.254"));
	assert_true(gnutls_x509_crt_check_hostname2(srv, "localhost", 0));
	assert_false(gnutls_x509_crt_check_hostname2(srv, "example.org", 0));
	if (host_ip)
		assert_true(names_ip(srv, host_ip));
	if (host_dns)
		assert_true(gnutls_x509_crt_check_hostname2(srv, host_dns, 0));

	/* The key is the certificate's. */
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t c = {(unsigned char *)t->cert_pem,
			    (unsigned)strlen(t->cert_pem)};
	gnutls_datum_t k = {(unsigned char *)t->key_pem,
			    (unsigned)strlen(t->key_pem)};
	assert_int_equal(gnutls_certificate_allocate_credentials(&cred), 0);
	assert_true(gnutls_certificate_set_x509_key_mem(cred, &c, &k,
							GNUTLS_X509_FMT_PEM) >= 0);
	gnutls_certificate_free_credentials(cred);

	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(srv);
}

static void test_no_dir(void **state)
{
	struct ks_tls a, b;
	struct err e;

	(void)state;
	assert_int_equal(ks_tls_setup(NULL, "127.0.0.1", &a, &e), ST_OK);
	check_material(&a, NULL, NULL);
	/* Without a directory each call is a new CA. */
	assert_int_equal(ks_tls_setup(NULL, NULL, &b, &e), ST_OK);
	check_material(&b, NULL, NULL);
	assert_string_not_equal(a.ca_pem, b.ca_pem);
	assert_string_not_equal(a.key_pem, b.key_pem);
	ks_tls_free(&a);
	ks_tls_free(&b);
	assert_null(a.ca_pem);
	ks_tls_free(&a); /* twice is harmless */
}

static void test_hosts(void **state)
{
	struct ks_tls t;
	struct err e;

	(void)state;
	assert_int_equal(ks_tls_setup(NULL, "10.1.2.3", &t, &e), ST_OK);
	check_material(&t, "10.1.2.3", NULL);
	ks_tls_free(&t);
	assert_int_equal(ks_tls_setup(NULL, "fd00::5", &t, &e), ST_OK);
	check_material(&t, "fd00::5", NULL);
	ks_tls_free(&t);
	assert_int_equal(ks_tls_setup(NULL, "[fd00::6]", &t, &e), ST_OK);
	check_material(&t, "fd00::6", NULL);
	ks_tls_free(&t);
	assert_int_equal(ks_tls_setup(NULL, "kubesim.test", &t, &e), ST_OK);
	check_material(&t, NULL, "kubesim.test");
	ks_tls_free(&t);
	assert_int_equal(ks_tls_setup(NULL, "", &t, &e), ST_OK);
	check_material(&t, NULL, NULL);
	ks_tls_free(&t);
}

static void test_dir_create_and_reuse(void **state)
{
	struct ks_tls a, b;
	struct err e;
	char *dir = path_in(tmpdir, "deep/er/tls");
	char *ca_crt = path_in(dir, "ca.crt"), *ca_key = path_in(dir, "ca.key");
	char *srv_crt = path_in(dir, "server.crt");
	char *srv_key = path_in(dir, "server.key");

	(void)state;
	assert_int_equal(ks_tls_setup(dir, "127.0.0.1", &a, &e), ST_OK);
	check_material(&a, "127.0.0.1", NULL);

	/* mkdir -p, private. */
	assert_mode(dir, 0700);
	char *mid = path_in(tmpdir, "deep");
	assert_mode(mid, 0700);
	free(mid);
	assert_mode(ca_key, 0600);
	assert_mode(srv_key, 0600);
	assert_mode(ca_crt, 0644);
	assert_mode(srv_crt, 0644);

	/* The files hold what was returned, and nothing is left over. */
	char *s = slurp(ca_crt);
	assert_string_equal(s, a.ca_pem);
	free(s);
	s = slurp(srv_crt);
	assert_string_equal(s, a.cert_pem);
	free(s);
	s = slurp(srv_key);
	assert_string_equal(s, a.key_pem);
	free(s);
	s = slurp(ca_key);
	assert_non_null(strstr(s, "PRIVATE KEY"));
	free(s);
	DIR *d = opendir(dir);
	int files = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			files++;
	closedir(d);
	assert_int_equal(files, 4);

	/* A restart loads the same material. */
	assert_int_equal(ks_tls_setup(dir, "127.0.0.1", &b, &e), ST_OK);
	assert_string_equal(a.ca_pem, b.ca_pem);
	assert_string_equal(a.cert_pem, b.cert_pem);
	assert_string_equal(a.key_pem, b.key_pem);
	ks_tls_free(&b);
	/* localhost and ::1 are named already: still the same. */
	assert_int_equal(ks_tls_setup(dir, "localhost", &b, &e), ST_OK);
	assert_string_equal(a.cert_pem, b.cert_pem);
	ks_tls_free(&b);

	/* Another host: same CA, a new server certificate naming it. */
	assert_int_equal(ks_tls_setup(dir, "10.9.8.7", &b, &e), ST_OK);
	assert_string_equal(a.ca_pem, b.ca_pem);
	assert_string_not_equal(a.cert_pem, b.cert_pem);
	check_material(&b, "10.9.8.7", NULL);
	s = slurp(srv_crt);
	assert_string_equal(s, b.cert_pem);
	free(s);
	assert_mode(srv_key, 0600);
	ks_tls_free(&b);

	/* A lost server key: reissued by the same CA. */
	assert_int_equal(unlink(srv_key), 0);
	assert_int_equal(ks_tls_setup(dir, "10.9.8.7", &b, &e), ST_OK);
	assert_string_equal(a.ca_pem, b.ca_pem);
	check_material(&b, "10.9.8.7", NULL);
	assert_mode(srv_key, 0600);
	ks_tls_free(&b);

	/* A lost CA key: everything is new. */
	assert_int_equal(unlink(ca_key), 0);
	assert_int_equal(ks_tls_setup(dir, "127.0.0.1", &b, &e), ST_OK);
	assert_string_not_equal(a.ca_pem, b.ca_pem);
	check_material(&b, NULL, NULL);
	assert_mode(ca_key, 0600);
	ks_tls_free(&b);

	ks_tls_free(&a);
	free(ca_crt);
	free(ca_key);
	free(srv_crt);
	free(srv_key);
	free(dir);
}

static void test_bad_dir(void **state)
{
	struct ks_tls t = {(char *)"x", (char *)"y", (char *)"z"};
	struct err e;
	char *file = path_in(tmpdir, "plainfile");
	char *under = path_in(file, "tls");

	(void)state;
	spit(file, "not a directory\n");
	assert_int_not_equal(ks_tls_setup(under, NULL, &t, &e), ST_OK);
	assert_int_equal(e.code, ST_ERR_IO);
	assert_non_null(strstr(e.msg, file));
	assert_null(t.ca_pem);
	assert_null(t.cert_pem);
	assert_null(t.key_pem);

	/* The directory itself is a file. */
	assert_int_not_equal(ks_tls_setup(file, NULL, &t, &e), ST_OK);
	assert_non_null(strstr(e.msg, "not a directory"));

	assert_int_not_equal(ks_tls_setup("", NULL, &t, &e), ST_OK);
	free(under);
	free(file);
}

static void test_corrupt_files(void **state)
{
	struct ks_tls a, b, t;
	struct err e;
	char *dir = path_in(tmpdir, "corrupt");
	char *ca_crt = path_in(dir, "ca.crt"), *ca_key = path_in(dir, "ca.key");
	char *srv_crt = path_in(dir, "server.crt");

	(void)state;
	assert_int_equal(ks_tls_setup(dir, NULL, &a, &e), ST_OK);
	char *good_crt = slurp(ca_crt);
	char *good_key = slurp(ca_key);

	/* A damaged CA is an error naming the file: making a new CA would
	 * silently break every client that trusts the old one. */
	spit(ca_crt, "-----BEGIN CERTIFICATE-----\ngarbage\n"
		     "-----END CERTIFICATE-----\n");
	assert_int_not_equal(ks_tls_setup(dir, NULL, &t, &e), ST_OK);
	assert_int_equal(e.code, ST_ERR_INVALID);
	assert_non_null(strstr(e.msg, ca_crt));
	spit(ca_crt, good_crt);

	spit(ca_key, "nonsense");
	assert_int_not_equal(ks_tls_setup(dir, NULL, &t, &e), ST_OK);
	assert_non_null(strstr(e.msg, ca_key));

	/* The CA key of another CA. */
	char *other = path_in(tmpdir, "other");
	assert_int_equal(ks_tls_setup(other, NULL, &t, &e), ST_OK);
	ks_tls_free(&t);
	char *other_key = path_in(other, "ca.key");
	char *k = slurp(other_key);
	spit(ca_key, k);
	free(k);
	assert_int_not_equal(ks_tls_setup(dir, NULL, &t, &e), ST_OK);
	assert_non_null(strstr(e.msg, ca_key));
	spit(ca_key, good_key);

	/* An unreadable server certificate is reissued by the same CA. */
	spit(srv_crt, "junk");
	assert_int_equal(ks_tls_setup(dir, NULL, &b, &e), ST_OK);
	assert_string_equal(a.ca_pem, b.ca_pem);
	check_material(&b, NULL, NULL);
	ks_tls_free(&b);

	ks_tls_free(&a);
	free(other_key);
	free(other);
	free(good_crt);
	free(good_key);
	free(ca_crt);
	free(ca_key);
	free(srv_crt);
	free(dir);
}

/* ---- a real handshake ---- */

struct server_arg {
	int fd;
	const struct ks_tls *tls;
	int result;
};

static void *serve(void *p)
{
	struct server_arg *a = p;
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	gnutls_datum_t c = {(unsigned char *)a->tls->cert_pem,
			    (unsigned)strlen(a->tls->cert_pem)};
	gnutls_datum_t k = {(unsigned char *)a->tls->key_pem,
			    (unsigned)strlen(a->tls->key_pem)};
	int r;

	gnutls_certificate_allocate_credentials(&cred);
	gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
	gnutls_init(&s, GNUTLS_SERVER | GNUTLS_NO_SIGNAL);
	gnutls_set_default_priority(s);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(s, a->fd);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r == 0)
		r = (int)gnutls_record_send(s, "hello", 5);
	a->result = r;
	gnutls_bye(s, GNUTLS_SHUT_WR);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	return NULL;
}

/* Handshake as a client trusting only ca_pem and expecting name. */
static int handshake(const struct ks_tls *tls, const char *ca_pem,
		     const char *name, int *server_result)
{
	int sv[2];
	pthread_t th;
	struct server_arg arg;
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	gnutls_datum_t ca = {(unsigned char *)ca_pem, (unsigned)strlen(ca_pem)};
	char buf[8] = {0};
	int r;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	arg.fd = sv[1];
	arg.tls = tls;
	arg.result = -1;
	assert_int_equal(pthread_create(&th, NULL, serve, &arg), 0);

	gnutls_certificate_allocate_credentials(&cred);
	assert_int_equal(gnutls_certificate_set_x509_trust_mem(
				 cred, &ca, GNUTLS_X509_FMT_PEM),
			 1);
	gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL);
	gnutls_set_default_priority(s);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_session_set_verify_cert(s, name, 0);
	gnutls_transport_set_int(s, sv[0]);
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r == 0) {
		ssize_t n = gnutls_record_recv(s, buf, 5);
		r = n == 5 && memcmp(buf, "hello", 5) == 0 ? 0 : -1;
	}
	/* Unblock the server when the client gave up. */
	shutdown(sv[0], SHUT_RDWR);
	pthread_join(th, NULL);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	close(sv[0]);
	close(sv[1]);
	if (server_result)
		*server_result = arg.result;
	return r;
}

static void test_handshake(void **state)
{
	struct ks_tls t, other;
	struct err e;
	int sr;

	(void)state;
	assert_int_equal(ks_tls_setup(NULL, "kubesim.test", &t, &e), ST_OK);
	assert_int_equal(handshake(&t, t.ca_pem, "127.0.0.1", &sr), 0);
	assert_int_equal(sr, 5);
	assert_int_equal(handshake(&t, t.ca_pem, "localhost", NULL), 0);
	assert_int_equal(handshake(&t, t.ca_pem, "kubesim.test", NULL), 0);
	/* The wrong name, or a CA the server was not issued by, fail. */
	assert_int_not_equal(handshake(&t, t.ca_pem, "example.org", NULL), 0);
	assert_int_equal(ks_tls_setup(NULL, NULL, &other, &e), ST_OK);
	assert_int_not_equal(handshake(&t, other.ca_pem, "127.0.0.1", NULL),
			     0);
	ks_tls_free(&other);
	ks_tls_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_dir),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_dir_create_and_reuse),
		cmocka_unit_test(test_bad_dir),
		cmocka_unit_test(test_corrupt_files),
		cmocka_unit_test(test_handshake),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
