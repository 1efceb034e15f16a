// Throwaway X.509 certificates for TLS tests, made with the `openssl` command-line tool: a CA, a
// server certificate and a client certificate it signed, and a second, unrelated CA (a client
// that trusts only that one must refuse the server).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace herald::testing {

class TestCertificates {
 public:
  // Creates, in `dir` (which must exist):
  //   ca.pem, ca.key          the CA ("Herald Test CA")
  //   server.pem, server.key  CN localhost, subjectAltName DNS:localhost,IP:127.0.0.1, signed by it
  //   client.pem, client.key  CN client, signed by it
  //   other_ca.pem            an unrelated CA ("Other Test CA")
  // All valid for 2 days, RSA 2048. Throws std::runtime_error (with openssl's output) when a
  // command fails.
  explicit TestCertificates(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::string ca() const { return Path("ca.pem"); }
  std::string ca_key() const { return Path("ca.key"); }
  std::string server_cert() const { return Path("server.pem"); }
  std::string server_key() const { return Path("server.key"); }
  std::string client_cert() const { return Path("client.pem"); }
  std::string client_key() const { return Path("client.key"); }
  std::string other_ca() const { return Path("other_ca.pem"); }

  // Writes a new server certificate and key (a new key pair, the CA's next serial) over
  // server.pem and server.key, and returns its serial as `openssl x509 -noout -serial` prints it
  // ("serial=..."). Each file is replaced by a rename, so a server reading it never sees half of
  // one. `expired`: the certificate's validity ended a day ago.
  std::string ReissueServer(bool expired = false);

 private:
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  // Issues a certificate for `name` signed by the CA into `name`.pem and `name`.key, with the
  // X.509 v3 extensions `extensions` (lines of an openssl extension file), valid from now for
  // `days` (-1: expired since yesterday).
  void Issue(const std::string& name, const std::string& subject, const std::string& extensions,
             int days = 2);

  std::filesystem::path dir_;
};

// The serial ("serial=...") of the certificate a TLS server on 127.0.0.1:`port` presents now,
// checked against the CA file `ca` (openssl s_client); empty when no handshake succeeded.
std::string ServedCertificateSerial(uint16_t port, const std::string& ca);

}  // namespace herald::testing
