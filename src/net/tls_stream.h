// TlsStream: the server side of TLS over a connected TCP socket, for a connection whose reads
// and writes are coroutines on one strand. OpenSSL runs over memory buffers (BIOs): ciphertext
// is read from the socket in large chunks (and acknowledged at once, see Fill), and the records a
// write makes go out 256 KiB per socket write, where asio::ssl::stream moves one 16 KiB record
// per socket operation. The ciphertext a connection holds stays under about 512 KiB.
//
// One reader and one writer may be active at once (a connection's read loop and write loop):
// only writes and the handshake send bytes, so the socket has a single writer. What a read makes
// OpenSSL send (a TLS 1.3 KeyUpdate answer) goes out with the next write. Renegotiation is
// refused.
//
// Thread-safety: as the socket: one strand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <sys/types.h>

namespace herald::net {

class TlsStream {
 public:
  // `socket` must outlive the stream; `context` is kept.
  TlsStream(boost::asio::ip::tcp::socket& socket,
            std::shared_ptr<boost::asio::ssl::context> context);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // The server's handshake. Throws boost::system::system_error when it fails.
  boost::asio::awaitable<void> Handshake();

  // After the handshake: the subject of the client's certificate, when it gave one and it was
  // verified, as RFC 2253 writes distinguished names ("CN=client,O=Example"); else nullopt.
  std::optional<std::string> PeerSubject() const;

  // Reads at least one byte into `into`. Throws system_error: asio::error::eof when the peer
  // closed (with or without close_notify), the socket's or OpenSSL's error otherwise.
  boost::asio::awaitable<size_t> ReadSome(boost::asio::mutable_buffer into);

  // Encrypts `buffers` and writes the records, with one socket write per kFlushBytes or so.
  template <typename ConstBufferSequence>
  boost::asio::awaitable<void> Write(const ConstBufferSequence& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer b(*it);
      co_await EncryptAndFlush(static_cast<const uint8_t*>(b.data()), b.size());
    }
    co_await Flush();
  }

  // Encrypts and writes `size` bytes of file `fd` from `offset`, read in chunks.
  boost::asio::awaitable<void> WriteFile(int fd, off_t offset, size_t size);

 private:
  static constexpr size_t kReadChunk = 128 << 10;
  // Ciphertext held before it is written: bounds a connection's TLS memory, large responses
  // included.
  static constexpr size_t kFlushBytes = 256 << 10;

  void Encrypt(const void* data, size_t size);
  // Encrypts `size` bytes in pieces, writing whenever kFlushBytes are waiting.
  boost::asio::awaitable<void> EncryptAndFlush(const uint8_t* data, size_t size);
  size_t Pending() const;
  // Writes every encrypted byte waiting to the socket.
  boost::asio::awaitable<void> Flush();
  // Reads what the socket has (at least one byte) into OpenSSL's input.
  boost::asio::awaitable<void> Fill();
  // The system_error for `ssl_error` (SSL_get_error's) and the thread's OpenSSL error queue,
  // which it empties: to be called right after the failed call, before any suspension.
  static boost::system::system_error ErrorOf(int ssl_error);

  boost::asio::ip::tcp::socket& socket_;
  const std::shared_ptr<boost::asio::ssl::context> context_;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // ciphertext read, owned by ssl_
  BIO* out_ = nullptr;  // ciphertext to send, owned by ssl_
  std::vector<uint8_t> read_buffer_;
  std::vector<uint8_t> write_buffer_;
};

}  // namespace herald::net
