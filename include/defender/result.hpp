// SPDX-License-Identifier: Apache-2.0
#pragma once
/// @file result.hpp
/// A small `std::expected`-like result type used inside the library.
/// Target: Defender::defender (stage util).

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace defender {

/// What went wrong, as one line for a human.
struct Error {
    std::string message;  ///< One line naming what is wrong.
};

/// Either a value or an Error. Accessing the wrong alternative throws std::logic_error.
template <class T>
class [[nodiscard]] Result {
public:
    /// A success holding `value`.
    Result(T value) : state_(std::move(value)) {}
    /// A failure holding `error`.
    Result(Error error) : state_(std::move(error)) {}

    /// True when a value is held.
    bool ok() const { return std::holds_alternative<T>(state_); }
    /// True when a value is held.
    explicit operator bool() const { return ok(); }

    /// The value; throws std::logic_error when it is an error.
    T& value() & { return checked_value(); }
    /// The value; throws std::logic_error when it is an error.
    const T& value() const& { return const_cast<Result*>(this)->checked_value(); }
    /// The value, moved out; throws std::logic_error when it is an error.
    T&& value() && { return std::move(checked_value()); }
    /// Member access to the value; throws std::logic_error when it is an error.
    T* operator->() { return &checked_value(); }
    /// Member access to the value; throws std::logic_error when it is an error.
    const T* operator->() const { return &const_cast<Result*>(this)->checked_value(); }
    /// The value; throws std::logic_error when it is an error.
    T& operator*() & { return checked_value(); }
    /// The value; throws std::logic_error when it is an error.
    const T& operator*() const& { return const_cast<Result*>(this)->checked_value(); }

    /// The error; throws std::logic_error when it is a value.
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
/// Success (Done) or an Error.
using Status = Result<Done>;

}  // namespace defender
