#include "tests/support/test_certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace runbookd::testing {

namespace {

// Test setup failing is a broken test environment, so these throw (Catch2 reports them).
void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate generation failed: ") + what);
}

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

KeyPtr NewKey() {
  KeyPtr key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  Check(key != nullptr, "EVP_EC_gen");
  return key;
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  Check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

void SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  Check(RAND_bytes(bytes, sizeof bytes) == 1, "RAND_bytes");
  bytes[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(bytes, sizeof bytes, nullptr);
  Check(bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != nullptr, "serial");
  BN_free(bn);
}

CertPtr NewCert(EVP_PKEY* key, const std::string& common_name, std::chrono::seconds not_before,
                std::chrono::seconds not_after) {
  CertPtr cert(X509_new(), X509_free);
  Check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  SetRandomSerial(cert.get());
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count()));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count()));
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                             -1, 0);
  return cert;
}

std::string CertPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(PEM_write_bio_X509(bio, cert) == 1, "PEM_write_bio_X509");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string KeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "PEM_write_bio_PrivateKey");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  Check(static_cast<bool>(out), "write file");
}

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/runbookd-certs-XXXXXX";
  Check(mkdtemp(pattern.data()) != nullptr, "mkdtemp");
  return pattern;
}

}  // namespace

struct TestCa::Impl {
  KeyPtr key{nullptr, EVP_PKEY_free};
  CertPtr cert{nullptr, X509_free};
  std::string cert_pem;
};

TestCa::TestCa(std::string name) : impl_(std::make_unique<Impl>()), dir_(MakeTempDir()) {
  impl_->key = NewKey();
  impl_->cert = NewCert(impl_->key.get(), name, -std::chrono::hours(2), std::chrono::hours(24 * 365));
  X509* cert = impl_->cert.get();
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  AddExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(cert, cert, NID_subject_key_identifier, "hash");
  Check(X509_sign(cert, impl_->key.get(), EVP_sha256()) > 0, "X509_sign CA");
  impl_->cert_pem = CertPem(cert);
  ca_cert_file_ = dir_ + "/ca.crt";
  WriteFile(ca_cert_file_, impl_->cert_pem);
}

TestCa::~TestCa() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

CertFiles TestCa::Issue(const LeafSpec& spec, const std::string& file_stem) {
  KeyPtr key = NewKey();
  CertPtr cert = NewCert(key.get(), spec.common_name, spec.not_before, spec.not_after);
  X509* ca = impl_->cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca));
  AddExtension(cert.get(), ca, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), ca, NID_key_usage, "critical,digitalSignature,keyEncipherment");
  AddExtension(cert.get(), ca, NID_ext_key_usage, spec.client_auth ? "clientAuth" : "serverAuth");
  AddExtension(cert.get(), ca, NID_authority_key_identifier, "keyid:always");
  std::string san;
  for (const auto& d : spec.dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : spec.ip_addresses) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  if (!san.empty()) AddExtension(cert.get(), ca, NID_subject_alt_name, san);
  Check(X509_sign(cert.get(), impl_->key.get(), EVP_sha256()) > 0, "X509_sign leaf");

  CertFiles files;
  files.cert = dir_ + "/" + file_stem + ".crt";
  files.key = dir_ + "/" + file_stem + ".key";
  files.chain = dir_ + "/" + file_stem + "-chain.crt";
  const std::string pem = CertPem(cert.get());
  WriteFile(files.cert, pem);
  WriteFile(files.key, KeyPem(key.get()));
  WriteFile(files.chain, pem + impl_->cert_pem);
  return files;
}

TestCerts::TestCerts() : ca("runbookd test CA"), other_ca("runbookd other CA") {
  server = ca.Issue(LeafSpec{}, "server");

  LeafSpec expired_spec;
  expired_spec.not_before = -std::chrono::hours(48);
  expired_spec.not_after = -std::chrono::hours(24);
  expired = ca.Issue(expired_spec, "expired");

  LeafSpec wrong_spec;
  wrong_spec.common_name = "wrong.example.com";
  wrong_spec.dns_names = {"wrong.example.com"};
  wrong_spec.ip_addresses = {};
  wrong_host = ca.Issue(wrong_spec, "wrong-host");

  untrusted = other_ca.Issue(LeafSpec{}, "untrusted");

  LeafSpec client_spec;
  client_spec.common_name = "runbookd-test-client";
  client_spec.dns_names = {};
  client_spec.ip_addresses = {};
  client_spec.client_auth = true;
  client = ca.Issue(client_spec, "client");
}

}  // namespace runbookd::testing
