#pragma once
// TLS client set-up shared by every upstream connection: peers are always verified (system
// store plus an optional extra CA file, TLS 1.2+, host name or IP check, SNI). Only included
// by the translation units that open TLS streams.
#include <boost/asio/ssl.hpp>
#include <fmt/format.h>
#include <memory>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string>

#include "net/url.hpp"

#ifdef _WIN32
#include <windows.h>
#include <wincrypt.h>
// wincrypt.h names some of its constants as OpenSSL names its types (openssl/types.h undoes it
// the same way when it comes second).
#undef X509_NAME
#undef X509_EXTENSIONS
#undef PKCS7_ISSUER_AND_SERIAL
#undef PKCS7_SIGNER_INFO
#undef OCSP_REQUEST
#undef OCSP_RESPONSE
#endif

namespace sb {

#ifdef _WIN32
// OpenSSL's default verify paths on Windows are a folder nobody fills: the system's trusted
// roots are in Windows' "ROOT" certificate store. Not checked on a real Windows machine.
inline void add_windows_root_store(SSL_CTX* context) {
  HCERTSTORE store = CertOpenSystemStoreW(0, L"ROOT");
  if (!store) return;
  X509_STORE* trusted = SSL_CTX_get_cert_store(context);
  for (PCCERT_CONTEXT cert = CertEnumCertificatesInStore(store, nullptr); cert;
       cert = CertEnumCertificatesInStore(store, cert)) {
    const unsigned char* der = cert->pbCertEncoded;
    if (X509* x509 = d2i_X509(nullptr, &der, static_cast<long>(cert->cbCertEncoded))) {
      X509_STORE_add_cert(trusted, x509);  // a duplicate is refused, harmlessly
      X509_free(x509);
    }
  }
  CertCloseStore(store, 0);
}
#endif

// nullptr and `error` set when `ca_file` cannot be loaded.
inline std::unique_ptr<boost::asio::ssl::context> make_tls_client_context(const std::string& ca_file,
                                                                          std::string& error) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_default_verify_paths(ec);
#ifdef _WIN32
  add_windows_root_store(context->native_handle());
#endif
  if (!ca_file.empty()) {
    context->load_verify_file(ca_file, ec);
    if (ec) {
      error = fmt::format("cannot load ca_file \"{}\": {}", ca_file, ec.message());
      return nullptr;
    }
  }
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

// Host name (or IP) verification and SNI for one stream; false if `host` cannot be a server name.
// The name is checked by OpenSSL itself (not a verify callback), so a mismatch is reported as
// "hostname mismatch" / "IP address mismatch" rather than an unspecified error.
template <class SslStream>
bool prepare_tls_stream(SslStream& stream, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
  if (is_ip_literal(host)) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1 &&
         SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) == 1;
}

// Why a handshake failed, naming an untrusted certificate as such.
inline std::string tls_handshake_error(SSL* handle, const boost::system::error_code& ec, const Url& url,
                                       bool& untrusted) {
  const long verify = SSL_get_verify_result(handle);
  untrusted = verify != X509_V_OK;
  if (untrusted)
    return fmt::format(
        "the TLS certificate of {} is not trusted: {} (peers are always verified; add their CA "
        "with ca_file)",
        url.authority(), X509_verify_cert_error_string(verify));
  return fmt::format("TLS handshake with {} failed: {}", url.authority(), ec.message());
}

}  // namespace sb
