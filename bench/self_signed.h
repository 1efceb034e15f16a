// A self-signed TLS certificate for loopback benchmarks: CN localhost, subjectAltName
// IP:127.0.0.1 and DNS:localhost, a P-256 key, valid for a day. Clients trust it by naming the
// certificate itself as their CA.
#pragma once

#include <string>

#include "base/status.h"

namespace herald::bench {

// Writes the certificate to `cert_path` and its private key to `key_path` (PEM).
Status WriteSelfSignedCertificate(const std::string& cert_path, const std::string& key_path);

}  // namespace herald::bench
