// Expected<T>: a value or an Error (message + byte offset into the input that was parsed).
// Contract: parsers of small syntactic units (labels, IPs, ports) return Expected so callers can
// turn the offset into a precise file:line:col diagnostic. No exceptions cross module borders.
#pragma once
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace ciliumc {

struct Error {
  Error(std::string message = {}, size_t offset = 0, std::string hint = {})
      : message(std::move(message)), offset(offset), hint(std::move(hint)) {}
  std::string message;
  size_t offset = 0;  // byte offset of the problem inside the parsed text
  std::string hint;   // optional "did you mean ..." style hint
};

template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}
  Expected(Error error) : v_(std::move(error)) {}

  explicit operator bool() const { return v_.index() == 0; }
  bool ok() const { return v_.index() == 0; }
  T& operator*() { assert(ok()); return std::get<0>(v_); }
  const T& operator*() const { assert(ok()); return std::get<0>(v_); }
  T* operator->() { return &**this; }
  const T* operator->() const { return &**this; }
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace ciliumc
