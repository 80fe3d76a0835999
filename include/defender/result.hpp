#pragma once
/// @file result.hpp
/// A small `std::expected`-like result type used inside the library.

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace defender {

/// What went wrong, as one line for a human.
struct Error {
    std::string message;
};

/// Either a value or an Error. Accessing the wrong alternative throws std::logic_error.
template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::move(value)) {}
    Result(Error error) : state_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(state_); }
    explicit operator bool() const { return ok(); }

    T& value() & { return checked_value(); }
    const T& value() const& { return const_cast<Result*>(this)->checked_value(); }
    T&& value() && { return std::move(checked_value()); }
    T* operator->() { return &checked_value(); }
    const T* operator->() const { return &const_cast<Result*>(this)->checked_value(); }
    T& operator*() & { return checked_value(); }
    const T& operator*() const& { return const_cast<Result*>(this)->checked_value(); }

    const Error& error() const {
        if (ok()) throw std::logic_error("Result holds a value, not an error");
        return std::get<Error>(state_);
    }

private:
    T& checked_value() {
        if (!ok())
            throw std::logic_error("Result holds an error: " + std::get<Error>(state_).message);
        return std::get<T>(state_);
    }
    std::variant<T, Error> state_;
};

/// Result of an operation that returns nothing on success.
struct Done {};
using Status = Result<Done>;

}  // namespace defender
