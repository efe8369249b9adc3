// A small std::expected: what ktstr uses of it, no more. libstdc++ 12 ships
// <expected> only for compilers with C++20 concepts complete, which clang 14
// (libFuzzer, clang-tidy) is not; this header works with both g++ and clang.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#if __has_include(<expected>)
#include <expected>
#endif

namespace ktstr {

template <class E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  [[nodiscard]] const E& error() const& { return error_; }
  [[nodiscard]] E&& error() && { return std::move(error_); }

 private:
  E error_;
};
template <class E>
Unexpected(E) -> Unexpected<E>;

template <class T>
struct IsUnexpected : std::false_type {};
template <class E>
struct IsUnexpected<Unexpected<E>> : std::true_type {};

// Holds a T or an E. Unlike std::expected, dereferencing an error aborts via
// std::get's exception rather than being undefined.
template <class T, class E>
class [[nodiscard]] Expected {
 public:
  // Implicit, as std::expected's: `return value;` must work. The constraint
  // keeps it away from copying and moving an Expected.
  template <class U = T>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, Expected> &&
           !IsUnexpected<std::remove_cvref_t<U>>::value) Expected(U&& value)  // NOLINT
      : state_(std::in_place_index<0>, std::forward<U>(value)) {}
  template <class G>
  Expected(Unexpected<G> u)  // NOLINT(google-explicit-constructor): as std::expected
      : state_(std::in_place_index<1>, std::move(u).error()) {}
#if defined(__cpp_lib_expected)
  template <class G>
  Expected(std::unexpected<G> u)  // NOLINT(google-explicit-constructor)
      : state_(std::in_place_index<1>, std::move(u).error()) {}
#endif

  [[nodiscard]] bool has_value() const {
    return state_.index() == 0;
  }
  explicit operator bool() const {
    return has_value();
  }
  T& operator*() & {
    return std::get<0>(state_);
  }
  const T& operator*() const& {
    return std::get<0>(state_);
  }
  T&& operator*() && {
    return std::get<0>(std::move(state_));
  }
  T* operator->() {
    return &std::get<0>(state_);
  }
  const T* operator->() const {
    return &std::get<0>(state_);
  }
  T& value() & {
    return std::get<0>(state_);
  }
  const T& value() const& {
    return std::get<0>(state_);
  }
  [[nodiscard]] const E& error() const& {
    return std::get<1>(state_);
  }
  E& error() & {
    return std::get<1>(state_);
  }
  template <class U>
  T value_or(U&& fallback) const& {
    return has_value() ? **this : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, E> state_;
};

template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  template <class G>
  Expected(Unexpected<G> u) : error_(std::move(u).error()) {}  // NOLINT
#if defined(__cpp_lib_expected)
  template <class G>
  Expected(std::unexpected<G> u) : error_(std::move(u).error()) {}  // NOLINT
#endif

  [[nodiscard]] bool has_value() const {
    return !error_.has_value();
  }
  explicit operator bool() const {
    return has_value();
  }
  [[nodiscard]] const E& error() const& {
    return *error_;
  }
  E& error() & {
    return *error_;
  }

 private:
  std::optional<E> error_;
};

}  // namespace ktstr
