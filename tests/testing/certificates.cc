#include "testing/certificates.h"

#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "testing/test_util.h"

namespace herald::testing {
namespace {

// `text` as one word for /bin/sh.
std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs one command; its standard output, or std::runtime_error with all it printed.
std::string Run(const std::string& command) {
  CommandResult r = RunCommand(command);
  if (r.exit_code != 0) {
    throw std::runtime_error(
        fmt::format("`{}` failed (exit {}):\n{}{}", command, r.exit_code, r.out, r.err));
  }
  return r.out;
}

std::string Trimmed(std::string text) {
  const size_t end = text.find_last_not_of(" \r\n\t");
  text.erase(end == std::string::npos ? 0 : end + 1);
  const size_t begin = text.find_first_not_of(" \r\n\t");
  return begin == std::string::npos ? std::string() : text.substr(begin);
}

// A self-signed CA certificate (the req command's default extensions mark it a CA).
void MakeCa(const std::string& cert, const std::string& key, const std::string& name) {
  Run(fmt::format("openssl req -x509 -newkey rsa:2048 -nodes -keyout {} -out {} -days 2 -subj {}",
                  Quote(key), Quote(cert), Quote("/CN=" + name)));
}

}  // namespace

TestCertificates::TestCertificates(std::filesystem::path dir) : dir_(std::move(dir)) {
  MakeCa(ca(), ca_key(), "Herald Test CA");
  Issue("server", "localhost",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  Issue("client", "client", "extendedKeyUsage=clientAuth\n");
  // Only its certificate is of use: nothing is signed with this CA.
  MakeCa(other_ca(), Path("other_ca.key"), "Other Test CA");
}

void TestCertificates::Issue(const std::string& name, const std::string& subject,
                             const std::string& extensions, int days) {
  const std::string key = Path(name + ".key"), csr = Path(name + ".csr"),
                    cert = Path(name + ".pem"), ext = Path(name + ".ext");
  Run(fmt::format("openssl req -newkey rsa:2048 -nodes -keyout {} -out {} -subj {}", Quote(key),
                  Quote(csr), Quote("/CN=" + subject)));
  std::ofstream(ext) << extensions;
  // ca.srl holds the CA's last serial: created (random) with the first certificate, incremented
  // with each one after, so every certificate, reissued ones too, has its own.
  Run(fmt::format(
      "openssl x509 -req -in {} -CA {} -CAkey {} -CAserial {} -CAcreateserial -out {} -days {} "
      "-extfile {}",
      Quote(csr), Quote(ca()), Quote(ca_key()), Quote(Path("ca.srl")), Quote(cert), days,
      Quote(ext)));
}

std::string TestCertificates::ReissueServer(bool expired) {
  // Issued beside the files in use, then renamed over them.
  Issue("server-next", "localhost",
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        expired ? -1 : 2);
  std::filesystem::rename(Path("server-next.key"), server_key());
  std::filesystem::rename(Path("server-next.pem"), server_cert());
  return Trimmed(Run(fmt::format("openssl x509 -noout -serial -in {}", Quote(server_cert()))));
}

std::string ServedCertificateSerial(uint16_t port, const std::string& ca) {
  // s_client prints the server's certificate once the handshake is done (and, its input at end,
  // closes); x509 prints that certificate's serial. -verify_return_error: a certificate that
  // does not check against `ca` gives no handshake, and so no serial.
  CommandResult r = RunCommand(fmt::format(
      "echo | timeout 5 openssl s_client -connect 127.0.0.1:{} -CAfile {} -verify_return_error "
      "2>/dev/null | openssl x509 -noout -serial",
      port, Quote(ca)));
  return Trimmed(r.out);
}

}  // namespace herald::testing
